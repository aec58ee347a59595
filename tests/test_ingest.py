"""Ingest: real workbooks (xlsx written with openpyxl, CSV, a committed .xls) → Ledger."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from screening.errors import InputError
from screening.ingest import read_ledger
from screening.ingest.header import parse_header, unit_scale

FIXTURES = Path(__file__).parent / "fixtures"


def _fields(ledger):
    return {c.letter: c.field for c in ledger.columns}


def _issues(ledger, kind):
    return [i for i in ledger.issues + ledger.skipped if i.type == kind]


# ---------------------------------------------------------------- the messy ledger


def test_messy_ledger_header_found_under_title_rows(ingest_messy_ledger):
    ledger = read_ledger(ingest_messy_ledger)
    assert ledger.format == "xlsx"
    assert ledger.sheet == "两高项目清单"
    assert ledger.sheet_names == ["两高项目清单", "地区预警"]
    assert ledger.header_rows == [3, 4]
    assert Path(ledger.file).name == "messy-ledger.xlsx"
    assert ledger.sha256 == hashlib.sha256(ingest_messy_ledger.read_bytes()).hexdigest()


def test_messy_ledger_columns_mapped_by_alias(ingest_messy_ledger):
    ledger = read_ledger(ingest_messy_ledger)
    assert _fields(ledger) == {
        "A": None, "B": "project_id", "C": "name", "D": "owner", "E": "city", "F": "county", "G": "sector",
        "H": "product", "I": "build_type", "J": "adds_capacity", "K": "stage", "L": "energy_equal",
        "M": "energy_equiv", "N": "energy_review", "O": "eia", "P": "last_diagnosis",
        "Q": "three_lines_compliant", "R": None}
    equal, equiv = ledger.column_for("energy_equal"), ledger.column_for("energy_equiv")
    # the merged group cell is combined with each sub-header; the sub-header's own unit wins
    assert equal.header == "年综合能源消费量（吨标准煤）/当量值"
    assert (equal.unit, equal.scale) == ("吨标准煤", 1.0)
    assert equiv.header == "年综合能源消费量（吨标准煤）/等价值（万吨标准煤）"
    assert (equiv.unit, equiv.scale) == ("万吨标准煤", 10000.0)
    assert ledger.columns[0].header == "序号"


def test_unknown_column_kept_with_an_issue(ingest_messy_ledger):
    ledger = read_ledger(ingest_messy_ledger)
    unknown = _issues(ledger, "unknown-column")
    assert [(i.column, i.value) for i in unknown] == [("R", "联系人电话")]  # 序号 is expected, not unknown
    assert unknown[0].message and unknown[0].message_en
    assert ledger.rows[0].values[17] == "0371-1234567"  # copied through untouched


def test_project_rows_and_skipped_rows(ingest_messy_ledger):
    ledger = read_ledger(ingest_messy_ledger)
    assert [r.row for r in ledger.rows] == [5, 6, 8, 9, 10, 11, 12]
    assert all(len(r.values) == 18 for r in ledger.rows)
    assert ledger.rows[0].values[:3] == [1, "2101-410122-04-01-000001", "年产30万吨乙二醇项目"]
    skipped = {i.row: i for i in ledger.skipped}
    assert sorted(skipped) == [7, 13, 14, 15, 16, 17]
    assert "空行" in skipped[7].message and "blank" in skipped[7].message_en
    assert "合计" in skipped[13].message and skipped[13].value == "合计"
    for row in (15, 16, 17):
        assert "说明" in skipped[row].message and "note" in skipped[row].message_en
    assert all(i.type == "skipped-row" and i.sheet == "两高项目清单" for i in ledger.skipped)


def test_formula_without_saved_result_is_blank_and_reported(ingest_messy_ledger):
    ledger = read_ledger(ingest_messy_ledger)
    row11 = next(r for r in ledger.rows if r.row == 11)
    assert row11.values[11] is None
    (issue,) = _issues(ledger, "formula-cell")
    assert (issue.sheet, issue.column, issue.row, issue.field) == ("两高项目清单", "L", 11, "energy_equal")
    assert issue.value == "=L5+1000"
    assert "公式" in issue.message and "formula" in issue.message_en


def test_formula_takes_the_saved_result(tmp_path):
    path = tmp_path / "cached.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "所属行业", "年综合能源消费量"])
    wb.active.append(["甲项目", "钢铁", "=1000*12"])
    wb.save(path)
    # Excel saves each formula's last result in <v>; openpyxl writes it empty, so add one
    _rewrite_member(path, "xl/worksheets/sheet1.xml",
                    lambda xml: xml.replace(b"<f>1000*12</f><v />", b"<f>1000*12</f><v>12000</v>"))
    ledger = read_ledger(path)
    assert ledger.rows[0].values == ["甲项目", "钢铁", 12000]
    (issue,) = _issues(ledger, "formula-cell")
    assert issue.column == "C" and "12000" in issue.message


def test_region_sheet_in_the_same_workbook(ingest_messy_ledger):
    ledger = read_ledger(ingest_messy_ledger)
    assert ledger.region_source == "sheet 地区预警"
    regions = {r.name: r for r in ledger.regions}
    assert list(regions) == ["郑州市", "中牟县", "洛阳市", "偃师区"]
    zhengzhou = regions["郑州市"]
    assert (zhengzhou.air_quality, zhengzhou.energy_target, zhengzhou.pollution_target) == ("未达标", "完成", "完成")
    # month headers 2021-09, 2021年10月, 2021.11 and a date cell; levels 一级 and 红 are 红色
    assert zhengzhou.months == {"2021-09": "橙色", "2021-10": "红色", "2021-11": "红色", "2021-12": "红色"}
    assert zhengzhou.cells["2021-12"] == "地区预警!H2" and zhengzhou.cells["air_quality"] == "地区预警!B2"
    assert regions["洛阳市"].months["2021-11"] == "绿色"  # 三级
    assert regions["中牟县"].pollution_target == "完成"  # 已完成
    yanshi = regions["偃师区"]
    assert yanshi.air_quality == "未达标" and yanshi.months["2021-12"] == "红色"  # 不达标, 红色预警
    assert "2021-10" not in yanshi.months
    (issue,) = _issues(ledger, "region-issue")
    assert (issue.sheet, issue.row, issue.column, issue.value) == ("地区预警", 5, "F", "紫色")
    assert "红色" in issue.message and "not recognised" in issue.message_en


def test_region_file_given_separately(tmp_path, ingest_messy_ledger):
    regions = tmp_path / "regions.csv"
    regions.write_bytes("地区,2021/11,2021/12,上年度能耗双控目标\n郑州,红,橙色,未完成\n".encode("gb18030"))
    ledger = read_ledger(ingest_messy_ledger, regions_path=regions)
    assert ledger.region_source == "regions.csv"
    (record,) = ledger.regions
    assert (record.name, record.energy_target, record.months) == ("郑州", "未完成", {"2021-11": "红色", "2021-12": "橙色"})
    assert record.cells["2021-12"] == "regions!C2"


def test_region_file_without_a_region_table_is_an_issue(tmp_path, ingest_messy_ledger):
    other = tmp_path / "other.csv"
    other.write_text("甲,乙\n1,2\n", encoding="utf-8")
    ledger = read_ledger(ingest_messy_ledger, regions_path=other)
    assert ledger.regions == [] and ledger.region_source is None
    assert any(i.type == "region-issue" and "other.csv" in i.message for i in ledger.issues)


def test_sheet_chosen_by_header_score_and_by_name(tmp_path):
    path = tmp_path / "two-sheets.xlsx"
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "说明"
    cover.append(["本表填报说明"])
    cover.append(["项目名称请填全称"])
    projects = wb.create_sheet("台账")
    projects.append(["项目名称", "所属行业", "项目状态"])
    projects.append(["甲", "钢铁", "在建"])
    other = wb.create_sheet("备用")
    other.append(["项目名称", "备注"])
    other.append(["乙", "x"])
    wb.save(path)
    assert read_ledger(path).sheet == "台账"
    chosen = read_ledger(path, sheet="备用")
    assert chosen.sheet == "备用" and chosen.rows[0].values == ["乙", "x"]
    with pytest.raises(InputError, match="不存在.*no sheet 'nope'"):
        read_ledger(path, sheet="nope")
    with pytest.raises(InputError, match="未找到表头"):
        read_ledger(path, sheet="说明")


def test_header_normalisation_and_near_matches(tmp_path):
    path = tmp_path / "headers.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["项 目 名 称", "所属行业（类别）", "年综合能源消费量(当量值,万tce)", "是否符合三线一单要求",
                      "县（市、区）", "符合“三线一单”", "项目名称", "无关列"])
    wb.active.append(["甲", "钢铁", 1.2, "是", "中牟县", "是", "重复", "x"])
    wb.save(path)
    ledger = read_ledger(path)
    assert _fields(ledger) == {"A": "name", "B": "sector", "C": "energy_equal", "D": "three_lines_compliant",
                               "E": "county", "F": None, "G": None, "H": None}
    assert ledger.column_for("energy_equal").scale == 10000
    dupes = [i for i in _issues(ledger, "unknown-column") if i.field]
    assert [(i.column, i.field) for i in dupes] == [("F", "three_lines_compliant"), ("G", "name")]
    assert "D" in dupes[0].message and "A" in dupes[1].message_en


def test_missing_columns_reported_once(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("项目名称,建设单位\n甲,乙公司\n", encoding="utf-8")
    missing = _issues(read_ledger(path), "missing-column")
    assert sorted(i.field for i in missing) == ["energy_equal", "sector", "stage"]  # once each
    assert all(i.message and i.message_en and i.sheet == "few" for i in missing)


@pytest.mark.parametrize("text, unit, scale", [
    ("年综合能源消费量（万吨标准煤）", "万吨标准煤", 10000), ("能耗(万吨标煤)", "万吨标煤", 10000),
    ("当量值（万tce）", "万tce", 10000), ("等价值（吨标准煤）", "吨标准煤", 1), ("当量值(tce)", "tce", 1),
    ("当量值/吨标准煤", "吨标准煤", 1), ("县（市、区）", None, 1),
])
def test_header_units(text, unit, scale):
    parts = parse_header(text)
    assert parts.unit == unit and unit_scale(parts.unit) == scale


# ---------------------------------------------------------------- other formats


def test_csv_two_row_header_without_merges(tmp_path):
    """A CSV export loses merges: the blank right of a group label belongs to that group."""
    text = ("XX县两高项目清单,,,,\n"
            "序号,项目名称,年综合能源消费量（万吨标准煤）,,项目状态\n"
            ",,当量值,等价值,\n"
            "1,甲项目,1.2,1.3,在建\n"
            "合计,,1.2,1.3,\n")
    path = tmp_path / "ledger.csv"
    path.write_text(text, encoding="utf-8-sig")
    ledger = read_ledger(path)
    assert ledger.format == "csv" and ledger.sheet == "ledger"
    assert ledger.header_rows == [2, 3]
    assert _fields(ledger) == {"A": None, "B": "name", "C": "energy_equal", "D": "energy_equiv", "E": "stage"}
    assert ledger.column_for("energy_equiv").scale == 10000
    assert [r.values for r in ledger.rows] == [["1", "甲项目", "1.2", "1.3", "在建"]]
    assert [i.row for i in ledger.skipped] == [5]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    path = tmp_path / "ledger.csv"
    path.write_bytes("项目名称\t所属行业\t项目状态\n乙二醇项目\t化工\t拟建\n".encode(encoding))
    ledger = read_ledger(path)
    assert ledger.rows[0].values == ["乙二醇项目", "化工", "拟建"]


def test_format_decided_by_content_not_extension(tmp_path, ingest_messy_ledger):
    disguised = tmp_path / "ledger.xls"
    shutil.copy(ingest_messy_ledger, disguised)
    assert read_ledger(disguised).format == "xlsx"
    text = tmp_path / "ledger.xlsx"
    text.write_text("项目名称,所属行业\n甲,钢铁\n", encoding="utf-8")
    assert read_ledger(text).format == "csv"


def test_xls_fixture():
    """tests/fixtures/ingest-ledger.xls was written by xlwt (see make_ingest_xls.py)."""
    ledger = read_ledger(FIXTURES / "ingest-ledger.xls")
    assert ledger.format == "xls" and ledger.sheet == "项目清单"
    assert ledger.header_rows == [2, 3]
    assert _fields(ledger) == {"A": None, "B": "name", "C": "sector", "D": "stage", "E": "energy_equal",
                               "F": "energy_equiv", "G": "rectification_deadline", "H": "city"}
    assert ledger.column_for("energy_equal").scale == 10000
    assert [r.row for r in ledger.rows] == [4, 5]
    assert ledger.rows[0].values[:6] == [1, "甲醇项目", "2522", "在建", 1.2, 1.3]
    assert ledger.rows[0].values[6] == dt.datetime(2022, 3, 31)
    assert [i.row for i in ledger.skipped] == [6]
    assert {r.name: r.months for r in ledger.regions} == {
        "安阳市": {"2021-11": "红色", "2021-12": "红色"}, "济源示范区": {"2021-11": "黄色", "2021-12": "绿色"}}


def _rewrite_member(path: Path, name: str, change) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members[name] = change(members[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)


def test_cell_merged_down_over_projects_fills_each_row(tmp_path):
    path = tmp_path / "merged-county.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["县（市、区）", "项目名称", "所属行业"])
    for row in (["中牟县", "甲", "钢铁"], [None, "乙", "化工"], [None, "丙", "焦化"], ["巩义市", "丁", "建材"]):
        ws.append(row)
    ws.merge_cells("A2:A4")
    wb.save(path)
    ledger = read_ledger(path)
    assert [r.values[0] for r in ledger.rows] == ["中牟县", "中牟县", "中牟县", "巩义市"]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_group_row_above_the_field_names(tmp_path, kind):
    """Group labels (基本信息, 能耗, 环评) over the row of field names, merged or, in CSV, not."""
    rows = [["XX市两高项目清单"] + [None] * 6,
            ["基本信息", None, None, "能耗（万吨标准煤）", None, "环评", None],
            ["项目名称", "所属行业", "项目状态", "当量值", "等价值", "批复文号", "批复时间"],
            ["甲", "钢铁", "在建", 1.2, 1.3, "豫环审〔2021〕1号", "2021-01-01"]]
    path = tmp_path / f"groups.{kind}"
    if kind == "csv":
        path.write_text("\n".join(",".join("" if v is None else str(v) for v in r) for r in rows), encoding="utf-8")
    else:
        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        for cells in ("A1:G1", "A2:C2", "D2:E2", "F2:G2"):
            wb.active.merge_cells(cells)
        wb.save(path)
    ledger = read_ledger(path)
    assert ledger.header_rows == [2, 3]
    assert _fields(ledger) == {"A": "name", "B": "sector", "C": "stage", "D": "energy_equal", "E": "energy_equiv",
                               "F": "eia", "G": None}
    assert ledger.columns[3].header == "能耗（万吨标准煤）/当量值" and ledger.columns[3].scale == 10000
    assert [i.value for i in _issues(ledger, "unknown-column")] == ["环评/批复时间"]
    assert [r.row for r in ledger.rows] == [4]


def test_total_rows_need_a_total_label_and_no_project(tmp_path):
    path = tmp_path / "totals.csv"
    path.write_text("序号,项目名称,所属行业,备注\n"
                    "1,甲项目,钢铁,含小计\n"  # a project whose note mentions 小计: kept
                    "全县合计,,,\n"
                    ",小计（2个）,,\n"
                    "2,合计项目,化工,\n", encoding="utf-8")  # a name that merely contains 合计: kept
    ledger = read_ledger(path)
    assert [r.row for r in ledger.rows] == [2, 5]
    assert [(i.row, i.value) for i in ledger.skipped] == [(3, "全县合计"), (4, "小计（2个）")]


# ---------------------------------------------------------------- the calamine path (fastxlsx.py)
#
# An .xlsx sheet is read by python-calamine as far as its cells are ones calamine reads as
# openpyxl does. Each test reads a workbook both ways (openpyxl alone: the workbook's layout
# hidden from the fast path) and wants the same Ledger, value types included.


def _typed_rows(ledger):
    return [(r.row, [(type(v).__name__, v) for v in r.values]) for r in ledger.rows]


def _read_both_ways(path, monkeypatch):
    """(Ledger read with calamine where it can, Ledger read by openpyxl alone, why calamine stopped)."""
    from screening.ingest import workbook

    fast = read_ledger(path)
    with workbook.open_book(path) as book:
        for sheet in book.sheet_names:
            for _ in book.rows(sheet):
                pass
        stopped = dict(book.fast.not_plain)
    with monkeypatch.context() as m:
        m.setattr(workbook, "workbook_parts", lambda zf: None)
        slow = read_ledger(path)
    assert _typed_rows(fast) == _typed_rows(slow)
    assert (fast.columns, fast.skipped, fast.issues, fast.regions) == (slow.columns, slow.skipped, slow.issues, slow.regions)
    assert (fast.sheet, fast.sheet_names, fast.header_rows) == (slow.sheet, slow.sheet_names, slow.header_rows)
    return fast, slow, stopped


def _values_workbook(path, cells, number_format=None, *, top=3, left=3):
    """A small ledger whose header is at row `top`, column `left`; `cells` go down the last column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for i, text in enumerate(["项目名称", "所属行业", "项目状态", "年综合能源消费量"]):
        ws.cell(top, left + i, text)
    for r, value in enumerate(cells, start=top + 1):
        ws.cell(r, left, f"项目{r}")
        ws.cell(r, left + 1, "钢铁")
        cell = ws.cell(r, left + 3, value)
        if number_format:
            cell.number_format = number_format
    wb.save(path)
    return path


def test_calamine_reads_values_rows_and_columns_as_openpyxl(tmp_path, monkeypatch):
    """ints, floats, dates, booleans, text with inner spaces, blank rows above and a first
    column other than A: read by calamine, the same values and Excel row numbers."""
    cells = [1, 1.5, -3, 12345.0, 0.1 + 0.2, True, False, dt.datetime(2020, 9, 30), dt.datetime(2020, 9, 30, 13, 45, 12),
             "中 文", None, "", "/", 2**40, 1e14]
    path = _values_workbook(tmp_path / "values.xlsx", cells)
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert stopped == {}  # calamine read every row
    assert ledger.header_rows == [3] and [c.letter for c in ledger.columns][:3] == ["A", "B", "C"]
    energy = [r.values[5] for r in ledger.rows]
    assert energy[:4] == [1, 1.5, -3, 12345] and type(energy[3]) is int
    assert energy[7] == dt.datetime(2020, 9, 30) and type(energy[7]) is dt.datetime
    assert ledger.rows[0].row == 4 and ledger.rows[0].values[:3] == [None, None, "项目4"]


@pytest.mark.parametrize("cells, number_format, reason", [
    ([dt.time(12, 30)], None, "time value"),
    ([-1], "yyyy-mm-dd", "time value"),  # calamine: a time of day; openpyxl: 1899-12-29
    ([3_000_000], "yyyy-mm-dd", "outside 1900"),  # past 9999: openpyxl gives '#VALUE!'
    ([1.5], "a/p", "cell format"),  # calamine takes a/p for a time, openpyxl does not
    ([1.5], "[h]:mm", "cell format"),  # durations are rounded differently
    ([1e20], None, "very large number"),  # written 1e+20: a float to openpyxl
])
@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date")
def test_cells_calamine_reads_differently_go_to_openpyxl(tmp_path, monkeypatch, cells, number_format, reason):
    path = _values_workbook(tmp_path / "odd.xlsx", [1, *cells, 2], number_format)
    _, _, stopped = _read_both_ways(path, monkeypatch)
    assert reason in stopped["Sheet"]


def test_error_cell_and_integral_float_text_go_to_openpyxl(tmp_path, monkeypatch):
    path = _values_workbook(tmp_path / "errors.xlsx", [7, 8])
    _rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b'<c r="F4" t="n"><v>7</v>',
                                                                              b'<c r="F4" t="e"><v>#N/A</v>'))
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert ledger.rows[0].values[5] == "#N/A" and "error cell" in stopped["Sheet"]
    # Java's POI writes 12345.0 for a whole number: openpyxl keeps it a float
    path = _values_workbook(tmp_path / "poi.xlsx", [7, 8])
    _rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<v>8</v>", b"<v>8.0</v>"))
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert type(ledger.rows[1].values[5]) is float and "integral number" in stopped["Sheet"]


def test_markup_the_byte_checks_would_misread_goes_to_openpyxl(tmp_path, monkeypatch):
    """A cell inside a comment is no cell, and calamine may drop CDATA text: openpyxl reads those."""
    path = _values_workbook(tmp_path / "markup.xlsx", [7, "x"])
    _rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b"<is><t>x</t></is>", b"<is><t><![CDATA[x<y]]></t></is>").replace(b"<row r=\"5\">", b'<!-- <c r="A1"> --><row r="5">'))
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert ledger.rows[1].values[5] == "x<y" and "CDATA" in stopped["Sheet"]


def test_formula_in_a_later_chunk_keeps_the_formula_cell_behaviour(tmp_path, monkeypatch):
    """Calamine reads the rows before the first formula; openpyxl reads on from there, so the
    formula is still reported and its saved result used."""
    path = tmp_path / "late-formula.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "所属行业", "年综合能源消费量", "备注"])
    for i in range(3000):
        wb.active.append([f"项目{i}", "钢铁", i, "x" * 40])
    wb.active["C2900"] = "=1000*12"
    wb.save(path)
    _rewrite_member(path, "xl/worksheets/sheet1.xml",
                    lambda xml: xml.replace(b"<f>1000*12</f><v />", b"<f>1000*12</f><v>12000</v>"))
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert stopped == {"Sheet": "formula"}
    row = next(r for r in ledger.rows if r.row == 2900)
    assert row.values[2] == 12000
    (issue,) = _issues(ledger, "formula-cell")
    assert (issue.row, issue.column, issue.value) == (2900, "C", "=1000*12")


def _to_shared_strings(path, extra: dict[str, str] | None = None):
    """Rewrite an openpyxl workbook (inline strings) as Excel saves it: a shared-string table.
    `extra` puts raw <si> items (rich text, phonetic runs, …) first in the table."""

    table: list[bytes] = []

    def shared(m):
        table.append(m.group(3))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (m.group(1), m.group(2), len(table) - 1 + len(extra or {}))

    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    sheet = re.sub(rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)'
                   rb'</t></is></c>', shared, members["xl/worksheets/sheet1.xml"])
    items = [b'<si><t xml:space="preserve">%s</t></si>' % t for t in table]
    items = [xml.encode() for xml in (extra or {}).values()] + items  # cells refer past them
    members["xl/worksheets/sheet1.xml"] = sheet
    members["xl/sharedStrings.xml"] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                       + b"".join(items) + b"</sst>")
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_shared_strings_read_as_openpyxl_reads_them(tmp_path, monkeypatch):
    path = _values_workbook(tmp_path / "shared.xlsx", ["a&b <c>", "  两 边  ", "新建", 5, "a_x000D_b", "ax005F_b"])
    _to_shared_strings(path)
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert stopped == {}
    assert [r.values[5] for r in ledger.rows] == ["a&b <c>", "  两 边  ", "新建", 5, "a_x000D_b", "ab"]


def test_shared_strings_with_rich_text_and_phonetic_runs(tmp_path, monkeypatch):
    from screening.ingest.fastxlsx import read_shared_strings
    from openpyxl.reader.strings import read_string_table

    path = _values_workbook(tmp_path / "rich.xlsx", [1, 2, 3, 4])
    items = {"F4": "<si><r><t>富</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">文本 </t></r></si>",
             "F5": '<si><t>焦化</t><rPh sb="0" eb="1"><t>JIAO</t></rPh><phoneticPr fontId="1"/></si>',
             "F6": "<si/>", "F7": "<si><t>a&#13;b&amp;</t></si>"}
    _to_shared_strings(path, extra=items)
    for i, cell in enumerate(items):  # the four cells now refer to the four items
        _rewrite_member(path, "xl/worksheets/sheet1.xml", lambda xml, i=i, cell=cell: re.sub(
            rb'<c r="%s" t="n"><v>[0-9]+</v>' % cell.encode(), b'<c r="%s" t="s"><v>%d</v>' % (cell.encode(), i), xml))
    with zipfile.ZipFile(path) as zf:
        data = zf.read("xl/sharedStrings.xml")
    assert read_shared_strings(data) == list(read_string_table(io.BytesIO(data)))
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert stopped == {}
    assert [r.values[5] for r in ledger.rows] == ["富文本 ", "焦化", "", "a\rb&"]


def test_the_messy_ledger_is_read_by_calamine(ingest_messy_ledger, monkeypatch):
    """Title rows, a two-row merged header, dates, shared strings, a blank separator row left
    out of the file, 合计 and notes: read by calamine (but its formulas), the same Ledger."""
    _read_both_ways(ingest_messy_ledger, monkeypatch)
    wb = openpyxl.load_workbook(ingest_messy_ledger)
    for row in wb["两高项目清单"].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.value = 1234
    wb.save(ingest_messy_ledger)
    _, _, stopped = _read_both_ways(_to_shared_strings(ingest_messy_ledger), monkeypatch)
    assert stopped == {}


def test_rows_far_apart_are_read_in_parts(tmp_path, monkeypatch):
    """Calamine allocates a grid from the first to the last row: rows 2 and 60,000 with nothing
    between are read separately, not as a 60,000-row grid."""
    path = _values_workbook(tmp_path / "far.xlsx", [1], top=1, left=1)
    wb = openpyxl.load_workbook(path)
    wb.active["A60000"] = "注：数据截至2021年底"
    wb.save(path)
    ledger, _, stopped = _read_both_ways(path, monkeypatch)
    assert stopped == {} and ledger.skipped[-1].row == 60000


def test_a_plain_xlsx_is_read_without_importing_openpyxl(tmp_path):
    import subprocess
    import sys

    path = _values_workbook(tmp_path / "plain.xlsx", [1, 2.5, dt.datetime(2021, 1, 1)])
    code = ("import sys\nfrom screening.ingest import read_ledger\nledger = read_ledger(sys.argv[1])\n"
            "assert len(ledger.rows) == 3, ledger.rows\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'numpy', 'pandas')))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_number_formats_classified_as_openpyxl_does():
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    from screening.ingest.fastxlsx import openpyxl_kind

    def theirs(fmt):
        return "timedelta" if is_date_format(fmt) and is_timedelta_format(fmt) else "date" if is_date_format(fmt) else "number"

    for number, fmt in BUILTIN_FORMATS.items():
        assert openpyxl_kind(number, {}) == theirs(fmt), fmt
    assert openpyxl_kind(57, {}) == "number"  # a CJK built-in openpyxl does not know
    for fmt in ['yyyy"年"m"月"d"日"', "[$-804]yyyy/m/d", "[DBNum1][$-804]m月d日", '0.00_);[Red](0.00)', "a/p",
                "[h]:mm:ss", "[mm]:ss", "h:mm;@", '"y"0', r"0\d", "_(* #,##0_)", "[Red]0", "General", "@", "mmss.0"]:
        assert openpyxl_kind(164, {164: fmt}) == theirs(fmt), fmt


def test_column_letters_and_ranges_as_openpyxl():
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    from screening.ingest.refs import column_letter, range_bounds

    assert all(column_letter(n) == get_column_letter(n) for n in range(1, 18279))
    for ref in ("A1", "B2:D9", "aa10:ab11", "ZZZ5"):
        min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
        assert range_bounds(ref) == (min_row, min_col, max_row, max_col)
    with pytest.raises(ValueError) as theirs:
        range_boundaries("AAAA1")
    with pytest.raises(ValueError) as mine:
        range_bounds("AAAA1")
    assert str(mine.value) == str(theirs.value)
