"""`screening ruleset test`: the YAML cases beside a ruleset, and how much of it they exercise.

Coverage counts two kinds of item:

- each rule and scope exclusion, covered when at least one case fires it (a determined
  finding; a finding lifted by another rule still fired);
- each (rule, stage) outcome of the decision table, covered when a case of that stage fires
  the rule.

The matrix lists each clause of the register with the rules (and the scope's PROCEED and
missing-data findings, and parameters) citing it, and how many cases fire each with that
clause cited: a clause whose rules no case fires is enforced but not tested.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..cases import CaseResult, load_cases, run_cases
from ..errors import RulesetError, ScreeningError
from ..ruleset.model import Ruleset
from .diff import display_path
from .semantic import citations


@dataclass
class Coverage:
    rules: dict[str, int]  # rule id → cases that fire it
    outcomes: dict[tuple[str, str], int]  # (rule id, stage) → cases of that stage that fire it
    pseudo: dict[str, int]  # PROCEED, DATA-6 → cases
    citing: dict[tuple[str, str], int] = field(default_factory=dict)  # (rule, clause id) → cases citing it

    @property
    def items(self) -> int:
        return len(self.rules) + len(self.outcomes)

    @property
    def covered(self) -> int:
        return sum(1 for n in self.rules.values() if n) + sum(1 for n in self.outcomes.values() if n)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.items if self.items else 100.0

    @property
    def unfired_rules(self) -> list[str]:
        return [r for r, n in self.rules.items() if not n]

    @property
    def unexercised_outcomes(self) -> list[tuple[str, str]]:
        return [key for key, n in self.outcomes.items() if not n]


@dataclass
class ClauseRow:
    clause: str
    label: str
    citers: list[tuple[str, int | None]]  # (rule id or param:name, cases firing it; None for parameters)

    @property
    def status(self) -> str:
        counted = [n for _, n in self.citers if n is not None]
        if not self.citers:
            return "uncited"
        if not counted:
            return "parameter only"
        return "tested" if any(counted) else "untested"


@dataclass
class CaseReport:
    ruleset: Ruleset
    cases_dir: Path
    results: list[CaseResult]
    coverage: Coverage
    matrix: list[ClauseRow] = field(default_factory=list)

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


def run_ruleset_tests(ruleset: Ruleset, cases_dir: Path | None = None) -> CaseReport:
    directory = Path(cases_dir) if cases_dir else ruleset.cases_dir
    if directory is None:
        raise RulesetError(f"ruleset {ruleset.id} names no cases folder: add `cases: <folder>` (relative to the "
                           "ruleset file)", file=ruleset.path)
    if not directory.exists():
        raise RulesetError(f"the cases folder {directory} of ruleset {ruleset.id} does not exist", file=ruleset.path)
    cases = load_cases(directory)
    if not cases:
        raise RulesetError(f"no cases in {directory}: write YAML case files there (see rulesets/README.md)",
                           file=ruleset.path)
    results = []
    for case in cases:  # one by one, so a case that cannot be screened fails alone
        try:
            [result] = run_cases([case], ruleset)
        except (ScreeningError, ValueError) as error:
            result = CaseResult(case, None, [f"cannot screen this case: {error}"])
        result.failures += misspelt_keys(case)
        results.append(result)
    coverage = measure(ruleset, results)
    return CaseReport(ruleset, directory, results, coverage, clause_matrix(ruleset, coverage))


REGION_KEYS = ("name", "air_quality", "energy_target", "pollution_target", "months")


def misspelt_keys(case) -> list[str]:
    """A case key that is no ledger field is kept as given and read by no rule: name it."""
    from ..fieldspec import load_field_spec
    from ..ruleset.checks import did_you_mean

    fields = load_field_spec().fields
    found = []
    for key in case.project:
        if key not in fields:
            hint = did_you_mean(key, fields)
            found.append(f"project: {key!r} is not a ledger field" + (f"; {hint}" if hint else ""))
    for key in case.region or {}:
        if key not in REGION_KEYS:
            hint = did_you_mean(key, REGION_KEYS)
            found.append(f"region: {key!r} is not a region attribute ({', '.join(REGION_KEYS)})"
                         + (f"; {hint}" if hint else ""))
    return found


def measure(ruleset: Ruleset, results: list[CaseResult]) -> Coverage:
    rules = {r.id: 0 for r in ruleset.exclusions + ruleset.rules}
    outcomes = {(r.id, stage): 0 for r in ruleset.rules for stage in r.stages}
    pseudo: Counter = Counter()
    citing: Counter = Counter()
    for result in results:
        if result.verdict is None:
            continue
        fired = [f for f in result.verdict.findings if f.determined]
        stages_fired = {(f.rule, f.stage) for f in fired}
        citing.update({(f.rule, c.id) for f in fired for c in f.clauses})
        for rule_id in set(result.fired):
            if rule_id in rules:
                rules[rule_id] += 1
            else:
                pseudo[rule_id] += 1
        for key in stages_fired:
            if key in outcomes:
                outcomes[key] += 1
    return Coverage(rules, outcomes, dict(pseudo), dict(citing))


def clause_matrix(ruleset: Ruleset, coverage: Coverage) -> list[ClauseRow]:
    cited = citations(ruleset)
    rows = []
    for clause_id, clause in ruleset.clauses.items():
        citers = []
        for who in cited.get(clause_id, []):
            if who.startswith("param:"):
                citers.append((who, None))
            else:
                citers.append((who, coverage.citing.get((who, clause_id), 0)))
        rows.append(ClauseRow(clause_id, clause.label, citers))
    return rows


# ------------------------------------------------------------------ rendering

def case_failure_lines(report: CaseReport) -> list[str]:
    lines = []
    for result in report.failures:
        case = result.case
        lines.append(f"{_rel(case.file)}:{case.line or 0}: FAIL {case.name}")
        lines += [f"    {failure}" for failure in result.failures]
    return lines


def render_text(report: CaseReport, min_coverage: float | None) -> str:
    cov = report.coverage
    ruleset = report.ruleset
    passed = len(report.results) - len(report.failures)
    out = [f"{ruleset.id} {ruleset.version} ({_rel(ruleset.path)}): {len(report.results)} cases from "
           f"{_rel(report.cases_dir)}, {passed} passed, {len(report.failures)} failed"]
    out += case_failure_lines(report)
    fired = sum(1 for n in cov.rules.values() if n)
    exercised = sum(1 for n in cov.outcomes.values() if n)
    out.append(f"coverage: rules fired {fired}/{len(cov.rules)}, stage outcomes exercised "
               f"{exercised}/{len(cov.outcomes)}: {cov.percent:.1f}%"
               + (f" (minimum {min_coverage:g}%)" if min_coverage is not None else ""))
    for rule_id in cov.unfired_rules:
        out.append(f"  not fired by any case: {rule_id} ({_where(ruleset, rule_id)})")
    for rule_id, stage in cov.unexercised_outcomes:
        if rule_id not in cov.unfired_rules:
            rule = ruleset.rule(rule_id)
            out.append(f"  outcome not exercised: {rule_id} at {stage} ({rule.outcome.get(stage)}) "
                       f"({_where(ruleset, rule_id)})")
    out += ["", "clause → rules (cases firing each):"]
    width = max((len(r.clause) for r in report.matrix), default=4)
    for row in report.matrix:
        citers = ", ".join(f"{who}" if n is None else f"{who} ({n})" for who, n in row.citers) or "—"
        out.append(f"  {row.clause:<{width}}  {row.label}  {citers}  [{row.status}]")
    return "\n".join(out) + "\n"


def to_json(report: CaseReport, min_coverage: float | None) -> dict:
    cov = report.coverage
    return {
        "ruleset": {"id": report.ruleset.id, "version": report.ruleset.version, "path": str(report.ruleset.path)},
        "cases_dir": str(report.cases_dir),
        "cases": len(report.results),
        "passed": len(report.results) - len(report.failures),
        "failed": len(report.failures),
        "failures": [{"name": r.case.name, "file": str(r.case.file), "line": r.case.line, "failures": r.failures}
                     for r in report.failures],
        "coverage": {
            "percent": round(cov.percent, 2),
            "minimum": min_coverage,
            "rules": cov.rules,
            "outcomes": [{"rule": rule, "stage": stage, "cases": n} for (rule, stage), n in cov.outcomes.items()],
            "not_fired": cov.unfired_rules,
            "not_exercised": [{"rule": rule, "stage": stage} for rule, stage in cov.unexercised_outcomes],
            "pseudo": cov.pseudo,
        },
        "matrix": [{"clause": row.clause, "label": row.label, "status": row.status,
                    "rules": [{"rule": who, "cases": n} for who, n in row.citers]} for row in report.matrix],
    }


def _where(ruleset: Ruleset, rule_id: str) -> str:
    origin = ruleset.rule(rule_id).origin
    return f"{_rel(origin.file)}:{origin.line}" if origin else ruleset.path.name


def _rel(path) -> str:
    return display_path(path)
