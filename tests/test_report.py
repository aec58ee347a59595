"""The report stage, on a Screening built by hand (no ingest or engine needed)."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.formula import ArrayFormula

from screening.issues import Issue
from screening.model import Clause, Column, Finding, Ledger, ProjectFacts, Screening, SourceRow, Verdict
from screening.report import (explain_text, render_html, render_text, to_json_document, write_csv,
                              write_html, write_json, write_xlsx)
from screening.report.labels import field_label
from screening.report.text import display_width
from screening.report.workbook import free_sheet_name

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "verdicts.schema.json"
SHEET = "两高项目清单"
HEADERS = ["序号", "项目代码", "项目名称", "省辖市", "县（市、区）", "项目状态", "产能置换", "备注"]
FIELDS = [None, "project_id", "name", "city", "county", "stage", "capacity_replacement", None]
EVIL_NAME = "<script>alert(1)</script>化工项目"
DATA = [  # row 4 … 7 of the project sheet
    [1, "P-001", "钢铁一期年产200万吨项目（含配套焦化）", "郑州市", "巩义市", "拟建", "未落实", "=1+1"],
    [2, "P-002", EVIL_NAME, "郑州市", "中牟县", "在建", "不涉及", "@SUM(A1)"],
    [3, "P-003", "水泥粉磨站", "洛阳市", None, "存量", None, "-危险"],
    [4, "P-004", "出错的项目", "开封市", "", "拟建", None, "+86"],
]
CLAUSE_TEXT = {
    "（四）2": "2. 钢铁、焦化、水泥熟料、平板玻璃、电解铝、炼化行业新增产能项目未落实产能置换要求或不符合行业产业发展规划的；",
    "（四）3": "3. 未严格实施节能审查和环评审批，不符合产业政策……要求的；",
    "（十一）": "（十一）完善项目审批制度。……一律不得核准或备案。",
    "（六）": "（六）实施“两高”项目台账管理。……",
    "（三）": "（三）明确“两高”项目类别。……1万吨标准煤及以上的项目为重点……",
    "（七）": "（七）坚决叫停不符合要求的在建“两高”项目。……",
}
REFS = {"（四）2": "4.2", "（四）3": "4.3", "（十一）": "11", "（六）": "6", "（三）": "3", "（七）": "7"}


# ---------------------------------------------------------------- fixtures

def _clause(label: str) -> Clause:
    return Clause(id=f"henan-2021:{REFS[label]}", document="henan-2021", ref=REFS[label],
                  label=label, text=CLAUSE_TEXT[label])


def _write_ledger_xlsx(path: Path) -> None:
    """A realistic ledger: title row, two-row merged header, formula 合计 row, notes, 汇总 sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = "XX市“两高”项目清单（2021年12月）"
    ws.merge_cells("A1:H1")
    for col, title in enumerate(HEADERS, start=1):
        if col in (4, 5):
            continue
        ws.cell(2, col, title)
        ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    ws["D2"] = "地区"
    ws.merge_cells("D2:E2")
    ws["D3"], ws["E3"] = "省辖市", "县（市、区）"
    for r, values in enumerate(DATA, start=4):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # "=1+1" as typed text, not a formula
    ws["B4"].font = Font(bold=True, color="FF0000")
    ws["A8"] = "合计"
    ws["B8"] = "=COUNTA(B4:B7)"  # a real formula
    ws["C8"] = ArrayFormula("C8", "=SUM(LEN(C4:C7))")
    ws["A9"] = "注：本表由各县区填报。"
    ws.merge_cells("A9:H9")
    mine = wb.create_sheet("汇总")
    mine["A1"] = "用户自己的汇总"
    mine["B1"] = "=SUM(1,2)"  # a formula on a sheet that is not the project sheet
    wb.save(path)


def _columns() -> list[Column]:
    letters = "ABCDEFGH"
    headers = ["序号", "项目代码", "项目名称", "地区/省辖市", "地区/县（市、区）", "项目状态", "产能置换", "备注"]
    return [Column(index=i, letter=letters[i], header=h, field=FIELDS[i]) for i, h in enumerate(headers)]


def _facts(row: int, values: list) -> ProjectFacts:
    known = {FIELDS[i]: v for i, v in enumerate(values) if FIELDS[i] and v not in (None, "")}
    cells = {FIELDS[i]: f"{'ABCDEFGH'[i]}{row}" for i in range(8) if FIELDS[i] in known}
    return ProjectFacts(sheet=SHEET, row=row, key=known.get("project_id", f"row-{row}"),
                        values=known, cells=cells, raw=dict(known))


def _verdicts(facts: list[ProjectFacts]) -> list[Verdict]:
    halt = Verdict(
        project=facts[0], two_high=True, verdict="halt", provisional=False, could_become=None,
        findings=[
            Finding("ADM-4.3c", "halt", [_clause("（四）3"), _clause("（十一）")],
                    "产业政策为淘汰类", "不得核准或备案，叫停项目",
                    facts={"industrial_policy": "淘汰类"}, cells={"industrial_policy": "Z4"}),
            Finding("ADM-4.2a", "rectify", [_clause("（四）2")], "新增产能未落实产能置换",
                    "=落实产能置换后方可推进",
                    facts={"capacity_replacement": "未落实", "adds_capacity": True,
                           "last_diagnosis": dt.date(2019, 6, 30)},
                    cells={"capacity_replacement": "G4", "adds_capacity": "X4"}),
        ],
        missing=[])
    provisional = Verdict(
        project=facts[1], two_high=True, verdict="rectify", provisional=True, could_become="halt",
        findings=[Finding("DATA-6", "rectify", [_clause("（六）")], "节能审查、环评情况未填写，结论待定",
                          "补充节能审查、环评审批情况")],
        missing=["energy_review", "eia"],
        undetermined=[Finding("ADM-4.3a", "halt", [_clause("（四）3"), _clause("（七）")],
                              "节能审查情况不明", determined=False, missing=["energy_review"])])
    out_of_scope = Verdict(
        project=facts[2], two_high=False, verdict="proceed", provisional=False, could_become=None,
        findings=[Finding("SCOPE-3", "proceed", [_clause("（三）")], "年综合能源消费量不足1万吨标准煤",
                          facts={"energy": 8000.0}, cells={"energy": "M6"})],
        missing=[])
    # As the engine returns a project it failed on: no verdict, the reason in `error`.
    failed = Verdict(project=facts[3], two_high=None, verdict=None, provisional=False,
                     could_become=None, findings=[], missing=[], error="规则 ADM-4.1 执行出错: KeyError")
    return [halt, provisional, out_of_scope, failed]


def _screening(ledger_file: Path, fmt: str = "xlsx") -> Screening:
    sha = hashlib.sha256(ledger_file.read_bytes()).hexdigest()
    rows = [SourceRow(row=r, values=list(v)) for r, v in enumerate(DATA, start=4)]
    skipped = [Issue("skipped-row", "合计行，已跳过", "total row skipped", sheet=SHEET, row=8),
               Issue("skipped-row", "注释行，已跳过", "note row skipped", sheet=SHEET, row=9)]
    ledger = Ledger(file=str(ledger_file), sha256=sha, format=fmt, sheet=SHEET,
                    sheet_names=[SHEET, "汇总"], header_rows=[2, 3], columns=_columns(),
                    rows=rows, skipped=skipped)
    facts = [_facts(r.row, r.values) for r in rows]
    facts[3].values["name"] = "出错\x1b[2J的项目"  # a CSV can carry a terminal escape
    issues = [Issue("invalid-value", "无法识别的项目状态", "stage not recognised", sheet=SHEET,
                    row=5, column="F", field="stage", value="建设")] + skipped
    return Screening(
        ruleset={"id": "henan-2021", "version": "2021.1", "sha256": "ab" * 32,
                 "as_of": dt.date(2021, 12, 31), "title": "河南省坚决遏制“两高”项目盲目发展行动方案"},
        source={"file": ledger_file.name, "sha256": sha, "sheet": SHEET},
        ledger=ledger, verdicts=_verdicts(facts), issues=issues)


@pytest.fixture
def report_ledger_file(tmp_path) -> Path:
    path = tmp_path / "ledger.xlsx"
    _write_ledger_xlsx(path)
    return path


@pytest.fixture
def report_screening(report_ledger_file) -> Screening:
    return _screening(report_ledger_file)


@pytest.fixture
def report_workbook(report_screening, tmp_path):
    out = tmp_path / "screened.xlsx"
    write_xlsx(report_screening, out)
    return load_workbook(out), out


@pytest.fixture
def report_schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- JSON

def test_json_document_validates_and_keeps_input_order(report_screening, report_schema):
    doc = to_json_document(report_screening)
    jsonschema.Draft202012Validator.check_schema(report_schema)
    jsonschema.validate(doc, report_schema, cls=jsonschema.Draft202012Validator)
    assert [p["row"] for p in doc["projects"]] == [4, 5, 6, 7]
    assert list(doc) == ["ruleset", "source", "summary", "projects", "issues"]
    assert doc["ruleset"] == {"id": "henan-2021", "version": "2021.1", "sha256": "ab" * 32,
                              "as_of": "2021-12-31"}
    # The row the engine failed on counts as a project, under no verdict.
    assert doc["summary"] == {"projects": 4, "halt": 1, "rectify": 1, "proceed": 1,
                              "out_of_scope": 1, "provisional": 1}


def test_json_project_entries(report_screening):
    first, second, _, failed = to_json_document(report_screening)["projects"]
    assert list(first) == ["sheet", "row", "project_id", "name", "city", "county", "two_high",
                           "verdict", "provisional", "could_become", "findings", "missing",
                           "undetermined", "error"]
    assert first["verdict"] == "halt" and first["error"] is None
    capacity = first["findings"][1]
    assert capacity["clauses"][0] == {"document": "henan-2021", "ref": "4.2", "label": "（四）2",
                                      "text": CLAUSE_TEXT["（四）2"]}
    assert capacity["facts"]["last_diagnosis"] == "2019-06-30"
    assert capacity["cells"]["capacity_replacement"] == "G4"
    assert second["missing"] == ["energy_review", "eia"]
    assert second["undetermined"] == ["ADM-4.3a"] and second["could_become"] == "halt"
    assert failed["verdict"] is None and failed["error"].startswith("规则 ADM-4.1")


def test_json_issues_include_skipped_rows(report_screening):
    issues = to_json_document(report_screening)["issues"]
    assert [i["type"] for i in issues] == ["invalid-value", "skipped-row", "skipped-row"]
    assert issues[0]["column"] == "F" and issues[0]["value"] == "建设"


def test_json_adds_skipped_rows_the_run_left_out(report_screening):
    report_screening.issues = report_screening.issues[:1]
    issues = to_json_document(report_screening)["issues"]
    assert [i.get("row") for i in issues] == [5, 8, 9]


def test_json_summary_leaves_failed_rows_out_of_verdict_counts(report_screening):
    failed = report_screening.verdicts[3]
    failed.verdict, failed.provisional = "rectify", True  # whatever a failed row still carries
    summary = to_json_document(report_screening)["summary"]
    assert (summary["projects"], summary["rectify"], summary["provisional"]) == (4, 1, 1)


@pytest.mark.parametrize("breakage", [
    lambda d: d.pop("summary"),
    lambda d: d["projects"][0].pop("verdict"),
    lambda d: d["projects"][0].update(verdict="stop"),
    lambda d: d["projects"][0].update(extra=1),
    lambda d: d["projects"][0]["findings"][0].update(outcome="maybe"),
    lambda d: d["projects"][0]["findings"][0]["clauses"][0].pop("text"),
    lambda d: d["projects"][0]["findings"][0]["facts"].update(bad={"nested": 1}),
    lambda d: d["projects"][1].update(verdict=None),  # no verdict without an error
    lambda d: d["ruleset"].update(as_of="31/12/2021"),
    lambda d: d["summary"].update(halt=-1),
    lambda d: d["issues"][0].pop("type"),
])
def test_broken_document_does_not_validate(report_screening, report_schema, breakage):
    doc = copy.deepcopy(to_json_document(report_screening))
    breakage(doc)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, report_schema, cls=jsonschema.Draft202012Validator)


def test_json_bytes_are_deterministic(report_ledger_file, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_json(_screening(report_ledger_file), a)
    write_json(_screening(report_ledger_file), b)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert "钢铁一期" in text and "\\u94a2" not in text  # ensure_ascii=False
    assert json.loads(text) == to_json_document(_screening(report_ledger_file))


# ---------------------------------------------------------------- workbook

def _verdict_cells(ws, row: int) -> list:
    return [ws.cell(row, col).value for col in range(9, 14)]


def test_xlsx_verdict_columns(report_workbook):
    wb, _ = report_workbook
    ws = wb[SHEET]
    assert _verdict_cells(ws, 3) == ["处置结论", "依据条款", "理由", "整改要求", "待补充信息"]
    halt = _verdict_cells(ws, 4)
    assert halt[0] == "叫停"
    assert halt[1] == "（四）3；（十一）；（四）2"
    assert halt[2].splitlines() == ["ADM-4.3c：产业政策为淘汰类", "ADM-4.2a：新增产能未落实产能置换"]
    assert halt[3].splitlines() == ["不得核准或备案，叫停项目", "=落实产能置换后方可推进"]
    assert _verdict_cells(ws, 5)[0] == "限期整改（待定）"
    assert _verdict_cells(ws, 5)[4] == "节能审查、环评审批"
    assert _verdict_cells(ws, 6)[0] == "正常推进（不属于两高）"
    failed = _verdict_cells(ws, 7)
    assert failed[0] == "无法判定" and "KeyError" in failed[2]


def test_xlsx_fills_by_verdict(report_workbook):
    ws = report_workbook[0][SHEET]
    colours = {row: ws.cell(row, 9).fill.fgColor.rgb[-6:] for row in (4, 5, 6)}
    assert colours == {4: "FFC7CE", 5: "FFEB9C", 6: "C6EFCE"}
    assert all(ws.cell(4, col).fill.fgColor.rgb.endswith("FFC7CE") for col in range(9, 14))
    assert ws.cell(4, 11).alignment.wrap_text


def test_xlsx_keeps_every_input_row_cell_and_merge(report_workbook, report_ledger_file):
    wb, _ = report_workbook
    original = load_workbook(report_ledger_file)
    ws, before = wb[SHEET], original[SHEET]
    formulas = {"B8": "=COUNTA(B4:B7)", "C8": "=SUM(LEN(C4:C7))"}  # kept as their text
    assert {c.coordinate for row in before.iter_rows() for c in row if c.data_type == "f"} == set(formulas)
    for row in before.iter_rows(min_row=1, max_row=9, max_col=8):
        for cell in row:
            expected = formulas.get(cell.coordinate, cell.value)
            assert ws[cell.coordinate].value == expected, cell.coordinate
    assert {str(m) for m in ws.merged_cells.ranges} == {str(m) for m in before.merged_cells.ranges}
    assert ws["B4"].font.bold and ws["B4"].font.color.rgb.endswith("FF0000")
    assert [ws.cell(r, 2).value for r in range(4, 8)] == ["P-001", "P-002", "P-003", "P-004"]


def test_xlsx_never_overwrites_user_sheets(report_workbook):
    wb, _ = report_workbook
    assert wb.sheetnames == [SHEET, "汇总", "汇总(筛查)", "依据"]
    assert wb["汇总"]["A1"].value == "用户自己的汇总" and wb["汇总"].max_row == 1


def test_xlsx_neutralises_formulas(report_workbook, report_ledger_file):
    wb, out = report_workbook
    ws = wb[SHEET]
    original = load_workbook(report_ledger_file)  # the input really holds formulas and formula-like text
    source = original[SHEET]
    assert source["B8"].data_type == "f" and source["C8"].data_type == "f" and source["H4"].data_type == "s"
    assert original["汇总"]["B1"].data_type == "f"
    with zipfile.ZipFile(report_ledger_file) as z:
        assert re.search(rb"<f[ >]", z.read("xl/worksheets/sheet1.xml"))
    for coordinate, text in (("H4", "=1+1"), ("H5", "@SUM(A1)"), ("H6", "-危险"), ("H7", "+86"),
                             ("B8", "=COUNTA(B4:B7)"), ("C8", "=SUM(LEN(C4:C7))")):
        assert ws[coordinate].data_type == "s", coordinate
        assert ws[coordinate].value == text
    assert ws["L4"].data_type == "s"  # written by us: "=落实…" stays text
    assert (wb["汇总"]["B1"].value, wb["汇总"]["B1"].data_type) == ("=SUM(1,2)", "s")  # every sheet, not only ours
    assert all(c.data_type != "f" for sheet in wb.worksheets for row in sheet.iter_rows() for c in row)
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in sheets)


FORMULA_LIKE = {"project_id": "@P-001", "name": '=HYPERLINK("http://evil.example","点击")',
                "city": "=CMD|' /C calc'!A0", "county": "+巩义市"}


def test_xlsx_input_values_that_look_like_formulas_stay_text_on_the_added_sheets(report_screening, tmp_path):
    """依据 copies project code and name, 汇总 copies city and county: input text, never a formula."""
    report_screening.verdicts[0].project.values.update(FORMULA_LIKE)
    out = write_xlsx(report_screening, tmp_path / "hostile.xlsx")
    wb = load_workbook(out)
    basis = wb["依据"]
    assert (basis["B2"].value, basis["C2"].value) == (FORMULA_LIKE["project_id"], FORMULA_LIKE["name"])
    assert basis["B2"].data_type == "s" and basis["C2"].data_type == "s"
    summary = wb["汇总(筛查)"]
    cells = {c.value: c for row in summary.iter_rows(max_col=2) for c in row if c.value is not None}
    for value in (FORMULA_LIKE["city"], FORMULA_LIKE["county"]):
        assert value in cells and cells[value].data_type == "s", value
    assert all(c.data_type != "f" for sheet in wb.worksheets for row in sheet.iter_rows() for c in row)
    with zipfile.ZipFile(out) as z:
        assert not any(re.search(rb"<f[ >]", z.read(n)) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_csv_quotes_formula_like_text_in_every_column(report_screening, tmp_path):
    report_screening.ledger.rows[0].values[1:5] = [FORMULA_LIKE[k] for k in ("project_id", "name", "city", "county")]
    report_screening.ledger.rows[1].values[0] = -2  # a number stays a number
    out = write_csv(report_screening, tmp_path / "hostile.csv")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[1][1:5] == ["'" + FORMULA_LIKE[k] for k in ("project_id", "name", "city", "county")]
    assert rows[2][0] == "-2"
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "@")]


def test_xlsx_summary_sheet(report_workbook):
    ws = report_workbook[0]["汇总(筛查)"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=8, max_col=9)]
    assert rows[0][:6] == ["省辖市", "县（市、区）", "项目数", "叫停", "限期整改", "正常推进"]
    assert rows[1][:6] == ["郑州市", "（全市）", 2, 1, 1, 0]
    assert [r[:2] for r in rows[2:6]] == [["郑州市", "巩义市"], ["郑州市", "中牟县"],
                                           ["洛阳市", None], ["开封市", None]]
    assert rows[6] == ["合计", None, 4, 1, 1, 1, 1, 1, 1]
    assert [c.value for c in ws["A9:B10"][1]] == ["截至日期", "2021-12-31"]


def test_xlsx_basis_sheet(report_workbook):
    ws = report_workbook[0]["依据"]
    header = [c.value for c in ws[1]]
    assert header == ["行号", "项目代码", "项目名称", "规则", "结论", "条款", "条款原文", "理由",
                      "整改要求", "事实", "单元格"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [(r[0], r[3]) for r in rows] == [(4, "ADM-4.3c"), (4, "ADM-4.2a"), (5, "DATA-6"),
                                             (6, "SCOPE-3")]
    capacity = rows[1]
    assert capacity[4] == "限期整改" and capacity[5] == "（四）2"
    assert capacity[6] == CLAUSE_TEXT["（四）2"]
    assert "capacity_replacement=未落实 (G4)" in capacity[9]
    assert capacity[10] == "capacity_replacement=G4; adds_capacity=X4"
    assert "（四）3：" in rows[0][6] and "（十一）：" in rows[0][6]


def test_xlsx_from_csv_ledger_rebuilds_project_sheet(report_ledger_file, tmp_path):
    source = tmp_path / "ledger.csv"
    source.write_text("x\n", encoding="utf-8")
    screening = _screening(report_ledger_file, fmt="csv")
    screening.ledger.file = str(source)
    screening.ledger.rows[3].values[2] = "出错\x1b[2J的项目"  # Excel cannot hold ESC: dropped
    out = write_xlsx(screening, tmp_path / "from-csv.xlsx")
    wb = load_workbook(out)
    assert wb.sheetnames == [SHEET, "汇总", "依据"]
    ws = wb[SHEET]
    assert [ws.cell(3, c).value for c in range(1, 9)] == [c.header for c in _columns()]
    assert [ws.cell(4, c).value for c in range(1, 9)] == DATA[0]
    assert ws["H4"].data_type == "s" and _verdict_cells(ws, 4)[0] == "叫停"
    assert ws["C7"].value == "出错[2J的项目"


def test_free_sheet_name():
    wb = Workbook()
    wb.create_sheet("依据")
    wb.create_sheet("依据(筛查)")
    assert free_sheet_name(wb, "依据") == "依据(筛查2)"
    assert free_sheet_name(wb, "汇总") == "汇总"


# ---------------------------------------------------------------- CSV

def test_csv_rows_and_neutralised_text(report_screening, tmp_path):
    out = write_csv(report_screening, tmp_path / "out.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [c.header for c in _columns()] + ["处置结论", "依据条款", "理由", "整改要求",
                                                         "待补充信息"]
    assert [r[1] for r in rows[1:]] == ["P-001", "P-002", "P-003", "P-004"]
    assert [r[7] for r in rows[1:]] == ["'=1+1", "'@SUM(A1)", "'-危险", "'+86"]
    assert rows[1][0] == "1" and rows[1][8] == "叫停"
    assert rows[1][11] == "不得核准或备案，叫停项目\n=落实产能置换后方可推进"  # only a leading = runs
    assert rows[4][8] == "无法判定"


# ---------------------------------------------------------------- text

def test_render_text_aligns_cjk_columns(report_screening):
    text = render_text(report_screening)
    lines = text.splitlines()
    start = lines.index(next(l for l in lines if l.lstrip().startswith("行号")))
    table = lines[start:start + 6]
    verdicts = ["结论 verdict", "叫停 halt", "限期整改 rectify", "正常推进 proceed", "无法判定 error"]
    table = [table[0]] + table[2:]
    offsets = [display_width(line[:line.index(word)]) for line, word in zip(table, verdicts)]
    assert len(set(offsets)) == 1, offsets
    assert "\x1b" not in text  # no colour, and the ESC in a project name was blanked
    assert "项目 projects 4" in text and "叫停 halt 1" in text


def test_render_text_truncates_names_and_lists_issues(report_screening):
    text = render_text(report_screening)
    assert "钢铁一期年产200万吨项目（..." in text
    assert display_width("钢铁一期年产200万吨项目（...") <= 28
    assert "ADM-4.3c" in text
    assert "值无法识别 / value not recognised (1)" in text
    assert "[两高项目清单] F5 无法识别的项目状态" in text
    assert "跳过的行 / row skipped (2)" in text


def test_render_text_colour(report_screening):
    coloured = render_text(report_screening, color=True)
    assert "\x1b[31m" in coloured and "\x1b[0m" in coloured


def test_explain_text(report_screening):
    first = explain_text(report_screening.verdicts[0], report_screening)
    assert "P-001" in first and "第4行" in first
    assert "结论 Verdict: 叫停 halt" in first
    assert "capacity_replacement = 未落实 (G4)" in first
    assert CLAUSE_TEXT["（四）2"] in first
    assert "整改要求 Action: =落实产能置换后方可推进" in first
    second = explain_text(report_screening.verdicts[1], report_screening)
    assert "（待定 provisional）" in second and "Could become: 叫停 halt" in second
    assert "ADM-4.3a" in second and "节能审查（energy_review）" in second
    failed = explain_text(report_screening.verdicts[3], report_screening)
    assert "无法判定" in failed and "KeyError" in failed and "\x1b" not in failed


# ---------------------------------------------------------------- HTML

def test_html_escapes_and_is_self_contained(report_screening, tmp_path):
    page = render_html(report_screening)
    assert "<script" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;化工项目" in page
    assert not re.search(r"<(link|img|iframe)\b|src=|@import|https?://", page)
    assert CLAUSE_TEXT["（四）2"] in page
    assert "叫停" in page and "限期整改（待定）" in page and "正常推进（不属于两高）" in page
    assert "产能置换（<code>capacity_replacement</code>）= 未落实，单元格 G4" in page
    assert "待补充信息：</strong>节能审查、环评审批" in page
    out = write_html(report_screening, tmp_path / "r.html")
    assert out.read_text(encoding="utf-8") == page
    # every project, in input order (the failed one included)
    positions = [page.find(pid) for pid in ("P-001", "P-002", "P-003", "P-004")]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "无法判定" in page


def test_field_labels_come_from_the_field_spec():
    assert field_label("capacity_replacement") == "产能置换"
    assert field_label("energy_review") == "节能审查"
    assert field_label("no_such_field") == "no_such_field"


def test_empty_run_still_writes_every_output(report_screening, report_schema, tmp_path):
    report_screening.verdicts, report_screening.issues = [], []
    report_screening.ledger.rows, report_screening.ledger.skipped = [], []
    doc = to_json_document(report_screening)
    jsonschema.validate(doc, report_schema, cls=jsonschema.Draft202012Validator)
    assert doc["projects"] == [] and doc["summary"]["projects"] == 0
    wb = load_workbook(write_xlsx(report_screening, tmp_path / "empty.xlsx"))
    assert wb["汇总(筛查)"]["A2"].value == "合计"
    csv_text = write_csv(report_screening, tmp_path / "empty.csv").read_text(encoding="utf-8-sig")
    assert csv_text.splitlines() == [",".join([c.header for c in _columns()] + ["处置结论", "依据条款", "理由",
                                                                               "整改要求", "待补充信息"])]
    assert "项目 projects 0" in render_text(report_screening)
    assert "<table" in render_html(report_screening)
