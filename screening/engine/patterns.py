"""Condition trees → durable_rules patterns, for each of the three truth values.

T(C) matches when C is true, P(C) when C is not false (true or open). Both are positive
patterns: no rule needs negation, which durable_rules does not retract (see
shared/notes/durable-rules.md).

The engine compiles each rule to a "true" and an "open" variant with the `expr_*` forms
below (open written out directly, every `$or` with mutually exclusive branches, and split into
several durable rules when it would overflow durable's 32-slot expression sequence, where each
$and/$or takes two slots), so each rule fires at most once per project. `true_pattern` and
`possible_pattern` remain for rules that join a finding fact.
"""
from __future__ import annotations

from ..ruleset.conditions import All, Any_, FindingTest, Test, negate

_DURABLE_OPS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "before": "$lt", "on_or_after": "$gte"}


def true_pattern(node) -> dict:
    if isinstance(node, All):
        return _join("$and", [true_pattern(c) for c in node.children])
    if isinstance(node, Any_):
        return _join("$or", [true_pattern(c) for c in node.children])
    if isinstance(node, FindingTest):
        raise ValueError("finding tests are compiled as a separate fact")
    return _test(node)


def possible_pattern(node) -> dict:
    if isinstance(node, All):
        return _join("$and", [possible_pattern(c) for c in node.children])
    if isinstance(node, Any_):
        return _join("$or", [possible_pattern(c) for c in node.children])
    if node.op == "known":
        return _test(node)
    return _join("$or", [{"$nex": {node.fact: 1}}, _test(node)])


def _test(node: Test) -> dict:
    fact, op, value = node.fact, node.op, node.value
    if op == "known":
        return {("$ex" if value else "$nex"): {fact: 1}}
    if op == "is":
        return {fact: value}
    if op == "is_not":
        return {"$neq": {fact: value}}
    if op == "in":
        return _join("$or", [{fact: v} for v in value])
    if op == "not_in":
        return _join("$and", [{"$neq": {fact: v}} for v in value])
    return {_DURABLE_OPS[op]: {fact: value}}


def _join(operator: str, parts: list[dict]) -> dict:
    flat = []
    for part in parts:  # nested $and in $and (or $or in $or) would spend slots for nothing
        flat += part[operator] if set(part) == {operator} else [part]
    return flat[0] if len(flat) == 1 else {operator: flat}


def with_kind(kind: str, phase: str | None, pattern: dict | None) -> dict:
    """Every pattern starts with a positive equality: a pattern of only $nex loops forever."""
    head = [{"kind": kind}] + ([{"phase": phase}] if phase else [])
    return _join("$and", head + ([pattern] if pattern else []))


# ---------------------------------------------------------------- exclusive three-valued forms
#
# Each durable action costs far more than a pattern test, and durable fires a rule once for
# every branch of an `$or` that matches. The forms below are written so that every `$or` has
# mutually exclusive branches (it is split on the first child that decides it), so a rule's
# "true" and "open" variants fire at most once per project between them. Open is compiled
# directly (not as "possible", which also matches when true). Exact for facts of the declared
# types (numbers as floats, dates as ordinals), which is what the runner asserts.
#
# Expressions: TRUE, FALSE, ("t", fact, durable_op, value), ("and", parts), ("or", parts).

TRUE = ("true",)
FALSE = ("false",)
_CMP = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "before": "$lt", "on_or_after": "$gte"}


def expr_true(node):
    """Matches when the condition is true."""
    if isinstance(node, All):
        return _and([expr_true(c) for c in node.children])
    if isinstance(node, Any_):
        cs = node.children
        return _or([_and([expr_not_true(c) for c in cs[:k]] + [expr_true(cs[k])]) for k in range(len(cs))])
    if isinstance(node, FindingTest):
        raise ValueError("finding tests are compiled as a separate fact")
    return _atom_true(node)


def expr_false(node):
    """Matches when the condition is false."""
    if isinstance(node, FindingTest):
        raise ValueError("finding tests are compiled as a separate fact")
    return expr_true(negate(node))


def expr_open(node):
    """Matches when blanks leave the condition undetermined."""
    if isinstance(node, All):
        cs = node.children
        return _or([_and([expr_true(c) for c in cs[:k]] + [expr_open(cs[k])] + [expr_possible(c) for c in cs[k + 1:]])
                    for k in range(len(cs))])
    if isinstance(node, Any_):
        cs = node.children
        return _or([_and([expr_false(c) for c in cs[:k]] + [expr_open(cs[k])] + [expr_not_true(c) for c in cs[k + 1:]])
                    for k in range(len(cs))])
    if isinstance(node, FindingTest):
        raise ValueError("finding tests are compiled as a separate fact")
    return FALSE if node.op == "known" else _atom("$nex", node.fact, 1)


def expr_possible(node):
    """Matches when the condition is not false (true or open)."""
    if isinstance(node, All):
        return _and([expr_possible(c) for c in node.children])
    if isinstance(node, Any_):
        cs = node.children
        return _or([_and([expr_false(c) for c in cs[:k]] + [expr_possible(cs[k])]) for k in range(len(cs))])
    if isinstance(node, FindingTest):
        raise ValueError("finding tests are compiled as a separate fact")
    if node.op == "known":
        return _atom_true(node)
    return _or([_atom("$nex", node.fact, 1), _atom_true(node)])


def expr_not_true(node):
    """Matches when the condition is false or open."""
    return expr_possible(negate(node))


def _atom(op, fact, value):
    return ("t", fact, op, value)


def _atom_true(node: Test):
    fact, op, value = node.fact, node.op, node.value
    if op == "known":
        return _atom("$ex" if value else "$nex", fact, 1)
    if op == "is":
        return _atom("$eq", fact, value)
    if op == "is_not":
        return _atom("$neq", fact, value)
    if op == "in":
        return _or([_atom("$eq", fact, v) for v in dict.fromkeys(value)])
    if op == "not_in":
        return _and([_atom("$neq", fact, v) for v in dict.fromkeys(value)])
    return _atom(_CMP[op], fact, value)


def _and(parts):
    flat = []
    for part in parts:
        if part == FALSE:
            return FALSE
        if part == TRUE:
            continue
        flat += part[1] if part[0] == "and" else [part]
    flat = _simplify_conjunction(flat)
    if flat is None:
        return FALSE
    atoms = [p for p in flat if p[0] == "t"]
    if atoms and any(p[0] == "or" for p in flat):  # drop branches the atoms beside them rule out
        pruned = []
        for p in flat:
            if p[0] == "or":
                kept = [b for b in p[1] if _simplify_conjunction(atoms + _atoms_of(b)) is not None]
                if not kept:
                    return FALSE
                p = kept[0] if len(kept) == 1 else ("or", tuple(kept))
            pruned += p[1] if p[0] == "and" else [p]
        if pruned != flat:
            return _and(pruned)
    return TRUE if not flat else flat[0] if len(flat) == 1 else ("and", tuple(flat))


def _atoms_of(expr):
    """The atoms a branch requires outright (its top-level conjunction)."""
    if expr[0] == "t":
        return [expr]
    if expr[0] == "and":
        return [p for p in expr[1] if p[0] == "t"]
    return []


def _or(parts):
    flat = []
    for part in parts:
        if part == TRUE:
            return TRUE
        if part == FALSE:
            continue
        flat += part[1] if part[0] == "or" else [part]
    flat = list(dict.fromkeys(flat))
    return FALSE if not flat else flat[0] if len(flat) == 1 else ("or", tuple(flat))


def _simplify_conjunction(parts):
    """Drop repeats and implied $ex; None when two atoms cannot hold together."""
    atoms = [p for p in parts if p[0] == "t"]
    present = {a[1] for a in atoms if a[2] not in ("$ex", "$nex")}
    absent = {a[1] for a in atoms if a[2] == "$nex"}
    if present & absent or absent & {a[1] for a in atoms if a[2] == "$ex"}:
        return None
    equal = {}
    for a in atoms:
        if a[2] == "$eq":
            if equal.setdefault(a[1], a[3]) != a[3]:
                return None
    out = []
    for p in parts:
        if p[0] == "t":
            if p[2] == "$ex" and p[1] in present:
                continue
            if p[2] == "$neq" and p[1] in equal:
                if equal[p[1]] == p[3]:
                    return None
                continue  # implied by the equality
            if p[2] in _CMP.values() and p[1] in equal and _decided(p, equal[p[1]]) is not None:
                if not _decided(p, equal[p[1]]):
                    return None
                continue
        if p not in out:
            out.append(p)
    return out


def _decided(atom, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(atom[3], bool):
        return None
    return {"$lt": value < atom[3], "$lte": value <= atom[3], "$gt": value > atom[3], "$gte": value >= atom[3]}[atom[2]]


def connectives(expr) -> int:
    """How many `$and`/`$or` an expression renders to (durable allows 15 per pattern)."""
    if expr[0] in ("and", "or"):
        return 1 + sum(connectives(p) for p in expr[1])
    return 0


def split(expr, budget: int) -> list:
    """Mutually exclusive pieces whose disjunction is `expr`, each within `budget` connectives."""
    if connectives(expr) <= budget:
        return [expr]
    if expr[0] == "or":
        return [piece for part in expr[1] for piece in split(part, budget)]
    if expr[0] == "and":
        parts = list(expr[1])
        index = max(range(len(parts)), key=lambda i: (parts[i][0] == "or", connectives(parts[i])))
        if parts[index][0] == "or":  # distribute the conjunction over one disjunction
            return [piece for branch in parts[index][1]
                    for piece in split(_and(parts[:index] + [branch] + parts[index + 1:]), budget)]
    raise ValueError(f"a condition too large for one durable_rules pattern: {connectives(expr)} connectives")


def render(expr) -> dict | None:
    """The durable_rules pattern of an expression (None for TRUE)."""
    if expr == TRUE:
        return None
    if expr == FALSE:
        raise ValueError("FALSE has no pattern")
    if expr[0] == "and":
        return {"$and": [render(p) for p in expr[1]]}
    if expr[0] == "or":
        return {"$or": [render(p) for p in expr[1]]}
    _, fact, op, value = expr
    return {fact: value} if op == "$eq" else {op: {fact: value}}
