"""A ledger laid out unlike anything in the repo goes through the CLI; verdicts follow the table.

Other title rows, other header aliases, columns in another order, energy in 万吨标煤 in one column
and tce in another, the region table in its own file with 一级/二级 levels: no row may be lost.
"""
import csv
import json
import re
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner

from screening.cli import main

ROOT = Path(__file__).resolve().parents[1]

HEADER = ["编号", "项目编码", "项目", "项目单位", "地市", "县区", "行业", "主要建设内容", "项目性质", "新增产能",
          "项目进展", "综合能耗（万吨标煤）", "能评", "环评手续", "立项手续", "产业政策", "产能置换情况",
          "窗口指导", "能效", "在线监测", "最近节能诊断", "整改进展", "整改时限", "经办人"]

#: (id, name, city, county, sector, product, build type, adds capacity, stage, energy 万吨, energy review,
#:  EIA, approval, policy, capacity replacement, window guidance, efficiency, monitoring, diagnosis,
#:  rectification, deadline)
ROWS = [
    ("E2E-01", "冷轧薄板扩建", "南阳", "西峡县", "钢铁", "年产120万吨粗钢", "扩建", "是", "前期", "8.5",
     "豫发改环资〔2021〕88号", "已批复", "已备案", "允许类", "未落实", "√", "先进值", "", "", "", ""),
    ("E2E-02", "聚氯乙烯", "周口", "沈丘县", "化工", "年产30万吨PVC", "新建", "是", "建设中", "2.1",
     "未办理", "已批复", "已备案", "允许类", "不涉及", "√", "标杆水平", "", "", "", ""),
    ("E2E-03", "饲料加工", "驻马店", "遂平县", "其他", "饲料", "新建", "是", "前期", "0.3",
     "", "", "", "", "", "", "", "", "", "", ""),
    ("E2E-04", "电石存量", "焦作", "博爱县", "化工", "电石", "新建", "否", "已投产", "3",
     "未批复", "已批复", "已备案", "允许类", "不涉及", "", "先进", "有", "2020年3月", "整改中", "2021.9"),
    ("E2E-05", "玻璃熔窑", "安阳", "林州", "建材", "浮法玻璃", "新建", "是", "前期", "",
     "已批复", "已批复", "已备案", "允许类", "已落实", "是", "先进", "", "", "", ""),
    ("E2E-06", "水泥粉磨", "信阳", "淮滨县", "建材", "水泥熟料", "新建", "是", "规划", "1.6",
     "已批复", "已批复", "已备案", "允许类", "已落实", "是", "先进", "", "", "", ""),
]

REGIONS = [("地区", "大气环境质量", "上年度能耗双控目标", "上年度污染物排放总量控制目标", "2021年10月", "2021年11月", "2021年12月"),
           ("南阳市", "达标", "完成", "完成", "三级", "三级", "三级"),
           ("周口市", "达标", "完成", "完成", "绿色", "绿色", "绿色"),
           ("驻马店市", "达标", "完成", "完成", "绿色", "绿色", "绿色"),
           ("焦作市", "未达标", "完成", "完成", "二级", "二级", "黄色"),
           ("安阳市", "未达标", "完成", "完成", "一级", "一级", "一级"),
           ("信阳市", "达标", "完成", "完成", "绿色", "三级", "绿色")]


@pytest.fixture()
def e2e_ledger(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "附件2"
    sheet["A1"] = "附件2"
    sheet["A2"] = "2021年度重点用能项目排查汇总表"
    sheet.merge_cells("A2:X2")
    sheet["A3"] = "（统计截至2021年12月）"
    sheet.append([])
    sheet.append(HEADER)
    for index, row in enumerate(ROWS, start=1):
        (pid, name, city, county, sector, product, build, adds, stage, energy, review, eia, approval,
         policy, replacement, window, efficiency, monitoring, diagnosis, rectification, deadline) = row
        sheet.append([index, pid, name, f"{name}有限公司", city, county, sector, product, build, adds, stage,
                      energy, review, eia, approval, policy, replacement, window, efficiency, monitoring,
                      diagnosis, rectification, deadline, "李四"])
    sheet.append(["", "合计", "", "", "", "", "", "", "", "", "", "=SUM(L6:L11)"])
    sheet.append(["说明：本表由各县区汇总。"])
    ledger = tmp_path / "排查汇总表.xlsx"
    book.save(ledger)
    regions = openpyxl.Workbook()
    for row in REGIONS:
        regions.active.append(row)
    regions_path = tmp_path / "预警.xlsx"
    regions.save(regions_path)
    return ledger, regions_path


def _run_json(ledger, regions, tmp_path):
    output = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["run", str(ledger), "--regions", str(regions), "--as-of", "2021-12-31",
                                       "--format", "json", "--output", str(output), "--quiet"])
    assert result.exit_code == 0, result.output
    return json.loads(output.read_text(encoding="utf-8"))


def test_a_differently_laid_out_ledger_gets_the_tables_verdicts(e2e_ledger, tmp_path):
    document = _run_json(*e2e_ledger, tmp_path)
    schema = json.loads((ROOT / "schemas" / "verdicts.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    projects = {p["project_id"]: p for p in document["projects"]}
    assert [p["row"] for p in document["projects"]] == list(range(6, 12))  # none lost, input order

    def rules(pid):
        return {f["rule"] for f in projects[pid]["findings"] if not f.get("lifted_by")}

    # 拟建 steel in 南阳, capacity replacement 未落实, capacity derived from the product text
    assert projects["E2E-01"]["verdict"] == "rectify" and "ADM-4.2a" in rules("E2E-01")
    # 在建 without 节能审查 (未办理): halt under （四）3 / （七）
    assert projects["E2E-02"]["verdict"] == "halt" and "ADM-4.3a" in rules("E2E-02")
    assert {c["label"] for f in projects["E2E-02"]["findings"] for c in f["clauses"]} >= {"（四）3", "（七）"}
    # 0.3 万吨 = 3000 tce and sector 其他: out of scope, citing （三）
    assert projects["E2E-03"]["two_high"] is False and projects["E2E-03"]["verdict"] == "proceed"
    # stock without 节能审查 and past its deadline (2021.9): halt and close
    assert projects["E2E-04"]["verdict"] == "halt" and {"STK-9a", "STK-9c"} <= rules("E2E-04")
    # energy blank: provisional rectify, two_high null, energy fields to fill
    assert projects["E2E-05"]["two_high"] is None and projects["E2E-05"]["provisional"] is True
    assert projects["E2E-05"]["verdict"] == "rectify" and "energy_equiv" in projects["E2E-05"]["missing"]
    # 拟建 cement in 信阳 (三级 = 绿色), but this ledger has no 三线一单/规划 columns: a blank is not
    # "no", so the verdict is provisional and names what to fill in
    cement = projects["E2E-06"]
    assert (cement["verdict"], cement["provisional"], cement["could_become"]) == ("rectify", True, "halt")
    assert {"industry_plan_compliant", "three_lines_compliant"} <= set(cement["missing"])
    assert "ADM-4.3c" in cement["undetermined"] and "DATA-6" in rules("E2E-06")


def test_the_unit_in_the_header_scales_the_values(e2e_ledger, tmp_path):
    document = _run_json(*e2e_ledger, tmp_path)
    steel = next(p for p in document["projects"] if p["project_id"] == "E2E-01")
    assert steel["two_high"] is True  # 8.5 万吨标煤 = 85,000 tce, far above 10,000
    cells = {k: v for f in steel["findings"] for k, v in f["cells"].items()}
    assert cells.get("capacity_category") == "H6"  # derived from the product text in column H


def test_unknown_columns_and_cells_pass_through_the_annotated_workbook(e2e_ledger, tmp_path):
    ledger, regions = e2e_ledger
    output = tmp_path / "annotated.xlsx"
    result = CliRunner().invoke(main, ["run", str(ledger), "--regions", str(regions), "--as-of", "2021-12-31",
                                       "--output", str(output), "--quiet"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(output)
    sheet = book["附件2"]
    assert sheet["X5"].value == "经办人" and sheet["X6"].value == "李四"
    assert sheet["A2"].value == "2021年度重点用能项目排查汇总表" and "A2:X2" in {str(r) for r in sheet.merged_cells.ranges}
    headers = [sheet.cell(5, c).value for c in range(25, 30)]
    assert headers == ["处置结论", "依据条款", "理由", "整改要求", "待补充信息"]
    verdicts = [sheet.cell(r, 25).value for r in range(6, 12)]
    assert verdicts[1].startswith("叫停") and verdicts[2].startswith("正常推进")
    assert sheet["L12"].data_type == "s"  # the input's SUM formula is written as text, never executed


def test_text_format_prints_every_project(e2e_ledger):
    ledger, regions = e2e_ledger
    result = CliRunner().invoke(main, ["run", str(ledger), "--regions", str(regions), "--as-of", "2021-12-31",
                                       "--format", "text"])
    assert result.exit_code == 0
    positions = [result.output.find(pid) for pid, *_ in ROWS]
    assert -1 not in positions and positions == sorted(positions), positions  # every project, in input order


def test_explain_prints_the_clause_facts_and_cells(e2e_ledger):
    ledger, regions = e2e_ledger
    result = CliRunner().invoke(main, ["explain", str(ledger), "E2E-02", "--regions", str(regions),
                                       "--as-of", "2021-12-31"])
    assert result.exit_code == 0, result.output
    assert "ADM-4.3a" in result.output and "对未履行节能审查或节能审查未通过即擅自开工建设的" in result.output
    assert "M7" in result.output  # the energy-review cell the finding rests on


def test_unreadable_input_exits_2_with_one_line(tmp_path):
    bogus = tmp_path / "ledger.xlsx"
    bogus.write_bytes(b"this is not a workbook at all")
    result = CliRunner().invoke(main, ["run", str(bogus)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    [line] = [line for line in result.output.splitlines() if line.strip()]
    assert "无法读取文件 ledger.xlsx" in line and "cannot read ledger.xlsx" in line  # bilingual, names the file
    assert not list(tmp_path.glob("ledger.*.*"))  # nothing written


def test_as_of_outside_the_rulesets_effect_is_a_clear_error(e2e_ledger):
    ledger, regions = e2e_ledger
    result = CliRunner().invoke(main, ["run", str(ledger), "--as-of", "2019-01-01"])
    assert result.exit_code == 2 and "not in effect" in result.output and "Traceback" not in result.output


def test_explain_an_unknown_project_is_an_error(e2e_ledger):
    ledger, regions = e2e_ledger
    result = CliRunner().invoke(main, ["explain", str(ledger), "NOPE", "--as-of", "2021-12-31"])
    assert result.exit_code == 2 and "NOPE" in result.output


# ---------------------------------------------------------------- every row in every output


def test_every_input_row_is_in_every_output_in_input_order(ingest_messy_ledger, tmp_path):
    """The messy ledger (duplicate code, a row with no code, a formula without a result, a separator,
    a 合计 row and notes): each of its 7 project rows is in each format, in order, and nothing else is."""
    from conftest import MESSY_ROWS, MESSY_SHEET

    rows = sorted(MESSY_ROWS)
    names = [MESSY_ROWS[r][2] for r in rows]

    def run(fmt):
        out = tmp_path / f"out.{fmt}"
        result = CliRunner().invoke(main, ["run", str(ingest_messy_ledger), "--as-of", "2021-12-31", "--format", fmt,
                                           "--output", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
        return out

    document = json.loads(run("json").read_text(encoding="utf-8"))
    assert [(p["row"], p["name"]) for p in document["projects"]] == list(zip(rows, names))
    assert document["summary"]["projects"] == len(rows)
    # the blank left by the formula in L11 is unknown, not zero: scope and verdict stay open
    formula_row = next(p for p in document["projects"] if p["row"] == 11)
    assert formula_row["two_high"] is None and formula_row["provisional"] is True
    assert formula_row["verdict"] == "rectify" and "energy_equal" in formula_row["missing"]

    with run("csv").open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert [line[2] for line in table[1:]] == names
    assert all(line[18] for line in table[1:])  # 处置结论 filled for each

    book = openpyxl.load_workbook(run("xlsx"))
    sheet = book[MESSY_SHEET]
    assert sheet.cell(4, 19).value == "处置结论"
    assert [sheet.cell(r, 3).value for r in rows] == names
    assert all(sheet.cell(r, 19).value for r in rows)
    assert [r for r in range(5, 18) if sheet.cell(r, 19).value] == rows  # not on the separator, 合计 or notes
    assert (sheet["L11"].value, sheet["L11"].data_type) == ("=L5+1000", "s")  # the input formula, as text
    assert (sheet["L13"].value, sheet["L13"].data_type) == ("=SUM(L5:L12)", "s")
    assert [row[0].value for row in book["依据"].iter_rows(min_row=2)] == sorted(
        row[0].value for row in book["依据"].iter_rows(min_row=2))

    text = run("text").read_text(encoding="utf-8")
    table_rows = [int(line.split()[0]) for line in text.splitlines() if re.match(r"^\s+\d+\s", line)]
    assert table_rows == rows

    page = run("html").read_text(encoding="utf-8")
    positions = [page.find(name) for name in names]
    assert -1 not in positions and positions == sorted(positions), positions


# ---------------------------------------------------------------- several formats in one run

def test_several_formats_in_one_run_match_one_format_runs(e2e_ledger, tmp_path):
    ledger, regions = e2e_ledger
    out = tmp_path / "both"
    result = CliRunner().invoke(main, ["run", str(ledger), "--regions", str(regions), "--as-of", "2021-12-31",
                                       "--format", "xlsx,json", "-f", "csv", "--output-dir", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"{ledger.stem}.screened.csv", f"{ledger.stem}.screened.xlsx", f"{ledger.stem}.verdicts.json"]
    assert result.output.count("wrote") == 3
    alone = _run_json(ledger, regions, tmp_path)
    assert json.loads((out / f"{ledger.stem}.verdicts.json").read_text(encoding="utf-8")) == alone
    book = openpyxl.load_workbook(out / f"{ledger.stem}.screened.xlsx")
    assert "汇总" in book.sheetnames and "依据" in book.sheetnames


def test_output_names_one_file_so_several_formats_need_a_directory(e2e_ledger, tmp_path):
    ledger, regions = e2e_ledger
    result = CliRunner().invoke(main, ["run", str(ledger), "--regions", str(regions), "-f", "xlsx,json",
                                       "--output", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "--output-dir" in result.output
    assert not (tmp_path / "x.json").exists()
    result = CliRunner().invoke(main, ["run", str(ledger), "-f", "xlsx,pdf"])
    assert result.exit_code == 2 and "pdf" in result.output
