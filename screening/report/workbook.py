"""The annotated workbook: the input ledger with verdict columns, a 汇总 and a 依据 sheet.

An .xlsx input is loaded whole with openpyxl (not data_only, not read_only) and modified,
so every sheet, cell, merge and format the user had is kept. An .xls or .csv input cannot be
kept like that: a new workbook is built holding only the project sheet, reproduced from the
ledger as ingest read it: each column's header text (two-row headers joined with "/") on the
last header row, and every project row's values at its original row number. Title rows,
skipped rows (blank, 合计, notes) and other sheets of such an input are not reproduced.
Even from an .xlsx, pictures and charts are lost: openpyxl cannot carry them through.

The output never executes anything. Every formula in the input, on any sheet, is rewritten
as the text of the formula (its cached result is not kept): the run refuses to let input
formulas run in the reader's Excel. Every string this module writes is stored as text, so a
value such as "=1+1" or "@SUM(A1)" copied from the input stays text. External links are
dropped on load for the same reason.
"""
from __future__ import annotations

import datetime as dt
from copy import copy
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError
from ..model import Ledger, Screening, Verdict
from .annotation import (VERDICT_HEADERS, cells_text, facts_text, finding_outcome, show_value,
                         verdict_columns)
from .labels import verdict_key

FILLS = {
    "halt": PatternFill("solid", fgColor="FFC7CE"),
    "rectify": PatternFill("solid", fgColor="FFEB9C"),
    "proceed": PatternFill("solid", fgColor="C6EFCE"),
    "error": PatternFill("solid", fgColor="D9D9D9"),
}
VERDICT_WIDTHS = (18, 22, 60, 40, 30)
WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
SUMMARY_SHEET, BASIS_SHEET = "汇总", "依据"
_CELL_TYPES = (str, int, float, bool, Decimal, dt.date, dt.datetime, dt.time, dt.timedelta)


def write_xlsx(screening: Screening, path: str | Path) -> Path:
    """Write the annotated workbook to `path` (see the module docstring for what is kept)."""
    wb, ws = open_ledger_workbook(screening.ledger)
    neutralise_formulas(wb)
    add_verdict_columns(ws, screening)
    add_summary_sheet(wb, screening)
    add_basis_sheet(wb, screening)
    path = Path(path)
    wb.save(path)
    return path


# ---------------------------------------------------------------- the input workbook

def open_ledger_workbook(ledger: Ledger) -> tuple[Workbook, Worksheet]:
    if ledger.format != "xlsx":
        return rebuild_workbook(ledger)
    wb = load_workbook(ledger.file, keep_links=False)
    if ledger.sheet not in wb.sheetnames:
        raise InputError(f"{ledger.file}: no sheet named {ledger.sheet!r} to annotate")
    return wb, wb[ledger.sheet]


def rebuild_workbook(ledger: Ledger) -> tuple[Workbook, Worksheet]:
    """A new workbook holding the project sheet of an .xls/.csv ledger, rows where they were."""
    wb = Workbook()
    ws = wb.active
    ws.title = safe_sheet_title(ledger.sheet)
    header_row = ledger.header_rows[-1] if ledger.header_rows else 1
    for col in ledger.columns:
        put(ws.cell(header_row, col.index + 1), col.header)
    for source in ledger.rows:
        for index, value in enumerate(source.values):
            if value is not None:
                put(ws.cell(source.row, index + 1), value)
    return wb, ws


def neutralise_formulas(wb: Workbook) -> None:
    """Turn every formula of every sheet into the text of that formula."""
    for ws in wb.worksheets:
        # _cells holds only the cells that exist; iter_rows would create the whole rectangle.
        for cell in list(ws._cells.values()):
            if cell.data_type == "f":
                put(cell, formula_text(cell.value))


def formula_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return str(getattr(value, "text", None) or value)  # ArrayFormula keeps its text in .text


def put(cell, value: Any) -> None:
    """Assign a value so that it can never run: every string is stored as text."""
    if value is not None and not isinstance(value, _CELL_TYPES):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made "=…" a formula on assignment; undo that


# ---------------------------------------------------------------- verdict columns

def add_verdict_columns(ws: Worksheet, screening: Screening) -> int:
    """Add the five verdict columns after the last used column; returns the first one's index."""
    ledger = screening.ledger
    header_row = ledger.header_rows[-1] if ledger.header_rows else 1
    rows = [header_row] + [v.project.row for v in screening.verdicts]
    first = last_used_column(ws, rows, len(ledger.columns)) + 1
    _write_verdict_headers(ws, header_row, first)
    for v in screening.verdicts:
        _write_verdict_row(ws, v, first)
    return first


def last_used_column(ws: Worksheet, rows: Iterable[int], known: int = 0) -> int:
    """The rightmost column holding a value, or a merge that reaches into the rows we write."""
    rows = set(rows)
    valued = (col for (_, col), cell in ws._cells.items() if cell.value is not None)
    merged = (m.max_col for m in ws.merged_cells.ranges
              if any(m.min_row <= r <= m.max_row for r in rows))
    return max(known, max(valued, default=0), max(merged, default=0))


def _write_verdict_headers(ws: Worksheet, header_row: int, first: int) -> None:
    template = ws.cell(header_row, first - 1) if first > 1 else None
    for offset, (title, width) in enumerate(zip(VERDICT_HEADERS, VERDICT_WIDTHS)):
        cell = ws.cell(header_row, first + offset)
        if template is not None and template.has_style:  # look like the user's header
            cell.border, cell.fill = copy(template.border), copy(template.fill)
        put(cell, title)
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.column_dimensions[get_column_letter(first + offset)].width = width


def _write_verdict_row(ws: Worksheet, v: Verdict, first: int) -> None:
    fill = FILLS[verdict_key(v)]
    for offset, text in enumerate(verdict_columns(v)):
        cell = ws.cell(v.project.row, first + offset)
        put(cell, text)
        cell.fill = fill
        cell.alignment = WRAP


# ---------------------------------------------------------------- 汇总

SUMMARY_HEADERS = ("省辖市", "县（市、区）", "项目数", "叫停", "限期整改", "正常推进",
                   "其中：待定", "其中：不属于两高", "无法判定")
_COUNT_KEYS = ("projects", "halt", "rectify", "proceed", "provisional", "out_of_scope", "error")


def add_summary_sheet(wb: Workbook, screening: Screening) -> Worksheet:
    """Counts by 省辖市 (and 县 under it) × verdict, with a 合计 row and the run's provenance."""
    ws = wb.create_sheet(free_sheet_name(wb, SUMMARY_SHEET))
    _write_table_header(ws, SUMMARY_HEADERS, (14, 16, 8, 8, 10, 10, 10, 14, 10))
    row = 1
    for row, (city, county, counts) in enumerate(region_counts(screening.verdicts), start=2):
        _put_row(ws, row, [city, county] + [counts[k] for k in _COUNT_KEYS])
    total = _count(screening.verdicts)
    for cell in _put_row(ws, row + 1, ["合计", ""] + [total[k] for k in _COUNT_KEYS]):
        cell.font = BOLD
    _write_provenance(ws, screening, row + 3)
    return ws


def region_counts(verdicts: list[Verdict]) -> list[tuple[str, str, dict]]:
    """(city, county, counts) rows: each city, then its counties, in order of first appearance."""
    cities: dict[str, dict[str, list[Verdict]]] = {}
    for v in verdicts:
        city = v.project.get("city") or "（未填写）"
        county = v.project.get("county") or ""
        cities.setdefault(str(city), {}).setdefault(str(county), []).append(v)
    rows = []
    for city, counties in cities.items():
        everyone = [v for group in counties.values() for v in group]
        has_counties = any(counties)
        rows.append((city, "（全市）" if has_counties else "", _count(everyone)))
        rows += [(city, county or "（未填写）", _count(group))
                 for county, group in counties.items() if has_counties]
    return rows


def _count(verdicts: list[Verdict]) -> dict[str, int]:
    counts = dict.fromkeys(_COUNT_KEYS, 0)
    for v in verdicts:
        counts["projects"] += 1
        counts[verdict_key(v)] += 1
        counts["provisional"] += bool(v.provisional) and not v.error
        counts["out_of_scope"] += v.two_high is False and not v.error
    return counts


def _write_provenance(ws: Worksheet, screening: Screening, row: int) -> None:
    ruleset, source = screening.ruleset, screening.source
    lines = [("规则集", f"{ruleset.get('id', '')} {ruleset.get('version', '')}".strip()),
             ("截至日期", show_value(ruleset.get("as_of"))),
             ("来源文件", source.get("file")),
             ("工作表", source.get("sheet"))]
    for offset, (label, value) in enumerate(lines):
        _put_row(ws, row + offset, [label, value])


# ---------------------------------------------------------------- 依据

BASIS_HEADERS = ("行号", "项目代码", "项目名称", "规则", "结论", "条款", "条款原文", "理由",
                 "整改要求", "事实", "单元格")
BASIS_WIDTHS = (6, 22, 30, 12, 10, 16, 70, 50, 40, 40, 24)


def add_basis_sheet(wb: Workbook, screening: Screening) -> Worksheet:
    """One row per finding, with the full text of every clause it cites."""
    ws = wb.create_sheet(free_sheet_name(wb, BASIS_SHEET))
    _write_table_header(ws, BASIS_HEADERS, BASIS_WIDTHS)
    rows = [_basis_row(v, f) for v in screening.verdicts for f in v.findings]
    for row, values in enumerate(rows, start=2):
        for cell in _put_row(ws, row, values):
            cell.alignment = WRAP
    ws.auto_filter.ref = f"A1:{get_column_letter(len(BASIS_HEADERS))}{len(rows) + 1}"
    return ws


def _basis_row(v: Verdict, f) -> list:
    p = v.project
    if len(f.clauses) == 1:
        clause_text = f.clauses[0].text
    else:
        clause_text = "\n\n".join(f"{c.label}：{c.text}" for c in f.clauses)
    return [p.row, p.get("project_id"), p.get("name"), f.rule, finding_outcome(f),
            "；".join(c.label for c in f.clauses), clause_text, f.message, f.action,
            facts_text(f), cells_text(f)]


# ---------------------------------------------------------------- helpers

def free_sheet_name(wb: Workbook, base: str) -> str:
    """`base`, or 汇总(筛查), 汇总(筛查2), … when the user already has a sheet of that name."""
    taken = {name.lower() for name in wb.sheetnames}
    candidates = [base, f"{base}(筛查)"] + [f"{base}(筛查{n})" for n in range(2, 100)]
    return next(name for name in candidates if name.lower() not in taken)


def safe_sheet_title(name: str | None) -> str:
    """A sheet title Excel accepts: no []:*?/\\ and at most 31 characters."""
    text = "".join("_" if ch in '[]:*?/\\' else ch for ch in (name or "")).strip("'")
    return text[:31] or "Sheet1"


def _write_table_header(ws: Worksheet, headers: Iterable[str], widths: Iterable[int]) -> None:
    for index, (title, width) in enumerate(zip(headers, widths), start=1):
        cell = ws.cell(1, index)
        put(cell, title)
        cell.font = BOLD
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"


def _put_row(ws: Worksheet, row: int, values: list) -> list:
    """Writes a row of values; returns its cells (ws[row] would scan the whole sheet for its width)."""
    cells = [ws.cell(row, index) for index in range(1, len(values) + 1)]
    for cell, value in zip(cells, values):
        if value not in (None, ""):
            put(cell, value)
    return cells
