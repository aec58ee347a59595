"""Opening a ledger file safely: format by content, limits checked before any parsing.

Every file is treated as hostile until checked. The checks that bound memory and time run
on cheap information first (file size, the zip directory, a streamed byte scan of the sheet
XML) so that a zip bomb, an entity attack or a million-row sheet is refused before calamine,
openpyxl or xlrd builds anything from it. What passes is read through one small interface,
`Book`, whatever the format.

An .xlsx sheet is read by python-calamine (fastxlsx.py) as far as its cells are ones calamine
reads as openpyxl does; openpyxl reads the rest of the sheet, and whole workbooks laid out
unusually. openpyxl is imported only then.
"""
from __future__ import annotations

import codecs
import html
import csv
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .fastxlsx import CalamineSheets, workbook_parts
from .refs import range_bounds

MAX_FILE_BYTES = 200 * 2**20  # no real ledger comes near this
MAX_XML_BYTES = 300 * 2**20  # total declared uncompressed size of an xlsx's members
MAX_RATIO = 100  # compression ratio above which a large member is a bomb
RATIO_MIN_BYTES = 10 * 2**20  # small members may compress very well legitimately
MAX_MEMBERS = 10_000
MAX_DATA_ROWS = 200_000  # project rows; SPEC's limit for one ledger sheet
HEADER_ALLOWANCE = 100  # rows above and around the table that are not data
MAX_SHEET_ROWS = 1_048_576  # Excel's own limit; also bounds blank-line floods in CSV
MAX_COLUMNS = 1024  # ledgers have tens of columns; a cell at XFD must not widen every row
MAX_MERGE_FILL = 2_000_000  # cells filled from merged ranges, so overlapping ranges cannot stall
SCAN_CHUNK = 1 << 20
BINARY_PARTS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff", ".bin")

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BIFF_MAGIC = (b"\x09\x00", b"\x09\x02", b"\x09\x04", b"\x09\x08")  # pre-OLE .xls streams
ENCRYPTED_OLE = "EncryptedPackage".encode("utf-16-le")

_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_MERGE_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)\"")
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def refusal(path: str | Path, zh: str, en: str) -> InputError:
    """An InputError naming the file, in Chinese then English."""
    name = Path(path).name
    return InputError(f"无法读取文件 {name}：{zh} / cannot read {name}: {en}")


class Formula:
    """A cell that holds a formula: ingest does not evaluate it (see SPEC, formula-cell)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


Merge = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col; 1-based, inclusive


class Book:
    """What ingest needs from a workbook, whatever its format."""

    format = ""
    sheet_names: list[str]

    def rows(self, sheet: str) -> Iterator[tuple[int, list[Any]]]:
        """(Excel row number, cell values) from row 1 on; formula cells as Formula."""
        raise NotImplementedError

    def merges(self, sheet: str) -> list[Merge]:
        return []

    def cached_values(self, sheet: str, wanted: set[tuple[int, int]]) -> dict[tuple[int, int], Any]:
        """The values a spreadsheet program last computed for formula cells (row, 0-based col)."""
        return {}

    def may_hold_formulas(self, sheet: str) -> bool:
        """False when rows() cannot have yielded a Formula for this sheet (saves looking)."""
        return True

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open_book(path: str | Path) -> Book:
    """Open a ledger or region file, deciding its format by its bytes, or raise InputError."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8192)
    except OSError as exc:
        raise refusal(path, f"文件无法打开（{exc.strerror or exc}）", f"cannot open the file ({exc.strerror or exc})") from exc
    if size == 0:
        raise refusal(path, "文件为空（0 字节）", "the file is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise refusal(path, f"文件超过 {MAX_FILE_BYTES // 2**20} MB 上限", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
    if head.startswith(ZIP_MAGIC):
        return XlsxBook(path)
    if head.startswith(OLE_MAGIC) or head.startswith(BIFF_MAGIC):
        return XlsBook(path)
    markup = _markup_kind(head)
    if markup:
        raise refusal(path, f"这是{markup[0]}文件而非 Excel 工作簿，请在 Excel 中另存为 .xlsx",
                      f"this is {markup[1]}, not a workbook; save it as .xlsx in Excel")
    encoding = sniff_text(path, head)
    if encoding is None:
        raise refusal(path, "不是有效的 Excel 工作簿或 CSV 文本", "not a valid workbook or CSV text")
    return CsvBook(path, encoding)


def _markup_kind(head: bytes) -> tuple[str, str] | None:
    """Systems often export HTML or Excel-2003 XML under an .xls name; say so plainly."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table")) or b"<html" in start[:1024]:
        return "网页（HTML）", "an HTML page"
    if start.startswith(b"<?xml"):
        return "XML（如 Excel 2003 XML 表格）", "an XML file (e.g. Excel 2003 XML)"
    return None


# ---------------------------------------------------------------- xlsx


@dataclass
class _SheetScan:
    rows: int = 0
    merges: list[Merge] = field(default_factory=list)


class XlsxBook(Book):
    format = "xlsx"

    def __init__(self, path: Path):
        self.path = path
        self._handles: list[Any] = []
        self._cached_wb = None
        self.wb = None  # openpyxl's, loaded when a sheet needs it
        scans, parts = self._check_archive()
        self.fast = CalamineSheets(path, parts) if parts else None
        if parts:
            self.sheet_names = list(parts.sheets)
            members = parts.sheets
        else:
            self._openpyxl()
            self.sheet_names = list(self.wb.sheetnames)
            members = {name: self._member(name) for name in self.sheet_names}
        self._scan_by_sheet = {name: scans.get(members[name], _SheetScan()) for name in self.sheet_names}

    def _check_archive(self):
        """Refuse bombs and entity tricks from the zip directory and a byte scan, before parsing.

        Returns the scans by member, and the workbook's layout when calamine may read it.
        """
        try:
            with zipfile.ZipFile(self.path) as zf:
                infos = zf.infolist()
                _check_members(self.path, infos)
                names = {i.filename for i in infos}
                if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
                    raise refusal(self.path, "是 zip 压缩包但不是 Excel 工作簿", "a zip archive but not an Excel workbook")
                titles = _sheet_titles(zf)
                scans = {i.filename: _scan_member(self.path, zf, i, titles) for i in infos
                         if not i.filename.lower().endswith(BINARY_PARTS)}
                return scans, workbook_parts(zf)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise refusal(self.path, f"不是有效的 Excel 工作簿（压缩包已损坏：{exc}）", f"not a valid workbook (broken zip: {exc})") from exc

    def _openpyxl(self):
        if self.wb is None:
            try:
                self.wb = self._load(data_only=False)
            except InputError:
                self.close()
                raise
        return self.wb

    def _load(self, data_only: bool):
        import openpyxl

        handle = self.path.open("rb")  # a handle, not the name: openpyxl judges names by extension
        self._handles.append(handle)
        try:
            return openpyxl.load_workbook(handle, read_only=True, data_only=data_only)
        except Exception as exc:  # any failure of the parser means the file is unreadable
            raise refusal(self.path, f"不是有效的 Excel 工作簿（{type(exc).__name__}: {exc}）",
                          f"not a valid workbook ({type(exc).__name__}: {exc})") from exc

    def _member(self, sheet: str) -> str:
        return getattr(self.wb[sheet], "_worksheet_path", "").lstrip("/")

    def rows(self, sheet: str) -> Iterator[tuple[int, list[Any]]]:
        following = 1
        if self.fast is not None:
            following = yield from self.fast.rows(sheet)
        if following is not None:
            yield from self._openpyxl_rows(sheet, following)

    def _openpyxl_rows(self, sheet: str, first: int) -> Iterator[tuple[int, list[Any]]]:
        """The sheet's rows from row `first` on, read by openpyxl."""
        ws = self._openpyxl()[sheet]
        if not hasattr(ws, "iter_rows"):  # a chartsheet has no cells
            return
        ws.reset_dimensions()  # the declared dimension may be wrong; read what is there
        try:
            for number, cells in enumerate(ws.iter_rows(min_row=first), start=first):
                yield number, [_xlsx_value(c) for c in cells]
        except InputError:
            raise
        except Exception as exc:
            raise refusal(self.path, f"工作表“{sheet}”已损坏（{exc}）", f"sheet {sheet!r} is corrupt ({exc})") from exc

    def may_hold_formulas(self, sheet: str) -> bool:
        # calamine never yields a Formula: the first formula hands the sheet to openpyxl
        return self.fast is None or sheet in self.fast.not_plain

    def merges(self, sheet: str) -> list[Merge]:
        return self._scan_by_sheet[sheet].merges

    def cached_values(self, sheet, wanted):
        if not wanted:
            return {}
        if self._cached_wb is None:
            self._cached_wb = self._load(data_only=True)
        last = max(r for r, _ in wanted)
        found = {}
        ws = self._cached_wb[sheet]
        ws.reset_dimensions()
        for number, values in enumerate(ws.iter_rows(values_only=True, max_row=last), start=1):
            for col, value in enumerate(values):
                if (number, col) in wanted:
                    found[(number, col)] = value
        return found

    def close(self):
        for wb in (self.wb, self._cached_wb):
            if wb is not None:
                wb.close()
        for handle in self._handles:
            handle.close()


def _xlsx_value(cell) -> Any:
    if getattr(cell, "data_type", None) == "f":
        value = cell.value
        return Formula(value if isinstance(value, str) else getattr(value, "text", None) or str(value))
    return cell.value


def _check_members(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise refusal(path, f"压缩包内文件过多（{len(infos)} 个）", f"too many members in the archive ({len(infos)})")
    total = sum(i.file_size for i in infos)
    if total > MAX_XML_BYTES:
        raise refusal(path, f"解压后总大小 {total // 2**20} MB 超过 {MAX_XML_BYTES // 2**20} MB 上限（疑似压缩炸弹）",
                      f"uncompressed size {total // 2**20} MB exceeds {MAX_XML_BYTES // 2**20} MB (zip bomb?)")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise refusal(path, f"{info.filename} 压缩比 {ratio:.0f}:1 异常（疑似压缩炸弹）",
                          f"{info.filename} has a compression ratio of {ratio:.0f}:1 (zip bomb?)")


def _sheet_titles(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member → the sheet's title, for messages given before openpyxl has loaded."""
    try:
        book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for tag in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        ids, target = re.search(r'\bId="([^"]*)"', tag), re.search(r'\bTarget="([^"]*)"', tag)
        if ids and target:
            targets[ids.group(1)] = target.group(1)
    titles = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name, rid = re.search(r'\bname="([^"]*)"', tag), re.search(r'\b\w+:id="([^"]*)"', tag)
        target = targets.get(rid.group(1), "") if rid else ""
        if name and target:
            titles[target.lstrip("/") if target.startswith("/") else "xl/" + target] = html.unescape(name.group(1))
    return titles


def _scan_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, titles: dict[str, str],
                 exact: bool = False) -> _SheetScan:
    """Stream one XML member: refuse DTDs (entity expansion), count rows, collect merged ranges.

    Reading stops at the declared size (zipfile enforces it), so this is bounded by the
    limits already checked. Rows are counted here because openpyxl would have to parse a
    whole sheet to learn it has a million rows. Counting `<row` is cheap and can only
    overcount (closing tags of prefixed rows, empty rows); a sheet that seems over the limit
    is counted again exactly.
    """
    scan = _SheetScan()
    is_sheet = "worksheets/" in info.filename
    carry = b""
    try:
        with zf.open(info) as member:
            while chunk := member.read(SCAN_CHUNK):
                data = carry + chunk
                cut = data.rfind(b"<")
                if cut <= 0 or len(data) - cut > SCAN_CHUNK:
                    cut = len(data)
                data, carry = data[:cut], data[cut:]
                _scan_chunk(path, info, data, scan, is_sheet, titles, exact)
        _scan_chunk(path, info, carry, scan, is_sheet, titles, exact)
    except _CountExactly:
        return _scan_member(path, zf, info, titles, exact=True)
    return scan


class _CountExactly(Exception):
    """The quick row count passed the limit: count again, exactly."""


def _scan_chunk(path, info, data: bytes, scan: _SheetScan, is_sheet: bool, titles: dict[str, str],
                exact: bool) -> None:
    if b"!" in data and _DTD.search(data):  # every DTD starts with <!; the byte search is fast
        raise refusal(path, f"{info.filename} 含有 XML 实体声明（DTD），出于安全原因拒绝读取",
                      f"{info.filename} declares XML entities (DTD); refused for safety")
    if not is_sheet:
        return
    if exact:
        scan.rows += sum(1 for m in _ROW_TAG.finditer(data) if not m.group(1).rstrip().endswith(b"/"))
    else:
        scan.rows += data.count(b"<row") + (data.count(b":row") if b":" in data else 0)
    if scan.rows > MAX_DATA_ROWS + HEADER_ALLOWANCE:
        if not exact:
            raise _CountExactly
        raise too_many_rows(path, titles.get(info.filename, info.filename))
    if b"mergeCell" in data:
        scan.merges.extend(range_bounds(m.group(1).decode()) for m in _MERGE_TAG.finditer(data))


def too_many_rows(path, sheet: str) -> InputError:
    return refusal(path, f"工作表“{sheet}”超过 {MAX_DATA_ROWS} 行数据上限", f"sheet {sheet!r} has more than {MAX_DATA_ROWS:,} data rows")


# ---------------------------------------------------------------- xls


class XlsBook(Book):
    format = "xls"

    def __init__(self, path: Path):
        import xlrd

        self.path = path
        data = path.read_bytes()
        self.book = None
        with open(os.devnull, "w") as quiet:  # xlrd prints warnings to a log file
            for formatting in (True, False):  # merged ranges need formatting_info; some files refuse it
                try:
                    self.book = xlrd.open_workbook(file_contents=data, formatting_info=formatting, logfile=quiet)
                    break
                except Exception as exc:  # xlrd raises many kinds on a bad file
                    error = exc
        if self.book is None:
            if ENCRYPTED_OLE in data:
                raise refusal(path, "工作簿已加密（设置了打开密码），请去除密码后再提交",
                              "the workbook is encrypted (password protected)")
            raise refusal(path, f"不是有效的 Excel 工作簿（{error}）", f"not a valid workbook ({error})")
        self.sheet_names = self.book.sheet_names()

    def rows(self, sheet):
        import xlrd

        sh = self.book.sheet_by_name(sheet)
        for r in range(sh.nrows):
            yield r + 1, [_xls_value(c, self.book.datemode, xlrd) for c in sh.row(r)]

    def merges(self, sheet):
        sh = self.book.sheet_by_name(sheet)
        return [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sh.merged_cells]

    def may_hold_formulas(self, sheet):
        return False  # xlrd gives formula cells their saved result

    def close(self):
        if self.book is not None:
            self.book.release_resources()


def _xls_value(cell, datemode: int, xlrd) -> Any:
    kind = cell.ctype
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell.value
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    if kind == xlrd.XL_CELL_NUMBER and float(cell.value).is_integer():
        return int(cell.value)  # as openpyxl gives it, so "12345" ids read the same either way
    return cell.value


# ---------------------------------------------------------------- csv


def sniff_text(path: Path, head: bytes) -> str | None:
    """The encoding of a text file (utf-8, utf-8-sig, gb18030, utf-16), or None if not text."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _decodes(path, "utf-8-sig") else None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16" if _decodes(path, "utf-16") else None
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    return None


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes: streamed, so a late bad byte is still caught."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(SCAN_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class CsvBook(Book):
    format = "csv"

    def __init__(self, path: Path, encoding: str):
        self.path, self.encoding = path, encoding
        self.sheet_names = [path.stem or "csv"]
        with path.open(encoding=encoding, newline="") as f:
            self.delimiter = _delimiter(f.read(65536))

    def rows(self, sheet):
        try:
            with self.path.open(encoding=self.encoding, newline="") as f:
                for number, cells in enumerate(csv.reader(f, delimiter=self.delimiter), start=1):
                    if number > MAX_SHEET_ROWS:
                        raise too_many_rows(self.path, sheet)
                    yield number, [c if c.strip() else None for c in cells]
        except csv.Error as exc:
            raise refusal(self.path, f"CSV 格式错误（{exc}）", f"malformed CSV ({exc})") from exc

    def may_hold_formulas(self, sheet):
        return False


def _delimiter(sample: str) -> str:
    """The separator used most in the first lines: comma, tab or semicolon."""
    lines = [line for line in io.StringIO(sample).read().splitlines()[:20] if line.strip()]
    counts = {d: sum(line.count(d) for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


