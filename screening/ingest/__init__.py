"""Ingest: a ledger workbook → rows with their cell positions (SPEC §1, §2).

`read_ledger` raises InputError only when the file cannot be read at all (not a workbook,
empty, hostile, too large, no header, no project rows). Everything else it finds wrong is
an Issue on the Ledger, so one bad cell never hides the other projects' verdicts.
"""
from __future__ import annotations

import hashlib
from itertools import islice
from pathlib import Path

from ..gcpause import paused_gc
from ..issues import Issue
from ..model import Ledger
from .header import HEADER_SCAN_ROWS, Header, find_header
from .regions import read_regions
from .rows import read_rows
from .workbook import Book, open_book, refusal

__all__ = ["read_ledger"]

#: fields whose column a screening cannot do without; a missing one is reported once
EXPECTED_COLUMNS = {"sector": ("sector",), "energy": ("energy_equal", "energy_equiv"), "stage": ("stage",),
                    "name": ("name", "project_id")}


def read_ledger(path: str | Path, *, regions_path: str | Path | None = None, sheet: str | None = None) -> Ledger:
    """Read a ledger (.xlsx, .xls or .csv, told apart by content) and its region table.

    The region table is a sheet of the same workbook, or the file `regions_path`.
    `sheet` names the project sheet; by default it is the sheet whose header matches best.
    """
    path = Path(path)
    with paused_gc(), open_book(path) as book:
        sheet_name, header = _project_sheet(book, path, sheet)
        columns, rows, skipped, issues = read_rows(book, sheet_name, header, path)
        if not rows:
            raise refusal(path, f"工作表“{sheet_name}”在表头下未找到项目数据行", f"no project rows under the header of sheet {sheet_name!r}")
        others = [s for s in book.sheet_names if s != sheet_name]
        region_sheet, regions, region_issues = read_regions(book, others) if regions_path is None else (None, [], [])
        ledger = Ledger(file=str(path), sha256=_sha256(path), format=book.format, sheet=sheet_name,
                        sheet_names=list(book.sheet_names), header_rows=header.rows, columns=columns, rows=rows,
                        skipped=skipped, issues=header.issues + _missing_columns(header, sheet_name) + issues)
    if regions_path is not None:
        region_sheet, regions, region_issues = _region_file(Path(regions_path))
        ledger.region_source = Path(regions_path).name if regions else None
    elif region_sheet:
        ledger.region_source = f"sheet {region_sheet}"
    ledger.regions = regions
    ledger.issues += region_issues
    return ledger


def _project_sheet(book: Book, path: Path, wanted: str | None) -> tuple[str, Header]:
    if wanted is not None and wanted not in book.sheet_names:
        raise refusal(path, f"工作表“{wanted}”不存在（现有：{'、'.join(book.sheet_names)}）",
                      f"there is no sheet {wanted!r} (sheets: {', '.join(book.sheet_names)})")
    found = []
    for name in [wanted] if wanted else book.sheet_names:
        header = find_header(_head(book, name), book.merges(name), name, min_score=1 if wanted else 2)
        if header:
            found.append((header.score, -len(found), name, header))
    if not found:
        where = f"工作表“{wanted}”" if wanted else "任何工作表"
        raise refusal(path, f"未找到表头行：{where}前 {HEADER_SCAN_ROWS} 行中没有可识别的列名（如 项目名称、所属行业、项目状态）",
                      f"no header row found: no recognised column names (such as 项目名称, 所属行业, 项目状态) "
                      f"in the first {HEADER_SCAN_ROWS} rows of {'sheet ' + repr(wanted) if wanted else 'any sheet'}")
    _, _, name, header = max(found)
    return name, header


def _head(book: Book, sheet: str) -> list:
    rows = book.rows(sheet)
    try:
        return list(islice(rows, HEADER_SCAN_ROWS + 1))
    finally:
        rows.close()  # release the sheet's stream now, not at garbage collection


def _missing_columns(header: Header, sheet: str) -> list[Issue]:
    present = {c.field for c in header.columns}
    issues = []
    for label, keys in EXPECTED_COLUMNS.items():
        if not present.intersection(keys):
            names = " 或 ".join(keys)
            issues.append(Issue(type="missing-column", sheet=sheet, row=header.rows[-1], field=keys[0],
                                message=f"未找到 {names} 对应的列，所有项目的该项信息视为空白",
                                message_en=f"no column for {' or '.join(keys)}; treated as blank for every project"))
    return issues


def _region_file(path: Path) -> tuple[str | None, list, list[Issue]]:
    with open_book(path) as book:
        sheet, regions, issues = read_regions(book, book.sheet_names)
    if sheet is None:
        issues = [Issue(type="region-issue", value=path.name,
                        message=f"地区文件 {path.name} 中未找到地区预警表（需有“地区”列及月份或目标完成情况列）",
                        message_en=f"no region table found in {path.name} (needs a 地区 column and month or target columns)")]
    return sheet, regions, issues


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
