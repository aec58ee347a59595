"""`screening ruleset diff`: whose verdicts a ruleset change flips, and which rules flip them.

Both rulesets screen the same ledgers as of the same date. A project is listed when its
verdict (with scope and provisional status), its findings (rule and outcome) or the clauses
its verdict cites change; the rules added to or removed from its findings are the ones
responsible. A short account of what changed in the ruleset itself (parameters in force,
rules, clauses) heads the report.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..model import Screening, Verdict
from ..ruleset.model import Ruleset

RULE_FIELDS = ("when", "stages", "outcome", "clauses", "lifts", "message", "action")


@dataclass
class Snapshot:
    """What a reviewer compares about one project's verdict."""

    status: str  # halt | rectify | proceed | out_of_scope | error
    provisional: bool
    could_become: str | None
    findings: dict[str, str]  # rule → outcome ("halt", …, "halt, lifted by STK-9d")
    refs: dict[str, str]  # clause id → label, of the findings the verdict rests on
    undetermined: list[str]

    @property
    def label(self) -> str:
        return self.status + (" (provisional)" if self.provisional else "")


@dataclass
class ProjectChange:
    ledger: str
    sheet: str
    row: int
    key: str
    name: str
    city: str
    old: Snapshot
    new: Snapshot
    rules_added: list[str] = field(default_factory=list)
    rules_removed: list[str] = field(default_factory=list)
    outcome_changed: list[str] = field(default_factory=list)  # "ADM-4.2a rectify→halt"
    refs_added: list[str] = field(default_factory=list)
    refs_removed: list[str] = field(default_factory=list)

    @property
    def flip(self) -> str | None:
        return f"{self.old.label}→{self.new.label}" if self.old.label != self.new.label else None

    @property
    def kind(self) -> str:
        """verdict: the verdict (scope, provisional) flips; findings: same verdict, other findings or
        clauses; exclusions: out of scope before and after, only the exclusions that say so differ."""
        if self.flip:
            return "verdict"
        return "exclusions" if self.new.status == "out_of_scope" else "findings"

    @property
    def responsible(self) -> list[str]:
        return self.rules_added + self.rules_removed + [c.split(" ")[0] for c in self.outcome_changed]


@dataclass
class LedgerDiff:
    ledger: str
    projects: int
    changes: list[ProjectChange]


@dataclass
class DiffReport:
    old: dict  # label, id, version, sha256
    new: dict
    as_of: dt.date
    ruleset_changes: list[str]
    ledgers: list[LedgerDiff]

    @property
    def changes(self) -> list[ProjectChange]:
        return [c for ledger in self.ledgers for c in ledger.changes]

    @property
    def scope_reasons_only(self) -> list[ProjectChange]:
        return [c for c in self.changes if c.kind == "exclusions"]

    @property
    def flips(self) -> Counter:
        return Counter(c.flip for c in self.changes if c.flip)

    @property
    def projects(self) -> int:
        return sum(ledger.projects for ledger in self.ledgers)


def snapshot(verdict: Verdict) -> Snapshot:
    if verdict.error:
        return Snapshot("error", False, None, {}, {}, [])
    findings, refs = {}, {}
    for finding in verdict.findings:
        if finding.lifted_by:
            findings[finding.rule] = f"{finding.outcome}, lifted by {finding.lifted_by}"
            continue
        findings[finding.rule] = finding.outcome
        for clause in finding.clauses:
            refs[clause.id] = clause.label
    status = "out_of_scope" if verdict.two_high is False else verdict.verdict
    return Snapshot(status, verdict.provisional, verdict.could_become, findings, refs,
                    sorted(f.rule for f in verdict.undetermined))


def compare_screenings(old: Screening, new: Screening, ledger: str) -> LedgerDiff:
    new_by_row = {(v.project.sheet, v.project.row): v for v in new.verdicts}
    changes = []
    for before in old.verdicts:
        after = new_by_row.get((before.project.sheet, before.project.row))
        if after is None:
            continue
        change = compare_verdicts(before, after, ledger)
        if change is not None:
            changes.append(change)
    return LedgerDiff(ledger, len(old.verdicts), changes)


def compare_verdicts(before: Verdict, after: Verdict, ledger: str) -> ProjectChange | None:
    old, new = snapshot(before), snapshot(after)
    if (old.label, old.could_become, old.findings, set(old.refs)) == (new.label, new.could_become, new.findings,
                                                                      set(new.refs)):
        return None
    project = after.project
    return ProjectChange(
        ledger=ledger, sheet=project.sheet, row=project.row, key=project.key,
        name=str(project.values.get("name", "")), city=str(project.values.get("city", "")),
        old=old, new=new,
        rules_added=[r for r in new.findings if r not in old.findings],
        rules_removed=[r for r in old.findings if r not in new.findings],
        outcome_changed=[f"{r} {old.findings[r]}→{new.findings[r]}" for r in new.findings
                         if r in old.findings and old.findings[r] != new.findings[r]],
        refs_added=[new.refs[c] for c in new.refs if c not in old.refs],
        refs_removed=[old.refs[c] for c in old.refs if c not in new.refs],
    )


# ------------------------------------------------------------------ what changed in the ruleset

def ruleset_changes(old: Ruleset, new: Ruleset, as_of: dt.date) -> list[str]:
    """One line per change a reviewer should see, in the order parameters, rules, clauses."""
    lines = []
    if (old.id, old.version) != (new.id, new.version):
        lines.append(f"ruleset {old.id} {old.version} → {new.id} {new.version}")
    for name in _union(old.parameters, new.parameters):
        before, after = old.parameters.get(name), new.parameters.get(name)
        if before is None:
            lines.append(f"parameter {name} added: {_value(after, as_of)}")
        elif after is None:
            lines.append(f"parameter {name} removed (was {_value(before, as_of)})")
        elif _value(before, as_of) != _value(after, as_of):
            lines.append(f"parameter {name} on {as_of.isoformat()}: {_value(before, as_of)} → {_value(after, as_of)}")
        elif _dated(before) != _dated(after):
            lines.append(f"parameter {name}: dated values or sources changed (same value on {as_of.isoformat()})")
    for kind, before_list, after_list in (("exclusion", old.exclusions, new.exclusions),
                                          ("rule", old.rules, new.rules)):
        before = {r.id: r for r in before_list}
        after = {r.id: r for r in after_list}
        for rule_id in _union(before, after):
            if rule_id not in before:
                lines.append(f"{kind} {rule_id} added ({after[rule_id].title or after[rule_id].message})")
            elif rule_id not in after:
                lines.append(f"{kind} {rule_id} removed")
            else:
                changed = [f for f in RULE_FIELDS if getattr(before[rule_id], f) != getattr(after[rule_id], f)]
                if changed:
                    lines.append(f"{kind} {rule_id} changed: {', '.join(changed)}")
    for name in _union(old.predicates, new.predicates):
        if old.predicates.get(name) != new.predicates.get(name):
            state = "added" if name not in old.predicates else "removed" if name not in new.predicates else "changed"
            lines.append(f"predicate {name} {state}")
    for clause_id in _union(old.clauses, new.clauses):
        before, after = old.clauses.get(clause_id), new.clauses.get(clause_id)
        if before is None:
            lines.append(f"clause {clause_id} {after.label} added")
        elif after is None:
            lines.append(f"clause {clause_id} {before.label} removed")
        elif before.to_dict() != after.to_dict():
            lines.append(f"clause {clause_id} {after.label} changed")
    for key, label in (("proceed", "scope.proceed"), ("missing_data", "scope.missing_data")):
        if getattr(old, key) != getattr(new, key):
            lines.append(f"{label} changed")
    return lines


def _union(a: dict, b: dict) -> list:
    return list(a) + [k for k in b if k not in a]


def _value(parameter, day: dt.date) -> str:
    try:
        value = parameter.at(day)
    except Exception:  # RulesetError: no value in force
        return "(no value in force)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _dated(parameter) -> list:
    return [(repr(v.value), v.start, v.end, v.source) for v in parameter.values]


# ------------------------------------------------------------------ rendering

def to_json(report: DiffReport) -> dict:
    return {
        "old": report.old, "new": report.new, "as_of": report.as_of.isoformat(),
        "ruleset_changes": report.ruleset_changes,
        "summary": {"projects": report.projects, "changed": len(report.changes),
                    "verdict_flips": sum(report.flips.values()),
                    "findings_only": sum(1 for c in report.changes if c.kind == "findings"),
                    "exclusions_only": len(report.scope_reasons_only),
                    "flips": dict(report.flips.most_common())},
        "ledgers": [{"ledger": ledger.ledger, "projects": ledger.projects,
                     "changes": [dict(asdict(c), kind=c.kind, flip=c.flip, responsible=c.responsible)
                                 for c in ledger.changes]}
                    for ledger in report.ledgers],
    }


def render_text(report: DiffReport) -> str:
    out = [f"ruleset diff, as of {report.as_of.isoformat()}",
           f"  old: {_describe(report.old)}", f"  new: {_describe(report.new)}", ""]
    out.append("ruleset changes:" if report.ruleset_changes else "ruleset changes: none")
    out += [f"  {line}" for line in report.ruleset_changes]
    for ledger in report.ledgers:
        main = [c for c in ledger.changes if c.kind != "exclusions"]
        out += ["", f"{ledger.ledger}: {len(main)} of {ledger.projects} projects change"]
        for c in main:
            verdict = f"{c.old.label} → {c.new.label}" if c.flip else f"{c.new.label} (unchanged)"
            out.append(f"  [{c.sheet}] row {c.row} {c.key} {c.name} {c.city}: {verdict}".rstrip())
            rules = [f"+{r}" for r in c.rules_added] + [f"-{r}" for r in c.rules_removed] + c.outcome_changed
            if rules:
                out.append(f"      rules:   {' '.join(rules)}")
            refs = [f"+{r}" for r in c.refs_added] + [f"-{r}" for r in c.refs_removed]
            if refs:
                out.append(f"      clauses: {' '.join(refs)}")
        reasons = [c for c in ledger.changes if c.kind == "exclusions"]
        if reasons:
            out.append(f"  out of scope either way, excluded by other scope rules now ({len(reasons)}):")
            for c in reasons:
                out.append(f"    row {c.row} {c.key} {c.name}: {_exclusion_change(c)}")
    out += ["", _summary_line(report)]
    for flip, count in report.flips.most_common():
        out.append(f"  {flip}: {count}")
    return "\n".join(out) + "\n"


def render_md(report: DiffReport) -> str:
    out = [f"### Ruleset diff: {_describe(report.old)} → {_describe(report.new)}", "",
           f"As of **{report.as_of.isoformat()}**. {_summary_line(report)}", ""]
    if report.flips:
        out += ["| verdict flip | projects |", "|---|---:|"]
        out += [f"| {flip} | {count} |" for flip, count in report.flips.most_common()]
        out.append("")
    out.append("**Ruleset changes**" + ("" if report.ruleset_changes else ": none"))
    out += [""] + [f"- {_md(line)}" for line in report.ruleset_changes] + [""]
    for ledger in report.ledgers:
        main = [c for c in ledger.changes if c.kind != "exclusions"]
        out += [f"#### `{ledger.ledger}`: {len(main)} of {ledger.projects} projects change", ""]
        if main:
            out += ["| row | project | verdict | rules added | rules removed | clauses added | clauses removed |",
                    "|---:|---|---|---|---|---|---|"]
            for c in main:
                verdict = f"{c.old.label} → **{c.new.label}**" if c.flip else f"{c.new.label} (unchanged)"
                added = c.rules_added + [f"{r} (outcome)" for r in c.outcome_changed]
                out.append(f"| {c.row} | {_md(c.key)} {_md(c.name)} {_md(c.city)} | {verdict} | {_list(added)} | "
                           f"{_list(c.rules_removed)} | {_list(c.refs_added)} | {_list(c.refs_removed)} |")
            out.append("")
        reasons = [c for c in ledger.changes if c.kind == "exclusions"]
        if reasons:
            out += [f"<details><summary>{len(reasons)} projects out of scope either way, now excluded by other "
                    "scope rules</summary>", ""]
            out += [f"- row {c.row} {_md(c.key)} {_md(c.name)}: {_md(_exclusion_change(c))}" for c in reasons]
            out += ["", "</details>", ""]
    return "\n".join(out)


def _exclusion_change(change: ProjectChange) -> str:
    parts = [f"+{r}" for r in change.rules_added] + [f"-{r}" for r in change.rules_removed]
    parts += [f"+{r}" for r in change.refs_added] + [f"-{r}" for r in change.refs_removed]
    return " ".join(parts)


def _describe(side: dict) -> str:
    return f"{side['label']} ({side['id']} {side['version']}, sha256 {side['sha256'][:12]})"


def _summary_line(report: DiffReport) -> str:
    flips = sum(report.flips.values())
    same = sum(1 for c in report.changes if c.kind == "findings")
    text = (f"{flips + same} of {report.projects} projects change: {flips} verdict flips, "
            f"{same} with the same verdict but other findings or clauses")
    reasons = len(report.scope_reasons_only)
    return text + (f"; {reasons} out of scope either way now excluded by other scope rules." if reasons else ".")


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _list(items) -> str:
    return ", ".join(_md(i) for i in items) or "—"


def side(label: str, ruleset: Ruleset) -> dict:
    return {"label": label, "id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256,
            "path": str(ruleset.path) if not label.startswith("git:") else label}


def display_path(path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
