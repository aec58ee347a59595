"""Shared fixtures. Ingest/facts fixtures are prefixed `ingest_`; they write real workbooks."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

@pytest.fixture(autouse=True, scope="session")
def _own_verified_cache(tmp_path_factory):
    """Tests never read or write the user's record of verified rulesets (screening/ruleset/verified.py)."""
    import os

    os.environ["SCREENING_CACHE_DIR"] = str(tmp_path_factory.mktemp("screening-cache"))
    yield


MESSY_SHEET = "两高项目清单"
REGION_SHEET = "地区预警"

#: the messy ledger's header: (row-3 text, row-4 text); None under a vertical merge
MESSY_HEADER = [
    ("序号", None), ("项目代码", None), ("项目名称", None), ("建设单位", None), ("省辖市", None),
    ("县（市、区）", None), ("所属行业", None), ("主要产品", None), ("建设性质", None), ("是否新增产能", None),
    ("项目状态", None), ("年综合能源消费量（吨标准煤）", "当量值"), (None, "等价值（万吨标准煤）"),
    ("节能审查", None), ("环评审批", None), ("最近一次节能诊断", None), ("符合“三线一单”", None), ("联系人电话", None),
]

#: project rows (Excel row → cells A..R); row 7 is a blank separator
MESSY_ROWS = {
    5: [1, "2101-410122-04-01-000001", "年产30万吨乙二醇项目", "中牟化工有限公司", "郑州", "中牟县", "化工",
        "乙二醇30万吨/年", "新建", "是", "拟建", "1.2万", 1.5, "豫发改环资〔2021〕12号", "审批中", "2021-06-30", "√",
        "0371-1234567"],
    6: [2, "2101-410381-04-02-000002", "炼钢技改项目", "偃师钢铁有限公司", "洛阳市", "偃师区", "C3120", "钢材",
        "技改", "否", "在建", "12,000", "0.8", "审查中", "豫环审〔2021〕5号", "2021年6月", "×", None],
    8: [3, "2101-410122-04-01-000003", "水泥熟料生产线", "中牟建材有限公司", "郑州市", "中牟", "建材", "熟料",
        "扩建", "有", "已投产", "约15000", None, "已批复", "已批复", "2021/6/30", "否", None],
    9: [4, "2101-410122-04-01-000004", "焦化项目", "某焦化厂", "郑州市", "新郑市", "焦化", "焦炭", "新建", "无",
        "在建", 8000, "2000", "未批复", "未批复", dt.datetime(2021, 6, 30), "是", None],
    10: [5, "2101-410122-04-01-000001", "重复代码项目", "某公司", "开封", "", "有色金属", "电解铝", "新建", "Y",
         "规划", "1.5万吨", None, "不涉及", "不涉及", "2021.6", "是", None],
    11: [6, None, "日期序列号项目", "某公司", "郑州市", "中牟县", "煤电", "发电", "改扩建", "N", "拟建",
         "=L5+1000", None, "无", "办理中", 44377, "是", None],
    12: [7, "2101-410122-04-01-000007", "单位疑似错误项目", "某公司", "郑州市", "中牟县", "石化", "乙烯",
         "新建", "是", "拟建", "5", None, "已批复", "已批复", "2021年6月30日", "是", None],
}
MESSY_TAIL = {  # Excel row → cells: the 合计 row and the notes under the table
    13: ["合计", None, None, None, None, None, None, None, None, None, None, "=SUM(L5:L12)", "=SUM(M5:M12)"],
    15: ["注：1. 能耗按当量值计算，电力按等价值折算的数据另列。"],
    16: ["2. 本表由县发展改革委汇总填报，数据截至2021年12月底。"],
    17: ["填报人：张三", None, None, None, None, "联系电话：0371-7654321"],
}


def write_messy_ledger(path: Path, *, with_regions: bool = True) -> Path:
    """A ledger as counties send them: title rows, a two-row merged header, 序号, a blank
    separator, text numbers, five date spellings, 文号, a 合计 row and notes under the table."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = MESSY_SHEET
    ws["A1"] = 'XX县"两高"项目清单（2021年12月）'
    ws.merge_cells("A1:R1")
    ws["A2"] = "填报单位：XX县发展和改革委员会"
    ws["N2"] = "填报日期：2021年12月31日"
    for i, (top, sub) in enumerate(MESSY_HEADER, start=1):
        if top:
            ws.cell(3, i, top)
        if sub:
            ws.cell(4, i, sub)
        if sub is None:
            ws.merge_cells(start_row=3, start_column=i, end_row=4, end_column=i)
    ws.merge_cells("L3:M3")
    for number, cells in {**MESSY_ROWS, **MESSY_TAIL}.items():
        for i, value in enumerate(cells, start=1):
            if value is not None:
                ws.cell(number, i, value)
    ws["P9"].number_format = "yyyy-mm-dd"
    if with_regions:
        write_region_sheet(wb.create_sheet(REGION_SHEET))
    wb.save(path)
    return path


def write_region_sheet(ws) -> None:
    ws.append(["地区", "大气环境质量", "上年度能耗双控目标", "上年度污染物排放总量控制目标",
               "2021-09", "2021年10月", "2021.11", dt.datetime(2021, 12, 1)])
    ws.append(["郑州市", "未达标", "完成", "完成", "橙色", "红色", "一级", "红"])
    ws.append(["中牟县", "达标", "未完成", "已完成", "黄色", "红色", "橙色", "红色"])
    ws.append(["洛阳市", "达标", "完成", "完成", "绿色", "绿色", "三级", "黄色"])
    ws.append(["偃师区", "不达标", "完成", "未完成", "红色", "紫色", "红色", "红色预警"])
    ws["H1"].number_format = "yyyy-mm"


@pytest.fixture
def ingest_messy_ledger(tmp_path) -> Path:
    return write_messy_ledger(tmp_path / "messy-ledger.xlsx")
