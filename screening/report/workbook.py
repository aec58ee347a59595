"""The annotated workbook: the input ledger with verdict columns, a 汇总 and a 依据 sheet.

An .xlsx input is not loaded: its package is copied member by member into the output zip, and
only what must change is rewritten, streaming (the project sheet of a 100,000-project ledger
is a 100 MB part, read a megabyte at a time and never held whole):

- the project sheet gets five verdict columns after its last used column (the rightmost cell
  with a value in any row, or a merge reaching the header or a project row): a header on the
  last header row, bold and centred, with the border and fill of the header cell to its left,
  and on each project's row the verdict texts, filled in the verdict's colour. To spare a
  second read of a large sheet, its <dimension> (the used range Excel records) is believed
  when it is no wider than the ledger; the rows that get cells are checked against it, and
  a sheet whose dimension proves wrong is read in full and written again. (A value right of
  the ledger in some other row, such as a note, is then not seen: the columns go where the
  dimension says the sheet ends.)
- every worksheet's formulas become text (below);
- styles.xml gets the few formats those cells use appended, and the shared-strings table the
  texts that repeat (verdict labels, clause texts, rule messages: each stored once); a text
  of one project's own (its code, name, facts) is written in its cell. The input's styles and
  strings keep their indices.
- workbook.xml, its relationships and [Content_Types].xml list the new 汇总 and 依据 sheets
  (named 汇总(筛查)… when the user already has such a sheet).

So everything else the user had is kept byte for byte: cells, styles, merges, column widths,
conditional formats, data validation, frozen panes, print settings, other sheets, comments,
pictures, charts and drawings, tables, hyperlinks, and parts this writer knows nothing of.
Not kept: external links (they would fetch other files), the calculation chain (it lists
formula cells, and none remain), and macros: a macro-enabled input comes out as a plain .xlsx,
and one holding Excel 4 macro or dialog sheets is rebuilt as described next.

An .xls or .csv input cannot be copied like that: a new workbook is built holding only the
project sheet, reproduced from the ledger as ingest read it (see xlsx_rebuild), and annotated
the same way. Title rows, skipped rows (blank, 合计, notes) and other sheets of such an input
are not reproduced. An .xlsx this writer cannot read as expected is rebuilt the same way
(logged as a warning), so the verdicts always come out.

The output never executes anything. Every formula in the input, on any sheet, is rewritten
as the text of the formula (its cached result is not kept; a shared formula's followers get
their own moved text, as Excel would show them; a data table shows as =TABLE(…)): the run
refuses to let input formulas run in the reader's Excel. Every string this module writes is
stored as text, so a value such as "=1+1" or "@SUM(A1)" copied from the input stays text.
openpyxl is never imported for an .xlsx input (it costs a cold process 0.2 s), except to move
shared formulas when a sheet has them.
"""
from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Screening, Verdict
from .annotation import (VERDICT_HEADERS, cells_text, facts_text, finding_outcome, show_value,
                         verdict_columns)
from .labels import verdict_key
from .xlsx_cells import CellWriter, SharedStrings, count_strings, merged_strings
from .xlsx_package import (DROPPED_KINDS, SHARED_STRINGS_TYPE, STYLES_TYPE, WORKSHEET_TYPE, NewSheet,
                           Package, edit_content_types, edit_relationships, edit_workbook, rels_part)
from .xlsx_sheet import Misplaced, ProjectRows, rewrite_formulas, rewrite_project_sheet, scan_sheet, sheet_pieces
from .xlsx_styles import CENTRED, WRAP_TOP, Styles
from .xlsx_table import Column, table_sheet
from .xlsx_xml import PackageError, column_letter
from .xlsx_zip import copy_member, member

log = logging.getLogger(__name__)
FILLS = {"halt": "FFC7CE", "rectify": "FFEB9C", "proceed": "C6EFCE", "error": "D9D9D9"}  # RGB by verdict
VERDICT_WIDTHS = (18, 22, 60, 40, 30)
SUMMARY_SHEET, BASIS_SHEET = "汇总", "依据"
COMPRESS_LEVEL = 1  # the output is written once and downloaded: speed over a few % of size


def write_xlsx(screening: Screening, path: str | Path) -> Path:
    """Write the annotated workbook to `path` (see the module docstring for what is kept)."""
    path, ledger = Path(path), screening.ledger
    if ledger.format == "xlsx":
        try:
            return annotate(screening, Path(ledger.file), ledger.sheet, path)
        except (PackageError, ValueError, KeyError, UnicodeError, zipfile.BadZipFile) as exc:
            # A package this writer will not copy faithfully (Excel 4 macro sheets, parts it
            # cannot read): the verdicts still come out, on a rebuilt sheet as for an .xls.
            log.warning("%s: annotated workbook rebuilt from the ledger (%s: %s)", ledger.file, type(exc).__name__, exc)
    from .xlsx_rebuild import rebuilt_ledger  # openpyxl: only for inputs that need it

    title = safe_sheet_title(ledger.sheet)
    with rebuilt_ledger(ledger, title) as source:
        return annotate(screening, source, title, path)


def annotate(screening: Screening, source: Path, sheet: str, path: Path) -> Path:
    """Copy the .xlsx `source` to `path`, annotating its sheet `sheet` with the screening."""
    package = Package(source)
    try:
        try:
            _write_package(package, _Plan(screening, package, sheet, trust_dimension=True), path)
        except Misplaced:  # the sheet's <dimension> was wrong: read it all, then write again
            try:
                _write_package(package, _Plan(screening, package, sheet, trust_dimension=False), path)
            except Misplaced as exc:
                raise PackageError(str(exc)) from exc
    finally:
        package.close()
    return path


def _write_package(package: Package, plan: _Plan, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as out:
            _write_parts(package, plan, out)
        os.replace(temporary, path)  # also safe when `path` is the input itself
    finally:
        temporary.unlink(missing_ok=True)


# ---------------------------------------------------------------- deciding before writing

class _Plan:
    """Everything about the output decided before its first byte is written: where the verdict
    columns go, the formats and part names used, and the edited small parts."""

    def __init__(self, screening: Screening, package: Package, sheet: str, trust_dimension: bool):
        self.screening, self.package = screening, package
        self.project = self._project_sheet(sheet)
        names = [s.name for s in package.sheets]
        self.summary_name = free_sheet_name(names, SUMMARY_SHEET)
        self.basis_name = free_sheet_name(names + [self.summary_name], BASIS_SHEET)
        self.styles_member = package.part_of_kind("styles")
        self.styles = Styles(package.read(self.styles_member) if self.styles_member else None)
        self.strings_member = package.part_of_kind("sharedStrings")
        base = count_strings(package.chunks(self.strings_member)) if self.strings_member else 0
        self.strings = SharedStrings(base)
        self._place_verdict_columns(trust_dimension)
        self.table_cells = CellWriter(self.strings)
        self.findings = sum(len(v.findings) for v in screening.verdicts)
        self._name_new_parts()

    def _place_verdict_columns(self, trust_dimension: bool) -> None:
        ledger = self.screening.ledger
        header_row = ledger.header_rows[-1] if ledger.header_rows else 1
        self.by_row = {v.project.row: v for v in self.screening.verdicts}
        targets = sorted({header_row, *self.by_row})
        known = len(ledger.columns)
        scan = scan_sheet(self.package.chunks(self.project.part), header_row, known, targets[-1], trust_dimension)
        first = scan.last_used_column(targets, known) + 1
        self.formats = _Formats(self.styles, scan.header_styles.get(first - 1, 0))
        self.rows = ProjectRows(first, first + len(VERDICT_HEADERS) - 1, targets, self._verdict_cells,
                                VERDICT_WIDTHS, check_merges=not scan.complete)
        letters = [column_letter(first + i) for i in range(len(VERDICT_HEADERS))]
        self.verdict_row = CellWriter(self.strings, scan.prefix).placed_row_builder(letters)

    def _project_sheet(self, sheet: str):
        entry = next((s for s in self.package.sheets if s.name == sheet), None)
        if entry is None or entry.kind != "worksheet" or entry.part is None:
            raise InputError(f"{self.package.zip.filename}: no sheet named {sheet!r} to annotate")
        return entry

    def _name_new_parts(self) -> None:
        package, taken = self.package, set()
        folder = os.path.dirname(self.project.part)
        rel_ids = package.new_rel_ids(4)
        next_id = max((s.sheet_id for s in package.sheets), default=0) + 1
        self.new_sheets = [NewSheet(name, package.new_part_name(f"{folder}/sheet{{}}.xml", taken), rel_ids[i],
                                    next_id + i) for i, name in enumerate((self.summary_name, self.basis_name))]
        book_folder = os.path.dirname(package.workbook_part)
        self.new_strings = None if self.strings_member else f"{book_folder}/sharedStrings.xml".lstrip("/")
        self.new_styles = None if self.styles_member else f"{book_folder}/styles.xml".lstrip("/")
        self.extra_rels = [(rel_ids[2], "sharedStrings", self.new_strings), (rel_ids[3], "styles", self.new_styles)]

    # ------------------------------------------------------------ the verdict cells

    def _verdict_cells(self, row: int) -> str:
        v = self.by_row.get(row)
        if v is None:  # the header row
            return self.verdict_row(row, VERDICT_HEADERS, self.formats.header)
        return self.verdict_row(row, verdict_columns(v), self.formats.verdict[verdict_key(v)])

    # ------------------------------------------------------------ the small parts, edited

    def workbook_xml(self) -> bytes:
        quoted = self.basis_name.replace("'", "''")
        filter_range = f"'{quoted}'!$A$1:${column_letter(len(BASIS_COLUMNS))}${self.findings + 1}"
        basis_index = len(self.package.sheets) + 1
        return edit_workbook(self.package.workbook_xml, self.new_sheets, filter_range, basis_index).encode("utf-8")

    def workbook_rels(self) -> bytes:
        text = self.package.read_text(rels_part(self.package.workbook_part))
        added = [(s.rel_id, "worksheet", "/" + s.part) for s in self.new_sheets]
        added += [(rid, kind, "/" + part) for rid, kind, part in self.extra_rels if part]
        return edit_relationships(text, DROPPED_KINDS, added).encode("utf-8")

    def content_types(self, dropped: set[str]) -> bytes:
        added = [(s.part, WORKSHEET_TYPE) for s in self.new_sheets]
        added += [(part, kind) for part, kind in ((self.new_strings, SHARED_STRINGS_TYPE),
                                                  (self.new_styles, STYLES_TYPE)) if part]
        text = edit_content_types(self.package.content_types, dropped, self.package.workbook_part, added)
        return text.encode("utf-8")


class _Formats:
    """The cell formats (indices into cellXfs) the annotations use."""

    def __init__(self, styles: Styles, header_template: int):
        bold = styles.bold_font()
        fill, border = styles.fill_and_border(header_template) if header_template else (0, 0)
        self.header = styles.cell_format(font=bold, fill=fill, border=border, alignment=CENTRED)
        self.verdict = {key: styles.cell_format(fill=styles.solid_fill(rgb), alignment=WRAP_TOP)
                        for key, rgb in FILLS.items()}
        self.bold = styles.cell_format(font=bold)
        self.wrap = styles.cell_format(alignment=WRAP_TOP)


# ---------------------------------------------------------------- writing the package

def _write_parts(package: Package, plan: _Plan, out: zipfile.ZipFile) -> None:
    dropped = package.dropped_members()
    edited = {"[Content_Types].xml": plan.content_types(dropped),
              package.member(package.workbook_part): plan.workbook_xml(),
              package.member(rels_part(package.workbook_part)): plan.workbook_rels()}
    worksheets = {s.part for s in package.sheets if s.kind == "worksheet" and s.part}
    for info in package.infos:
        name = info.filename
        if name in dropped or name == plan.strings_member:
            continue  # the strings go last, once every added text is known
        if name in edited:
            out.writestr(name, edited[name])
        elif name == plan.styles_member:
            out.writestr(name, plan.styles.to_bytes())
        elif name == plan.project.part:
            _write_sheet(out, name, package, partial(rewrite_project_sheet, plan=plan.rows))
        elif name in worksheets:
            _write_sheet(out, name, package, rewrite_formulas)
        else:
            copy_member(package.zip, name, out)
    _write_new_sheets(plan, out)
    if plan.new_styles:
        out.writestr(plan.new_styles, plan.styles.to_bytes())
    source = package.chunks(plan.strings_member) if plan.strings_member else None
    _write_stream(out, plan.strings_member or plan.new_strings, merged_strings(source, plan.strings))


def _write_sheet(out: zipfile.ZipFile, name: str, package: Package, rewrite: Callable) -> None:
    pieces = sheet_pieces(package.chunks(name))
    try:
        _, head = next(pieces)
        with member(out, name) as writer:
            rewrite(pieces, head, write=writer.write)
    finally:
        pieces.close()  # also stops the reading thread if the rewrite gave up half-way


def _write_stream(out: zipfile.ZipFile, name: str, pieces: Iterable[bytes]) -> None:
    with member(out, name) as writer:
        for piece in pieces:
            writer.write(piece)


def _write_new_sheets(plan: _Plan, out: zipfile.ZipFile) -> None:
    summary, basis = plan.new_sheets
    rows = summary_rows(plan.screening, plan.formats)
    _write_stream(out, summary.part, table_sheet(plan.table_cells, SUMMARY_COLUMNS, rows, len(rows)))
    rows = basis_rows(plan.screening, plan.formats)
    sheet = table_sheet(plan.table_cells, BASIS_COLUMNS, rows, plan.findings + 1, auto_filter=True)
    _write_stream(out, basis.part, sheet)


# ---------------------------------------------------------------- 汇总

SUMMARY_HEADERS = ("省辖市", "县（市、区）", "项目数", "叫停", "限期整改", "正常推进",
                   "其中：待定", "其中：不属于两高", "无法判定")
SUMMARY_COLUMNS = [Column(w) for w in (14, 16, 8, 8, 10, 10, 10, 14, 10)]
_COUNT_KEYS = ("projects", "halt", "rectify", "proceed", "provisional", "out_of_scope", "error")


def summary_rows(screening: Screening, formats: _Formats) -> list[tuple[list, int]]:
    """Counts by 省辖市 (and 县 under it) × verdict, a 合计 row and the run's provenance."""
    rows: list[tuple[list, int]] = [(list(SUMMARY_HEADERS), formats.bold)]
    groups = _group_counts(screening.verdicts)
    rows += [([city, county] + [counts[k] for k in _COUNT_KEYS], 0) for city, county, counts in _region_rows(groups)]
    total = _sum(counts for counties in groups.values() for counts in counties.values())
    rows.append((["合计", ""] + [total[k] for k in _COUNT_KEYS], formats.bold))
    rows.append(([], 0))
    return rows + [([label, value], 0) for label, value in _provenance(screening)]


def region_counts(verdicts: list[Verdict]) -> list[tuple[str, str, dict]]:
    """(city, county, counts) rows: each city, then its counties, in order of first appearance."""
    return _region_rows(_group_counts(verdicts))


def _group_counts(verdicts: list[Verdict]) -> dict[str, dict[str, dict[str, int]]]:
    """city → county → counts, each verdict counted once."""
    cities: dict[str, dict[str, dict[str, int]]] = {}
    for v in verdicts:
        p = v.project
        counties = cities.setdefault(str(p.get("city") or "（未填写）"), {})
        county = str(p.get("county") or "")
        counts = counties.get(county)
        if counts is None:
            counts = counties[county] = dict.fromkeys(_COUNT_KEYS, 0)
        _add(counts, v)
    return cities


def _region_rows(cities: dict[str, dict[str, dict[str, int]]]) -> list[tuple[str, str, dict]]:
    rows = []
    for city, counties in cities.items():
        has_counties = any(counties)
        rows.append((city, "（全市）" if has_counties else "", _sum(counties.values())))
        rows += [(city, county or "（未填写）", counts) for county, counts in counties.items() if has_counties]
    return rows


def _add(counts: dict[str, int], v: Verdict) -> None:
    counts["projects"] += 1
    counts[verdict_key(v)] += 1
    counts["provisional"] += bool(v.provisional) and not v.error
    counts["out_of_scope"] += v.two_high is False and not v.error


def _sum(groups) -> dict[str, int]:
    total = dict.fromkeys(_COUNT_KEYS, 0)
    for counts in groups:
        for key, n in counts.items():
            total[key] += n
    return total


def _provenance(screening: Screening) -> list[tuple[str, Any]]:
    ruleset, source = screening.ruleset, screening.source
    return [("规则集", f"{ruleset.get('id', '')} {ruleset.get('version', '')}".strip()),
            ("截至日期", show_value(ruleset.get("as_of"))),
            ("来源文件", source.get("file")),
            ("工作表", source.get("sheet"))]


# ---------------------------------------------------------------- 依据

BASIS_HEADERS = ("行号", "项目代码", "项目名称", "规则", "结论", "条款", "条款原文", "理由",
                 "整改要求", "事实", "单元格")
BASIS_WIDTHS = (6, 22, 30, 12, 10, 16, 70, 50, 40, 40, 24)
# A project's code, name, facts and cells are its own: inline. The rest repeats: shared.
_BASIS_SHARED = (True, False, False, True, True, True, True, True, True, False, False)
BASIS_COLUMNS = [Column(w, shared) for w, shared in zip(BASIS_WIDTHS, _BASIS_SHARED)]


def basis_rows(screening: Screening, formats: _Formats) -> Iterator[tuple[list, int]]:
    """The header, then one row per finding, with the full text of every clause it cites."""
    yield list(BASIS_HEADERS), formats.bold
    clause_texts: dict[tuple, tuple[str, str]] = {}  # the same few clause lists recur
    for v in screening.verdicts:
        p = v.project
        code, name = p.get("project_id"), p.get("name")
        for f in v.findings:
            key = tuple(map(id, f.clauses))  # the clauses are alive all along: ids stay theirs
            labels, text = clause_texts.get(key) or clause_texts.setdefault(key, _clause_columns(f))
            yield [p.row, code, name, f.rule, finding_outcome(f), labels, text, f.message, f.action,
                   facts_text(f), cells_text(f)], formats.wrap


def _clause_columns(f) -> tuple[str, str]:
    """条款 and 条款原文 of a finding: the labels, and the text (each clause labelled if several)."""
    if len(f.clauses) == 1:
        text = f.clauses[0].text
    else:
        text = "\n\n".join(f"{c.label}：{c.text}" for c in f.clauses)
    return "；".join(c.label for c in f.clauses), text


# ---------------------------------------------------------------- helpers

def free_sheet_name(taken_names: Any, base: str) -> str:
    """`base`, or 汇总(筛查), 汇总(筛查2), … when the user already has a sheet of that name.
    `taken_names`: the sheet names in use, or a workbook with `sheetnames`."""
    taken = {name.lower() for name in getattr(taken_names, "sheetnames", taken_names)}
    candidates = [base, f"{base}(筛查)"] + [f"{base}(筛查{n})" for n in range(2, 100)]
    return next(name for name in candidates if name.lower() not in taken)


def safe_sheet_title(name: str | None) -> str:
    """A sheet title Excel accepts: no []:*?/\\ and at most 31 characters."""
    text = "".join("_" if ch in '[]:*?/\\' else ch for ch in (name or "")).strip("'")
    return text[:31] or "Sheet1"
