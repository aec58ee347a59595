"""Conditions as a tree in negation normal form, and their three-valued meaning.

A blank cell is unknown, never false (Kleene logic): `no AND unknown` is no, `yes OR unknown` is
yes. The engine compiles these trees to durable_rules patterns; `evaluate` here gives the same
answer in Python so a finding can say which facts it used and which blanks left it open.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Union

from ..errors import RulesetError

COMPLEMENT = {"is": "is_not", "is_not": "is", "in": "not_in", "not_in": "in", "lt": "gte", "gte": "lt",
              "gt": "lte", "lte": "gt", "before": "on_or_after", "on_or_after": "before"}
OPERATORS = tuple(COMPLEMENT) + ("known",)


@dataclass(frozen=True)
class Test:
    fact: str
    op: str
    value: Any  # resolved: scalar, tuple of scalars, number, date ordinal, or bool for `known`


@dataclass(frozen=True)
class FindingTest:
    rules: tuple[str, ...]


@dataclass(frozen=True)
class All:
    children: tuple


@dataclass(frozen=True)
class Any_:
    children: tuple


Node = Union[Test, FindingTest, All, Any_]


class Resolver:
    """Turns a YAML condition into a Node: predicates inlined, parameters and dates resolved."""

    def __init__(self, predicates: dict, parameters: dict, as_of: dt.date):
        self.predicates = predicates
        self.parameters = parameters
        self.as_of = as_of

    def resolve(self, cond: dict, negated: bool = False, _depth: int = 0) -> Node:
        if _depth > 50:
            raise RulesetError("predicates refer to each other in a cycle")
        if "all" in cond or "any" in cond:
            is_all = ("all" in cond) != negated  # De Morgan
            children = tuple(self.resolve(c, negated, _depth + 1) for c in cond.get("all") or cond["any"])
            return All(children) if is_all else Any_(children)
        if "not" in cond:
            return self.resolve(cond["not"], not negated, _depth + 1)
        if "predicate" in cond:
            return self.resolve(self.predicates[cond["predicate"]], negated, _depth + 1)
        if "finding" in cond:
            if negated:
                raise RulesetError("a finding test cannot be negated")
            return FindingTest(tuple(cond["finding"]))
        return self._test(cond, negated)

    def _test(self, cond: dict, negated: bool) -> Test:
        fact = cond["fact"]
        op = next(k for k in cond if k != "fact")
        value = self.value(op, cond[op])
        if op == "known":
            return Test(fact, op, value != negated)
        return Test(fact, COMPLEMENT[op] if negated else op, value)

    def value(self, op: str, raw: Any) -> Any:
        if isinstance(raw, dict) and "param" in raw:
            raw = self.parameters[raw["param"]]
        if op in ("in", "not_in"):
            return tuple(raw)
        if op in ("before", "on_or_after"):
            return self.date_bound(raw).toordinal()
        return raw

    def date_bound(self, raw: Any) -> dt.date:
        if raw == "as_of":
            return self.as_of
        if isinstance(raw, dict):
            years = self.value("lt", raw["years_before_as_of"])
            return _years_before(self.as_of, years)
        return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))


def _years_before(day: dt.date, years: float) -> dt.date:
    whole = int(years)
    try:
        shifted = day.replace(year=day.year - whole)
    except ValueError:  # 29 February
        shifted = day.replace(year=day.year - whole, day=28)
    return shifted - dt.timedelta(days=round((years - whole) * 365.25))


def negate(node: Node) -> Node:
    if isinstance(node, All):
        return Any_(tuple(negate(c) for c in node.children))
    if isinstance(node, Any_):
        return All(tuple(negate(c) for c in node.children))
    if isinstance(node, FindingTest):
        raise RulesetError("a finding test cannot be negated")
    if node.op == "known":
        return Test(node.fact, "known", not node.value)
    return Test(node.fact, COMPLEMENT[node.op], node.value)


@lru_cache(maxsize=4096)
def facts_of(node: Node) -> tuple[str, ...]:
    """The facts a condition reads, in the order it reads them (trees are immutable: cached)."""
    if isinstance(node, Test):
        return (node.fact,)
    if isinstance(node, FindingTest):
        return ()
    seen: list[str] = []
    for child in node.children:
        seen += [f for f in facts_of(child) if f not in seen]
    return tuple(seen)


def finding_tests(node: Node) -> list[FindingTest]:
    if isinstance(node, FindingTest):
        return [node]
    if isinstance(node, Test):
        return []
    return [t for child in node.children for t in finding_tests(child)]


def evaluate(node: Node, values: dict, findings: dict[str, bool] | None = None) -> bool | None:
    """Three-valued truth of a condition: True, False, or None when blanks leave it open.

    `values` holds known facts only (dates as ordinals); `findings` maps a rule id to True when
    it fired and False when it is undetermined (absent: it did not apply).
    """
    if isinstance(node, All):
        results = [evaluate(c, values, findings) for c in node.children]
        return False if False in results else (None if None in results else True)
    if isinstance(node, Any_):
        results = [evaluate(c, values, findings) for c in node.children]
        return True if True in results else (None if None in results else False)
    if isinstance(node, FindingTest):
        states = [(findings or {}).get(r) for r in node.rules]
        return True if True in states else (None if False in states else False)
    if node.op == "known":
        return (node.fact in values) == node.value
    if node.fact not in values:
        return None
    return _compare(node.op, values[node.fact], node.value)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "is":
        return actual == expected
    if op == "is_not":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return False  # durable_rules never matches a comparison across types
    return {"lt": actual < expected, "lte": actual <= expected, "gt": actual > expected,
            "gte": actual >= expected, "before": actual < expected,
            "on_or_after": actual >= expected}[op]


def unknown_facts(node: Node, values: dict, findings: dict[str, bool] | None = None) -> list[str]:
    """The blank facts that leave an undetermined condition open (only the branches that matter)."""
    if isinstance(node, Test):
        return [node.fact] if node.op != "known" and node.fact not in values else []
    if isinstance(node, FindingTest):
        return []
    open_children = [c for c in node.children if evaluate(c, values, findings) is None]
    found: list[str] = []
    for child in open_children:
        found += [f for f in unknown_facts(child, values, findings) if f not in found]
    return found
