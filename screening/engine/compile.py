"""A ruleset, as in force on a date, compiled to a durable_rules ruleset definition.

Every rule becomes a "true" variant (one per stage, so each sits under its own equality node)
and an "open" variant (blanks leave it undetermined), written so that at most one of them
fires per project, once (see patterns.py). Exclusions compile the same way. Scope (two_high)
is not a rule of its own: the runner derives it from the exclusions' results (in scope when
none is true or open, out when one is true, else unknown) and combines it with each rule's
result in three-valued logic, so a project is screened with a single fact and one pass.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from ..ruleset.conditions import All, FindingTest, Resolver, Test, facts_of, negate
from ..ruleset.model import Rule, Ruleset
from ..ruleset.vocabulary import fact_types
from .patterns import (FALSE, _and, _atom, _or, expr_open, expr_possible, expr_true, possible_pattern,
                       render, split, true_pattern, with_kind)

_names = itertools.count()
PATTERN_BUDGET = 14  # $and/$or per pattern: durable's 32 expression slots, two each, one for kind
MAX_PIECES = 48  # durable rules for one rule's variants; beyond it the compact forms are used


@dataclass
class CompiledRule:
    rule: Rule
    condition: object  # the full resolved tree: stage, scope and the rule's own condition
    own_condition: object  # the rule's `when` only, for explaining its facts
    finding_test: FindingTest | None = None


@dataclass
class CompiledRuleset:
    ruleset: Ruleset
    as_of: dt.date
    params: dict
    name: str
    definition: dict = field(default_factory=dict)  # durable rule name → {"all": [...]}
    handlers: dict = field(default_factory=dict)  # durable rule name → (kind, CompiledRule, info, label)
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    in_scope: object = None
    facts: set = field(default_factory=set)  # the facts any pattern reads
    chained: set = field(default_factory=set)  # rule ids that another rule's finding test names


def compile_ruleset(ruleset: Ruleset, as_of: dt.date) -> CompiledRuleset:
    ruleset.require_in_effect(as_of)
    params = ruleset.parameters_at(as_of)
    compiled = CompiledRuleset(ruleset, as_of, params, name=f"screen_{ruleset.id}_{next(_names)}")
    resolver = Resolver(ruleset.predicates, params, as_of)
    exclusion_trees = [_compile_exclusion(compiled, resolver, rule) for rule in ruleset.exclusions]
    compiled.in_scope = All(tuple(negate(tree) for tree in exclusion_trees))
    for rule in ruleset.rules:
        _compile_rule(compiled, resolver, rule)
    # every fact must reach a rule: durable discards a fact no rule matches, and deleting the
    # session of a discarded fact corrupts its heap (seen here as munmap_chunk() aborts)
    _register(compiled, "sink:project", "sink", None, None, None)
    if compiled.chained:
        _register(compiled, "sink:finding", "sink", None, None, None, fact_kind="finding")
    compiled.facts = {f for c in compiled.rules.values() for f in facts_of(c.condition)}
    compiled.facts |= {f for tree in exclusion_trees for f in facts_of(tree)}
    return compiled


def _register(compiled, label, kind, target, info, pattern: dict | None, finding=None, fact_kind="project") -> None:
    """One durable rule: a project (or finding) fact, optionally joined to a finding fact."""
    name = f"r{len(compiled.definition)}"
    patterns = [{"p": with_kind(fact_kind, None, pattern)}]
    if finding is not None:
        patterns.append({"f": finding})
    compiled.definition[name] = {"all": patterns}
    compiled.handlers[name] = (kind, target, info, label)


def _add(compiled, label, kind, target, info, expr, finding=None, fact_kind="project") -> None:
    """One durable rule per exclusive piece of `expr`."""
    if expr == FALSE:
        return
    for piece in split(expr, PATTERN_BUDGET):
        _register(compiled, label, kind, target, info, render(piece), finding, fact_kind)


def _add_variants(compiled, kind, target, variants, compact) -> None:
    """The exclusive variants [(label, info, expr)]; for a condition too large to write them
    within durable's limits, the compact ones [(label, info, pattern)] instead: "true" and
    "possible" (true or open), which may fire more than once and which the runner ranks."""
    try:
        pieces = [(label, info, split(expr, PATTERN_BUDGET)) for label, info, expr in variants if expr != FALSE]
    except ValueError:
        pieces = None
    if pieces is not None and sum(len(p) for _, _, p in pieces) <= MAX_PIECES:
        for label, info, parts in pieces:
            for piece in parts:
                _register(compiled, label, kind, target, info, render(piece))
        return
    for label, info, pattern in compact:
        _register(compiled, label, kind, target, info, pattern)


def _stage_test(stages) -> Test:
    return Test("stage", "in", tuple(stages))


def _coerce_numbers(node):
    """durable_rules compares 7 and 7.0 as different: every number becomes a float."""
    if isinstance(node, Test):
        kinds = fact_types()
        kind = kinds.get(node.fact)
        if kind is not None and kind.type == "number" and node.op != "known":
            value = tuple(float(v) for v in node.value) if isinstance(node.value, tuple) else float(node.value)
            return Test(node.fact, node.op, value)
        return node
    if isinstance(node, FindingTest):
        return node
    return type(node)(tuple(_coerce_numbers(c) for c in node.children))


def _compile_exclusion(compiled, resolver, rule: Rule):
    own = _coerce_numbers(resolver.resolve(rule.when))
    tree = All((_stage_test(rule.stages), own)) if set(rule.stages) != {"拟建", "在建", "存量"} else own
    entry = CompiledRule(rule, tree, own)
    compiled.rules[rule.id] = entry
    _add_variants(compiled, "exclusion", entry,
                  [(f"{rule.id}#T", True, expr_true(tree)), (f"{rule.id}#O", False, expr_open(tree))],
                  [(f"{rule.id}#T", True, true_pattern(tree)), (f"{rule.id}#P", False, possible_pattern(tree))])
    return tree


def _compile_rule(compiled, resolver, rule: Rule) -> None:
    own = _coerce_numbers(resolver.resolve(rule.when))
    finding_test = None
    if isinstance(own, All) and any(isinstance(c, FindingTest) for c in own.children):
        finding_test = next(c for c in own.children if isinstance(c, FindingTest))
        rest = tuple(c for c in own.children if not isinstance(c, FindingTest))
    else:
        rest = (own,)
    scoped = (Test("two_high", "is", True),) + rest
    entry = CompiledRule(rule, All((_stage_test(rule.stages),) + scoped), own, finding_test)
    compiled.rules[rule.id] = entry
    # two_high is left out of the patterns: the runner applies scope to the results
    body = All(rest)
    if finding_test is None:
        true = [(f"{rule.id}#T:{stage}", (True, False), _and([_atom("$eq", "stage", stage), expr_true(body)]))
                for stage in rule.stages]
        open_ = [_and([_atom("$nex", "stage", 1), expr_possible(body)])]
        open_ += [_and([_atom("$eq", "stage", stage), expr_open(body)]) for stage in rule.stages]
        compact = [(f"{rule.id}#T:{stage}", (True, False), true_pattern(All((Test("stage", "is", stage), body))))
                   for stage in rule.stages]
        compact.append((f"{rule.id}#P", (False, False), possible_pattern(All((_stage_test(rule.stages), body)))))
        _add_variants(compiled, "rule", entry, true + [(f"{rule.id}#O", (False, False), _or(open_))], compact)
        return
    # a finding test joins a second fact: a true result needs a fired finding, an open one any
    compiled.chained.update(finding_test.rules)
    findings = _finding_pattern(finding_test)
    for stage in rule.stages:
        _add(compiled, f"{rule.id}#T:{stage}", "rule", entry, (True, True),
             _and([_atom("$eq", "stage", stage), expr_true(body)]),
             finding=with_kind("finding", None, {"$and": [findings, {"determined": True}]}))
    _add(compiled, f"{rule.id}#P", "rule", entry, (False, True), expr_possible(All((_stage_test(rule.stages), body))),
         finding=with_kind("finding", None, findings))


def _finding_pattern(test: FindingTest) -> dict:
    parts = [{"rule": r} for r in test.rules]
    return parts[0] if len(parts) == 1 else {"$or": parts}
