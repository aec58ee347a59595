"""Facts: ledger rows → typed values, cells, region records and issues."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from screening.facts import build_facts, facts_from_mapping, region_status
from screening.facts.values import Unreadable, parse_date, parse_enum, parse_number, parse_yesno
from screening.fieldspec import load_field_spec
from screening.ingest import read_ledger
from screening.model import RegionRecord

JUNE_30 = dt.date(2021, 6, 30)


@pytest.fixture
def ingest_messy_facts(ingest_messy_ledger):
    facts, issues = build_facts(read_ledger(ingest_messy_ledger))
    return {f.row: f for f in facts}, issues


def _ledger(tmp_path, header, *rows, regions=None, name="ledger.xlsx"):
    wb = openpyxl.Workbook()
    wb.active.append(header)
    for row in rows:
        wb.active.append(row)
    if regions:
        sheet = wb.create_sheet("地区")
        for row in regions:
            sheet.append(row)
    wb.save(tmp_path / name)
    return read_ledger(tmp_path / name)


# ---------------------------------------------------------------- the messy ledger, end to end


def test_messy_ledger_typed_values(ingest_messy_facts):
    facts, _ = ingest_messy_facts
    first = facts[5]
    assert first.values == {
        "project_id": "2101-410122-04-01-000001", "name": "年产30万吨乙二醇项目", "owner": "中牟化工有限公司",
        "city": "郑州市", "county": "中牟县", "sector": "化工", "product": "乙二醇30万吨/年", "build_type": "新建",
        "adds_capacity": True, "stage": "拟建", "energy_equal": 12000.0, "energy_equiv": 15000.0,
        "energy_review": "已批复", "eia": "审批中", "last_diagnosis": JUNE_30, "three_lines_compliant": True}
    assert first.key == "2101-410122-04-01-000001"
    assert first.raw["energy_equal"] == "1.2万" and first.raw["energy_review"] == "豫发改环资〔2021〕12号"
    assert first.cells["energy_equal"] == "L5" and first.cells["energy_review"] == "N5"
    assert first.cells["energy_equiv"] == "M5" and first.sheet == "两高项目清单"


def test_messy_ledger_numbers_yesno_enums(ingest_messy_facts):
    facts, _ = ingest_messy_facts
    assert facts[6].values["energy_equal"] == 12000  # "12,000"
    assert facts[6].values["energy_equiv"] == 8000  # "0.8" in a 万吨标准煤 column
    assert facts[8].values["energy_equal"] == 15000  # "约15000"
    assert facts[10].values["energy_equal"] == 15000  # "1.5万吨"
    assert [facts[r].values["adds_capacity"] for r in (5, 6, 8, 9, 10, 11)] == [True, False, True, False, True, False]
    assert facts[6].values["three_lines_compliant"] is False  # ×
    assert facts[6].values["sector"] == "钢铁"  # GB/T 4754 code C3120
    assert facts[10].values["sector"] == "有色"  # 有色金属
    assert facts[6].values["build_type"] == "技术改造"  # 技改
    assert facts[11].values["build_type"] == "扩建"  # 改扩建
    assert facts[8].values["stage"] == "存量" and facts[10].values["stage"] == "拟建"  # 已投产, 规划
    assert facts[6].values["eia"] == "已批复"  # a 文号
    assert facts[11].values["energy_review"] == "未批复" and facts[11].values["eia"] == "审批中"  # 无, 办理中


def test_messy_ledger_date_forms(ingest_messy_facts):
    facts, _ = ingest_messy_facts
    dates = {row: facts[row].values["last_diagnosis"] for row in facts}
    assert dates == {
        5: JUNE_30,  # 2021-06-30
        6: dt.date(2021, 6, 1),  # 2021年6月: a month means its first day
        8: JUNE_30,  # 2021/6/30
        9: JUNE_30,  # a real date cell
        10: dt.date(2021, 6, 1),  # 2021.6
        11: JUNE_30,  # Excel serial 44377
        12: JUNE_30,  # 2021年6月30日
    }


def test_formula_cell_without_result_leaves_the_field_missing(ingest_messy_facts):
    facts, _ = ingest_messy_facts
    assert "energy_equal" not in facts[11].values
    assert facts[11].cells["energy_equal"] == "L11"  # still located, so a person knows what to fill


def test_keys_ids_and_missing_names(ingest_messy_facts):
    facts, issues = ingest_messy_facts
    assert facts[10].key == "2101-410122-04-01-000001@row-10"
    assert facts[11].key == "row-11"  # no project code
    (dupe,) = [i for i in issues if i.type == "duplicate-id"]
    assert (dupe.row, dupe.column, dupe.field) == (10, "B", "project_id")
    assert "第 5 行" in dupe.message and "row 5" in dupe.message_en
    assert len({f.key for f in facts.values()}) == len(facts)


def test_suspicious_scale(ingest_messy_facts):
    facts, issues = ingest_messy_facts
    scale = {(i.row, i.column): i for i in issues if i.type == "suspicious-scale"}
    assert set(scale) == {(9, "M"), (12, "L")}
    assert facts[9].values["energy_equiv"] == 2000 * 10000  # kept as read
    assert facts[12].values["energy_equal"] == 5
    assert "万吨" in scale[(12, "L")].message and "tonnes" in scale[(9, "M")].message_en


def test_regions_county_then_city(ingest_messy_facts):
    facts, issues = ingest_messy_facts
    assert facts[5].region.name == "中牟县"
    assert facts[8].region.name == "中牟县"  # written 中牟, without its suffix
    assert facts[6].region.name == "偃师区"
    assert facts[9].region.name == "郑州市"  # 新郑市 is not in the table: its city's record
    assert facts[10].region is None and facts[10].values["city"] == "开封市"
    (unknown,) = [i for i in issues if i.type == "unknown-region"]
    assert (unknown.row, unknown.column, unknown.value) == (10, "E", "开封市")
    assert unknown.message and unknown.message_en
    assert not any(i.type == "region-issue" for i in issues)


def test_issue_records_carry_location_and_both_languages(ingest_messy_facts):
    _, issues = ingest_messy_facts
    assert issues
    for issue in issues:
        assert issue.sheet == "两高项目清单" and issue.row and issue.message and issue.message_en


# ---------------------------------------------------------------- invalid and blank values


def test_invalid_values_reported_and_left_out(tmp_path):
    ledger = _ledger(tmp_path, ["项目名称", "项目状态", "是否新增产能", "年综合能源消费量", "整改期限", "所属行业"],
                     ["甲", "建设", "可能", "很多", "明年", "纺织"])
    (facts,), issues = build_facts(ledger)
    invalid = {i.field: i for i in issues if i.type == "invalid-value"}
    assert set(invalid) == {"stage", "adds_capacity", "energy_equiv", "rectification_deadline", "sector"}
    stage = invalid["stage"]
    assert (stage.sheet, stage.row, stage.column, stage.value) == ("Sheet", 2, "B", "建设")
    assert "拟建、在建、存量" in stage.message and "拟建 / 在建 / 存量" in stage.message_en
    assert "是/否" in invalid["adds_capacity"].message
    assert facts.values == {"name": "甲"}
    assert facts.raw["stage"] == "建设"


def test_blank_cells_are_missing_not_false(tmp_path):
    ledger = _ledger(tmp_path, ["项目名称", "是否新增产能", "窗口指导或评估", "民生或基础设施项目", "年综合能源消费量", "产能置换"],
                     ["甲", "/", "-", "  ", "—", "无数据"])
    (facts,), issues = build_facts(ledger)
    assert facts.values == {"name": "甲"}
    assert not [i for i in issues if i.type == "invalid-value"]


def test_negative_energy_is_out_of_range(tmp_path):
    ledger = _ledger(tmp_path, ["项目名称", "年综合能源消费量（当量值）"], ["甲", -5])
    (facts,), issues = build_facts(ledger)
    (issue,) = [i for i in issues if i.type == "out-of-range"]
    assert (issue.column, issue.field, issue.value) == ("B", "energy_equal", -5)
    assert "energy_equal" not in facts.values


def test_row_without_name_or_id(tmp_path):
    ledger = _ledger(tmp_path, ["项目名称", "项目代码", "所属行业"], [None, None, "钢铁"])
    (facts,), issues = build_facts(ledger)
    assert facts.key == "row-2" and facts.values == {"sector": "钢铁"}
    assert [i.type for i in issues if i.type == "missing-value"] == ["missing-value"]


def test_no_region_table_is_one_issue_for_the_run(tmp_path):
    ledger = _ledger(tmp_path, ["项目名称", "省辖市"], ["甲", "郑州"], ["乙", "洛阳"])
    facts, issues = build_facts(ledger)
    assert [f.region for f in facts] == [None, None]
    assert [i.type for i in issues] == ["region-issue"]


def test_place_names_normalised(tmp_path):
    regions = [["地区", "2021-12"], ["郑州市", "红色"], ["济源示范区", "绿色"], ["巩义市", "黄色"], ["城关区", "橙色"]]
    ledger = _ledger(tmp_path, ["项目名称", "省辖市", "县（市、区）"],
                     ["甲", "郑州", "巩义"], ["乙", "济源", None], ["丙", None, "郑州市中牟县"], ["丁", "河南省洛阳市", "城关"],
                     regions=regions)
    facts, issues = build_facts(ledger)
    assert [(f.values.get("city"), f.values.get("county")) for f in facts] == [
        ("郑州市", "巩义"), ("济源示范区", None), ("郑州市", "中牟县"), ("洛阳市", "城关")]
    assert [f.region.name if f.region else None for f in facts] == ["巩义市", "济源示范区", "郑州市", "城关区"]
    assert facts[2].cells["city"] == "C4"  # the city came from the county cell
    assert not issues


# ---------------------------------------------------------------- value parsers


@pytest.mark.parametrize("written, scale, expected", [
    ("1.2万", 1, 12000), ("12,000", 1, 12000), ("约15000", 1, 15000), ("1.5万吨", 1, 15000),
    ("１５０００", 1, 15000), ("15000吨标煤", 1, 15000), ("15000吨标煤", 10000, 15000), ("1.2", 10000, 12000),
    ("2万吨标准煤", 1, 20000), (12000, 1, 12000), (1.5, 10000, 15000), ("1.2万tce", 1, 12000),
    ("8000 tce/年", 1, 8000), ("-3", 1, -3), ("320千克标准煤/吨", 1, 320), ("5千", 1, 5000),
])
def test_parse_number(written, scale, expected):
    assert parse_number(written, scale).value == pytest.approx(expected)


@pytest.mark.parametrize("written", ["很多", "12元角", "1.2.3", True, "万"])
def test_parse_number_refuses(written):
    with pytest.raises(Unreadable):
        parse_number(written)


@pytest.mark.parametrize("written, expected", [
    ("是", True), ("否", False), ("√", True), ("×", False), ("有", True), ("无", False), ("Y", True), ("n", False),
    ("yes", True), ("No", False), ("TRUE", True), ("false", False), ("1", True), (0, False), ("已", True),
    ("未", False), (True, True), ("是（已购买）", True),
])
def test_parse_yesno(written, expected):
    assert parse_yesno(written) is expected


@pytest.mark.parametrize("written, expected", [
    ("2021-06-30", JUNE_30), ("2021/6/30", JUNE_30), ("2021年6月", dt.date(2021, 6, 1)), ("2021年6月30日", JUNE_30),
    ("2021.6", dt.date(2021, 6, 1)), ("2021.06.30", JUNE_30), (44377, JUNE_30), (2021.06, dt.date(2021, 6, 1)),
    (dt.datetime(2021, 6, 30, 8), JUNE_30), ("20210630", JUNE_30), ("2021-06-30 00:00:00", JUNE_30),
    ("30/06/2021", JUNE_30), ("2021年", dt.date(2021, 1, 1)), ("44377", JUNE_30), (2021.6, dt.date(2021, 6, 1)),
    (2021.12, dt.date(2021, 12, 1)),
])
def test_parse_date(written, expected):
    assert parse_date(written) == expected


@pytest.mark.parametrize("written", ["明年", "2021-13-01", "六月", True])
def test_parse_date_refuses(written):
    with pytest.raises(Unreadable):
        parse_date(written)


@pytest.mark.parametrize("field, written, expected", [
    ("sector", "钢铁", "钢铁"), ("sector", "黑色金属冶炼和压延加工业", "钢铁"), ("sector", "2511", "石化"),
    ("sector", "C2522", "煤化工"), ("sector", "2614 有机化学原料制造", "化工"), ("sector", "4411", "煤电"),
    ("energy_review", "豫发改环资〔2021〕12号", "已批复"), ("eia", "豫环审[2021]5号", "已批复"),
    ("energy_review", "已批复（豫发改〔2021〕1号）", "已批复"), ("stage", "已投产", "存量"), ("stage", "建设中", "在建"),
    ("stage", "前期", "拟建"), ("efficiency_level", "标杆水平", "先进"), ("efficiency_level", "低于基准水平", "低于准入"),
    ("build_type", "技改", "技术改造"), ("capacity_replacement", "是", "已落实"), ("industrial_policy", "限制", "限制类"),
])
def test_parse_enum(field, written, expected):
    assert parse_enum(written, load_field_spec().fields[field]) == expected


# ---------------------------------------------------------------- facts_from_mapping, region_status


def test_facts_from_mapping_reads_ledger_spellings():
    facts = facts_from_mapping({
        "project_id": 12345, "sector": "钢铁", "energy_equal": "1.2万", "adds_capacity": "是", "stage": "在建",
        "energy_review": "豫发改环资〔2021〕12号", "last_diagnosis": "2021年6月", "online_monitoring": "false",
        "city": "郑州", "livelihood": "无"})
    assert facts.values == {
        "project_id": "12345", "sector": "钢铁", "energy_equal": 12000.0, "adds_capacity": True, "stage": "在建",
        "energy_review": "已批复", "last_diagnosis": dt.date(2021, 6, 1), "online_monitoring": False,
        "city": "郑州市", "livelihood": False}
    assert (facts.key, facts.sheet, facts.row, facts.region) == ("12345", "cases", 1, None)
    assert facts.issues == []


def test_facts_from_mapping_typed_values_region_and_issues():
    facts = facts_from_mapping(
        {"energy_equiv": 20000, "eia_carbon_analysis": True, "rectification_deadline": dt.date(2021, 3, 1),
         "stage": "建设", "typo_field": 1},
        region={"name": "中牟县", "air_quality": "未达标", "energy_target": "完成", "pollution_target": "未完成",
                "months": {"2021-11": "一级", "2021-12": "红色"}},
        row=7, sheet="case-3")
    assert facts.values == {"energy_equiv": 20000.0, "eia_carbon_analysis": True,
                            "rectification_deadline": dt.date(2021, 3, 1), "typo_field": 1}
    assert facts.key == "row-7"
    assert sorted(i.type for i in facts.issues) == ["invalid-value", "unknown-column"]
    region = facts.region
    assert (region.name, region.air_quality, region.energy_target, region.pollution_target) == (
        "中牟县", "未达标", "完成", "未完成")
    assert region.months == {"2021-11": "红色", "2021-12": "红色"}
    assert region_status(region, dt.date(2021, 12, 31))["red_months"] == 2


def test_facts_from_mapping_refuses_a_bad_region():
    with pytest.raises(ValueError, match="紫色"):
        facts_from_mapping({}, region={"name": "x", "months": {"2021-12": "紫色"}})


def _record(**months):
    return RegionRecord(name="x", months={k.replace("_", "-")[1:]: v for k, v in months.items()})


def test_region_status_latest_month_on_or_before():
    record = _record(_2021_10="红色", _2021_11="红色", _2021_12="红色", _2022_01="绿色")
    assert region_status(record, dt.date(2021, 12, 31)) == {"warning": "红色", "warning_month": "2021-12", "red_months": 3}
    assert region_status(record, dt.date(2021, 11, 5)) == {"warning": "红色", "warning_month": "2021-11", "red_months": 2}
    assert region_status(record, dt.date(2022, 6, 1)) == {"warning": "绿色", "warning_month": "2022-01", "red_months": 0}
    assert region_status(record, dt.date(2021, 9, 30)) == {"warning": None, "warning_month": None, "red_months": 0}


def test_region_status_gap_breaks_the_red_run():
    record = _record(_2021_08="红色", _2021_09="红色", _2021_11="红色", _2021_12="红色")
    assert region_status(record, dt.date(2021, 12, 31))["red_months"] == 2  # no October row
    orange = _record(_2021_10="红色", _2021_11="橙色", _2021_12="红色")
    assert region_status(orange, dt.date(2021, 12, 31))["red_months"] == 1
    across_years = _record(_2021_12="红色", _2022_01="红色")
    assert region_status(across_years, dt.date(2022, 1, 15))["red_months"] == 2


# ---------------------------------------------------------------- the field spec


def test_field_spec_loads_and_is_cached():
    spec = load_field_spec()
    assert spec is load_field_spec()
    assert spec.fields["stage"].type == "enum" and spec.fields["stage"].values == ("拟建", "在建", "存量")
    assert spec.fields["energy_equal"].min == 0 and spec.fields["project_id"].unique
    assert spec.fields["sector"].gbt4754["31"] == "钢铁"


@pytest.mark.parametrize("change", [
    "type: money\n    unique: true",  # not a type
    "type: text\n    unique: true\n    values: [a]",  # values belong to enums only
])
def test_field_spec_validated_by_its_schema(tmp_path, change):
    from screening.errors import RulesetError

    text = load_field_spec().path.read_text(encoding="utf-8")
    bad = tmp_path / "fields.yaml"
    bad.write_text(text.replace("type: text\n    unique: true", change, 1), encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_field_spec(bad)
    assert caught.value.path.startswith("fields/project_id") and str(bad) in str(caught.value)


def test_field_spec_semantic_checks(tmp_path):
    from screening.errors import RulesetError

    text = load_field_spec().path.read_text(encoding="utf-8")
    stray = tmp_path / "stray.yaml"
    stray.write_text(text.replace("火电: 煤电", "火电: 火力发电"), encoding="utf-8")
    with pytest.raises(RulesetError, match="火力发电"):
        load_field_spec(stray)
    twice = tmp_path / "twice.yaml"
    twice.write_text(text.replace("aliases: [项目名称, 项目名, 名称]", "aliases: [项目名称, 项目名, 名称, 建设单位]"),
                     encoding="utf-8")
    with pytest.raises(RulesetError, match="建设单位"):
        load_field_spec(twice)
