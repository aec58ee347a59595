"""Plain-text output for a terminal: the run's summary table and one project's reasoning.

Columns are padded by display width (CJK characters take two cells), and control characters
coming from the input are blanked so a cell cannot move the cursor or recolour the terminal.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from ..issues import ISSUE_TYPES
from ..model import Finding, Screening, Verdict
from .annotation import finding_tag, show_value
from .json_doc import all_issues, summary_counts
from .labels import (NO_VERDICT_ZH, TWO_HIGH_ZH, VERDICT_EN, VERDICT_ZH, field_label,
                     outcome_label, verdict_key)

ANSI = {"halt": "\x1b[31m", "rectify": "\x1b[33m", "proceed": "\x1b[32m", "error": "\x1b[35m"}
RESET = "\x1b[0m"
NAME_WIDTH = 28
MAX_RULES = 4
TABLE_HEADERS = ("行号", "项目代码", "项目名称", "省辖市", "阶段", "结论 verdict", "待定", "主要规则 rules")


# ---------------------------------------------------------------- display width

def display_width(text: str) -> int:
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


def truncate(text: str, width: int) -> str:
    """Cut to at most `width` display cells, ending in "..." when cut."""
    if display_width(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        if used + _char_width(ch) > width - 3:
            break
        out, used = out + ch, used + _char_width(ch)
    return out + "..."


def clean(value: Any) -> str:
    """Input text made safe for a terminal: control characters (ESC, newlines) become spaces."""
    text = "" if value is None else str(value)
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


# ---------------------------------------------------------------- render_text

def render_text(screening: Screening, *, color: bool = False) -> str:
    parts = [summary_block(screening), project_table(screening.verdicts, color=color)]
    issues = issues_block(screening)
    if issues:
        parts.append(issues)
    return "\n\n".join(parts) + "\n"


def summary_block(screening: Screening) -> str:
    s, ruleset, source = summary_counts(screening), screening.ruleset, screening.source
    counts = "  ".join([f"项目 projects {s['projects']}",
                        *(f"{VERDICT_ZH[k]} {k} {s[k]}" for k in ("halt", "rectify", "proceed")),
                        f"不属于两高 out of scope {s['out_of_scope']}",
                        f"待定 provisional {s['provisional']}"])
    return "\n".join([
        "筛查结果 Screening summary",
        f"规则集 ruleset: {clean(ruleset.get('id'))} {clean(ruleset.get('version'))}"
        f"  截至 as of {show_value(ruleset.get('as_of'))}",
        f"来源 source: {clean(source.get('file'))} [{clean(source.get('sheet'))}]",
        counts,
    ])


def project_table(verdicts: list[Verdict], *, color: bool = False) -> str:
    rows = [_table_row(v) for v in verdicts]
    widths = [max([display_width(h)] + [display_width(r[i]) for r in rows])
              for i, h in enumerate(TABLE_HEADERS)]
    lines = [_join(TABLE_HEADERS, widths), _join(["-" * w for w in widths], widths)]
    for v, row in zip(verdicts, rows):
        lines.append(_join(row, widths, colour=ANSI[verdict_key(v)] if color else None))
    return "\n".join(line.rstrip() for line in lines)


def _table_row(v: Verdict) -> list[str]:
    p = v.project
    return [str(p.row), clean(p.get("project_id")), truncate(clean(p.get("name")), NAME_WIDTH),
            clean(p.get("city")), clean(p.get("stage")), verdict_words(v),
            "待定" if v.provisional and not v.error else "", main_rules(v)]


def _join(cells, widths, colour: str | None = None) -> str:
    """Pad each cell to its column; colour only the verdict cell, after padding it."""
    padded = [pad(c, w, right=(i == 0)) for i, (c, w) in enumerate(zip(cells, widths))]
    if colour:
        padded[5] = f"{colour}{padded[5]}{RESET}"
    return "  ".join(padded)


def verdict_words(v: Verdict) -> str:
    key = verdict_key(v)
    if key == "error":
        return f"{NO_VERDICT_ZH} error"
    return f"{VERDICT_ZH[key]} {VERDICT_EN[key]}"


def main_rules(v: Verdict) -> str:
    """The rules that decided the verdict: findings as severe as it, not lifted."""
    deciding = [f.rule for f in v.findings if f.outcome == v.verdict and not f.lifted_by]
    rules = list(dict.fromkeys(deciding or [f.rule for f in v.findings]))
    shown = ",".join(clean(r) for r in rules[:MAX_RULES])
    return shown + (f" +{len(rules) - MAX_RULES}" if len(rules) > MAX_RULES else "")


def issues_block(screening: Screening) -> str:
    groups: dict[str, list] = {}
    for issue in all_issues(screening):
        groups.setdefault(issue.type, []).append(issue)
    if not groups:
        return ""
    lines = [f"数据问题 Issues ({sum(len(g) for g in groups.values())})"]
    for kind, issues in groups.items():
        zh, en = ISSUE_TYPES.get(kind, (kind, kind))
        lines.append(f"{zh} / {en} ({len(issues)})")
        lines += [f"  - {clean(i.describe())}" for i in issues]
    return "\n".join(lines)


# ---------------------------------------------------------------- explain_text

def explain_text(verdict: Verdict, screening: Screening) -> str:
    """One project's reasoning: who it is, the verdict, each finding with its clause and facts."""
    lines = _explain_header(verdict, screening)
    if verdict.error:
        lines.append(f"无法判定 no verdict: {clean(verdict.error)}")
    for number, f in enumerate(verdict.findings, start=1):
        lines += [""] + _explain_finding(number, f)
    if verdict.undetermined:
        lines += ["", "未能判定的规则 Undetermined rules:"]
        lines += [_explain_undetermined(f) for f in verdict.undetermined]
    if verdict.missing:
        lines += ["", "待补充信息 To fill in: " + "、".join(_field_words(k) for k in verdict.missing)]
    return "\n".join(lines) + "\n"


def _explain_header(v: Verdict, screening: Screening) -> list[str]:
    p = v.project
    region = " ".join(clean(x) for x in (p.get("city"), p.get("county")) if x)
    could = v.could_become and f"{VERDICT_ZH.get(v.could_become, v.could_become)} {v.could_become}"
    return [
        f"项目 Project: {clean(p.get('project_id') or p.key)}  {clean(p.get('name'))}",
        f"位置 Location: [{clean(p.sheet)}] 第{p.row}行 row {p.row}" + (f"  {region}" if region else ""),
        f"规则集 Ruleset: {clean(screening.ruleset.get('id'))} {clean(screening.ruleset.get('version'))}"
        f"  截至 as of {show_value(screening.ruleset.get('as_of'))}",
        f"属于两高 Two-high: {TWO_HIGH_ZH[v.two_high]} ({v.two_high})",
        f"结论 Verdict: {verdict_words(v)}" + ("  （待定 provisional）" if v.provisional else ""),
        f"可能变为 Could become: {could or '—'}",
    ]


def _explain_finding(number: int, f: Finding) -> list[str]:
    lines = [f"{number}. {clean(finding_tag(f))} → {outcome_label(f.outcome)} {f.outcome}"]
    for c in f.clauses:
        lines.append(f"   条款 Clause {clean(c.label)} ({clean(c.document)} {clean(c.ref)}):")
        lines += [f"     「{clean(line)}" if i == 0 else f"      {clean(line)}"
                  for i, line in enumerate(c.text.splitlines() or [""])]
        lines[-1] += "」"
    lines.append(f"   理由 Reason: {clean(f.message)}")
    if f.action:
        lines.append(f"   整改要求 Action: {clean(f.action)}")
    if f.facts:
        lines.append("   事实 Facts:")
        lines += [f"     {_fact_line(f, key, value)}" for key, value in f.facts.items()]
    return lines


def _fact_line(f: Finding, key: str, value: Any) -> str:
    cell = f" ({clean(f.cells[key])})" if key in f.cells else ""
    label = field_label(key)
    note = f"  {label}" if label != key else ""
    return f"{clean(key)} = {clean(show_value(value))}{cell}{note}"


def _explain_undetermined(f: Finding) -> str:
    worst = f"{outcome_label(f.outcome)} {f.outcome}"
    fields = "、".join(_field_words(k) for k in f.missing) or "—"
    return f"  {clean(f.rule)} (最坏 at worst {worst}): 缺少 missing {fields}"


def _field_words(key: str) -> str:
    label = field_label(key)
    return f"{label}（{key}）" if label != key else key
