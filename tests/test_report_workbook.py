"""The annotated workbook written by streaming the input package (screening.report.workbook).

Each test writes a real workbook with openpyxl, often edits its XML the way other programs
write it (shared formulas, rows without r, a calculation chain, external links, macros,
namespace prefixes), screens it with a hand-made Screening and reads the output back with
openpyxl and python-calamine.
"""
from __future__ import annotations

import datetime as dt
import pickle
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.formula import ArrayFormula
from python_calamine import CalamineWorkbook

from screening.model import Clause, Column, Finding, Ledger, ProjectFacts, Screening, SourceRow, Verdict
from screening.report import write_xlsx
from screening.report.workbook import FILLS, VERDICT_WIDTHS

ROOT = Path(__file__).resolve().parents[1]
SHEET = "项目清单"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADERS = ["序号", "项目代码", "项目名称", "省辖市", "县（市、区）", "备注"]
FIELDS = [None, "project_id", "name", "city", "county", None]
PROJECTS = {  # Excel row → values A..F; row 2 is the header
    3: [1, "P-001", "钢铁项目", "郑州市", "巩义市", "=1+1"],
    4: [2, "P-002", "焦化项目", "郑州市", "中牟县", "@SUM(A1)"],
    5: [3, "P-003", "水泥项目", "洛阳市", None, "+1"],
    6: [4, "P-004", "出错的项目", "开封市", None, "-1"],
}
VERDICT_TEXT = {3: "叫停", 4: "限期整改（待定）", 5: "正常推进（不属于两高）", 6: "无法判定"}
VERDICT_FILL = {3: FILLS["halt"], 4: FILLS["rectify"], 5: FILLS["proceed"], 6: FILLS["error"]}
CLAUSE = Clause(id="henan-2021:4.2", document="henan-2021", ref="4.2", label="（四）2",
                text="2. 钢铁、焦化、水泥熟料……新增产能项目未落实产能置换要求的；")


@pytest.fixture(autouse=True, params=["megabyte", "tiny"])
def chunk_size(request, monkeypatch):
    """Each test runs twice: reading and writing a megabyte at a time as in production, and 97
    bytes at a time, so that every tag and row is cut somewhere between two reads and the
    helper threads that read ahead and compress are at work even on a small workbook."""
    if request.param == "tiny":
        monkeypatch.setattr("screening.report.xlsx_package.CHUNK", 97)
        monkeypatch.setattr("screening.report.xlsx_zip.CHUNK", 97)
    return request.param


# ---------------------------------------------------------------- building inputs

def write_ledger(path: Path, extra=None) -> Path:
    """A small ledger: a title row, the header on row 2, four projects, a 合计 row, notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = "XX市两高项目清单"
    ws.merge_cells("A1:F1")
    for col, title in enumerate(HEADERS, start=1):
        ws.cell(2, col, title).fill = PatternFill("solid", fgColor="DDEBF7")
    for row, values in PROJECTS.items():
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, not a formula
    ws["B3"].font = Font(bold=True, color="FF0000")
    ws["A7"], ws["B7"] = "合计", "=COUNTA(B3:B6)"
    ws["A8"] = "注：本表由各县区填报。"
    ws.column_dimensions["C"].width = 33
    if extra:
        extra(wb, ws)
    wb.save(path)
    return path


def screening_for(path: Path, fmt: str = "xlsx", sheet: str = SHEET) -> Screening:
    """A Screening of the ledger above as if ingest and the engine had run: one verdict of each kind."""
    columns = [Column(index=i, letter="ABCDEF"[i], header=h, field=FIELDS[i]) for i, h in enumerate(HEADERS)]
    rows = [SourceRow(row=r, values=list(v)) for r, v in PROJECTS.items()]
    ledger = Ledger(file=str(path), sha256="0" * 64, format=fmt, sheet=sheet, sheet_names=[sheet],
                    header_rows=[2], columns=columns, rows=rows)
    facts = [ProjectFacts(sheet=sheet, row=r, key=v[1], cells={"name": f"C{r}"},
                          values={FIELDS[i]: x for i, x in enumerate(v) if FIELDS[i] and x}) for r, v in PROJECTS.items()]
    finding = Finding("ADM-4.2a", "halt", [CLAUSE], "新增产能未落实产能置换", "=落实产能置换",
                      facts={"name": "钢铁项目"}, cells={"name": "C3"})
    verdicts = [
        Verdict(facts[0], True, "halt", False, None, [finding], []),
        Verdict(facts[1], True, "rectify", True, "halt", [Finding("DATA-6", "rectify", [CLAUSE], "待定")], ["eia"]),
        Verdict(facts[2], False, "proceed", False, None, [Finding("SCOPE-3", "proceed", [CLAUSE], "不属于两高")], []),
        Verdict(facts[3], None, None, False, None, [], [], error="规则执行出错"),
    ]
    return Screening(ruleset={"id": "henan-2021", "version": "1", "as_of": dt.date(2021, 12, 31)},
                     source={"file": path.name, "sheet": sheet}, ledger=ledger, verdicts=verdicts, issues=[])


def edit_package(path: Path, edits: dict | None = None, add: dict | None = None) -> Path:
    """Rewrite the zip at `path`: edits maps a member to a function of its text; add adds members."""
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    for name, edit in (edits or {}).items():
        members[name] = edit(members[name].decode("utf-8")).encode("utf-8")
    members.update({name: data if isinstance(data, bytes) else data.encode("utf-8") for name, data in (add or {}).items()})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def annotate(tmp_path: Path, ledger: Path, screening: Screening | None = None) -> Path:
    out = write_xlsx(screening or screening_for(ledger), tmp_path / "out.xlsx")
    assert_well_formed(out)
    return out


def assert_well_formed(path: Path) -> None:
    """Every XML part parses; openpyxl and python-calamine open the workbook and every sheet."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                root = ElementTree.fromstring(z.read(name))
                if root.tag == f"{{{MAIN}}}worksheet":
                    assert_in_order(root, name)
    load_workbook(path)
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def assert_in_order(worksheet: ElementTree.Element, name: str) -> None:
    """Rows ascend and cells ascend within each row, counted as Excel does where r is missing
    (Excel calls a file with cells out of order corrupt)."""
    row_number = 0
    for row in worksheet.iter(f"{{{MAIN}}}row"):
        number = int(row.get("r") or row_number + 1)
        assert number > row_number, f"{name}: row {number} after row {row_number}"
        row_number, column = number, 0
        for cell in row.iter(f"{{{MAIN}}}c"):
            ref = cell.get("r")
            at = column_index_of(ref) if ref else column + 1
            assert at > column, f"{name}: cell {ref or at} of row {number} after column {column}"
            assert not ref or int(re.sub(r"[A-Z]", "", ref)) == number, f"{name}: {ref} in row {number}"
            column = at


def column_index_of(ref: str) -> int:
    index = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        index = index * 26 + ord(ch) - 64
    return index


def verdict_cells(ws, row: int, first: int = 7) -> list:
    return [ws.cell(row, col).value for col in range(first, first + 5)]


def member_text(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


# ---------------------------------------------------------------- what is kept

def test_every_cell_style_merge_width_and_sheet_survives(tmp_path):
    def extra(wb, ws):
        other = wb.create_sheet("说明")
        other["A1"], other["B2"] = "说明文字", 3.5
        other.column_dimensions["A"].width = 50

    ledger = write_ledger(tmp_path / "in.xlsx", extra)
    out = annotate(tmp_path, ledger)
    before, after = load_workbook(ledger), load_workbook(out)
    assert after.sheetnames == [SHEET, "说明", "汇总", "依据"]
    for title in (SHEET, "说明"):
        for row in before[title].iter_rows():
            for cell in row:
                expected = "=COUNTA(B3:B6)" if cell.coordinate == "B7" and title == SHEET else cell.value
                assert after[title][cell.coordinate].value == expected, (title, cell.coordinate)
    ws = after[SHEET]
    assert ws["B3"].font.bold and ws["B3"].font.color.rgb.endswith("FF0000")
    assert ws["A2"].fill.fgColor.rgb.endswith("DDEBF7")
    assert {str(m) for m in ws.merged_cells.ranges} == {"A1:F1"}
    assert ws.column_dimensions["C"].width == 33 and after["说明"].column_dimensions["A"].width == 50


def test_chart_comment_picture_and_unknown_parts_are_copied_byte_for_byte(tmp_path):
    def extra(wb, ws):
        chart = BarChart()
        chart.add_data(Reference(ws, min_col=1, min_row=3, max_row=6))
        ws.add_chart(chart, "H10")
        ws["C4"].comment = Comment("请核实", "审核人")

    ledger = write_ledger(tmp_path / "in.xlsx", extra)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # stands for a picture: copied as bytes
    edit_package(ledger, add={"xl/media/image1.png": png, "customXml/item1.xml": "<root>用户自己的部件</root>"})
    out = annotate(tmp_path, ledger)
    with zipfile.ZipFile(ledger) as z:
        original = {name: z.read(name) for name in z.namelist()}
    with zipfile.ZipFile(out) as z:
        copied = {name: z.read(name) for name in z.namelist()}
    kept = [n for n in original if n.startswith(("xl/charts/", "xl/drawings/", "xl/comments", "xl/media/", "customXml/"))
            or "/_rels/sheet1" in n]
    assert {"xl/media/image1.png", "customXml/item1.xml"} <= set(kept) and any("chart" in n for n in kept)
    assert any("comments" in n for n in kept) and any(n.endswith(".vml") for n in kept)
    for name in kept:
        assert copied[name] == original[name], name
    sheet = copied["xl/worksheets/sheet1.xml"].decode()
    assert re.search(r"<drawing\b[^>]*r:id=", sheet) and re.search(r"<legacyDrawing\b[^>]*r:id=", sheet)
    assert load_workbook(out)[SHEET]["C4"].comment.text == "请核实"


# ---------------------------------------------------------------- formulas become text

def test_formulas_on_every_sheet_become_their_text(tmp_path):
    def extra(wb, ws):
        ws["D7"] = ArrayFormula("D7", "=SUM(LEN(C3:C6))")
        other = wb.create_sheet("计算")
        other["A1"], other["A2"], other["A3"] = 1, 2, 3
        for row in (1, 2, 3):
            other.cell(row, 2, f"=A{row}*2")
        other["C1"] = "=SUM(A1:A3)"

    ledger = write_ledger(tmp_path / "in.xlsx", extra)

    def shared(xml: str) -> str:  # B1:B3 as Excel writes them: one master, two followers
        xml = xml.replace("<f>A1*2</f>", '<f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v>')
        return xml.replace("<f>A2*2</f>", '<f t="shared" si="0"/><v>4</v>').replace("<f>A3*2</f>", '<f t="shared" si="0"/>')

    edit_package(ledger, {"xl/worksheets/sheet2.xml": shared})
    assert 't="shared"' in member_text(ledger, "xl/worksheets/sheet2.xml")
    wb = load_workbook(annotate(tmp_path, ledger))
    expected = {(SHEET, "B7"): "=COUNTA(B3:B6)", (SHEET, "D7"): "=SUM(LEN(C3:C6))",
                ("计算", "B1"): "=A1*2", ("计算", "B2"): "=A2*2", ("计算", "B3"): "=A3*2",
                ("计算", "C1"): "=SUM(A1:A3)"}
    for (title, ref), text in expected.items():
        cell = wb[title][ref]
        assert (cell.value, cell.data_type) == (text, "s"), (title, ref)
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_no_formula_element_remains_and_formula_like_text_stays_text(tmp_path):
    out = annotate(tmp_path, write_ledger(tmp_path / "in.xlsx"))
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets and not any(re.search(rb"<(?:\w+:)?f[\s>/]", z.read(n)) for n in sheets)
    ws = load_workbook(out)[SHEET]
    for row, text in ((3, "=1+1"), (4, "@SUM(A1)"), (5, "+1"), (6, "-1")):
        assert (ws.cell(row, 6).value, ws.cell(row, 6).data_type) == (text, "s")
    assert ws["J3"].value == "=落实产能置换" and ws["J3"].data_type == "s"  # our own text, never a formula


def test_calculation_chain_external_links_and_macros_are_dropped(tmp_path):
    ledger = write_ledger(tmp_path / "in.xlsx")
    link = ('<externalLink xmlns="%s"><externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships" r:id="rId1"><sheetNames><sheetName val="S"/></sheetNames></externalBook></externalLink>' % MAIN)
    link_rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                 'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
                 'Target="file:///C:/other.xlsx" TargetMode="External"/></Relationships>')
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

    def rels(xml: str) -> str:
        return xml.replace("</Relationships>",
                           f'<Relationship Id="rId90" Type="{rel}externalLink" Target="externalLinks/externalLink1.xml"/>'
                           f'<Relationship Id="rId91" Type="{rel}calcChain" Target="calcChain.xml"/>'
                           '<Relationship Id="rId92" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                           'Target="vbaProject.bin"/></Relationships>')

    def types(xml: str) -> str:
        xml = xml.replace("spreadsheetml.sheet.main+xml", "PLACEHOLDER").replace(
            "PLACEHOLDER", "ms-excel.sheet.macroEnabled.main+xml").replace(
            "application/vnd.openxmlformats-officedocument.ms-excel", "application/vnd.ms-excel")
        return xml.replace("</Types>",
                           '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.'
                           'openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
                           '<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                           'officedocument.spreadsheetml.calcChain+xml"/>'
                           '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')

    def book(xml: str) -> str:
        return xml.replace("</sheets>", '</sheets><externalReferences><externalReference r:id="rId90"/></externalReferences>')

    edit_package(ledger, {"xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types, "xl/workbook.xml": book},
                 {"xl/externalLinks/externalLink1.xml": link, "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels,
                  "xl/calcChain.xml": f'<calcChain xmlns="{MAIN}"><c r="B7" i="1"/></calcChain>',
                  "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macros"})
    assert "macroEnabled" in member_text(ledger, "[Content_Types].xml")
    out = annotate(tmp_path, ledger)
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        small = "".join(z.read(n).decode() for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"))
    assert not [n for n in names if "externalLink" in n or "calcChain" in n or "vbaProject" in n]
    assert not re.search(r"externalReference|externalLink|calcChain|vbaProject|macroEnabled", small)
    assert "spreadsheetml.sheet.main+xml" in small


# ---------------------------------------------------------------- the verdict columns

def test_verdict_columns_text_and_fill_per_row(tmp_path):
    out = annotate(tmp_path, write_ledger(tmp_path / "in.xlsx"))
    ws = load_workbook(out)[SHEET]
    assert verdict_cells(ws, 2) == ["处置结论", "依据条款", "理由", "整改要求", "待补充信息"]
    header = ws.cell(2, 7)
    assert header.font.bold and header.alignment.horizontal == "center" and header.alignment.wrap_text
    assert header.fill.fgColor.rgb.endswith("DDEBF7")  # like the header cell to its left
    for row, text in VERDICT_TEXT.items():
        assert ws.cell(row, 7).value == text
        for col in range(7, 12):
            assert ws.cell(row, col).fill.fgColor.rgb.endswith(VERDICT_FILL[row]), (row, col)
            assert ws.cell(row, col).alignment.wrap_text
    assert verdict_cells(ws, 3)[1:4] == ["（四）2", "ADM-4.2a：新增产能未落实产能置换", "=落实产能置换"]
    assert [ws.column_dimensions[letter].width for letter in "GHIJK"] == list(VERDICT_WIDTHS)
    assert ws.cell(1, 7).value is None and ws.cell(7, 7).value is None  # title and 合计 rows untouched
    assert '<dimension ref="A1:K8"' in member_text(out, "xl/worksheets/sheet1.xml")


def test_verdict_columns_go_after_the_last_used_column(tmp_path):
    def extra(wb, ws):
        ws["I8"] = "备注在远处"  # a note row's value far right: the columns go after it
        ws.merge_cells("F4:J4")  # a merge on a project row reaching column J

    ledger = write_ledger(tmp_path / "in.xlsx", extra)
    ws = load_workbook(annotate(tmp_path, ledger))[SHEET]
    assert verdict_cells(ws, 2, first=11) == ["处置结论", "依据条款", "理由", "整改要求", "待补充信息"]
    assert [ws.cell(r, 11).value for r in VERDICT_TEXT] == list(VERDICT_TEXT.values())
    assert ws["I8"].value == "备注在远处" and "F4:J4" in {str(m) for m in ws.merged_cells.ranges}


@pytest.mark.parametrize("in_the_way", ["value", "merge"])
def test_a_dimension_that_understates_the_sheet_is_caught(tmp_path, in_the_way):
    """The writer believes a <dimension> no wider than the ledger and stops reading after the
    header row (here, with 97-byte reads, long before row 4); a value or a merge where the
    verdict columns were to go proves it wrong, and the sheet is then read in full."""
    def extra(wb, ws):
        if in_the_way == "value":
            ws["H5"] = "审核意见"
        else:
            ws.merge_cells("G4:H4")

    ledger = write_ledger(tmp_path / "in.xlsx", extra)
    edit_package(ledger, {"xl/worksheets/sheet1.xml": lambda xml: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:F8"', xml)})
    ws = load_workbook(annotate(tmp_path, ledger))[SHEET]
    assert [ws.cell(r, 9).value for r in VERDICT_TEXT] == list(VERDICT_TEXT.values())
    assert ws.cell(2, 9).value == "处置结论" and ws.cell(2, 7).value is None
    assert ws["H5"].value == ("审核意见" if in_the_way == "value" else None)


def test_styled_empty_cells_beyond_and_existing_column_ranges(tmp_path):
    def extra(wb, ws):
        ws["H3"].fill = PatternFill("solid", fgColor="FFFF00")  # styled, no value: in a new column
        ws["M3"].fill = PatternFill("solid", fgColor="00FF00")  # styled, no value: after the new columns

    ledger = write_ledger(tmp_path / "in.xlsx", extra)
    edit_package(ledger, {"xl/worksheets/sheet1.xml": lambda xml: re.sub(
        r"<cols>.*?</cols>", '<cols><col min="3" max="3" width="33" customWidth="1"/>'
                            '<col min="5" max="20" width="9" customWidth="1"/></cols>', xml)})
    out = annotate(tmp_path, ledger)
    ws = load_workbook(out)[SHEET]
    assert ws["H3"].value == "（四）2" and ws["H3"].fill.fgColor.rgb.endswith(FILLS["halt"])  # ours replaced it
    assert ws["M3"].fill.fgColor.rgb.endswith("00FF00") and ws["M3"].value is None
    sheet = member_text(out, "xl/worksheets/sheet1.xml")
    cols = [(int(a), int(b)) for a, b in re.findall(r'<col min="(\d+)" max="(\d+)"', sheet)]
    assert cols == sorted(cols) and all(b < c for (_, b), (c, _) in zip(cols, cols[1:]))  # no overlap
    assert [ws.column_dimensions[letter].width for letter in "GHIJK"] == list(VERDICT_WIDTHS)
    cells = re.findall(r'<c r="([A-Z]+)3"', re.search(r'<row r="3".*?</row>', sheet).group(0))
    assert cells == sorted(cells, key=lambda c: (len(c), c))  # still in column order


def test_rows_and_cells_without_r_and_a_missing_row(tmp_path):
    ledger = write_ledger(tmp_path / "in.xlsx")

    def implicit(xml: str) -> str:
        xml = re.sub(r'<row r="5"[^>]*>.*?</row>', "", xml)  # project row 5 has no <row> at all
        xml = re.sub(r'(<row) r="(?:3|4)"', r"\1", xml)  # rows 3, 4 follow row 2 without saying so
        xml = re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:6"', xml)
        xml = re.sub(r'(<c) r="[A-Z]+(?:3|4)"', r"\1", xml)  # and neither do their cells
        empties = '<c s="0"/>' * 8  # row 4 runs on, empty, to column N: past the new columns
        return re.sub(r'(<row><c[^>]*><v>2</v></c>.*?)(</row>)', lambda m: m.group(1) + empties + m.group(2), xml, count=1)

    edit_package(ledger, {"xl/worksheets/sheet1.xml": implicit})
    assert '<row r="5"' not in member_text(ledger, "xl/worksheets/sheet1.xml")
    out = annotate(tmp_path, ledger)
    ws = load_workbook(out)[SHEET]
    assert [ws.cell(r, 7).value for r in VERDICT_TEXT] == list(VERDICT_TEXT.values())
    assert [ws.cell(r, 2).value for r in (3, 4, 6)] == ["P-001", "P-002", "P-004"]
    sheet = member_text(out, "xl/worksheets/sheet1.xml")
    numbers = [int(n) for n in re.findall(r'<row r="(\d+)"', sheet)]
    assert 5 in numbers and numbers == sorted(numbers)
    assert not re.search(r'<row r="(?:2|6)"[^>]*spans', sheet)  # rows that got cells lose their stale spans
    assert re.search(r'<row r="1" spans="1:6"', sheet)  # the others are untouched


def test_rich_text_and_excel_attributes(tmp_path):
    """Excel writes spans and x14ac attributes on rows, and rich text whose run properties
    (<charset>, <color>) also begin "<c": none of it may be taken for a cell."""
    ledger = write_ledger(tmp_path / "in.xlsx")
    rich = ('<c r="F3" t="inlineStr"><is><r><rPr><b/><charset val="134"/><color rgb="FFFF0000"/></rPr><t>=1</t></r>'
            '<r><t xml:space="preserve">+1 </t></r></is></c>')

    def excel_like(xml: str) -> str:
        xml = xml.replace("<worksheet ", '<worksheet xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" ')
        xml = re.sub(r'<row r="(\d+)"', r'<row r="\1" spans="1:6" x14ac:dyDescent="0.25"', xml)
        return re.sub(r'<c r="F3"[^>]*>.*?</c>', rich, xml)

    edit_package(ledger, {"xl/worksheets/sheet1.xml": excel_like})
    ws = load_workbook(annotate(tmp_path, ledger))[SHEET]
    assert ws["F3"].value == "=1+1 " and ws["F3"].data_type == "s"
    assert [ws.cell(r, 7).value for r in VERDICT_TEXT] == list(VERDICT_TEXT.values())
    assert ws.max_column == 11


def test_prefixed_namespace_sheet(tmp_path):
    """Some programs write every element as <x:row>, <x:c>…: what is added must follow."""
    ledger = write_ledger(tmp_path / "in.xlsx")

    def prefixed(xml: str) -> str:
        ElementTree.register_namespace("x", MAIN)
        ElementTree.register_namespace("r", "http://schemas.openxmlformats.org/officeDocument/2006/relationships")
        return ElementTree.tostring(ElementTree.fromstring(xml), encoding="unicode")

    edit_package(ledger, {"xl/worksheets/sheet1.xml": prefixed})
    assert "<x:row" in member_text(ledger, "xl/worksheets/sheet1.xml")
    out = annotate(tmp_path, ledger)
    sheet = member_text(out, "xl/worksheets/sheet1.xml")
    assert "<c " not in sheet and "<x:c " in sheet
    ws = load_workbook(out)[SHEET]
    assert [ws.cell(r, 7).value for r in VERDICT_TEXT] == list(VERDICT_TEXT.values())
    assert ws["B7"].value == "=COUNTA(B3:B6)" and ws["B7"].data_type == "s"


# ---------------------------------------------------------------- 汇总 and 依据

def test_summary_and_basis_sheets_take_free_names(tmp_path):
    def extra(wb, ws):
        wb.create_sheet("汇总")["A1"] = "用户自己的汇总"

    out = annotate(tmp_path, write_ledger(tmp_path / "in.xlsx", extra))
    wb = load_workbook(out)
    assert wb.sheetnames == [SHEET, "汇总", "汇总(筛查)", "依据"]
    assert wb["汇总"]["A1"].value == "用户自己的汇总" and wb["汇总"].max_row == 1
    summary, basis = wb["汇总(筛查)"], wb["依据"]
    assert [c.value for c in summary[1]][:3] == ["省辖市", "县（市、区）", "项目数"] and summary["A1"].font.bold
    assert [c.value for c in summary[2]][:3] == ["郑州市", "（全市）", 2]
    assert [c.value for c in summary[7]] == ["合计", None, 4, 1, 1, 1, 1, 1, 1] and summary["A7"].font.bold
    assert summary.freeze_panes == "A2" and basis.freeze_panes == "A2"
    assert basis.auto_filter.ref == "A1:K4"
    rows = [[c.value for c in row] for row in basis.iter_rows(min_row=2)]
    assert [(r[0], r[3], r[6]) for r in rows] == [(3, "ADM-4.2a", CLAUSE.text), (4, "DATA-6", CLAUSE.text),
                                                  (5, "SCOPE-3", CLAUSE.text)]
    assert rows[0][9] == "name=钢铁项目 (C3)" and basis["G2"].alignment.wrap_text


def test_shared_strings_are_appended_and_counted(tmp_path):
    """The input's strings keep their indices; each added text is stored once, however often cited."""
    ledger = write_ledger(tmp_path / "in.xlsx")
    note = "注：本表由各县区填报。"
    table = f'<sst xmlns="{MAIN}" count="2" uniqueCount="2"><si><t>甲</t></si><si><t>{note}</t></si></sst>'
    edit_package(ledger, {
        "xl/worksheets/sheet1.xml": lambda xml: re.sub(r'<c r="A8"[^>]*>.*?</c>', '<c r="A8" t="s"><v>1</v></c>', xml),
        "xl/_rels/workbook.xml.rels": lambda xml: xml.replace("</Relationships>", (
            '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>')),
        "[Content_Types].xml": lambda xml: xml.replace("</Types>", (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/></Types>'))},
        {"xl/sharedStrings.xml": table})
    out = annotate(tmp_path, ledger)
    after = member_text(out, "xl/sharedStrings.xml")
    entries = re.findall(r"<si>", after)
    assert after.startswith(table[:table.index("<sst")]) and "<si><t>甲</t></si>" in after
    assert re.search(r'uniqueCount="(\d+)"', after).group(1) == str(len(entries)) and len(entries) > 2
    assert int(re.search(r'\bcount="(\d+)"', after).group(1)) > len(entries)  # the citations, counted
    assert after.count(CLAUSE.text) == 1  # cited three times in 依据, stored once
    assert load_workbook(out)[SHEET]["A8"].value == note


def test_xls_or_csv_ledger_is_rebuilt_then_annotated_alike(tmp_path):
    source = tmp_path / "ledger.csv"
    source.write_text("x\n", encoding="utf-8")
    screening = screening_for(source, fmt="csv")
    screening.ledger.rows[0].values[2] = "钢铁\x1b项目"  # Excel cannot hold ESC: dropped
    out = annotate(tmp_path, source, screening)
    wb = load_workbook(out)
    assert wb.sheetnames == [SHEET, "汇总", "依据"]
    ws = wb[SHEET]
    assert [ws.cell(2, c).value for c in range(1, 7)] == HEADERS
    assert ws["C3"].value == "钢铁项目" and ws["F3"].value == "=1+1" and ws["F3"].data_type == "s"
    assert [ws.cell(r, 7).value for r in VERDICT_TEXT] == list(VERDICT_TEXT.values())


def test_macro_sheet_workbook_is_rebuilt_not_copied(tmp_path):
    ledger = write_ledger(tmp_path / "in.xlsx")
    rels = lambda xml: xml.replace("</Relationships>", '<Relationship Id="rId77" Type="http://schemas.microsoft.com/'
                                   'office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>')
    edit_package(ledger, {"xl/_rels/workbook.xml.rels": rels})
    wb = load_workbook(annotate(tmp_path, ledger))
    assert wb.sheetnames == [SHEET, "汇总", "依据"]
    assert [wb[SHEET].cell(r, 7).value for r in VERDICT_TEXT] == list(VERDICT_TEXT.values())


def test_output_replaces_the_input_safely_when_written_over_it(tmp_path):
    ledger = write_ledger(tmp_path / "in.xlsx")
    write_xlsx(screening_for(ledger), ledger)
    assert load_workbook(ledger)[SHEET]["G3"].value == "叫停"
    assert [p.name for p in tmp_path.iterdir()] == ["in.xlsx"]  # no temporary file left behind


def test_an_xlsx_run_never_imports_openpyxl(tmp_path):
    ledger = write_ledger(tmp_path / "in.xlsx")
    pickled = tmp_path / "screening.pickle"
    pickled.write_bytes(pickle.dumps(screening_for(ledger)))
    code = ("import pickle, sys; from screening.report import write_xlsx; "
            f"write_xlsx(pickle.loads(open({str(pickled)!r}, 'rb').read()), {str(tmp_path / 'out.xlsx')!r}); "
            "print('openpyxl' in sys.modules, 'numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
    assert load_workbook(tmp_path / "out.xlsx")[SHEET]["G3"].value == "叫停"
