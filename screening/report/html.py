"""A self-contained printable HTML report in Chinese (inline CSS, no scripts, no external files).

Rendered with Jinja2 with autoescape on: every value from the ledger or the ruleset is
escaped, so a project named "<script>…" prints as text.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..issues import ISSUE_TYPES
from ..model import Finding, Screening, Verdict
from .annotation import finding_tag, show_value
from .json_doc import all_issues, summary_counts
from .labels import (NO_VERDICT_ZH, TWO_HIGH_ZH, VERDICT_ZH, field_label, outcome_label,
                     verdict_key, verdict_label)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       finalize=_printable)


def _printable(value: Any) -> Any:
    """Control characters (ESC, NUL…) are not allowed in HTML text: drop them before escaping."""
    if isinstance(value, str):
        return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return value


def render_html(screening: Screening) -> str:
    return _environment().get_template(TEMPLATE).render(**page_context(screening))


def write_html(screening: Screening, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_html(screening), encoding="utf-8")
    return path


def page_context(screening: Screening) -> dict[str, Any]:
    """Everything the template shows, already worded: the template only lays it out."""
    ruleset, source, s = screening.ruleset, screening.source, summary_counts(screening)
    return {
        "ruleset": {"id": ruleset.get("id"), "version": ruleset.get("version"),
                    "title": ruleset.get("title"), "as_of": show_value(ruleset.get("as_of"))},
        "source": {"file": source.get("file"), "sheet": source.get("sheet")},
        "counts": [("项目总数", s["projects"], ""), ("叫停", s["halt"], "halt"),
                   ("限期整改", s["rectify"], "rectify"), ("正常推进", s["proceed"], "proceed"),
                   ("不属于两高", s["out_of_scope"], ""), ("待定", s["provisional"], "")],
        "projects": [project_view(v) for v in screening.verdicts],
        "issue_groups": issue_groups(screening),
    }


def project_view(v: Verdict) -> dict[str, Any]:
    p = v.project
    return {
        "anchor": f"row-{p.row}",
        "sheet": p.sheet, "row": p.row, "key": p.key,
        "project_id": p.get("project_id"), "name": p.get("name"),
        "city": p.get("city"), "county": p.get("county"), "stage": p.get("stage"),
        "verdict_key": verdict_key(v), "verdict_label": verdict_label(v),
        "provisional": bool(v.provisional),
        "two_high": TWO_HIGH_ZH[v.two_high],
        "could_become": VERDICT_ZH.get(v.could_become or "", None),
        "error": v.error, "no_verdict": NO_VERDICT_ZH,
        "findings": [finding_view(f) for f in v.findings],
        "undetermined": [undetermined_view(f) for f in v.undetermined],
        "missing": [field_label(k) for k in v.missing],
        "actions": list(dict.fromkeys(f.action for f in v.findings if f.action and not f.lifted_by)),
        "rules": ", ".join(dict.fromkeys(f.rule for f in v.findings)),
    }


def finding_view(f: Finding) -> dict[str, Any]:
    return {
        "tag": finding_tag(f), "outcome": f.outcome, "outcome_label": outcome_label(f.outcome),
        "lifted": bool(f.lifted_by),
        "clauses": [{"label": c.label, "document": c.document, "ref": c.ref, "text": c.text}
                    for c in f.clauses],
        "message": f.message, "action": f.action,
        "facts": [{"key": k, "label": field_label(k), "value": show_value(value),
                   "cell": f.cells.get(k)} for k, value in f.facts.items()],
    }


def undetermined_view(f: Finding) -> dict[str, Any]:
    return {"rule": f.rule, "outcome_label": outcome_label(f.outcome),
            "fields": [field_label(k) for k in f.missing]}


def issue_groups(screening: Screening) -> list[dict[str, Any]]:
    groups: dict[str, list[str]] = {}
    for issue in all_issues(screening):
        groups.setdefault(issue.type, []).append(issue.describe())
    return [{"title": ISSUE_TYPES.get(kind, (kind,))[0], "type": kind, "items": items}
            for kind, items in groups.items()]
