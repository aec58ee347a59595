"""New worksheet parts written directly as XML: the 汇总 and 依据 tables.

A table sheet has a bold header row frozen at the top, fixed column widths, and optionally an
auto-filter over all its rows. Every row has a cell in each of its columns, up to its last
value, so cells go without an r attribute (Excel counts them from the left). Rows are produced
one at a time, so a 依据 sheet of hundreds of thousands of findings is never held whole.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .xlsx_cells import CellWriter
from .xlsx_xml import MAIN_NS, REL_NS, XML_DECLARATION, column_letter, encoded_batches

_FROZEN_HEADER = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                  'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
_MARGINS = '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'


@dataclass
class Column:
    width: int
    shared: bool = True  # texts that repeat go to the shared-strings table; one-off texts inline


def table_sheet(cells: CellWriter, columns: list[Column], rows: Iterable[tuple[list[Any], int]],
                last_row: int, auto_filter: bool = False) -> Iterator[bytes]:
    """The worksheet part, in pieces. `rows` yields (values, style) for rows 1, 2, …;
    `last_row` is the number of the last one (for <dimension> and the filter range)."""
    last_cell = f"{column_letter(len(columns))}{max(last_row, 1)}"
    widths = "".join(f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>' for i, c in enumerate(columns, 1))
    yield (f'{XML_DECLARATION}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><dimension ref="A1:{last_cell}"/>'
           f'{_FROZEN_HEADER}<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>').encode()
    yield from _batched_rows(cells, columns, rows)
    ending = f'<autoFilter ref="A1:{last_cell}"/>' if auto_filter else ""
    yield f"</sheetData>{ending}{_MARGINS}</worksheet>".encode()


def _batched_rows(cells: CellWriter, columns: list[Column], rows: Iterable[tuple[list[Any], int]]) -> Iterator[bytes]:
    build = cells.table_row_builder([c.shared for c in columns])
    yield from encoded_batches(f'<row r="{number}">{build(values, style)}</row>' if values else ""
                               for number, (values, style) in enumerate(rows, start=1))
