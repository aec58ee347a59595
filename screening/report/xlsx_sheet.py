"""Streaming rewrite of worksheet parts: formulas become text, and on the project sheet the
verdict cells are added to rows.

A worksheet is read a chunk at a time and cut into its head (everything up to <sheetData>),
pieces holding whole <row> elements, and its tail (</sheetData> onwards: merges, conditional
formats, page setup…). Only the rows that must change are rebuilt; everything else goes out as
the bytes it came in as. Rows and cells without an `r` attribute are numbered as Excel does:
one after the previous.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .xlsx_xml import PackageError, attributes, column_index, column_letter, space_attr, split_ref, text_xml, unescape

_SHEET_DATA = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?sheetData\b[^>]*?(/?)>")
_NUMBER = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']([\d.]+)["']""")
_CELL_REF = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']\$?([A-Za-z]{1,3})\$?\d+["']""")
_FORMULA_ONLY_ATTRS = re.compile(rb"""\s(?:t|cm|vm)\s*=\s*(?:"[^"]*"|'[^']*')""")
_SPANS = re.compile(rb"""\sspans\s*=\s*(?:"[^"]*"|'[^']*')""")
_MIN_MAX = re.compile(rb"""(?<![\w:.-])(min|max)\s*=\s*["'](\d+)["']""")
_REF_ATTR = re.compile(rb"""(?<![\w:.-])ref\s*=\s*["']([^"']*)["']""")
_LETTERS = re.compile(rb"\$?([A-Za-z]{1,3})")
_AFTER_NAME = b" \t\n\r>/"  # what may follow an element's name in a tag
_COLUMNS: dict[bytes, int] = {}

Write = Callable[[bytes], None]


class Syntax:
    """The patterns for one worksheet, whose elements carry namespace prefix `prefix`."""

    def __init__(self, prefix: bytes):
        p = re.escape(prefix)
        self.prefix = prefix
        self.cell = re.compile(rb"<" + p + rb"c\b([^>]*?)(?:/>|>(.*?)</" + p + rb"c>)", re.DOTALL)
        self.formula = re.compile(rb"<" + p + rb"f\b([^>]*?)(?:/>|>(.*?)</" + p + rb"f>)", re.DOTALL)
        self.has_formula = re.compile(rb"<" + p + rb"f[\s/>]")
        self.value = re.compile(rb"<" + p + rb"(?:f[\s/>]|is[\s/>]|v\b[^>]*>[^<])")
        self.merge = re.compile(rb"<" + p + rb"mergeCell\b[^>]*>")
        self.cols = re.compile(rb"<" + p + rb"cols\b[^>]*?(?:/>|>(.*?)</" + p + rb"cols>)", re.DOTALL)
        self.col = re.compile(rb"<" + p + rb"col\b[^>]*?(?:/>|>.*?</" + p + rb"col>)", re.DOTALL)
        self.dimension = re.compile(rb"<" + p + rb"dimension\b[^>]*>")
        self.sheet_data = re.compile(rb"<" + p + rb"sheetData\b")
        self.row_open = b"<" + prefix + b"row"
        self.cell_open = b"<" + prefix + b"c"
        self.cell_close = b"</" + prefix + b"c>"
        self.row_close = b"</" + prefix + b"row>"
        self.data_close = b"</" + prefix + b"sheetData>"
        self.text = prefix.decode()


# ---------------------------------------------------------------- cutting a sheet into pieces

def sheet_pieces(chunks: Iterable[bytes]) -> Iterator[tuple[str, bytes]]:
    """("head", bytes) once, with the <sheetData> start tag at its end; then ("rows", bytes)
    pieces of whole rows; then ("tail", bytes) pieces from </sheetData> on."""
    stream = iter(chunks)
    buf, found = b"", None
    for chunk in stream:
        start = max(0, len(buf) - 256)
        buf += chunk
        found = _SHEET_DATA.search(buf, start)
        if found:
            break
    if found is None:
        raise PackageError("a worksheet without <sheetData>")
    prefix = (found.group(1) + b":") if found.group(1) else b""
    if found.group(2):  # <sheetData/>: an empty sheet, opened up so rows can be added
        yield "head", buf[:found.start()] + b"<" + prefix + b"sheetData>"
        yield "tail", b"</" + prefix + b"sheetData>" + buf[found.end():]
    else:
        yield "head", buf[:found.end()]
        yield from _rows_then_tail(buf[found.end():], stream, b"</" + prefix + b"sheetData>", b"</" + prefix + b"row>")
    for chunk in stream:
        yield "tail", chunk


def _rows_then_tail(buf: bytes, stream: Iterator[bytes], data_close: bytes, row_close: bytes):
    while True:
        end = buf.find(data_close)
        if end >= 0:
            yield "rows", buf[:end]
            yield "tail", buf[end:]
            return
        cut = buf.rfind(row_close)
        if cut >= 0:
            cut += len(row_close)
            yield "rows", buf[:cut]
            buf = buf[cut:]
        chunk = next(stream, None)
        if chunk is None:
            raise PackageError("a worksheet that ends inside <sheetData>")
        buf += chunk


def sheet_prefix(head: bytes) -> bytes:
    found = _SHEET_DATA.search(head)
    return (found.group(1) + b":") if found and found.group(1) else b""


# ---------------------------------------------------------------- rows and cells

def rows_in(piece: bytes, syntax: Syntax) -> Iterator[tuple[int, int, int, int]]:
    """(start, end of start tag, end of content, end) of each <row> in a piece of whole rows;
    for an empty <row/>, the last three are equal. Found with bytes.find, not a regex: a
    100 MB sheet is scanned at memchr speed, and only row boundaries cost Python time."""
    opener, close, at = syntax.row_open, syntax.row_close, 0
    while True:
        start = piece.find(opener, at)
        if start < 0:
            return
        tag_end = piece.find(b">", start) + 1
        if not tag_end:
            raise PackageError("a <row> tag without its end")
        if piece[start + len(opener)] not in _AFTER_NAME:  # not a <row…> of another name
            at = tag_end
            continue
        if piece[tag_end - 2] == 47:  # "/>"
            yield start, tag_end, tag_end, tag_end
            at = tag_end
        else:
            inner_end = piece.find(close, tag_end)
            if inner_end < 0:
                raise PackageError("a <row> without its </row>")
            at = inner_end + len(close)
            yield start, tag_end, inner_end, at


class RowCounter:
    """Row numbers as Excel reads them: a row's r attribute, else one more than the last."""

    def __init__(self):
        self.number = 0

    def advance(self, piece: bytes, start: int, tag_end: int) -> int:
        at = piece.find(b' r="', start, tag_end)
        if at >= 0:
            self.number = _row_number(piece[at + 4:piece.find(b'"', at + 4, tag_end)])
        else:
            found = _NUMBER.search(piece, start, tag_end)
            self.number = _row_number(found.group(1)) if found else self.number + 1
        return self.number


def _row_number(text: bytes) -> int:
    try:
        return int(text)
    except ValueError:  # "7.0" is read as 7, as openpyxl does
        number = float(text)
        if not number.is_integer():
            raise PackageError(f"row number {text!r}") from None
        return int(number)


def row_cells(inner: bytes, syntax: Syntax) -> Iterator[tuple[int, re.Match]]:
    """(column, <c> match) for each cell of a row's content."""
    column = 0
    for match in syntax.cell.finditer(inner):
        ref = _CELL_REF.search(match.group(1))
        column = column_index(ref.group(1)) if ref else column + 1
        yield column, match


def _last_cell_start(piece: bytes, syntax: Syntax, low: int, high: int) -> int:
    """Where the last <c> start tag in piece[low:high] begins (-1: none). <c is also how <color
    and <charset begin (rich text inside a cell), hence the look at the next byte."""
    opener = syntax.cell_open
    while True:
        high = piece.rfind(opener, low, high)
        if high < 0 or piece[high + len(opener)] in _AFTER_NAME:
            return high


def _explicit_column(piece: bytes, start: int) -> int:
    """The column in the r attribute of the cell tag at `start`, 0 when it has none."""
    tag_end = piece.find(b">", start)
    at = piece.find(b' r="', start, tag_end)
    if at >= 0:
        letters = _LETTERS.match(piece, at + 4)
        return _column_of(letters.group(1)) if letters else 0
    ref = _CELL_REF.search(piece, start, tag_end)
    return _column_of(ref.group(1)) if ref else 0


def _column_of(letters: bytes) -> int:
    index = _COLUMNS.get(letters)
    if index is None:
        index = _COLUMNS[letters] = column_index(letters)
    return index


def last_valued_column(piece: bytes, low: int, high: int, syntax: Syntax) -> int:
    """The column of the rightmost cell in piece[low:high] (a row's content) that holds a value
    (a formula counts), 0 if none."""
    close = piece.rfind(syntax.cell_close, low, high)
    if close < 0:
        return 0  # only empty (self-closing) cells
    start = _last_cell_start(piece, syntax, low, close)
    if start >= 0:  # the usual case, decided from the last closed cell alone
        column = _explicit_column(piece, start)
        if column and syntax.value.search(piece, start, close):
            return column
    valued = [column for column, m in row_cells(piece[low:high], syntax)
              if m.group(2) and syntax.value.search(m.group(2))]
    return max(valued, default=0)


def last_cell_column(piece: bytes, low: int, high: int, syntax: Syntax) -> int | None:
    """The column of the last cell in piece[low:high], valued or not (0: no cell); None when it
    cannot be told cheaply (the cell has no r attribute)."""
    start = _last_cell_start(piece, syntax, low, high)
    if start < 0:
        return 0
    return _explicit_column(piece, start) or None


# ---------------------------------------------------------------- formulas become text

class FormulaText:
    """The text a formula cell shows instead of running: "=" + the formula, as openpyxl reads it.
    A shared formula's followers get the master's formula moved to their own position."""

    def __init__(self):
        self._shared: dict[str, tuple[str, object]] = {}  # si → (master's text, its translator)

    def of(self, attrs: dict[str, str], text: str | None, ref: str) -> str:
        formula = "=" + (text or "")
        kind = attrs.get("t")
        if kind == "shared":
            return self._shared_text(attrs.get("si", ""), formula, ref)
        if kind == "dataTable":
            return _data_table_text(attrs)
        return formula

    def _shared_text(self, si: str, formula: str, ref: str) -> str:
        if si in self._shared:
            text, translator = self._shared[si]
            try:
                return translator.translate_formula(ref)
            except Exception:  # a formula the translator cannot parse: the text there is
                return formula if formula != "=" else text
        if formula != "=":
            from openpyxl.formula.translate import Translator  # numpy-heavy: only when needed
            try:
                self._shared[si] = (formula, Translator(formula, ref))
            except Exception:
                self._shared[si] = (formula, None)
        return formula


def _data_table_text(attrs: dict[str, str]) -> str:
    """A what-if data table as Excel shows it: =TABLE(row input, column input)."""
    r1, r2 = attrs.get("r1", ""), attrs.get("r2", "")
    if attrs.get("dt2D") in ("1", "true"):
        return f"=TABLE({r1},{r2})"
    return f"=TABLE({r1},)" if attrs.get("dtr") in ("1", "true") else f"=TABLE(,{r1})"


def neutralise_row(inner: bytes, number: int, syntax: Syntax, formulas: FormulaText) -> bytes:
    """The row's content with every formula cell turned into a text cell holding its formula."""
    parts, done = [], 0
    for column, match in row_cells(inner, syntax):
        content = match.group(2)
        if not content or not syntax.has_formula.search(content):
            continue
        formula = syntax.formula.search(content)
        if formula is None:
            continue
        text = formulas.of(attributes(formula.group(1)), unescape(formula.group(2).decode("utf-8"))
                           if formula.group(2) else None, f"{column_letter(column)}{number}")
        parts += [inner[done:match.start()], _text_cell(match.group(1), text, syntax.text)]
        done = match.end()
    return b"".join(parts) + inner[done:] if parts else inner


def _text_cell(attrs: bytes, text: str, p: str) -> bytes:
    # The style (s) and position (r) stay; the type becomes inline text and the cached result goes.
    kept = _FORMULA_ONLY_ATTRS.sub(b"", attrs).rstrip()
    body = f' t="inlineStr"><{p}is><{p}t{space_attr(text)}>{text_xml(text)}</{p}t></{p}is></{p}c>'
    return b"<" + p.encode() + b"c" + kept + body.encode("utf-8")


def rewrite_formulas(pieces: Iterator[tuple[str, bytes]], head: bytes, write: Write) -> None:
    """Copy a worksheet that is not the project sheet, its formulas turned into text."""
    syntax, rows, formulas = Syntax(sheet_prefix(head)), RowCounter(), FormulaText()
    write(head)
    for kind, piece in pieces:
        if kind == "rows" and syntax.has_formula.search(piece):
            piece = _neutralise_piece(piece, syntax, rows, formulas)
        elif kind == "rows":
            for start, tag_end, _, _ in rows_in(piece, syntax):  # only to keep count
                rows.advance(piece, start, tag_end)
        write(piece)


def _neutralise_piece(piece: bytes, syntax: Syntax, rows: RowCounter, formulas: FormulaText) -> bytes:
    parts, done = [], 0
    for start, tag_end, inner_end, _ in rows_in(piece, syntax):
        number = rows.advance(piece, start, tag_end)
        if syntax.has_formula.search(piece, tag_end, inner_end):
            parts += [piece[done:tag_end], neutralise_row(piece[tag_end:inner_end], number, syntax, formulas)]
            done = inner_end
    return b"".join(parts) + piece[done:]


# ---------------------------------------------------------------- the project sheet

@dataclass
class SheetScan:
    """What the project sheet holds, learnt in a first pass before it is rewritten."""

    last_valued: int = 0  # rightmost column with a value, any row
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_row, min_col, max_row, max_col
    header_styles: dict[int, int] = field(default_factory=dict)  # column → s on the header row
    prefix: str = ""  # the namespace prefix the sheet's elements are written with
    complete: bool = True  # False: read up to the header row only, the <dimension> trusted

    def last_used_column(self, rows: list[int], known: int) -> int:
        """The rightmost column holding a value, or a merge reaching into `rows` (sorted)."""
        reaching = [m[3] for m in self.merges if _any_between(rows, m[0], m[2])]
        return max(known, self.last_valued, max(reaching, default=0))


def _any_between(sorted_rows: list[int], low: int, high: int) -> bool:
    at = bisect.bisect_left(sorted_rows, low)
    return at < len(sorted_rows) and sorted_rows[at] <= high


class Misplaced(Exception):
    """The verdict columns, placed from the sheet's <dimension>, would meet a cell with a value
    or a merge: the sheet has to be read in full first."""


def scan_sheet(chunks: Iterator[bytes], header_row: int, known: int, last_row: int,
               trust_dimension: bool) -> SheetScan:
    """Read the sheet for what the rewrite needs to know first: where the verdict columns go
    and how the header cell left of them looks.

    When the sheet's <dimension> (the used range Excel records) ends at or before column
    `known`, the ledger's own width, and reaches down to `last_row`, it is believed: reading
    stops after the header row, and the rewrite checks the rows it adds cells to, raising
    Misplaced if the dimension was wrong there. Otherwise the whole sheet is read; as only
    columns beyond `known` can move the verdict columns, after the header row each piece is
    searched for cells beyond the rightmost seen so far, at regex speed."""
    scan, syntax, rows, tail = SheetScan(last_valued=known), Syntax(b""), RowCounter(), []
    header_seen, small = False, False
    try:
        for kind, piece in sheet_pieces(chunks):
            if kind == "head":
                syntax = Syntax(sheet_prefix(piece))
                scan.prefix = syntax.text
                small = trust_dimension and _within(piece, syntax, known, last_row)
            elif kind == "rows" and header_seen and small:
                scan.complete = False
                return scan
            elif kind == "rows" and header_seen:
                beyond = _last_valued_beyond(piece, syntax, scan.last_valued)
                if beyond is None:  # a cell whose column its tag does not say at once
                    _scan_rows(piece, syntax, rows, scan, header_row)
                else:
                    scan.last_valued = beyond
            elif kind == "rows":
                header_seen = _scan_rows(piece, syntax, rows, scan, header_row)
            else:
                tail.append(piece)
    finally:
        chunks.close()  # stops the reading thread when we stop early
    scan.merges = _merges(b"".join(tail), syntax)
    return scan


def _within(head: bytes, syntax: Syntax, columns: int, rows: int) -> bool:
    """Whether the sheet's <dimension> ends at column `columns` or before, and reaches row `rows`
    (a dimension of "A1", as some programs write whatever the sheet holds, is not believed)."""
    corners = _dimension(head, syntax)
    return bool(corners) and corners[1][1] <= columns and corners[1][0] >= rows


def _dimension(head: bytes, syntax: Syntax) -> list[tuple[int, int]] | None:
    """The (row, column) corners of the sheet's <dimension ref>, None without a readable one."""
    tag = syntax.dimension.search(head)
    ref = _REF_ATTR.search(tag.group(0)) if tag else None
    if not ref:
        return None
    corners = [split_ref(part) for part in ref.group(1).decode("ascii", "replace").split(":")]
    return corners if all(corners) else None


def _last_valued_beyond(piece: bytes, syntax: Syntax, last: int) -> int | None:
    """The rightmost valued column in the piece if beyond `last`, else `last`; None when some
    cell does not start <c r="… (its column must then be counted row by row)."""
    at = 0
    while found := _cells_beyond(syntax, last).search(piece, at):
        if not found.group(1):
            return None
        tag_end = piece.find(b">", found.end())
        if tag_end < 0:
            raise PackageError("a <c> tag without its end")
        at = tag_end
        if piece[tag_end - 1] == 47:  # <c …/>: no value
            continue
        close = piece.find(syntax.cell_close, tag_end)
        if syntax.value.search(piece, tag_end, close):
            last = _explicit_column(piece, found.start())
    return last


def _cells_beyond(syntax: Syntax, column: int) -> re.Pattern:
    """A pattern for the start of a cell whose reference lies right of `column` (group 1), or
    of a cell whose tag does not begin with its reference (no group)."""
    letters = column_letter(column) if column else ""
    options = [f"[A-Z]{{{len(letters) + 1},3}}"] if len(letters) < 3 else []
    for i, ch in enumerate(letters):
        if ch < "Z":
            options.append(letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + "[A-Z]" * (len(letters) - i - 1))
    beyond = "|".join(options) or "(?!)"
    pattern = b'c(?: r="(' + beyond.encode() + rb')\d|(?! r=")[\s>/])'
    return re.compile(b"<" + re.escape(syntax.prefix) + pattern)


def _scan_rows(piece: bytes, syntax: Syntax, rows: RowCounter, scan: SheetScan, header_row: int) -> bool:
    """Row by row (numbers kept); whether the header row has been passed."""
    last = scan.last_valued
    for start, tag_end, inner_end, _ in rows_in(piece, syntax):
        column = last_valued_column(piece, tag_end, inner_end, syntax)
        if column > last:
            last = column
        if rows.advance(piece, start, tag_end) == header_row:
            scan.header_styles = {col: int(attributes(m.group(1)).get("s") or 0)
                                  for col, m in row_cells(piece[tag_end:inner_end], syntax)}
    scan.last_valued = last
    return rows.number >= header_row


def _merges(tail: bytes, syntax: Syntax) -> list[tuple[int, int, int, int]]:
    merges = []
    for tag in syntax.merge.findall(tail):
        ref = attributes(tag).get("ref", "")
        corners = [split_ref(part) for part in ref.split(":")]
        if corners and all(corners):
            (r1, c1), (r2, c2) = corners[0], corners[-1]
            merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return merges


@dataclass
class ProjectRows:
    """The cells to add to the project sheet: `cells(row)` is the XML of a target row's cells,
    in columns first … last."""

    first: int
    last: int
    targets: list[int]  # row numbers, ascending
    cells: Callable[[int], str]
    widths: tuple[int, ...]
    check_merges: bool = False  # placed from the <dimension>: a merge reaching them is Misplaced


class _Targets:
    """Walks the target rows in order alongside the sheet's rows."""

    def __init__(self, plan: ProjectRows, p: str):
        self.plan, self.p, self.next = plan, p, 0

    def missing_before(self, number: int) -> list[bytes]:
        """Rows the sheet lacks but that get cells: created, in order, before row `number`."""
        made, targets = [], self.plan.targets
        while self.next < len(targets) and targets[self.next] < number:
            row = targets[self.next]
            made.append(f'<{self.p}row r="{row}">{self.plan.cells(row)}</{self.p}row>'.encode("utf-8"))
            self.next += 1
        return made

    def take(self, number: int) -> bytes | None:
        targets = self.plan.targets
        if self.next < len(targets) and targets[self.next] == number:
            self.next += 1
            return self.plan.cells(number).encode("utf-8")
        return None


def rewrite_project_sheet(pieces: Iterator[tuple[str, bytes]], head: bytes, plan: ProjectRows, write: Write) -> None:
    """Copy the project sheet with the verdict cells added and its formulas turned into text."""
    syntax = Syntax(sheet_prefix(head))
    rows, formulas, targets = RowCounter(), FormulaText(), _Targets(plan, syntax.text)
    write(_project_head(head, plan, syntax))
    tail = []
    for kind, piece in pieces:
        if kind == "rows":
            write(_annotate_piece(piece, syntax, rows, formulas, targets, plan))
            continue
        if targets.next < len(plan.targets):
            write(b"".join(targets.missing_before(plan.targets[-1] + 1)))
        if plan.check_merges:
            tail.append(piece)
        write(piece)
    if plan.check_merges and _merged_reach(tail, syntax, plan.targets) >= plan.first:
        raise Misplaced("a merged range reaches into the verdict columns")


def _merged_reach(tail: list[bytes], syntax: Syntax, rows: list[int]) -> int:
    """The rightmost column a merge reaching into `rows` covers (0: none does)."""
    return SheetScan(merges=_merges(b"".join(tail), syntax)).last_used_column(rows, 0)


def _annotate_piece(piece: bytes, syntax: Syntax, rows: RowCounter, formulas: FormulaText, targets: _Targets,
                    plan: ProjectRows) -> bytes:
    """The piece with cells added to target rows and formulas turned into text. Unchanged
    stretches go out as slices of the piece; a target row's cells are put before its </row>."""
    parts, done = [], 0
    wanted = plan.targets
    any_formula = syntax.has_formula.search(piece) is not None
    for start, tag_end, inner_end, end in rows_in(piece, syntax):
        number = rows.advance(piece, start, tag_end)
        if targets.next < len(wanted) and wanted[targets.next] < number:
            parts += [piece[done:start], *targets.missing_before(number)]
            done = start
        formula = any_formula and syntax.has_formula.search(piece, tag_end, inner_end) is not None
        cells = targets.take(number)
        if cells is None and not formula:
            continue
        if not formula and inner_end != end and _ends_before(piece, tag_end, inner_end, plan.first, syntax):
            tag = piece[start:tag_end]  # the common case: the cells go on the end of the row
            if b"spans" in tag:
                parts += [piece[done:start], _without_spans(tag)]
                done = tag_end
            parts += [piece[done:inner_end], cells]
            done = inner_end
            continue
        inner = piece[tag_end:inner_end]
        if formula:
            inner = neutralise_row(inner, number, syntax, formulas)
        if cells is None:
            parts += [piece[done:tag_end], inner]
            done = inner_end
        else:
            parts += [piece[done:start], _row_with_cells(piece[start:tag_end], inner, cells, plan, syntax)]
            done = end
    parts.append(piece[done:])
    return b"".join(parts)


def _ends_before(piece: bytes, low: int, high: int, column: int, syntax: Syntax) -> bool:
    last = last_cell_column(piece, low, high, syntax)
    return last is not None and last < column


def _without_spans(tag: bytes) -> bytes:
    # spans (a reading hint: the row's first and last column) would no longer be true.
    return _SPANS.sub(b"", tag)


def _row_with_cells(tag: bytes, inner: bytes, cells: bytes, plan: ProjectRows, syntax: Syntax) -> bytes:
    tag = _without_spans(tag)
    if tag.endswith(b"/>"):
        tag = tag[:-2].rstrip() + b">"
    if _ends_before(inner, 0, len(inner), plan.first, syntax):
        return tag + inner + cells + syntax.row_close
    return tag + _insert_cells(inner, cells, plan, syntax) + syntax.row_close


def _insert_cells(inner: bytes, cells: bytes, plan: ProjectRows, syntax: Syntax) -> bytes:
    """Put `cells` in column order among the row's cells. Cells already in the new columns can
    only be empty ones (the columns start after the last with a value): they are replaced. (A
    cell after them without an r attribute still lands where it was: it follows the last new
    cell, which sits where the last replaced one did, or a cell of its own past them.)"""
    parts, done, placed = [], 0, False
    for column, match in row_cells(inner, syntax):
        if column >= plan.first and match.group(2) and syntax.value.search(match.group(2)):
            raise Misplaced(f"a value in column {column_letter(column)}, where the verdict columns were to go")
        if column >= plan.first and not placed:
            parts += [inner[done:match.start()], cells]
            done, placed = match.start(), True
        if plan.first <= column <= plan.last:
            parts.append(inner[done:match.start()])
            done = match.end()
    parts.append(inner[done:])
    if not placed:
        parts.append(cells)
    return b"".join(parts)


# ---------------------------------------------------------------- the project sheet's head

def _project_head(head: bytes, plan: ProjectRows, syntax: Syntax) -> bytes:
    head = _with_dimension(head, plan, syntax)
    return _with_columns(head, plan, syntax)


def _with_dimension(head: bytes, plan: ProjectRows, syntax: Syntax) -> bytes:
    corners = _dimension(head, syntax)
    if not corners:
        return head
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    r2, c2 = max(r2, plan.targets[-1] if plan.targets else 0), max(c2, plan.last)
    tag = syntax.dimension.search(head)
    ref = _REF_ATTR.search(tag.group(0))
    new_ref = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}".encode()
    new_tag = tag.group(0)[:ref.start(1)] + new_ref + tag.group(0)[ref.end(1):]
    return head[:tag.start()] + new_tag + head[tag.end():]


def _with_columns(head: bytes, plan: ProjectRows, syntax: Syntax) -> bytes:
    """The <cols> list with widths for the new columns; existing ranges that overlapped them
    are cut around them (Excel refuses overlapping <col> ranges)."""
    p = syntax.prefix
    ours = [(plan.first + i, f'<{syntax.text}col min="{plan.first + i}" max="{plan.first + i}" width="{width}" '
                             f'customWidth="1"/>'.encode()) for i, width in enumerate(plan.widths)]
    found = syntax.cols.search(head)
    existing = syntax.col.findall(found.group(1) or b"") if found else []
    kept = [piece for tag in existing for piece in _cut_column_range(tag, plan.first, plan.last)]
    ranges = b"".join(tag for _, tag in sorted(kept + ours, key=lambda t: t[0]))
    block = b"<" + p + b"cols>" + ranges + b"</" + p + b"cols>"
    if found:
        return head[:found.start()] + block + head[found.end():]
    at = syntax.sheet_data.search(head).start()
    return head[:at] + block + head[at:]


def _cut_column_range(tag: bytes, first: int, last: int) -> list[tuple[int, bytes]]:
    bounds = {m.group(1): int(m.group(2)) for m in _MIN_MAX.finditer(tag)}
    low, high = bounds.get(b"min", 0), bounds.get(b"max", bounds.get(b"min", 0))
    if high < first or low > last:
        return [(low, tag)]
    pieces = []
    if low < first:
        pieces.append((low, _with_bounds(tag, low, first - 1)))
    if high > last:
        pieces.append((last + 1, _with_bounds(tag, last + 1, high)))
    return pieces


def _with_bounds(tag: bytes, low: int, high: int) -> bytes:
    values = {b"min": low, b"max": high}
    return _MIN_MAX.sub(lambda m: m.group(1) + b'="' + str(values[m.group(1)]).encode() + b'"', tag)
