#!/usr/bin/env python3
"""Synthetic provincial ledgers for the benchmark: realistic values, written the messy way.

    .venv/bin/python bench/generate.py 200 10000 100000        # → bench/data/ledger-<n>.xlsx
    .venv/bin/python bench/generate.py 5000 --out /tmp/x.xlsx

Each workbook looks like sample_data/henan-demo-ledger.xlsx: a title and a subtitle row, a
two-row header with merged group headers (energy in 吨标准煤 under "年综合能源消费量"), the
project rows, a blank separator row now and then, a 合计 row and notes under the table, a
region sheet 地区预警 (months 2021-07 … 2021-12, headers in mixed forms, county rows) and a
free-text 说明 sheet. The values mix what county offices write: 是/否/√/×/有/无, numbers as
`12,000`, `1.2万`, `约15000` or text, approvals as document numbers (文号), dates as date cells,
`2020-09-30`, `2020.6`, `2019年9月`, `2020/3/15` and Excel serial numbers, synonyms such as
技改/建设中/已投产/化学工业 and GB/T 4754 sector codes, and blank cells throughout.

Deterministic: one seeded random stream (the n-project ledger is the first n projects of any
larger one), fixed workbook properties and zip timestamps, so reruns give the same bytes.
Everything is fictional. Written with openpyxl's write_only mode, so 100,000 rows stream
to disk without building the sheet in memory.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import re
import sys
import time
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20211231
VERSION = 4  # bump when the output changes: run.py regenerates ledgers of another version
FIXED_TIME = dt.datetime(2021, 12, 20, 9, 0, 0)
EXCEL_EPOCH = dt.date(1899, 12, 30)
SHEET = "两高项目清单"

# ------------------------------------------------------------------------------ places

CITIES = {  # city → (文号 abbreviation, admin code, counties with their codes)
    "郑州市": ("郑", "410100", {"巩义市": "410181", "荥阳市": "410182", "新密市": "410183", "登封市": "410185",
                             "中牟县": "410122", "新郑市": "410184"}),
    "开封市": ("汴", "410200", {"祥符区": "410212", "通许县": "410222", "尉氏县": "410223", "兰考县": "410225"}),
    "洛阳市": ("洛", "410300", {"新安县": "410323", "偃师区": "410307", "孟津区": "410308", "伊川县": "410329"}),
    "平顶山市": ("平", "410400", {"舞钢市": "410481", "叶县": "410422", "宝丰县": "410421", "鲁山县": "410423",
                               "汝州市": "410482"}),
    "安阳市": ("安", "410500", {"林州市": "410581", "安阳县": "410522", "殷都区": "410505", "龙安区": "410506"}),
    "鹤壁市": ("鹤", "410600", {"淇县": "410622", "浚县": "410621"}),
    "新乡市": ("新", "410700", {"获嘉县": "410724", "辉县市": "410782", "长垣市": "410783"}),
    "焦作市": ("焦", "410800", {"沁阳市": "410882", "孟州市": "410883", "博爱县": "410822", "修武县": "410821"}),
    "濮阳市": ("濮", "410900", {"濮阳县": "410928", "范县": "410926", "南乐县": "410923"}),
    "许昌市": ("许", "411000", {"禹州市": "411081", "长葛市": "411082", "襄城县": "411025", "鄢陵县": "411024"}),
    "漯河市": ("漯", "411100", {"召陵区": "411104", "临颍县": "411122", "舞阳县": "411121"}),
    "三门峡市": ("三", "411200", {"渑池县": "411221", "义马市": "411281"}),
    "南阳市": ("宛", "411300", {"镇平县": "411324", "西峡县": "411323", "唐河县": "411328", "淅川县": "411326",
                             "桐柏县": "411330"}),
    "商丘市": ("商", "411400", {"民权县": "411421", "睢阳区": "411403", "永城市": "411481"}),
    "信阳市": ("信", "411500", {"淮滨县": "411527", "息县": "411528"}),
    "周口市": ("周", "411600", {"沈丘县": "411624", "郸城县": "411625", "项城市": "411681", "商水县": "411623",
                             "淮阳区": "411603"}),
    "驻马店市": ("驻", "411700", {"遂平县": "411728", "西平县": "411721", "确山县": "411725", "泌阳县": "411726"}),
    "济源示范区": ("济", "419001", {}),
}
CITY_WEIGHTS = {"郑州市": 9, "洛阳市": 8, "安阳市": 7, "平顶山市": 6, "新乡市": 6, "焦作市": 6, "南阳市": 6,
                "商丘市": 5, "许昌市": 5, "濮阳市": 5, "周口市": 4, "驻马店市": 4, "三门峡市": 4, "开封市": 4,
                "鹤壁市": 3, "漯河市": 3, "信阳市": 3, "济源示范区": 2}

MONTH_HEADERS = ("2021-07", "2021年8月", "2021.09", "2021年10月", "2021-11", "2021年12月")
LEVELS = ("绿色", "黄色", "橙色", "红色")
LEVEL_SPELLINGS = {"红色": ("红色", "红色", "一级"), "橙色": ("橙色", "橙色", "二级"), "黄色": ("黄色", "黄色", "三级"),
                   "绿色": ("绿色",)}
REGION_HEADER = ("地区", "大气环境质量", "上年度能耗双控目标", "上年度污染物排放总量控制目标")
COUNTY_ROWS = ("巩义市", "林州市", "永城市", "汝州市", "孟州市", "舞钢市", "长垣市")

# ------------------------------------------------------------------------------ columns

G_ENERGY = "年综合能源消费量（吨标准煤）"
G_APPROVAL = "审批手续"
G_FACTORS = "要素保障"
COLUMNS = [  # (key, header, group): a group header is merged across its sub-columns
    ("seq", "序号", None), ("project_id", "项目代码", None), ("name", "项目名称", None),
    ("owner", "建设单位", None), ("city", "省辖市", None), ("county", "县（市、区）", None),
    ("sector", "所属行业", None), ("product", "主要产品及产能", None), ("capacity_category", "产能类别", None),
    ("build_type", "建设性质", None), ("retrofit_purpose", "技改类型", None),
    ("adds_capacity", "是否新增产能", None), ("stage", "项目状态", None),
    ("energy_equal", "当量值", G_ENERGY), ("energy_equiv", "等价值", G_ENERGY),
    ("energy_review", "节能审查", G_APPROVAL), ("eia", "环评审批", G_APPROVAL), ("approval", "核准备案", G_APPROVAL),
    ("eia_major_change_unapproved", "重大变动未重新报批", None), ("window_guidance", "窗口指导或评估", None),
    ("industrial_policy", "产业政策类别", None), ("industry_plan_compliant", "符合国家和省产业规划", None),
    ("three_lines_compliant", "符合“三线一单”", None), ("plan_eia_compliant", "符合规划环评", None),
    ("capacity_replacement", "产能置换", G_FACTORS), ("reduction_substitution", "减量替代", G_FACTORS),
    ("coal_substitution", "煤炭消费减量替代", G_FACTORS), ("pollutant_reduction", "污染物排放区域削减", G_FACTORS),
    ("total_control_met", "达到污染物排放总量控制要求", None),
    ("dual_control_analysis", "节能审查已分析能耗双控影响", None),
    ("eia_carbon_analysis", "环评已分析碳排放影响", None), ("efficiency_level", "能效水平", None),
    ("unit_energy", "单位产品能耗", None), ("pollution_control_advanced", "污染物排放控制达到先进水平", None),
    ("limited_retrofit_increase", "限制类技改耗能量/碳排放/污染物增加", None),
    ("energy_quota_purchased", "新增用能指标已有偿购买", None),
    ("online_monitoring", "已接入能耗在线监测系统", None),
    ("last_diagnosis", "最近一次节能诊断或清洁生产评价认证", None),
    ("livelihood", "民生或基础设施项目", None), ("rectification", "整改情况", None),
    ("rectification_deadline", "整改期限", None),
    ("contact", "联系人", None), ("remark", "备注", None),  # not spec fields: passed through
]
KEYS = [k for k, _, _ in COLUMNS]
TITLE = '河南省"两高"项目清单（2021年12月）'
SUBTITLE = "填报单位：省发展改革委（盖章）      填报日期：2021年12月20日"
NOTES = ("注：1.年综合能源消费量单位为吨标准煤，电力分别按当量值和等价值折算；2.项目状态填拟建、在建、存量；"
         "3.审批手续已取得的填写批复文号；4.本表数据为程序生成的虚构样例，仅供性能测试。",
         "填报人：基准测试  联系电话：0371-6xxx0000")
EXPLANATION = ("填报说明", "1. 本工作簿由 bench/generate.py 生成，企业、项目、人员和代码均为虚构。",
               "2. 年综合能源消费量以吨标准煤计，当量值、等价值分列。",
               '3. "地区预警"表为各地能耗双控预警等级及上年度目标完成情况。')

# ------------------------------------------------------------------------------ vocabulary

SECTORS = [  # (sector, weight, spellings other than itself, GB/T 4754 codes)
    ("化工", 22, ("化学工业", "化学原料和化学制品制造业"), ("2614", "2619", "26")),
    ("建材", 15, ("建筑材料", "非金属矿物制品业"), ("3011", "3041")),
    ("钢铁", 10, ("黑色金属冶炼和压延加工业", "钢铁冶炼"), ("3120", "3110")),
    ("有色", 10, ("有色金属", "有色金属冶炼和压延加工业"), ("3216", "3211")),
    ("煤电", 6, ("火电", "燃煤发电"), ("4411",)),
    ("石化", 4, ("石油化工",), ("2511",)),
    ("煤化工", 6, ("现代煤化工",), ("2522",)),
    ("焦化", 5, ("炼焦",), ("2521",)),
    ("其他", 20, ("其它",), ()),
]
PRODUCTS = {  # sector → [(product pattern, capacity category written, spellings of it)]
    "钢铁": [("炼钢{n}万吨/年", "钢铁"), ("特钢{n}万吨/年", "钢铁"), ("钢坯{n}万吨/年", "钢铁"), ("轧钢{n}万吨/年", "钢铁")],
    "焦化": [("焦炭{n}万吨/年", "焦化"), ("捣固焦{n}万吨/年", "焦化")],
    "建材": [("水泥熟料{n}万吨/年", "水泥熟料"), ("平板玻璃{n}万重量箱/年", "平板玻璃"), ("耐火材料{n}万吨/年", "无"),
           ("建筑陶瓷{n}万平方米/年", "无")],
    "有色": [("电解铝{n}万吨/年", "电解铝"), ("氧化铝{n}万吨/年", "氧化铝"), ("再生铝合金{n}万吨/年", "无"),
           ("再生铅{n}万吨/年", "无"), ("阴极铜{n}万吨/年", "无")],
    "石化": [("原油加工{n}万吨/年", "炼化"), ("聚丙烯{n}万吨/年", "无")],
    "煤化工": [("煤制甲醇{n}万吨/年", "煤化工"), ("合成氨{n}万吨/年", "煤化工"), ("煤制乙二醇{n}万吨/年", "煤化工")],
    "化工": [("己二酸{n}万吨/年", "无"), ("聚碳酸酯{n}万吨/年", "无"), ("有机硅单体{n}万吨/年", "无"),
           ("烧碱{n}万吨/年", "无"), ("电子级氢氟酸{n}万吨/年", "无")],
    "煤电": [("2×{n}万千瓦燃煤机组", "无"), ("燃煤热电联产{n}万千瓦", "无")],
    "其他": [("数据中心机柜{n}千架", "无"), ("速冻食品{n}万吨/年", "无"), ("印染布{n}千万米/年", "无")],
}
CATEGORY_SPELLINGS = {"水泥熟料": ("水泥熟料", "水泥熟料", "水泥"), "平板玻璃": ("平板玻璃", "玻璃"),
                      "无": ("无", "无", "不涉及", "否")}
NAME_WORDS = ("豫能", "中原", "华兴", "恒达", "金源", "鑫达", "宏泰", "嵩山", "黄河", "太行", "伏牛", "天瑞", "新材", "豫北",
              "豫南", "永安", "东方", "瑞丰", "龙源", "汇丰", "腾飞", "盛世", "安泰", "顺达")
OWNER_SUFFIX = ("有限公司", "股份有限公司", "集团有限公司", "科技有限公司")
CONTACTS = ("张工 138****0201", "王科长 0371-6xxx1234", "李工 139****0302", "陈主任 135****0403",
            "杨工 186****0504", "周科长 0379-6xxx5678", "吴工 133****0605", None)
REMARKS = (None,) * 12 + ("置换产能来自省内退出产能", "铝棒外购，不含电解工序", "按要求整改", "已列入省重点项目",
                          "数据待核实", "（空）")
STAGE_SPELLINGS = {"拟建": ("拟建", "拟建", "拟建", "前期", "规划", "前期工作", "筹建"),
                   "在建": ("在建", "在建", "在建", "建设中", "施工中", "已开工"),
                   "存量": ("存量", "存量", "已投产", "投运", "已建成", "投产")}
BUILD_SPELLINGS = {"新建": ("新建", "新建", "新建项目"), "扩建": ("扩建", "扩建", "改扩建"), "改建": ("改建",),
                   "技术改造": ("技术改造", "技改", "技改", "改造")}
PURPOSE_SPELLINGS = {"节能环保改造": ("节能环保改造", "节能改造", "环保改造", "节能环保"),
                     "安全设施改造": ("安全设施改造", "安全改造"), "产品质量提升改造": ("产品质量提升改造", "质量提升"),
                     "其他": ("其他", "其它")}
EFFICIENCY_SPELLINGS = {"先进": ("先进", "先进值", "标杆水平", "国内先进"), "准入": ("准入", "准入值", "基准水平"),
                        "低于准入": ("低于准入", "低于准入值", "未达准入值")}
YES = ("是", "是", "是", "√", "有")
NO = ("否", "否", "否", "×", "无")
BLANK_FORMS = (None, None, None, None, "/", "-")


class Maker:
    """One project at a time, from one seeded random stream."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.cities = list(CITY_WEIGHTS)
        self.city_weights = [CITY_WEIGHTS[c] for c in self.cities]
        self.sector_weights = [w for _, w, _, _ in SECTORS]
        self.used_docnos: set[str] = set()
        self.last_id: str | None = None

    # -- small helpers
    def pick(self, options: dict):
        """A key of {value: weight}."""
        r = self.rng.random() * sum(options.values())
        for value, weight in options.items():
            r -= weight
            if r < 0:
                return value
        return value

    def yesno(self, p_yes: float, p_blank: float = 0.03):
        r = self.rng.random()
        if r < p_blank:
            return self.rng.choice(BLANK_FORMS)
        return self.rng.choice(YES) if r < p_blank + p_yes * (1 - p_blank) else self.rng.choice(NO)

    def spell(self, spellings: dict, value):
        return self.rng.choice(spellings.get(value, (value,)))

    def blank(self):
        return self.rng.choice(BLANK_FORMS)

    def date(self, day: dt.date):
        form = self.rng.random()
        if form < 0.40:
            return dt.datetime(day.year, day.month, day.day)
        if form < 0.55:
            return day.isoformat()
        if form < 0.65:
            return f"{day.year}.{day.month}"
        if form < 0.75:
            return f"{day.year}年{day.month}月"
        if form < 0.85:
            return f"{day.year}/{day.month}/{day.day}"
        if form < 0.95:
            return (day - EXCEL_EPOCH).days  # a date cell that lost its format
        return f"{day.year}年{day.month}月{day.day}日"

    def energy(self, tce: float):
        form = self.rng.random()
        if form < 0.45:
            return int(round(tce))
        if form < 0.60:
            return round(tce, 1)
        if form < 0.70:
            return f"{int(round(tce)):,}"
        if form < 0.82:
            return f"{tce / 1e4:.2f}万".replace(".00万", "万")
        if form < 0.88:
            return f"约{int(round(tce, -2))}"
        return str(int(round(tce)))

    def docno(self, key: str, city: str) -> str:
        while True:
            year = self.rng.choice((2018, 2019, 2020, 2021))
            num = self.rng.randint(1, 999)
            provincial = self.rng.random() < 0.4
            abbr = CITIES[city][0]
            if key == "energy_review":
                prefix = "豫发改环资" if provincial else abbr + "发改能评"
            else:
                prefix = "豫环审" if provincial else abbr + "环审"
            text = f"{prefix}〔{year}〕{num}号"
            if text not in self.used_docnos:
                self.used_docnos.add(text)
                return text

    def approval_text(self, key: str, status, city: str):
        if status == "已批复":
            r = self.rng.random()
            if r < 0.35:
                return self.docno(key, city)
            if r < 0.45:
                return self.rng.choice(("已通过", "已审批", "已取得"))
        if status is None:
            return self.blank()
        return status

    # -- one project
    def project(self, index: int) -> dict:
        rng = self.rng
        city = rng.choices(self.cities, self.city_weights)[0]
        counties = list(CITIES[city][2])
        county = rng.choice(counties) if counties and rng.random() < 0.93 else None
        stage = self.pick({"拟建": 30, "在建": 30, "存量": 40})
        sector, _, spellings, codes = SECTORS[rng.choices(range(len(SECTORS)), self.sector_weights)[0]]
        pattern, category = rng.choice(PRODUCTS[sector])
        product = pattern.format(n=rng.choice((2, 3, 5, 6, 8, 10, 12, 15, 20, 30, 50, 60, 100, 120)))
        equal = 10 ** rng.gauss(4.3, 0.45)
        if sector == "煤电":
            equal *= 8
        rec: dict = {"city": city, "county": county, "stage_true": stage}
        r = rng.random()
        rec["sector"] = (sector if r < 0.72 else rng.choice(spellings) if r < 0.94 or not codes
                         else rng.choice(codes) if r < 0.985 else None)
        if rec["sector"] and rec["sector"].isdigit() and rng.random() < 0.5:
            rec["sector"] = int(rec["sector"])  # a code typed into a numeric cell
        rec["product"] = product if rng.random() > 0.02 else None
        rec["capacity_category"] = (self.spell(CATEGORY_SPELLINGS, category) if rng.random() < 0.7 or not rec["product"]
                                    else None)  # blank: inferred from the product
        new = stage != "存量"
        build = self.pick({"新建": 50, "扩建": 20, "改建": 5, "技术改造": 25} if new else {"新建": 75, "扩建": 20, "技术改造": 5})
        rec["build_type"] = self.spell(BUILD_SPELLINGS, build) if rng.random() > 0.015 else None
        purpose = None
        if build == "技术改造":
            purpose = self.pick({"节能环保改造": 35, "安全设施改造": 15, "产品质量提升改造": 15, "其他": 35})
            rec["retrofit_purpose"] = self.spell(PURPOSE_SPELLINGS, purpose) if rng.random() > 0.05 else None
            rec["adds_capacity"] = self.yesno(0.25, 0.04)
        elif new:
            rec["adds_capacity"] = self.yesno(0.92, 0.10)
        else:
            rec["adds_capacity"] = self.yesno(0.8, 0.7)
        rec["stage"] = self.spell(STAGE_SPELLINGS, stage) if rng.random() > 0.01 else None
        r = rng.random()
        rec["energy_equal"] = self.energy(equal) if r > 0.06 else self.blank()
        rec["energy_equiv"] = self.energy(equal * rng.uniform(1.02, 1.35)) if r > 0.005 else None
        if new:
            self._new_project(rec, stage, build, category)
        else:
            self._stock_project(rec)
        rec["unit_energy"] = None
        if category in ("水泥熟料", "电解铝") and rng.random() < 0.5:
            rec["efficiency_level"] = None  # derived from the unit consumption
            if category == "水泥熟料":
                value = rng.choice((95, 98, 100, 104, 110, 116, 117, 120, 125, 131))
                rec["unit_energy"] = value if rng.random() < 0.7 else f"{value}kgce/t"
            else:
                value = rng.choice((12900, 13000, 13100, 13300, 13350, 13400, 13500))
                rec["unit_energy"] = value if rng.random() < 0.6 else f"{value}kWh/t"
        rec["livelihood"] = self.yesno(0.35 if sector == "煤电" else 0.06, 0.06)
        rec["contact"] = rng.choice(CONTACTS)
        rec["remark"] = rng.choice(REMARKS)
        self._names(rec, index, county or city, product, sector)
        return rec

    def _new_project(self, rec: dict, stage: str, build: str, category: str) -> None:
        pick, yesno, city = self.pick, self.yesno, rec["city"]
        building = stage == "在建"
        review = pick({"已批复": 85 if building else 50, "审查中": 4 if building else 33, "未批复": 6, "未通过": 1,
                       "不涉及": 1, None: 3})
        eia = pick({"已批复": 86 if building else 48, "审批中": 4 if building else 35, "未批复": 5, "不涉及": 1,
                    None: 3})
        rec["energy_review"] = self.approval_text("energy_review", review, city)
        rec["eia"] = self.approval_text("eia", eia, city)
        rec["approval"] = pick({"已备案": 58, "已核准": 35, "未办理": 4 if building else 2, None: 3})
        rec["eia_major_change_unapproved"] = yesno(0.02, 0.04)
        rec["window_guidance"] = yesno(0.93, 0.04)
        rec["industrial_policy"] = self.spell({"允许类": ("允许类", "允许类", "允许"), "鼓励类": ("鼓励类", "鼓励")},
                                              pick({"允许类": 60, "鼓励类": 30, "限制类": 7, "淘汰类": 1, None: 2}))
        rec["industry_plan_compliant"] = yesno(0.97, 0.03)
        rec["three_lines_compliant"] = yesno(0.97, 0.03)
        rec["plan_eia_compliant"] = yesno(0.96, 0.03)
        cap_a = category in ("钢铁", "焦化", "水泥熟料", "平板玻璃", "电解铝", "炼化")
        cap_b = category in ("钢铁", "水泥熟料", "平板玻璃", "电解铝")
        rec["capacity_replacement"] = (pick({"已落实": 82, "未落实": 12, None: 6}) if cap_a
                                       else pick({"不涉及": 88, None: 12}))
        rec["reduction_substitution"] = (pick({"已落实": 84, "未落实": 10, None: 6}) if cap_b
                                         else pick({"不涉及": 88, None: 12}))
        rec["coal_substitution"] = pick({"已落实": 85, "未落实": 4, "不涉及": 6, None: 5})
        rec["pollutant_reduction"] = pick({"已落实": 85, "未落实": 4, "不涉及": 6, None: 5})
        rec["total_control_met"] = yesno(0.95, 0.04)
        rec["dual_control_analysis"] = yesno(0.93, 0.04) if review == "已批复" else yesno(0.9, 0.6)
        rec["eia_carbon_analysis"] = yesno(0.93, 0.04) if eia == "已批复" else yesno(0.9, 0.6)
        rec["efficiency_level"] = self.spell(EFFICIENCY_SPELLINGS, pick({"先进": 62, "准入": 28, "低于准入": 3,
                                                                         None: 7}))
        rec["pollution_control_advanced"] = yesno(0.93, 0.04)
        rec["limited_retrofit_increase"] = (yesno(0.2, 0.1) if build == "技术改造" and rec["industrial_policy"] == "限制类"
                                            else None)
        rec["energy_quota_purchased"] = yesno(0.9, 0.05)
        rec["online_monitoring"] = None
        rec["last_diagnosis"] = None
        rec["rectification"] = None
        rec["rectification_deadline"] = None

    def _stock_project(self, rec: dict) -> None:
        pick, yesno, city = self.pick, self.yesno, rec["city"]
        review = pick({"已批复": 80, "不涉及": 8, "未批复": 4, "未通过": 1, "审查中": 3, None: 4})
        eia = pick({"已批复": 84, "不涉及": 6, "未批复": 5, None: 5})
        rec["energy_review"] = self.approval_text("energy_review", review, city)
        rec["eia"] = self.approval_text("eia", eia, city)
        rec["approval"] = pick({"已核准": 50, "已备案": 45, None: 5})
        policy = pick({"允许类": 72, "鼓励类": 14, "限制类": 10, "淘汰类": 2, None: 2})
        rec["industrial_policy"] = policy
        rec["efficiency_level"] = self.spell(EFFICIENCY_SPELLINGS, pick({"先进": 30, "准入": 55, "低于准入": 8,
                                                                         None: 7}))
        rec["online_monitoring"] = yesno(0.88, 0.05)
        r = self.rng.random()
        if r < 0.07:
            rec["last_diagnosis"] = self.blank()
        else:
            rec["last_diagnosis"] = self.date(dt.date(2014, 1, 1) + dt.timedelta(days=self.rng.randint(0, 2900)))
        violating = review in ("未批复", "未通过") or eia == "未批复" or policy == "淘汰类"
        if violating:
            status = pick({"未整改": 35, "整改中": 35, "已整改达标": 25, None: 5})
            rec["rectification"] = self.spell({"已整改达标": ("已整改达标", "已整改", "整改完成")}, status)
            deadline = dt.date(2021, 3, 1) + dt.timedelta(days=self.rng.randint(0, 640))
            rec["rectification_deadline"] = self.date(deadline) if self.rng.random() < 0.9 else None
        else:
            rec["rectification"] = None if self.rng.random() < 0.95 else "无"
            rec["rectification_deadline"] = None
        for key in ("eia_major_change_unapproved", "window_guidance", "industry_plan_compliant",
                    "three_lines_compliant", "plan_eia_compliant", "capacity_replacement", "reduction_substitution",
                    "coal_substitution", "pollutant_reduction", "total_control_met", "dual_control_analysis",
                    "eia_carbon_analysis", "pollution_control_advanced", "limited_retrofit_increase",
                    "energy_quota_purchased"):
            rec[key] = None  # county offices leave the approval-era fields of old plants blank

    def _names(self, rec: dict, index: int, place: str, product: str, sector: str) -> None:
        rng = self.rng
        word = rng.choice(NAME_WORDS)
        base = re.sub(r"^\d×", "", product)
        size = re.search(r"\d+", base)
        base = re.sub(r"\d.*$", "", base) or sector
        rec["name"] = (f"{place}{base}项目" if rng.random() < 0.6 or not size
                       else f"年产{size.group()}万吨{base}{rng.choice(('', '扩建', '技术改造', '一期'))}项目")
        rec["owner"] = f"{place}{word}{'化工' if sector in ('化工', '煤化工') else ''}{rng.choice(OWNER_SUFFIX)}"
        city = rec["city"]
        county = rec["county"]
        region = CITIES[city][2].get(county or "", CITIES[city][1])
        yymm = rng.choice(("1705", "1709", "1803", "1811", "1906")) if rec["stage_true"] == "存量" else \
            rng.choice(("2006", "2011", "2103", "2105", "2107", "2109", "2110"))
        code = f"{yymm}-{region}-{rng.choice(('04', '07', '26', '30', '31'))}-{rng.choice(('01', '02', '03'))}-{100000 + index:06d}"
        r = rng.random()
        if r < 0.004:
            code = None  # no code: the row is keyed by its row number
        elif r < 0.005 and self.last_id:
            code = self.last_id  # a duplicated code
        rec["project_id"] = code
        self.last_id = code or self.last_id


def regions(seed: int = SEED) -> list[tuple]:
    """The region sheet: every city and some counties, six months of warnings."""
    rng = random.Random(seed + 1)
    rows = []
    for name in list(CITIES) + list(COUNTY_ROWS):
        air = "达标" if rng.random() < 0.2 else "未达标"
        energy = "未完成" if rng.random() < 0.12 else "完成"
        pollution = "未完成" if rng.random() < 0.1 else "完成"
        levels = []
        level = rng.choice(LEVELS[:3])
        for _ in MONTH_HEADERS:
            step = rng.random()
            if step < 0.25:
                level = LEVELS[min(3, LEVELS.index(level) + 1)]
            elif step < 0.4:
                level = LEVELS[max(0, LEVELS.index(level) - 1)]
            levels.append(rng.choice(LEVEL_SPELLINGS[level]))
        if rng.random() < 0.15:
            blank = rng.randrange(len(levels) - 1)
            levels[blank] = None  # a month not reported
        rows.append((name, air, energy, pollution, tuple(levels)))
    return rows


# ------------------------------------------------------------------------------ writing

def _styled(ws, value, font=None, fill=None, align=None):
    cell = WriteOnlyCell(ws, value=value)
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    if align:
        cell.alignment = align
    return cell


def write_ledger(path: Path, n: int, seed: int = SEED, progress=None) -> Path:
    """Write an n-project ledger to `path`; returns it."""
    wb = Workbook(write_only=True)
    wb.properties.creator = wb.properties.lastModifiedBy = "screening bench/generate.py"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.create_sheet(SHEET)
    ncol = len(COLUMNS)
    last = get_column_letter(ncol)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = {"project_id": 26, "name": 26, "owner": 26, "product": 24, "contact": 18, "remark": 20}
    for c, key in enumerate(KEYS, 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(key, 11)
    ws.freeze_panes = "D5"

    ws.append([_styled(ws, TITLE, Font(bold=True, size=16))])
    ws.append([SUBTITLE])
    top, sub, merges = [], [], [f"A1:{last}1", f"A2:{last}2"]
    c = 0
    while c < ncol:
        key, header, group = COLUMNS[c]
        if group is None:
            top.append(header)
            sub.append(None)
            merges.append(f"{get_column_letter(c + 1)}3:{get_column_letter(c + 1)}4")
            c += 1
            continue
        span = sum(1 for _, _, g in COLUMNS[c:] if g == group)
        top += [group] + [None] * (span - 1)
        sub += [h for _, h, _ in COLUMNS[c:c + span]]
        merges.append(f"{get_column_letter(c + 1)}3:{get_column_letter(c + span)}3")
        c += span
    ws.append([_styled(ws, v, bold, fill, center) for v in top])
    ws.append([_styled(ws, v, bold, fill, center) for v in sub])

    maker = Maker(seed)
    row = 5
    gap_every = 4000
    for i in range(n):
        if i and i % gap_every == 0:
            ws.append([])  # a blank separator row between county blocks
            row += 1
        rec = maker.project(i)
        values = [i + 1] + [rec.get(k) for k in KEYS[1:]]
        ws.append(values)
        row += 1
        if progress and (i + 1) % 10000 == 0:
            progress(i + 1)
    total = row
    ws.append(["合计", None, None, f"共{n}个项目"])
    merges.append(f"A{total}:C{total}")
    for i, note in enumerate(NOTES):
        if i == 0:
            ws.append([])
        ws.append([note])
        r = total + 2 + i
        merges.append(f"A{r}:{last}{r}")
    for ref in merges:
        ws.merged_cells.add(CellRange(ref))

    wr = wb.create_sheet("地区预警")
    wr.append([_styled(wr, h, bold) for h in REGION_HEADER + MONTH_HEADERS])
    for name, air, energy, pollution, levels in regions(seed):
        wr.append([name, air, energy, pollution, *levels])
    wn = wb.create_sheet("说明")
    wn.column_dimensions["A"].width = 120
    for line in EXPLANATION:
        wn.append([line])

    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_stable(buf.getvalue(), path)
    return path


_INLINE = re.compile(rb'<c r="([A-Z]+)(\d+)"( s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>',
                     re.S)
_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"')
SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def _save_stable(data: bytes, path: Path) -> None:
    """Repack openpyxl's output the way Excel saves a workbook, with fixed timestamps.

    openpyxl writes every string inline in the sheet and no <dimension>; Excel and WPS keep
    strings in a shared-strings table and state each sheet's used range, which is what real
    ledgers look like (and what readers are tuned for). Zip entry times and
    dcterms:created/modified are fixed, so reruns give the same bytes.
    """
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    strings: dict[bytes, int] = {}

    def shared(m: re.Match) -> bytes:
        index = strings.setdefault(m.group(4), len(strings))
        return b'<c r="' + m.group(1) + m.group(2) + b'"' + (m.group(3) or b"") + b' t="s"><v>%d</v></c>' % index

    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        def put(name: str, member: bytes, like: zipfile.ZipInfo | None = None) -> None:
            zi = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            if like is not None:
                zi.external_attr = like.external_attr
            zout.writestr(zi, member, compresslevel=6)

        for info in zin.infolist():
            member = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                member = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:(?:modified|created)>)",
                                rb"\g<1>" + stamp + rb"\g<2>", member)
            elif info.filename.startswith("xl/worksheets/sheet"):
                member = _INLINE.sub(shared, member)
                member = member.replace(b"<sheetViews>", b'<dimension ref="%s" /><sheetViews>' % _used_range(member), 1)
            elif info.filename == "[Content_Types].xml":
                member = member.replace(b"</Types>", f'<Override PartName="/xl/sharedStrings.xml" '
                                                     f'ContentType="{SST}" /></Types>'.encode())
            elif info.filename == "xl/_rels/workbook.xml.rels":
                member = member.replace(b"</Relationships>", f'<Relationship Type="{SST_REL}" '
                                        f'Target="sharedStrings.xml" Id="rIdSst" /></Relationships>'.encode())
            put(info.filename, member, info)
        table = b"".join(b'<si><t xml:space="preserve">' + text + b"</t></si>" for text in strings)
        put("xl/sharedStrings.xml", b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
            % (len(strings), len(strings)) + table + b"</sst>")
    tmp.replace(path)


def _used_range(sheet_xml: bytes) -> bytes:
    from openpyxl.utils import column_index_from_string

    last_row, last_col = 1, 1
    for m in _CELL.finditer(sheet_xml):
        last_row = max(last_row, int(m.group(2)))
        last_col = max(last_col, column_index_from_string(m.group(1).decode()))
    return f"A1:{get_column_letter(last_col)}{last_row}".encode()


def ledger_path(n: int, seed: int = SEED) -> Path:
    suffix = "" if seed == SEED else f"-s{seed}"
    return DATA / f"ledger-{n}{suffix}.xlsx"


def ensure_ledger(n: int, seed: int = SEED, log=None) -> Path:
    """The n-project ledger, generated if missing or written by another generator version."""
    path = ledger_path(n, seed)
    stamp = path.with_suffix(".version")
    if path.exists() and stamp.exists() and stamp.read_text().strip() == str(VERSION):
        return path
    start = time.perf_counter()
    if log:
        log(f"generating {path.name} ({n:,} projects)…")
    write_ledger(path, n, seed)
    stamp.write_text(f"{VERSION}\n")
    if log:
        log(f"  done in {time.perf_counter() - start:.1f} s ({path.stat().st_size / 2**20:.1f} MB)")
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="output file (one size only)")
    args = parser.parse_args(argv)
    if args.out and len(args.sizes) != 1:
        parser.error("--out takes one size")
    for n in args.sizes:
        start = time.perf_counter()
        path = write_ledger(args.out, n, args.seed) if args.out else ensure_ledger(n, args.seed)
        print(f"{path}  {n:,} projects  {path.stat().st_size / 2**20:.1f} MB  {time.perf_counter() - start:.1f} s",
              file=sys.stderr)


if __name__ == "__main__":
    main()
