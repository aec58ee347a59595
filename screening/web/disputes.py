"""Disputes: a reviewer's objection to one finding, and its export as a ruleset test case.

A dispute is insert-only. Settling it happens where the rules live: the export writes each
dispute as a case in the ruleset tests' YAML format, with the verdict and findings as they
were at the time; the reviewer edits `expect` to the settled answer and the case becomes a
regression test.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from .models import Dispute, Event, Run, RunProject, RunResult, User
from .runs import projects_visible_to


class DisputeError(ValueError):
    pass


def disputable_rules(project: RunProject) -> list[str]:
    """Rules a reviewer may dispute on this project: its findings and its undetermined ones."""
    rules = [f.get("rule") for f in project.entry.get("findings", [])]
    rules += [f.get("rule") for f in project.facts.get("undetermined", [])]
    return [r for r in dict.fromkeys(rules) if r]


def add_dispute(s: OrmSession, reviewer: User, run: Run, project: RunProject, rule: str, comment: str) -> Dispute:
    rule = (rule or "").strip()
    comment = (comment or "").strip()
    if rule not in disputable_rules(project):
        raise DisputeError(f"该项目没有规则 {rule} 的结论 / This project has no finding of rule {rule}")
    if not comment:
        raise DisputeError("请填写异议理由 / A comment is required")
    if len(comment) > 5000:
        raise DisputeError("异议理由过长（最多5000字）/ The comment is too long (5000 characters at most)")
    dispute = Dispute(run_id=run.id, project_pos=project.pos, project_key=project.key, rule=rule,
                      comment=comment, reviewer_id=reviewer.id)
    s.add(dispute)
    s.flush()
    s.add(Event(kind="dispute", user_id=reviewer.id,
                detail={"dispute": dispute.id, "run": run.id, "project": project.key, "rule": rule}))
    return dispute


def run_disputes(s: OrmSession, user: User, run: Run) -> list[Dispute]:
    """The run's disputes on projects this user may see."""
    visible = projects_visible_to(user, run).with_only_columns(RunProject.pos)
    stmt = select(Dispute).where(Dispute.run_id == run.id, Dispute.project_pos.in_(visible)).order_by(Dispute.id)
    return list(s.scalars(stmt))


# -- export ------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    # 50000.0 reads better as 50000 in a test case someone will edit by hand.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dispute_case(d: Dispute, run: Run, result: RunResult | None, project: RunProject) -> dict:
    first_line = (d.comment.strip().splitlines() or [""])[0].strip()
    case: dict[str, Any] = {
        "name": f"dispute {d.id}: {project.project_id or project.key} {d.rule} — {first_line}",
        "as_of": run.as_of,  # a YAML date, as the ruleset tests write it
        "project": _plain(dict(project.facts.get("values") or {})),
    }
    region = project.facts.get("region")
    if region:
        region = {k: v for k, v in region.items() if v not in (None, {}, "")}
        case["region"] = _plain(region)
    findings = project.entry.get("findings", [])
    # The case runner compares `findings` with the rules the verdict rests on, lifted ones
    # apart (screening.cases.compare): export them the same way.
    case["expect"] = {
        "verdict": project.verdict,
        "findings": [f["rule"] for f in findings if f.get("rule") and not f.get("lifted_by")],
    }
    lifted = [f["rule"] for f in findings if f.get("rule") and f.get("lifted_by")]
    if lifted:
        case["expect"]["lifted"] = lifted
    case["dispute"] = {"rule": d.rule, "comment": d.comment, "reviewer": d.reviewer.username, "run": run.id}
    if result is not None:
        # Which ruleset version the disputed verdict came from: worth knowing when settling.
        case["dispute"]["ruleset_version"] = result.ruleset_version
    return case


def collect(s: OrmSession, ruleset: str | None = None, run_id: int | None = None) -> dict[str, list[dict]]:
    """Every dispute as a test case, grouped by the ruleset id its run used."""
    stmt = select(Dispute).order_by(Dispute.id)
    if run_id is not None:
        stmt = stmt.where(Dispute.run_id == run_id)
    grouped: dict[str, list[dict]] = defaultdict(list)
    for d in s.scalars(stmt):
        run = s.get(Run, d.run_id)
        result = s.get(RunResult, d.run_id)
        project = s.scalar(select(RunProject).where(RunProject.run_id == d.run_id, RunProject.pos == d.project_pos))
        if run is None or project is None:
            continue
        rs = result.ruleset_id if result is not None else run.ruleset_id
        if ruleset and rs != ruleset:
            continue
        grouped[rs].append(dispute_case(d, run, result, project))
    return dict(grouped)


def to_yaml(ruleset: str, cases: list[dict]) -> str:
    header = ("# Disputed findings exported by `screening disputes export`.\n"
              "# Each case holds the verdict as it was; edit `expect` to the settled answer.\n")
    return header + yaml.safe_dump({"ruleset": ruleset, "cases": cases}, allow_unicode=True,
                                   sort_keys=False, width=100, default_flow_style=False)


def export(s: OrmSession, output: Path, ruleset: str | None = None, run_id: int | None = None) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for rs, cases in sorted(collect(s, ruleset, run_id).items()):
        path = output / f"disputes-{rs}.yaml"
        path.write_text(to_yaml(rs, cases), encoding="utf-8")
        written.append(path)
    return written

