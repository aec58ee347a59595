"""The ledger as CSV: one row per project in input order, its columns plus the verdict columns.

CSV has no cell types, so a text that a spreadsheet would read as a formula (leading = + - @,
or a tab/CR that some readers strip before looking) is prefixed with a single quote.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from ..model import Screening
from .annotation import VERDICT_HEADERS, show_value, verdict_columns

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_csv(screening: Screening, path: str | Path) -> Path:
    ledger = screening.ledger
    width = max([c.index + 1 for c in ledger.columns] + [len(r.values) for r in ledger.rows],
                default=0)
    by_row = {v.project.row: v for v in screening.verdicts}
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([cell_text(h) for h in _headers(screening, width) + list(VERDICT_HEADERS)])
        for source in ledger.rows:
            values = list(source.values) + [None] * (width - len(source.values))
            values += verdict_columns(by_row.get(source.row))
            writer.writerow([cell_text(v) for v in values])
    return path


def _headers(screening: Screening, width: int) -> list[str]:
    by_index = {c.index: c.header for c in screening.ledger.columns}
    return [by_index.get(i, "") for i in range(width)]


def cell_text(value: Any) -> str:
    """A value as CSV text. Numbers are never quoted (a negative number is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return show_value(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
