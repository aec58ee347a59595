"""Type-checking a loaded ruleset, so a typo fails at load with a did-you-mean.

Each problem names the file, line and column it was written at. `screening ruleset check`
runs these and more; loading a ruleset refuses one with any error.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass

from .model import Rule, Ruleset
from .vocabulary import fact_types

NUMBER_OPS = ("lt", "lte", "gt", "gte")
DATE_OPS = ("before", "on_or_after")
OUTCOMES = ("halt", "rectify", "proceed", "note")


@dataclass
class Problem:
    severity: str  # error | warning
    code: str
    message: str
    file: str | None = None
    path: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line or 0}:{self.column or 0}"
        text = f"{where}: {self.severity}: {self.message} [{self.code}]"
        return text + (f" — {self.hint}" if self.hint else "")


def did_you_mean(name: str, known) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


class Checker:
    def __init__(self, ruleset: Ruleset):
        self.ruleset = ruleset
        self.problems: list[Problem] = []
        self.facts = fact_types()

    def error(self, code, message, origin, path_suffix="", hint=None, severity="error"):
        origin = self.ruleset.locate(origin, path_suffix)
        self.problems.append(Problem(severity, code, message, origin and str(origin.file), origin and origin.path,
                                     origin and origin.line, origin and origin.column, hint))

    def run(self) -> list[Problem]:
        self.check_rule_ids()
        for rule in self.ruleset.exclusions + self.ruleset.rules:
            self.check_rule(rule)
        for name, cond in self.ruleset.predicates.items():
            self.check_condition(cond, self.ruleset.origins.get(f"predicates.{name}"), "when")
        for key in ("scope.proceed", "scope.missing_data"):
            section = self.ruleset.proceed if key == "scope.proceed" else self.ruleset.missing_data
            cited = list(section.get("clauses", [])) + [c for cs in section.get("by_stage", {}).values() for c in cs]
            for ref in cited:
                self.check_clause_ref(ref, self.ruleset.origins.get(key))
        for parameter in self.ruleset.parameters.values():
            for dated in parameter.values:
                if "clause" in dated.source:
                    self.check_clause_ref(dated.source["clause"], parameter.origin)
        for clause_id, clause in self.ruleset.clauses.items():
            if clause.document not in self.ruleset.documents:
                self.error("unknown-document", f"clause {clause_id} names document {clause.document!r}, "
                           "which is not declared under documents", self.ruleset.origins.get(f"clauses.{clause_id}"),
                           hint=did_you_mean(clause.document, self.ruleset.documents))
        return self.problems

    def check_rule_ids(self) -> None:
        seen = {}
        for rule in self.ruleset.exclusions + self.ruleset.rules:
            if rule.id in seen:
                self.error("duplicate-rule", f"rule id {rule.id} is used twice (first at line "
                           f"{seen[rule.id].line})", rule.origin, "id")
            else:
                seen[rule.id] = rule.origin

    def check_rule(self, rule: Rule) -> None:
        for ref in rule.clauses:
            self.check_clause_ref(ref, rule.origin, "clauses")
        for stage, outcome in rule.outcome.items():
            if stage not in rule.stages:
                self.error("outcome-stage", f"rule {rule.id} gives an outcome for {stage}, a stage it does "
                           f"not apply to (stages: {', '.join(rule.stages)})", rule.origin, f"outcome.{stage}",
                           hint=f"add {stage} to stages or remove outcome.{stage}")
            if rule.kind == "rule" and outcome not in OUTCOMES:
                self.error("bad-outcome", f"unknown outcome {outcome!r}", rule.origin, f"outcome.{stage}")
        for stage in rule.stages:
            if stage not in rule.outcome:
                self.error("missing-outcome", f"rule {rule.id} applies to {stage} but gives no outcome for it",
                           rule.origin, "outcome", hint=f"add outcome.{stage}")
        for stage in rule.action:
            if stage not in rule.stages:
                self.error("action-stage", f"rule {rule.id} gives an action for {stage}, a stage it does not "
                           "apply to", rule.origin, f"action.{stage}")
        known_rules = {r.id for r in self.ruleset.rules}
        for target in rule.lifts:
            if target not in known_rules:
                self.error("unknown-rule", f"rule {rule.id} lifts unknown rule {target}", rule.origin, "lifts",
                           hint=did_you_mean(target, known_rules))
        self.check_condition(rule.when, rule.origin, "when", top=True)
        self.check_message_parameters(rule)

    def check_message_parameters(self, rule: Rule) -> None:
        texts = [("message", rule.message)] + [(f"action.{s}", a) for s, a in rule.action.items()]
        for where, text in texts:
            for name in re.findall(r"\{([a-z_][a-z0-9_]*)\}", text or ""):
                if name not in self.ruleset.parameters:
                    self.error("unknown-parameter", f"rule {rule.id} quotes unknown parameter {{{name}}} in its "
                               f"{where.split('.')[0]}", rule.origin, where.split(".")[0],
                               hint=did_you_mean(name, self.ruleset.parameters))

    def check_clause_ref(self, ref, origin, suffix="") -> None:
        if ref not in self.ruleset.clauses:
            self.error("unknown-clause", f"clause {ref!r} is not in the clause register", origin, suffix,
                       hint=did_you_mean(ref, self.ruleset.clauses))

    def check_condition(self, cond, origin, path, top=False) -> None:
        if not isinstance(cond, dict):
            return
        for key in ("all", "any"):
            for index, child in enumerate(cond.get(key, [])):
                self.check_condition(child, origin, f"{path}.{key}.{index}", top=top and key == "all")
        if "not" in cond:
            self.check_condition(cond["not"], origin, f"{path}.not")
        if "predicate" in cond and cond["predicate"] not in self.ruleset.predicates:
            self.error("unknown-predicate", f"unknown predicate {cond['predicate']!r}", origin, path,
                       hint=did_you_mean(cond["predicate"], self.ruleset.predicates))
        if "finding" in cond:
            self.check_finding_test(cond["finding"], origin, path, top)
        if "fact" in cond:
            self.check_test(cond, origin, path)

    def check_finding_test(self, rule_ids, origin, path, top) -> None:
        if not top:
            self.error("finding-placement", "a finding test may stand only directly under the rule's "
                       "top-level `all`", origin, path)
        known = {r.id for r in self.ruleset.rules}
        for rule_id in rule_ids:
            if rule_id not in known:
                self.error("unknown-rule", f"finding test names unknown rule {rule_id}", origin, path,
                           hint=did_you_mean(rule_id, known))

    def check_test(self, cond, origin, path) -> None:
        fact = cond["fact"]
        kind = self.facts.get(fact)
        if kind is None:
            self.error("unknown-fact", f"unknown fact {fact!r}", origin, f"{path}.fact",
                       hint=did_you_mean(fact, self.facts))
            return
        op = next(k for k in cond if k != "fact")
        value = cond[op]
        if isinstance(value, dict) and "param" in value:
            if value["param"] not in self.ruleset.parameters:
                self.error("unknown-parameter", f"unknown parameter {value['param']!r}", origin, f"{path}.{op}",
                           hint=did_you_mean(value["param"], self.ruleset.parameters))
                return
            parameter = self.ruleset.parameters[value["param"]]
            for dated in parameter.values:
                self.check_value(kind, op, dated.value, origin, f"{path}.{op}")
        else:
            self.check_value(kind, op, value, origin, f"{path}.{op}")

    def check_value(self, kind, op, value, origin, path) -> None:
        if op in NUMBER_OPS and kind.type != "number":
            self.error("type", f"{op} compares numbers but {kind.name} is {kind.type}", origin, path)
        elif op in DATE_OPS and kind.type != "date":
            self.error("type", f"{op} compares dates but {kind.name} is {kind.type}", origin, path)
        elif op in ("is", "is_not", "in", "not_in"):
            for item in value if isinstance(value, (list, tuple)) else [value]:
                self.check_member(kind, item, origin, path)

    def check_member(self, kind, item, origin, path) -> None:
        if kind.type == "yesno" and not isinstance(item, bool):
            self.error("type", f"{kind.name} is yes/no: write true or false, not {item!r}", origin, path)
        elif kind.type == "number" and (isinstance(item, bool) or not isinstance(item, (int, float))):
            self.error("type", f"{kind.name} is a number, not {item!r}", origin, path)
        elif kind.type == "enum" and item not in kind.values:
            self.error("unknown-value", f"{item!r} is not a value of {kind.name} "
                       f"({' '.join(kind.values)})", origin, path, hint=did_you_mean(str(item), kind.values))


def check_ruleset(ruleset: Ruleset) -> list[Problem]:
    return Checker(ruleset).run()
