"""The project rows under the header: which rows are projects and which are not.

Blank separator rows, 合计/小计 rows and the notes under a table are skipped, each with a
`skipped-row` issue saying why, so a person can check nothing was dropped by mistake.
Blank rows after the last project are dropped silently: sheets often carry formatting
hundreds of rows past the data.

This runs once per row of a 100,000-project sheet, so the common case is kept cheap: one
comprehension over the cells tells a plain data row apart, and the rules (with their regular
expressions) only run on the few rows that could need them: a 合计 label always contains 计,
and notes are rows of three cells or fewer.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..issues import Issue
from ..model import Column, SourceRow
from .header import Header, is_serial
from .refs import column_letter
from .workbook import (MAX_COLUMNS, MAX_DATA_ROWS, MAX_MERGE_FILL, MAX_SHEET_ROWS, Book, Formula, Merge, refusal,
                       too_many_rows)

BLANKS = {"", "/", "-", "--", "—", "——", "－"}
# 合计, 小计（3个）, 全县合计: a total label, perhaps after a place name, perhaps with a count
_TOTAL = re.compile(r"[\u4e00-\u9fff]{0,6}(?:合计|小计|总计|共计)(?:[(（:：].*)?")
IDENTITY_FIELDS = {"name", "project_id"}
_NOTE = re.compile(r"^\s*(?:(?:注|说明|备注|附注)\s*[:：0-9０-９一二三四五六七八九、.．(（]"
                   r"|填报人|填表人|制表|审核人|联系人|联系电话|负责人|单位负责人|数据来源|填报说明|填表说明)")
LONG_NOTE = 30  # characters: one cell holding this much text after the data is a note
NAME_FIELDS = {"name", "project_id", "owner", "product"}

SKIP_REASONS = {
    "blank": ("空行，已跳过", "blank row, skipped"),
    "serial": ("只有序号的空行，已跳过", "row with only a serial number, skipped"),
    "total": ("合计/小计行，已跳过", "total row (合计/小计), skipped"),
    "note": ("表格下方的说明文字，已跳过", "note below the table, skipped"),
}


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() in BLANKS)


def read_rows(book: Book, sheet: str, header: Header, path: Path) -> tuple[list[Column], list[SourceRow], list[Issue], list[Issue]]:
    """(columns, project rows, skipped-row issues, formula issues) of the project sheet."""
    columns = list(header.columns)
    serial = {c.index for c in columns if c.field is None and is_serial(c.header)}
    kept, skipped, pending = [], [], []
    in_notes = False
    header_row = header.rows[-1]
    for number, values in book.rows(sheet):
        if number <= header_row:
            continue
        if number > MAX_SHEET_ROWS:
            raise too_many_rows(path, sheet)
        kind = classify(values, columns, serial, in_notes)
        if kind == "blank" or kind == "serial":
            pending.append((number, kind, values))
            continue
        if pending:
            skipped += [_skip(sheet, n, k, v) for n, k, v in pending]
            pending = []
        if kind != "data":
            in_notes = in_notes or kind == "note"
            skipped.append(_skip(sheet, number, kind, values))
            continue
        kept.append(SourceRow(row=number, values=values))  # each row's list is new: no copy needed
        if len(kept) > MAX_DATA_ROWS:
            raise too_many_rows(path, sheet)
    columns = _pad(columns, kept, path, sheet)
    _fill_merged(book.merges(sheet), kept)
    formulas = _resolve_formulas(book, sheet, kept, columns) if book.may_hold_formulas(sheet) else []
    return columns, kept, skipped, formulas


def classify(values: list[Any], columns: list[Column], serial: set[int], in_notes: bool) -> str:
    """data | blank | serial | total | note"""
    # One pass over the cells, with no call per cell: 0 blank, 1 filled, 2 text with 计 in it.
    # A row with more than three filled cells (the notes rules), more than the serial-number
    # columns could hold, and no 计 (every total label has it) is data; only the others need
    # the rules below.
    codes = [0 if v is None else 1 if not isinstance(v, str) else 0 if v.strip() in BLANKS else 2 if "计" in v else 1
             for v in values]
    filled_count = len(codes) - codes.count(0)
    if filled_count > 3 and filled_count > len(serial) and 2 not in codes:
        return "data"
    return _classify_by_rules(values, columns, serial, in_notes)


def _classify_by_rules(values: list[Any], columns: list[Column], serial: set[int], in_notes: bool) -> str:
    filled = [(i, v) for i, v in enumerate(values) if not is_blank(v)]
    if not filled:
        return "blank"
    if serial and all(i in serial and _is_number(v) for i, v in filled):
        return "serial"
    if _is_total(filled, columns):
        return "total"
    if len(filled) > 3:
        return "data"  # every rule below is about rows of three cells or fewer
    texts = [v.strip() for _, v in filled if isinstance(v, str)]
    first = filled[0][1]
    if isinstance(first, str) and _NOTE.match(first):
        return "note"
    if in_notes and len(filled) <= 2 and len(texts) == len(filled):
        return "note"  # the numbered lines that follow 注：
    if len(filled) == 1 and texts and len(texts[0]) >= LONG_NOTE:
        i = filled[0][0]
        if i >= len(columns) or columns[i].field not in NAME_FIELDS:
            return "note"
    return "data"


def _is_total(filled: list[tuple[int, Any]], columns: list[Column]) -> bool:
    """A total label, and no project name or code on the row other than that label."""
    labels = [(i, v) for i, v in filled if isinstance(v, str) and "计" in v]  # every total label has 计
    if not labels:
        return False
    marks = {i for i, v in labels if _TOTAL.fullmatch(re.sub(r"\s+", "", v))}
    identity = {c.index for c in columns if c.field in IDENTITY_FIELDS}
    return bool(marks) and all(i in marks for i, _ in filled if i in identity)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit())


def _skip(sheet: str, number: int, kind: str, values: list[Any]) -> Issue:
    zh, en = SKIP_REASONS[kind]
    text = next((str(v).strip() for v in values if not is_blank(v)), None)
    if text and len(text) > 60:
        text = text[:60] + "…"
    return Issue(type="skipped-row", sheet=sheet, row=number, value=text,
                 message=zh, message_en=en)


def _pad(columns: list[Column], rows: list[SourceRow], path: Path, sheet: str) -> list[Column]:
    """Give every row the sheet's full width; data right of the header gets a headerless column."""
    width = len(columns)
    for r in rows:
        if len(r.values) > width:  # only a row longer than the width so far can widen it
            width = max(width, _used(r.values))
    if width > MAX_COLUMNS:
        raise refusal(path, f"工作表“{sheet}”的数据超过 {MAX_COLUMNS} 列", f"sheet {sheet!r} has data beyond {MAX_COLUMNS} columns")
    for i in range(len(columns), width):
        columns.append(Column(index=i, letter=column_letter(i + 1), header=""))
    for r in rows:
        if len(r.values) != width:
            r.values = (r.values + [None] * width)[:width]
    return columns


def _fill_merged(merges: list[Merge], rows: list[SourceRow]) -> None:
    """A cell merged down over several projects (a county written once for three rows) holds
    its value only in the top cell; each project row it covers is given that value."""
    by_row = {r.row: r for r in rows}
    budget = MAX_MERGE_FILL
    for top, col, bottom, right in merges:
        anchor = by_row.get(top)
        if right != col or bottom == top or anchor is None or col > len(anchor.values):
            continue
        for number in range(top + 1, min(bottom, top + budget) + 1):
            row = by_row.get(number)
            if row is not None and is_blank(row.values[col - 1]):
                row.values[col - 1] = anchor.values[col - 1]
        budget -= bottom - top
        if budget <= 0:
            return


def _used(values: list[Any]) -> int:
    """1 + the index of the last filled cell; 0 for a blank row."""
    for i in range(len(values) - 1, -1, -1):
        if not is_blank(values[i]):
            return i + 1
    return 0


def _resolve_formulas(book: Book, sheet: str, rows: list[SourceRow], columns: list[Column]) -> list[Issue]:
    """Formulas are not evaluated: take the result the file saved with it, else leave blank."""
    where = {(r.row, i): v for r in rows for i, v in enumerate(r.values) if isinstance(v, Formula)}
    if not where:
        return []
    cached = book.cached_values(sheet, set(where))
    by_row = {r.row: r for r in rows}
    issues = []
    for (number, i), formula in where.items():
        value = cached.get((number, i))
        by_row[number].values[i] = value
        col = columns[i]
        shown = "（无保存结果，按空白处理）" if value is None else f"，使用文件中保存的结果 {value}"
        shown_en = " (no saved result: treated as blank)" if value is None else f"; using the saved result {value}"
        issues.append(Issue(type="formula-cell", sheet=sheet, row=number, column=col.letter, field=col.field,
                            value=f"={formula.text.lstrip('=')}",
                            message=f"单元格含公式 ={formula.text.lstrip('=')}，未重新计算{shown}",
                            message_en=f"the cell holds a formula, not recalculated{shown_en}"))
    return issues
