"""The five verdict columns added to each ledger row (workbook and CSV share them)."""
from __future__ import annotations

from typing import Any

from ..model import Finding, Verdict
from .labels import field_label, outcome_label, verdict_label

VERDICT_HEADERS = ("处置结论", "依据条款", "理由", "整改要求", "待补充信息")


def verdict_columns(v: Verdict | None) -> list[str]:
    """处置结论, 依据条款, 理由, 整改要求, 待补充信息 for one project ("" × 5 when none)."""
    if v is None:
        return [""] * len(VERDICT_HEADERS)
    if v.error:
        return [verdict_label(v), "", v.error, "", missing_text(v)]
    return [verdict_label(v), clause_labels(v), reasons(v), actions(v), missing_text(v)]


# These run once per project for the workbook and the CSV (100,000 times for a large ledger):
# list comprehensions and dict.fromkeys rather than generators, for speed.

def clause_labels(v: Verdict) -> str:
    """Every clause the findings cite, once each, in the order first cited: （四）2；（十一）."""
    return "；".join(dict.fromkeys([c.label for f in v.findings for c in f.clauses]))


def reasons(v: Verdict) -> str:
    return "\n".join([f"{finding_tag(f) if f.lifted_by else f.rule}：{f.message}" for f in v.findings if f.message])


def actions(v: Verdict) -> str:
    # Lifted findings no longer ask anything of the project.
    return "\n".join(dict.fromkeys([f.action for f in v.findings if f.action and not f.lifted_by]))


def missing_text(v: Verdict) -> str:
    return "、".join([field_label(key) for key in v.missing]) if v.missing else ""


def finding_tag(f: Finding) -> str:
    """The rule id, marked when a later rule lifted the finding: STK-9a（已由 STK-9d 解除）."""
    return f"{f.rule}（已由 {f.lifted_by} 解除）" if f.lifted_by else f.rule


def finding_outcome(f: Finding) -> str:
    text = outcome_label(f.outcome)
    return f"{text}（已解除）" if f.lifted_by else text


def facts_text(f: Finding) -> str:
    """Facts as "field=value; …" with the cell each came from: capacity_replacement=未落实 (Q7)."""
    cells = f.cells
    return "; ".join([f"{key}={value if value.__class__ is str else show_value(value)}"
                      f"{f' ({cells[key]})' if key in cells else ''}" for key, value in f.facts.items()])


def cells_text(f: Finding) -> str:
    return "; ".join([f"{key}={cell}" for key, cell in f.cells.items()])


def show_value(value: Any) -> str:
    """A fact value as a person would type it: 是/否 for booleans, ISO dates, 空 for blank."""
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value)
