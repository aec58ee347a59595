"""Engine results → one verdict per project (SPEC §3 "Verdict" and "Missing data")."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .engine import CompiledRuleset, ProjectResult, RuleResult
from .model import SEVERITY, Finding, Verdict
from .ruleset.conditions import evaluate, facts_of, unknown_facts
from .ruleset.vocabulary import fact_types, source_fields

#: a blank region attribute is filled in on the region sheet, not in the project row
REGION_FIELDS = {"region_air_quality": "region.air_quality", "region_energy_target": "region.energy_target",
                 "region_pollution_target": "region.pollution_target", "warning": "region.months",
                 "red_months": "region.months"}
PROCEED_RULE = "PROCEED"
PARAM_REFERENCE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def decide(result: ProjectResult, compiled: CompiledRuleset) -> Verdict:
    if result.error:
        return Verdict(result.project, None, None, False, None, [], [], derived=result.derived,
                       error=result.error)
    if result.two_high is False:
        return _out_of_scope(result, compiled)
    return _in_scope(result, compiled)


def _out_of_scope(result, compiled) -> Verdict:
    findings = [_finding(r, result, compiled, outcome="proceed") for r in result.exclusions.values()
                if r.determined]
    return Verdict(result.project, False, "proceed", False, None, findings, [], derived=result.derived)


def _in_scope(result, compiled) -> Verdict:
    fired = [r for r in result.results.values() if r.determined]
    lifted = {target: r.rule.id for r in fired for target in r.rule.lifts}
    findings = [_finding(r, result, compiled, lifted_by=lifted.get(r.rule.id)) for r in fired]
    counted = [f for f in findings if not f.lifted_by and f.outcome != "note"]
    verdict = max((f.outcome for f in counted), key=SEVERITY.get, default="proceed")
    open_results = [r for r in result.results.values() if not r.determined]
    worse = [r for r in open_results if SEVERITY[_potential(r, result)] > SEVERITY[verdict]]
    undetermined = [_finding(r, result, compiled) for r in open_results]
    provisional = result.two_high is None or bool(worse)
    missing = _missing(result, worse) if provisional else []
    could_become = max((_potential(r, result) for r in worse), key=SEVERITY.get, default=None)
    if provisional:
        verdict = max(verdict, "rectify", key=SEVERITY.get)
        if could_become and SEVERITY[could_become] <= SEVERITY[verdict]:
            could_become = None
        findings.append(_missing_data_finding(compiled, missing))
    elif not counted:
        findings.append(_proceed_finding(result, compiled))
    findings.sort(key=lambda f: (f.lifted_by is not None, -SEVERITY.get(f.outcome, 0)))
    return Verdict(result.project, result.two_high, verdict, provisional, could_become, findings, missing,
                   undetermined=undetermined, derived=result.derived)


def _potential(result: RuleResult, project: ProjectResult) -> str:
    """The worst outcome an open rule could still give, over the stages the project may be in."""
    rule = result.rule
    stage = project.values.get("stage")
    if stage in rule.stages and stage in rule.outcome:
        return rule.outcome[stage]
    if stage in rule.stages:
        return rule.worst_outcome([stage])
    worst = _WORST.get(id(rule))
    if worst is None or worst[0] is not rule:
        worst = _WORST[id(rule)] = (rule, rule.worst_outcome(rule.stages))
    return worst[1]


_WORST: dict[int, tuple] = {}  # id(rule) → (rule, its worst outcome over all its stages)


def _missing(result: ProjectResult, open_results: list[RuleResult]) -> list[str]:
    facts: list[str] = []
    if result.two_high is None:
        for exclusion in result.exclusions.values():
            facts += unknown_facts(exclusion.compiled.condition, result.values)
    for open_result in open_results:
        findings = _finding_states(result)
        facts += [f for f in unknown_facts(open_result.compiled.condition, result.values, findings)
                  if f != "two_high"]
    fields: list[str] = []
    for fact in facts:
        for name in _fields_for(fact, result):
            if name not in fields:
                fields.append(name)
    return fields


def _fields_for(fact: str, result: ProjectResult) -> tuple[str, ...]:
    if fact in REGION_FIELDS:
        has_place = "city" in result.project.values or "county" in result.project.values
        return (REGION_FIELDS[fact],) if has_place else ("city", "county")
    if fact == "two_high":
        return ()
    return tuple(f for f in source_fields(fact) if f not in result.project.values) or (fact,)


def _finding_states(result: ProjectResult) -> dict[str, bool]:
    return {rule_id: r.determined for rule_id, r in result.results.items()}


def _finding(rule_result: RuleResult, result: ProjectResult, compiled: CompiledRuleset, *,
             outcome: str | None = None, lifted_by: str | None = None) -> Finding:
    rule = rule_result.rule
    stage = result.values.get("stage")
    stage_known = stage in rule.outcome
    used = [f for f in facts_of(rule_result.compiled.own_condition) if f in result.values]
    if rule.kind == "exclusion" and "stage" in facts_of(rule_result.compiled.condition):
        used = ["stage"] + [f for f in used if f != "stage"]
    clauses, message, action = _rule_texts(compiled, rule, stage if stage_known else None)
    finding = Finding(
        rule=rule.id,
        outcome=outcome or (rule.outcome[stage] if stage_known else _potential(rule_result, result)),
        clauses=clauses,
        message=message,
        action=action,
        facts={f: _display(f, result.values[f]) for f in used},
        cells={f: c for f in used if (c := _cell(f, result))},
        stage=stage,
        determined=rule_result.determined,
        lifted_by=lifted_by,
        lifts=list(rule.lifts),
    )
    if rule_result.triggers:
        finding.facts["findings"] = "、".join(rule_result.triggers)
    if not rule_result.determined:
        finding.missing = _missing(result, [rule_result])
    return finding


_TEXTS: dict[tuple[str, str, str | None], tuple] = {}


def _rule_texts(compiled: CompiledRuleset, rule, stage: str | None) -> tuple[list, str, str]:
    """A rule's clauses, message and action for a stage (None: unknown), rendered once per ruleset.

    Findings of the same rule share them: thousands of projects cite the same clause list.
    """
    key = (compiled.name, rule.id, stage)
    texts = _TEXTS.get(key)
    if texts is None:
        action = rule.action.get(stage, "") if stage else "；".join(dict.fromkeys(rule.action.values()))
        texts = _TEXTS[key] = ([compiled.ruleset.clauses[c] for c in rule.clauses],
                               render(rule.message, compiled.params), render(action, compiled.params))
    return texts


def render(text: str, params: dict) -> str:
    """Messages may name a parameter in braces, {energy_threshold}, to quote the value in force."""
    return PARAM_REFERENCE.sub(lambda m: _format_param(params[m.group(1)]) if m.group(1) in params else m.group(0),
                               text)


def _format_param(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


def _cell(fact: str, result: ProjectResult) -> str | None:
    return result.derived_cells.get(fact) or result.project.cells.get(fact)


def _display(fact: str, value: Any) -> Any:
    kind = fact_types().get(fact)
    if kind is not None and kind.type == "date" and isinstance(value, (int, float)):
        return dt.date.fromordinal(int(value)).isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _proceed_finding(result: ProjectResult, compiled: CompiledRuleset) -> Finding:
    proceed = compiled.ruleset.proceed
    stage = result.values.get("stage")
    refs = proceed.get("by_stage", {}).get(stage, proceed["clauses"])
    return Finding(rule=PROCEED_RULE, outcome="proceed",
                   clauses=[compiled.ruleset.clauses[c] for c in refs],
                   message=proceed["message"], action="正常推进。", stage=stage)


def _missing_data_finding(compiled: CompiledRuleset, missing: list[str]) -> Finding:
    spec = compiled.ruleset.missing_data
    labels = [_label(m) for m in missing]
    return Finding(rule=spec["rule"], outcome="rectify",
                   clauses=[compiled.ruleset.clauses[c] for c in spec["clauses"]],
                   message=spec["message"], action=(spec.get("action") or "") + "、".join(labels),
                   facts={"missing": "、".join(missing)})


def _label(field: str) -> str:
    from .report.labels import field_label

    return field_label(field)


def check_consistency(result: ProjectResult, compiled: CompiledRuleset) -> list[str]:
    """Where durable_rules and the Python evaluator disagree on a rule (used by the tests)."""
    states = _finding_states(result)
    problems = []
    if result.two_high is None or result.two_high is True:
        values = dict(result.values, two_high=True) if result.two_high else dict(result.values)
        for rule_id, entry in compiled.rules.items():
            if entry.rule.kind != "rule":
                continue
            truth = evaluate(entry.condition, values, None)
            if entry.finding_test is not None and truth is not False:
                truth_f = evaluate(entry.finding_test, {}, states)
                truth = False if truth_f is False else (None if None in (truth, truth_f) else True)
            got = result.results.get(rule_id)
            expected = {True: "fired", None: "open", False: "absent"}[truth]
            actual = "absent" if got is None else ("fired" if got.determined else "open")
            if expected != actual:
                problems.append(f"{rule_id}: engine {actual}, evaluator {expected}")
    return problems
