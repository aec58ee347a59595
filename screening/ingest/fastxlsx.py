"""The fast path for .xlsx sheets: python-calamine reads the rows openpyxl would read, the same.

openpyxl parses every cell in Python (about 0.35 ms a project row); calamine parses in Rust.
Downstream must not see a difference, so calamine only reads what it is known to read as
openpyxl does, and the first thing it is not known to read hands the rest of the sheet back
to openpyxl:

- A sheet is read in chunks of whole rows (the first 64 KB, then about 1 MB each), each
  wrapped in a workbook of its own that holds only that chunk and the styles. Finding the
  header parses only the first chunk, and one chunk is in memory at a time: calamine builds a
  dense grid of the cells it reads (32 bytes a cell), which for a whole 100,000-row sheet
  costs about 250 MB.
- A chunk goes to calamine only if its bytes hold nothing calamine reads differently
  (`check_plain`): formulas (ingest yields them as Formula, so facts can report them), error
  cells (calamine gives ''), ISO date cells, integral numbers written as 12345.0 or 1.2E7
  (openpyxl keeps those as float, and calamine gives every number as float), number formats
  the two libraries classify differently (e.g. a/p) or durations ([h]:mm, rounded
  differently), empty or space-padded inline text, _x000D_ escapes, comments and CDATA (the
  byte checks would misread them). What calamine gives back is checked too (`ChunkValues`):
  a time of day (calamine's reading of a negative date or one a hair under midnight), or a
  number in a date-formatted cell past 9999, which openpyxl turns into other values.
- Hostile files: calamine allocates its grid from the first and last cell's rows and the
  widest column, and a cell at ZZZZ1048576 makes it abort the process. Before calamine sees a
  chunk, every cell must carry a reference of at most two letters, and two sentinel rows
  (first cell's row and last cell's row + 1, column A) pin the grid's height to the chunk's
  span; a chunk spanning more than MAX_SPAN row numbers is read in halves. The file's size,
  DTDs and row count were checked when it was opened (workbook.py).
- Shared strings: calamine is told shared-string cells are ISO dates (t="s" → t="d"), which it
  cannot parse and hands over as the index text; the strings themselves are read here, as
  openpyxl reads them (`read_shared_strings`). Calamine then never copies the strings, and
  each cell gets the same str object, as with openpyxl. A chunk that also holds other text
  (inline strings, formula results) is left to openpyxl: that text could pass for an index.
- Values are then normalised as openpyxl gives them: integral floats → int, dates at
  midnight → datetime, '' → None.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .refs import column_letter

HEAD_BYTES = 64 * 2**10  # the first chunk: the rows a header is looked for in, and a few more
CHUNK_BYTES = 2**20  # about 1,000 rows of a 40-column ledger; one chunk is in memory at a time
MAX_SPAN = 4096  # row numbers one calamine read may cover; bounds its grid (× 702 columns at most)
MAX_CHUNK_BYTES = 32 * 2**20  # a longer run of rows without a row boundary is not read here
MAX_PREAMBLE = 4 * 2**20  # bytes before <sheetData>
MAX_STYLES = 65_536  # cell formats probed; more is not a real workbook
MAX_STYLES_BYTES = 16 * 2**20
MAX_INTEGRAL = 1e15  # from here on a number may have been written in E notation (openpyxl: float)
READ_BYTES = 1 << 20
EXCEL_ROWS = 1_048_576

# ---------------------------------------------------------------- workbook layout

MAIN_CONTENT = re.compile(r"\.main\+xml$")


@dataclass
class Parts:
    """Where a workbook keeps what the fast path needs; the layout every xlsx writer uses."""

    sheets: dict[str, str]  # title → worksheet member, in workbook order
    styles: str | None
    shared_strings: str | None


def workbook_parts(zf: zipfile.ZipFile) -> Parts | None:
    """The workbook's sheets and shared parts, or None when anything is unusual (a chartsheet,
    a missing member, the 1904 date system, …): such a workbook is read by openpyxl alone."""
    names = set(zf.namelist())
    try:
        types = zf.read("[Content_Types].xml").decode("utf-8")
        book = zf.read("xl/workbook.xml").decode("utf-8")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None
    if not _declares_workbook(types) or re.search(r'\bdate1904="(?:1|true)"', book):
        return None
    targets = _relationships(rels)
    sheets: dict[str, str] = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name, rid = _attribute(tag, "name"), _attribute(tag, r"\w+:id")
        kind, member = targets.get(rid, ("", "")) if rid else ("", "")
        if not name or kind != "worksheet" or member not in names or name in sheets or re.search(r"[\t\r\n&]", name):
            return None
        sheets[name] = member
    found = {kind: member for kind, member in targets.values()}
    styles, strings = found.get("styles"), found.get("sharedStrings")
    if not sheets or (styles and styles not in names) or (strings and strings not in names):
        return None
    return Parts(sheets, styles, strings)


def _declares_workbook(types: str) -> bool:
    """openpyxl finds the workbook through [Content_Types].xml; so must this layout."""
    for tag in re.findall(r"<(?:\w+:)?Override\b[^>]*>", types):
        if _attribute(tag, "PartName") == "/xl/workbook.xml":
            return bool(MAIN_CONTENT.search(_attribute(tag, "ContentType") or ""))
    return False


def _relationships(rels: str) -> dict[str, tuple[str, str]]:
    """Id → (type, member) of the workbook's relationships."""
    found = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid, kind, target = _attribute(tag, "Id"), _attribute(tag, "Type"), _attribute(tag, "Target")
        if rid and kind and target:
            member = target[1:] if target.startswith("/") else "xl/" + target
            found[rid] = (kind.rsplit("/", 1)[-1], member)
    return found


def _attribute(tag: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"&<]*)"', tag)
    return m.group(1) if m else None


# ---------------------------------------------------------------- reading sheets


class NotPlain(Exception):
    """Something in a chunk calamine would not read as openpyxl does; the reason says what."""


MARK = "screening-sentinel-" + secrets.token_hex(8)  # a value no file can hold: it is new each run


class CalamineSheets:
    """The sheets of one workbook, read through calamine chunk by chunk."""

    def __init__(self, path: Path, parts: Parts):
        self.path, self.parts = path, parts
        self._formats: CellFormats | None = None
        self._strings: dict[str, Any] | None = None
        self._styles_xml: bytes | None = None
        self.not_plain: dict[str, str] = {}  # sheet → why openpyxl took over (for tests and debugging)

    def rows(self, sheet: str) -> Generator[tuple[int, list[Any]], None, int | None]:
        """(Excel row number, values) as openpyxl would give them, from row 1 on.

        Returns None once the sheet is read, or the row number from which openpyxl must
        read the rest.
        """
        following = 1  # the row number openpyxl would yield next
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(self.parts.sheets[sheet]) as member:
                stream = SheetStream(member)
                for chunk in stream.chunks():
                    rows = self._read_chunk(zf, chunk, stream.prefix, stream.root)
                    if rows and rows[0][0] < following:
                        raise NotPlain("rows out of order")
                    for number, values in rows:
                        while following < number:  # openpyxl yields the rows the file leaves out
                            yield following, []
                            following += 1
                        yield number, values
                        following = number + 1
        except NotPlain as reason:
            self.not_plain[sheet] = str(reason)
            return following
        except Exception as exc:  # a broken member, or anything unforeseen: openpyxl decides
            self.not_plain[sheet] = f"{type(exc).__name__}: {exc}"
            return following
        return None

    def _read_chunk(self, zf, chunk: bytes, prefix: bytes, root: tuple[bytes, bytes]) -> list[tuple[int, list]]:
        inline = check_plain(chunk, prefix, self._cell_formats(zf))
        shared = chunk.replace(b't="s"', b't="d"')
        strings = None
        if shared != chunk:
            if inline or _STR_CELL.search(chunk):  # their text would pass for string indexes
                raise NotPlain("other strings among shared strings")
            strings = self._shared_strings(zf)
        values = ChunkValues(strings, self._cell_formats(zf), chunk, prefix)
        return self._calamine_rows(shared, prefix, root, values, zf)

    def _calamine_rows(self, rows_xml: bytes, prefix: bytes, root, values: ChunkValues, zf) -> list[tuple[int, list]]:
        """Rows (whole <row> elements, checked) read by calamine, in halves while they span too many rows."""
        extent = cell_extent(rows_xml, prefix)
        if extent is None:
            return []  # no cells: the rows are blank
        first, last = extent
        if last - first >= MAX_SPAN:
            middle = _middle_row(rows_xml, prefix)
            return (self._calamine_rows(rows_xml[:middle], prefix, root, values, zf)
                    + self._calamine_rows(rows_xml[middle:], prefix, root, values, zf))
        xml = b"".join((root[0], _sentinel(prefix, first), rows_xml, _sentinel(prefix, last + 1), root[1]))
        grid = calamine_grid(_one_sheet_workbook(xml, self._styles(zf)))
        if len(grid) != last - first + 2 or not grid[-1] or grid[-1][0] != MARK:
            raise NotPlain("calamine read the chunk's rows differently")
        grid.pop()
        if grid[0][0] == MARK:
            grid[0][0] = ""
        return values.rows(grid, first)

    def _styles(self, zf) -> bytes:
        if self._styles_xml is None:
            self._styles_xml = zf.read(self.parts.styles) if self.parts.styles else b""
            if len(self._styles_xml) > MAX_STYLES_BYTES:
                raise NotPlain("styles part too large")
        return self._styles_xml

    def _cell_formats(self, zf) -> CellFormats:
        if self._formats is None:
            self._formats = cell_formats(self._styles(zf))
        return self._formats

    def _shared_strings(self, zf) -> dict[str, Any]:
        if self._strings is None:
            data = zf.read(self.parts.shared_strings) if self.parts.shared_strings else b""
            strings = read_shared_strings(data)
            if strings is None:
                raise NotPlain("shared strings openpyxl reads differently")
            self._strings = dict(zip(map(str, range(len(strings))), strings))
            self._strings[""] = None  # a shared-string cell without a value
        return self._strings


def _middle_row(rows_xml: bytes, prefix: bytes) -> int:
    """Where a row starts near the middle; NotPlain for a single row (its cells are far apart)."""
    tag = b"<" + prefix + b"row"
    middle = rows_xml.find(tag, len(rows_xml) // 2)
    if middle <= 0:
        middle = rows_xml.rfind(tag, 0, len(rows_xml) // 2)
    if middle <= 0:
        raise NotPlain("cells of one row far apart")
    return middle


def _sentinel(prefix: bytes, row: int) -> bytes:
    p = prefix
    return b'<%srow r="%d"><%sc r="A%d" t="str"><%sv>%s</%sv></%sc></%srow>' % (
        p, row, p, row, p, MARK.encode(), p, p, p)


# ---------------------------------------------------------------- splitting a sheet into chunks


class SheetStream:
    """A worksheet member cut into runs of whole <row> elements, decompressed as it is read."""

    def __init__(self, member):
        self.member = member
        self.buffer = b""
        self.prefix = b""  # the namespace prefix of the sheet's elements, b"" or b"x:"
        self.root = (b"", b"")  # opening tags down to <sheetData>, and the closing ones
        self.ended = False  # the buffer holds everything up to </sheetData>

    def chunks(self):
        if not self._open():
            return
        row_tag = b"<" + self.prefix + b"row"
        size = HEAD_BYTES
        while True:
            cut = _row_start(self.buffer, row_tag, size)
            if cut:
                yield self.buffer[:cut]
                self.buffer, size = self.buffer[cut:], CHUNK_BYTES
            elif self.ended:
                if self.buffer.strip():
                    yield self.buffer
                return
            elif len(self.buffer) > MAX_CHUNK_BYTES:
                raise NotPlain("rows too long")
            else:
                self._read_rows()

    def _open(self) -> bool:
        """Read up to the first row; False for a sheet without rows."""
        m = None
        while not m:
            m = _SHEET_DATA.search(self.buffer)
            if not m:
                if len(self.buffer) > MAX_PREAMBLE:
                    raise NotPlain("no <sheetData> near the start")
                more = self.member.read(READ_BYTES)
                if not more:
                    raise NotPlain("no <sheetData>")
                self.buffer += more
        root = _ROOT.search(self.buffer, 0, m.start())
        if not root or root.group(1) != m.group(1) or len(root.group(0)) > 65536:
            raise NotPlain("unusual worksheet root")
        if m.group(2):  # <sheetData/>
            return False
        self.prefix = m.group(1) or b""
        name = self.prefix + b"worksheet"
        self.root = (root.group(0) + b"<" + self.prefix + b"sheetData>",
                     b"</" + self.prefix + b"sheetData></" + name + b">")
        self.buffer = self.buffer[m.end():]
        self._find_end(0)
        return True

    def _read_rows(self) -> None:
        more = self.member.read(READ_BYTES)
        if not more:
            raise NotPlain("the sheet ends before </sheetData>")  # openpyxl says how it is broken
        start = max(0, len(self.buffer) - len(self.prefix) - 12)  # </sheetData may straddle two reads
        self.buffer += more
        self._find_end(start)

    def _find_end(self, start: int) -> None:
        end = self.buffer.find(b"</" + self.prefix + b"sheetData", start)
        if end >= 0:
            self.buffer, self.ended = self.buffer[:end], True


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
_SHEET_DATA = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(/?)>")


def _row_start(data: bytes, row_tag: bytes, size: int) -> int:
    """Where the first row starting at or after byte `size` starts; 0 when `data` has none yet."""
    at = data.find(row_tag, size)
    while at >= 0 and at + len(row_tag) < len(data):
        if data[at + len(row_tag)] in b" \t\r\n>/":
            return at
        at = data.find(row_tag, at + 1)
    return 0


# ---------------------------------------------------------------- what calamine reads as openpyxl does

_PATTERNS: dict[bytes, _Patterns] = {}  # by namespace prefix, built on first use
_ERROR_CELL = re.compile(rb't="e"')
_ISO_DATE_CELL = re.compile(rb't="d"')
_SINGLE_QUOTED = re.compile(rb"\s[\w:]+\s*=\s*'")
_POINT_ZERO = re.compile(rb"\.0*<")  # 12345.0: float in openpyxl, integral float in calamine
_EXPONENT = re.compile(rb"E\+?[0-9]+<")  # 1.2345E7 (Java writes these)
_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")  # openpyxl keeps _x000D_, calamine decodes it
_STR_CELL = re.compile(rb't="str"')


def check_plain(chunk: bytes, prefix: bytes, formats: CellFormats) -> bool:
    """Raise NotPlain unless calamine reads every cell of this chunk as openpyxl does.

    Each rare byte is looked for first (memchr), the pattern only where it occurs: most
    chunks hold none of them. Returns whether the chunk has inline strings.
    """
    patterns = _patterns(prefix)
    if (b"!" in chunk and b"<!" in chunk) or (b"?" in chunk and b"<?" in chunk):
        raise NotPlain("comment, CDATA or processing instruction")  # text the byte checks would misread
    if b"f" in chunk and patterns.formula.search(chunk):
        raise NotPlain("formula")
    if b"e" in chunk and _ERROR_CELL.search(chunk):
        raise NotPlain("error cell")
    if b"d" in chunk and _ISO_DATE_CELL.search(chunk):
        raise NotPlain("ISO date cell")
    if b"'" in chunk and _SINGLE_QUOTED.search(chunk):
        raise NotPlain("single-quoted attribute")
    if _POINT_ZERO.search(chunk) or _EXPONENT.search(chunk):
        raise NotPlain("integral number written as a float")
    if patterns.bad_cell.search(chunk) or (b":" in chunk and patterns.foreign_cell.search(chunk)):
        raise NotPlain("cell without a short reference")
    formats.check(chunk)
    inline = b"i" in chunk and b"inlineStr" in chunk
    if inline and (b"\r" in chunk or _ESCAPE.search(chunk) or patterns.odd_text.search(chunk)):
        raise NotPlain("inline text calamine reads differently")
    return inline


@dataclass(frozen=True)
class _Patterns:
    formula: re.Pattern
    bad_cell: re.Pattern  # a cell without a reference, or one beyond column ZZ
    foreign_cell: re.Pattern  # a cell under another namespace prefix
    odd_text: re.Pattern  # empty inline text, text calamine would trim, <t> with other attributes
    first_cell: re.Pattern


def _patterns(prefix: bytes) -> _Patterns:
    if prefix not in _PATTERNS:
        p = re.escape(prefix)
        _PATTERNS[prefix] = _Patterns(
            formula=re.compile(rb"<" + p + rb"f[\s>/]"),
            bad_cell=re.compile(rb"<" + p + rb'c(?! r="[A-Za-z]{1,2}[0-9])[\s>/]'),
            # calamine ignores prefixes: a <y:c> among <x:c> cells is a cell too
            foreign_cell=re.compile(rb"<c[\s>/]|<(?!" + p + rb"c[\s>/])[A-Za-z_][\w.-]*:c[\s>/]" if prefix
                                    else rb":c[\s>/]"),
            odd_text=re.compile(rb"<" + p + rb"(?:is|t)(?:\s[^>]*)?(?:/>|></)"
                                rb"|<" + p + rb"t>(?:[ \t\n]|[^<]*[ \t\n]</)"
                                rb"|<" + p + rb't\s(?!xml:space="preserve">)'),
            first_cell=re.compile(rb"<" + p + rb'c r="[A-Za-z]{1,2}([0-9]+)"'),
        )
    return _PATTERNS[prefix]


def cell_extent(chunk: bytes, prefix: bytes) -> tuple[int, int] | None:
    """The rows of the chunk's first and last cell, or None when it has no cells.

    NotPlain when they are out of order. Every cell has a reference like A1 or AB12
    (`check_plain` made sure), so the first and last are found.
    """
    patterns = _patterns(prefix)
    first = patterns.first_cell.search(chunk)
    if not first:
        return None
    last = patterns.first_cell.match(chunk, chunk.rfind(b"<" + prefix + b'c r="'))
    if not last:
        raise NotPlain("cell without a short reference")
    top, bottom = int(first.group(1)), int(last.group(1))
    if not 1 <= top <= bottom < EXCEL_ROWS:
        raise NotPlain("rows out of order, or at Excel's last row")
    return top, bottom


# ---------------------------------------------------------------- number formats


@dataclass(frozen=True)
class CellFormats:
    """Which cell formats (s="…") both libraries read as dates, and which they read differently."""

    dates: frozenset[int] = frozenset()
    differ_cell: re.Pattern | None = None  # finds a cell whose format the two read differently
    usable: bool = True

    def check(self, chunk: bytes) -> None:
        if not self.usable:
            raise NotPlain("cell formats openpyxl and calamine read differently")
        if self.differ_cell is not None and self.differ_cell.search(chunk):
            raise NotPlain("cell format openpyxl and calamine read differently")


def cell_formats(styles: bytes) -> CellFormats:
    """Compare, for every cell format, how openpyxl and calamine read a number under it.

    openpyxl's rule is reproduced (`openpyxl_kind`); calamine's is asked of calamine itself,
    with one cell per format. Cells without s="…" use the first format: it must not be one
    the two read differently, since those cells cannot be picked out by their s="…".
    """
    try:
        text = styles.decode("utf-8")
    except UnicodeDecodeError:
        return CellFormats(usable=False)
    ids = _cell_format_ids(text)
    if ids is None or len(ids) > MAX_STYLES:
        return CellFormats(usable=False)
    if not ids:
        return CellFormats()
    custom = _custom_formats(text)
    ours = [openpyxl_kind(i, custom) for i in ids]
    try:
        theirs = _calamine_kinds(styles, len(ids))
    except NotPlain:
        return CellFormats(usable=False)
    differ = [i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b or a == "timedelta"]
    dates = frozenset(i for i, (a, b) in enumerate(zip(ours, theirs)) if a == b == "date")
    differ_cell = re.compile(rb'\ss="(?:' + b"|".join(b"%d" % i for i in differ) + rb')"') if differ else None
    return CellFormats(dates, differ_cell, usable=0 not in differ)


def _cell_format_ids(text: str) -> list[int] | None:
    block = re.search(r"<cellXfs\b[^>]*?(?:/>|>(.*?)</cellXfs>)", text, re.S)
    if not block:
        return [] if "cellXfs" not in text else None
    ids = []
    for tag in re.findall(r"<xf\b[^>]*>", block.group(1) or ""):
        value = _attribute(tag, "numFmtId")
        if value is not None and not value.isdigit():
            return None
        ids.append(int(value or 0))
    return ids


def _custom_formats(text: str) -> dict[int, str]:
    found = {}
    for tag in re.findall(r'<numFmt\b(?:[^>"]|"[^"]*")*>', text):
        m_id, m_code = re.search(r'\snumFmtId="(\d+)"', tag), re.search(r'\sformatCode="([^"]*)"', tag)
        if m_id and m_code:
            found[int(m_id.group(1))] = xml_unescape(m_code.group(1))
    return found


def _calamine_kinds(styles: bytes, count: int) -> list[str]:
    """number | date | timedelta | other, for 1.5 under each cell format, as calamine reads it."""
    rows = b"".join(b'<row r="%d"><c r="A%d" s="%d"><v>1.5</v></c></row>' % (i + 1, i + 1, i) for i in range(count))
    grid = calamine_grid(_one_sheet_workbook(
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + rows + b"</sheetData></worksheet>", styles))
    kinds = {float: "number", dt.datetime: "date", dt.date: "date", dt.timedelta: "timedelta"}
    found = [kinds.get(type(row[0]), "other") for row in grid]
    if len(found) != count:
        raise NotPlain("calamine probe of cell formats")
    return found


# openpyxl.styles.numbers: builtin formats that are dates (46 = [h]:mm:ss, a duration)
BUILTIN_DATES = frozenset([*range(14, 23), 45, 46, 47])
BUILTIN_TIMEDELTAS = frozenset([46])
_LITERAL_OR_LOCALE = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_TOKEN = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)


def openpyxl_kind(num_fmt_id: int, custom: dict[int, str]) -> str:
    """number | date | timedelta: what openpyxl makes of a number under this format."""
    if num_fmt_id in custom:
        first = custom[num_fmt_id].split(";")[0]
        is_date = bool(_DATE_TOKEN.search(_LITERAL_OR_LOCALE.sub("", first)))
        is_timedelta = bool(_TIMEDELTA.search(first))
    else:
        is_date, is_timedelta = num_fmt_id in BUILTIN_DATES, num_fmt_id in BUILTIN_TIMEDELTAS
    if is_date:
        return "timedelta" if is_timedelta else "date"
    return "number"


# ---------------------------------------------------------------- shared strings

_SIMPLE_STRING = re.compile(
    r'<si><t(?: xml:space="preserve")?>([^<&\r]*)</t>(?:<phoneticPr\b[^>]*/>)?</si>')
_STRING_ITEM = re.compile(r"<si\b[^>]*?(?:/>|>.*?</si>)", re.S)
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def read_shared_strings(data: bytes) -> list[str] | None:
    """The shared-string table as openpyxl reads it (rich text joined, phonetic runs dropped,
    'x005F_' removed, _x000D_ kept as written), or None for a table this does not handle."""
    if not data:
        return []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    count = text.count("<si>") + text.count("<si ") + text.count("<si/>")
    strings = _SIMPLE_STRING.findall(text)
    if len(strings) != count:
        strings = [_string_item(m.group(0)) for m in _STRING_ITEM.finditer(text)]
        if len(strings) != count or None in strings:
            return None
    return [s.replace("x005F_", "") if "x005F_" in s else s for s in strings]


def _string_item(item: str) -> str | None:
    m = _SIMPLE_STRING.fullmatch(item)
    if m:
        return m.group(1)
    try:
        node = ET.fromstring(item)  # entities, CR and rich text: the parser openpyxl uses decides
    except ET.ParseError:
        return None
    plain, runs = None, []
    for child in node:
        if child.tag == "t":
            plain = child.text  # openpyxl keeps the last <t>
        elif child.tag == "r":
            run = child.find("t")
            if run is not None and run.text is not None:
                runs.append(run.text)
        elif child.tag not in ("rPh", "phoneticPr"):
            return None
    return (plain or "") + "".join(runs)


def xml_unescape(text: str) -> str:
    """The five XML entities and character references; anything else is left as written."""
    if "&" not in text:
        return text

    def one(m):
        if m.group(1):
            return _NAMED[m.group(1)]
        return chr(int(m.group(2)) if m.group(2) else int(m.group(3), 16))

    return _ENTITY.sub(one, text)


# ---------------------------------------------------------------- calamine and its values


def _one_sheet_workbook(sheet_xml: bytes, styles: bytes) -> io.BytesIO:
    """A workbook holding one sheet "s" and the source's styles, stored (not compressed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS if styles else _WORKBOOK_RELS_NO_STYLES)
        if styles:
            zf.writestr("xl/styles.xml", styles)
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    buf.seek(0)
    return buf


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_RELS = (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
              f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{_REL}">'
             f'<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS_NO_STYLES = (f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
                            f'</Relationships>')
_WORKBOOK_RELS = _WORKBOOK_RELS_NO_STYLES.replace(
    "</Relationships>", f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')


def calamine_grid(workbook: io.BytesIO) -> list[list[Any]]:
    """The cells of sheet "s" from its first cell's row and column A on, as calamine gives them."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(workbook)
        try:
            sheet = book.get_sheet_by_name("s")
            return sheet.to_python(skip_empty_area=True) if sheet.start is not None else []
        finally:
            book.close()
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # calamine's errors, and a Rust panic (a BaseException)
        raise NotPlain(f"calamine: {type(exc).__name__}: {exc}") from None


class _OutOfDateRange(Exception):
    """A number calamine left as a number that may be a date openpyxl reads otherwise."""


LAST_SERIAL = 2958466  # 10000-01-01: openpyxl gives '#VALUE!' for a date cell from here on


class ChunkValues:
    """Calamine's cells of one chunk → the values openpyxl gives."""

    def __init__(self, strings: dict[str, Any] | None, formats: CellFormats, chunk: bytes, prefix: bytes):
        self.strings, self.formats, self.chunk, self.prefix = strings, formats, chunk, prefix

    def rows(self, grid: list[list[Any]], first: int) -> list[tuple[int, list[Any]]]:
        convert = self._shared if self.strings is not None else _text
        rows = []
        for number, row in enumerate(grid, first):
            try:
                rows.append((number, convert(row)))
            except _OutOfDateRange:
                rows.append((number, [self._value(v, number, col) for col, v in enumerate(row)]))
        return rows

    def _shared(self, row: list[Any]) -> list[Any]:
        """Every str is a shared-string index ('' for an empty cell)."""
        strings = self.strings
        try:
            return [strings[v] if v.__class__ is str else _scalar(v) for v in row]
        except KeyError as exc:
            raise NotPlain(f"string cell that is not a shared string: {exc}") from None

    def _value(self, value: Any, number: int, col: int) -> Any:
        """One cell of a row holding a number outside the date range, the slow way."""
        if value.__class__ is str:
            return self._shared([value])[0] if self.strings is not None else value or None
        if value.__class__ is not float:
            return _scalar(value)
        if not 0 <= value < LAST_SERIAL and self._date_formatted(number, col):
            raise NotPlain("date-formatted number outside 1900–9999")
        return _number(value)

    def _date_formatted(self, number: int, col: int) -> bool:
        if not self.formats.dates:
            return False
        at = self.chunk.find(b'<%sc r="%s%d"' % (self.prefix, column_letter(col + 1).encode(), number))
        end = self.chunk.find(b">", at) if at >= 0 else -1
        if end < 0:
            return True  # not found: assume the worst
        m = re.search(rb'\ss="([0-9]+)"', self.chunk[at:end])
        return (int(m.group(1)) if m else 0) in self.formats.dates


def _text(row: list[Any]) -> list[Any]:
    """A row without shared strings: '' is an empty cell."""
    return [(v or None) if v.__class__ is str else _scalar(v) for v in row]


def _scalar(value: Any) -> Any:
    kind = value.__class__
    if kind is float:
        if not 0 <= value < LAST_SERIAL:
            raise _OutOfDateRange
        return _number(value)
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)  # calamine drops midnight
    if kind is bool or kind is dt.datetime or kind is int:
        return value
    raise NotPlain(f"{kind.__name__} value")  # time: a negative date, or one a hair under a day


def _number(value: float) -> float | int:
    if not value.is_integer():
        return value
    if -MAX_INTEGRAL < value < MAX_INTEGRAL:
        return int(value)  # openpyxl gives int for a number written without point or exponent
    raise NotPlain("very large number")
