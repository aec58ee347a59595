"""Condition trees → durable_rules patterns, for each of the three truth values.

T(C) matches when C is true, P(C) when C is not false (true or open). Both are positive
patterns: no rule needs negation, which durable_rules does not retract (see
shared/notes/durable-rules.md). A condition is open when P matched and T did not; the engine
ranks the two results rather than compiling "P and not T", which would also overflow
durable's 32-slot expression sequence (each $and/$or takes two slots).
"""
from __future__ import annotations

from ..ruleset.conditions import All, Any_, FindingTest, Test

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
