"""A bare .xlsx holding the project sheet of a ledger that cannot be copied as a package.

An .xls or .csv input (and an .xlsx the streaming writer will not copy, such as one with
Excel 4 macro sheets) is reproduced from the ledger as ingest read it: each column's header
text (two-row headers joined with "/") on the last header row, and every project row's values
at its original row number. The annotated workbook is then made from this file exactly as from
any other .xlsx. openpyxl is imported here only, so an .xlsx run never loads it.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..model import Ledger

_CELL_TYPES = (str, int, float, bool, Decimal, dt.date, dt.datetime, dt.time, dt.timedelta)


@contextmanager
def rebuilt_ledger(ledger: Ledger, title: str) -> Iterator[Path]:
    """A temporary .xlsx whose sheet `title` holds the ledger's header and project rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    header_row = ledger.header_rows[-1] if ledger.header_rows else 1
    for col in ledger.columns:
        put(ws.cell(header_row, col.index + 1), col.header)
    for source in ledger.rows:
        for index, value in enumerate(source.values):
            if value is not None:
                put(ws.cell(source.row, index + 1), value)
    with tempfile.TemporaryDirectory(prefix="screening-") as folder:
        path = Path(folder) / "ledger.xlsx"
        wb.save(path)
        yield path


def put(cell, value: Any) -> None:
    """Assign a value so that it can never run: every string is stored as text."""
    if value is not None and not isinstance(value, _CELL_TYPES):
        value = getattr(value, "text", None) or str(value)  # a formula ingest kept: its text
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made "=…" a formula on assignment; undo that
