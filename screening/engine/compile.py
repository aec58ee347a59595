"""A ruleset, as in force on a date, compiled to a durable_rules ruleset definition."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from ..ruleset.conditions import All, FindingTest, Resolver, Test, facts_of, negate
from ..ruleset.model import Rule, Ruleset
from ..ruleset.vocabulary import fact_types
from .patterns import possible_pattern, true_pattern, with_kind

_names = itertools.count()


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
    definition: dict = field(default_factory=dict)  # durable rule id → {"all": [...], "run": key}
    handlers: dict = field(default_factory=dict)  # durable rule id → (kind, CompiledRule | None, info)
    rules: dict[str, CompiledRule] = field(default_factory=dict)
    in_scope: object = None
    facts: set = field(default_factory=set)  # the facts any pattern reads
    chained: set = field(default_factory=set)  # rule ids that another rule's finding test names


def compile_ruleset(ruleset: Ruleset, as_of: dt.date) -> CompiledRuleset:
    ruleset.require_in_effect(as_of)
    params = ruleset.parameters_at(as_of)
    compiled = CompiledRuleset(ruleset, as_of, params, name=f"screen_{ruleset.id}_{next(_names)}")
    resolver = Resolver(ruleset.predicates, params, as_of)
    _add(compiled, "derive", "derive", None, [{"p": with_kind("project", "raw", None)}])
    exclusion_trees = [_compile_exclusion(compiled, resolver, rule) for rule in ruleset.exclusions]
    _compile_scope(compiled, exclusion_trees)
    for rule in ruleset.rules:
        _compile_rule(compiled, resolver, rule)
    _add(compiled, "sink:screen", "sink", None, [{"p": with_kind("project", "screen", None)}])
    _add(compiled, "sink:finding", "sink", None, [{"f": with_kind("finding", None, None)}])
    compiled.facts = {f for c in compiled.rules.values() for f in facts_of(c.condition)}
    compiled.facts |= {f for tree in exclusion_trees for f in facts_of(tree)}
    return compiled


def _add(compiled, rule_id, kind, target, patterns, info=None, priority=None) -> None:
    compiled.definition[rule_id] = {"all": patterns}
    if priority is not None:
        compiled.definition[rule_id]["pri"] = priority
    compiled.handlers[rule_id] = (kind, target, info)


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
    _add(compiled, f"{rule.id}#T", "exclusion", entry,
         [{"p": with_kind("project", "derived", true_pattern(tree))}], info=True)
    _add(compiled, f"{rule.id}#P", "exclusion", entry,
         [{"p": with_kind("project", "derived", possible_pattern(tree))}], info=False)
    return tree


def _compile_scope(compiled, exclusion_trees) -> None:
    in_scope = All(tuple(negate(tree) for tree in exclusion_trees))
    compiled.in_scope = in_scope
    # durable fires lower `pri` first: a project in scope is settled before "possibly in scope" runs
    _add(compiled, "scope#T", "scope", None, [{"p": with_kind("project", "derived", true_pattern(in_scope))}],
         info=True, priority=1)
    _add(compiled, "scope#P", "scope", None, [{"p": with_kind("project", "derived", possible_pattern(in_scope))}],
         info=None, priority=2)


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
    if finding_test:
        compiled.chained.update(finding_test.rules)
    for stage in rule.stages:  # one rule per stage, so each sits under its own equality node
        tree = All((Test("stage", "is", stage),) + scoped)
        _add_variants(compiled, f"{rule.id}#T:{stage}", entry, tree, determined=True)
    _add_variants(compiled, f"{rule.id}#P", entry, entry.condition, determined=False)


def _add_variants(compiled, rule_id, entry: CompiledRule, tree, determined: bool) -> None:
    pattern = true_pattern(tree) if determined else possible_pattern(tree)
    patterns = [{"p": with_kind("project", "screen", pattern)}]
    if entry.finding_test is not None:  # a true result needs a fired finding; a possible one, any
        findings = _finding_pattern(entry.finding_test)
        if determined:
            findings = {"$and": [findings, {"determined": True}]}
        patterns.append({"f": with_kind("finding", None, findings)})
    _add(compiled, rule_id, "rule", entry, patterns, info=determined)


def _finding_pattern(test: FindingTest) -> dict:
    parts = [{"rule": r} for r in test.rules]
    return parts[0] if len(parts) == 1 else {"$or": parts}
