#!/usr/bin/env python3
"""Write the bundled sample workbooks of the `screening` project.

Run from anywhere:  .venv/bin/python sample_data/make_samples.py
                    .venv/bin/python sample_data/make_samples.py --list   (print the demo table)

Everything is deterministic: one fixed random seed (used only to vary spellings such as
是/√/有 or 已批复/文号), fixed workbook properties, and the .xlsx zip entries are rewritten with a
fixed timestamp, so reruns give byte-identical files.

All enterprises, project codes, people and phone numbers are fictional.

Demo ledger (henan-demo-ledger.xlsx, sheet 两高项目清单), as of 2021-12-31.
The situation each row was written to show (what the data says, not a promised verdict:
the engine decides). Energy is in 万吨标准煤 (当量值 / 等价值).

  #  tag                  city/county        situation
  1  P-STOCK-AL           郑州市/登封市      存量电解铝, 产能类别空(由产品推得电解铝), 能效空, 单耗写作"13300kWh/t"(准入), 手续齐全, 已接入在线监测
  2  H-NAT-STEEL-ZZ       郑州市/荥阳市      在建新增钢铁产能(电炉短流程), 郑州属大气污染防治重点区域; 置换和减量替代已落实, 手续齐全
  3  O-SMALL              郑州市/新密市      耐火材料, 年能耗0.65万吨 < 1万吨
  4  O-OTHER              郑州市/航空港区    数据中心, 所属行业"其他"(等价值14.3万吨但不属两高行业)
  5  R-WINDOW             郑州市/巩义市      拟建再生铝, 未经窗口指导或评估; 巩义市有单独预警行(绿色)
  6  R-EFF-ACCESS         开封市/祥符区      拟建精细化工, 能效仅达准入值; 当量值写作"约2.3"
  7  O-OTHER              开封市/通许县      食品加工, 所属行业"其他"
  8  O-SMALL              开封市/兰考县      装配式建材, 当量值写作文本"0.96"
  9  H-EIA-CHANGE         洛阳市/新安县      在建再生铅扩建, 环评重大变动未重新报批
 10  R-DUAL-CTL           洛阳市/偃师区      拟建己二酸, 节能审查写作文号(豫发改环资〔2021〕35号)但未分析能耗双控影响
 11  O-SMALL              洛阳市/孟津区      化工, 0.42万吨, 在建
 12  H-RED2               平顶山市/舞钢市    在建钢铁扩建, 平顶山市连续2个月(11、12月)红色预警; 其余手续齐全
 13  O-RETROFIT-SAFETY    平顶山市/叶县      化工安全设施改造, 不新增产能(红色预警地区, 但不属两高)
 14  P-STOCK-NOTE         平顶山市/宝丰县    存量焦化, 产能类别空(焦炭), 条件齐全, 诊断"2020.6"; 地区连续2个月红色只作提醒
 15  H-NAT-STEEL-AY       安阳市/林州市      拟建(前期)新增钢铁产能, 重点区域; 林州市有单独预警行(橙色, 非红色); 置换减量已落实
 16  O-RETROFIT-ENV       安阳市/殷都区      烧结机超低排放改造(技改, 节能环保改造), 不新增产能
 17  H-STOCK-OBSOLETE     安阳市/安阳县      存量4.3米焦炉(淘汰类), 未整改, 整改期限2022-06-30未到
 18  H-RED3               安阳市/龙安区      拟建己内酰胺, 安阳市连续3个月红色预警, 节能审查"审查中"
 19  R-STOCK-MONITOR      鹤壁市/淇县        存量焦化(投运), 未接入能耗在线监测, 最近诊断"2015年8月"(超过5年); 备注"=按要求整改"为文本
 20  O-OTHER              鹤壁市/浚县        纺织印染, 所属行业"其他"
 21  H-POLLUTANT-TARGET   新乡市/获嘉县      拟建聚醚, 新乡上年度污染物总量目标未完成, 环评"审批中"
 22  R-STOCK-CEMENT-LOW   新乡市/辉县市      存量水泥熟料(产能类别写"水泥"), 能效空, 单耗125kgce/t(低于准入)
 23  O-OTHER              新乡市/长垣市      起重装备, 所属行业"其他"
 24  P-STOCK-NO-EIA       焦作市/沁阳市      存量烧碱, 节能审查和环评均"不涉及"(建成早于要求), 诊断日期为Excel序列数(43646)
 25  H-STOCK-CLOSE        焦作市/博爱县      存量电石, 环评"未办理", 整改中, 整改期限"2021年9月30日"已过
 26  U-STAGE              焦作市/孟州市      项目状态写作"建设"(非规范值), 其余齐全
 27  O-RETROFIT-QUALITY   焦作市/博爱县      耐火材料产品质量提升改造(写作"质量提升"), 不新增产能
     (blank separator row)
 28  P-CLEAN-BUILD        濮阳市/濮阳县      在建顺酐, 手续齐全, 能效先进(重点区域, 但产能类别"无")
 29  H-TOTAL-CONTROL      濮阳市/范县        拟建合成氨, 大气未达标地区新建, 未达到污染物排放总量控制要求
 30  O-SMALL              濮阳市/南乐县      存量化工, 0.88万吨
 31  P-CLEAN-COAL-POWER   许昌市/禹州市      在建燃煤热电联产(民生供热), 已核准, 标杆水平
 32  R-POLLUTION-CTRL     许昌市/长葛市      拟建再生铜, 污染物排放控制未达先进水平
 33  H-THREE-LINES        许昌市/襄城县      在建有机硅, 不符合"三线一单"
 34  O-EQUAL-BELOW        许昌市/鄢陵县      当量值0.8万吨、等价值1.3万吨: 按当量值口径不属两高
 35  O-EQUIV-ONLY         漯河市/召陵区      只填等价值0.75万吨
 36  U-REVIEW-BLANK       漯河市/临颍县      在建化工, 节能审查和能效水平空白; 项目代码与上一行(#35)重复
 37  P-STOCK-ALUMINA      三门峡市/渑池县    存量氧化铝, 产能类别空(氧化铝), 诊断为Excel日期单元格
 38  P-STOCK-LIFTED       三门峡市/义马市    存量煤制甲醇, 节能审查未批复, 已整改(达标), 三门峡上年度双控和污染物目标均完成; 诊断"2018年6月"
 39  O-SMALL              三门峡市/渑池县    有色, 0.9万吨, 在建
 40  P-CLEAN-NEW          南阳市/镇平县      拟建聚碳酸酯(鼓励类), 手续齐全, 能效先进, 南阳达标
 41  R-CAP-REPLACE        南阳市/西峡县      拟建特钢新增产能, 产能置换未落实(减量替代已落实)
 42  H-NO-APPROVAL        南阳市/唐河县      在建化工, 核准备案"未办理"
 43  H-RESTRICTED         南阳市/淅川县      拟建电石新建, 产业政策限制类
 44  H-DUAL-TARGET        商丘市/民权县      拟建化工, 商丘上年度能耗双控未完成, 节能审查未批复, 非民生
 45  P-LIVELIHOOD         商丘市/睢阳区      拟建热电联产集中供热(民生), 商丘双控未完成但民生除外, 节能审查审查中
 46  P-COUNTY-ROW         商丘市/永城市      拟建煤制乙二醇, 永城市有单独预警行(双控完成), 节能审查审查中
 47  H-AL-LOW-EFF         商丘市/永城市      在建电解铝槽型技改(技改类型"其他", 不新增产能), 行业写作GB/T 4754代码"3216", 能效空, 单耗13500kWh/t(低于准入)
 48  P-CEMENT-CODE        信阳市/淮滨县      拟建水泥熟料, 行业写作代码3011(数字), 产能类别空, 置换和减量已落实, 能效空, 单耗98kgce/t(先进)
 49  O-SMALL              信阳市/息县        化工, 当量值写作"约0.3"
 50  H-NO-REVIEW          周口市/沈丘县      在建化工, 节能审查未批复即开工
 51  U-SECTOR-BLANK       周口市/郸城县      所属行业空白
 52  R-QUOTA              周口市/项城市      拟建建筑陶瓷, 新增用能指标未有偿购买
 53  U-STOCK-EIA-BLANK    周口市/商水县      存量化工, 环评栏空白
 54  O-OTHER              周口市/淮阳区      造纸, 所属行业"其他"
 55  P-BOUNDARY           驻马店市/遂平县    拟建化工, 当量值恰为1万吨(门槛含本数), 手续齐全
 56  U-ENERGY-BLANK       驻马店市/西平县    建材, 当量值和等价值均空
 57  U-WINDOW-BLANK       驻马店市/确山县    拟建化工, 窗口指导栏空白, 其余齐全
 58  R-CARBON             济源示范区         在建铅锌冶炼扩建, 环评已批复但未分析碳排放影响
 59  O-RETROFIT-ENERGY    济源示范区         有色节能改造(写作"节能改造"), 不新增产能
     (then a 合计 row with SUM formulas and two note rows)

Tag prefixes: P = meant to proceed, R = rectify, H = halt, U = blanks or bad values
(provisional), O = out of scope.

Region sheet 地区预警 (months 2021-07 … 2021-12, headers in mixed forms):
  安阳市 red Oct–Dec (3 months, Oct written 一级; Aug red but broken by Sep);
  平顶山市 red Nov–Dec only (exactly 2); 濮阳市 red in Sep only;
  商丘市 上年度能耗双控 未完成 (its county 永城市 has its own row: 完成);
  新乡市 上年度污染物总量 未完成; 南阳市, 信阳市, 驻马店市 大气 达标, all others 未达标;
  county rows: 巩义市 (绿色), 林州市 (橙色), 永城市.
"""

import csv
import datetime as dt
import io
import random
import re
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
TESTS = HERE / "tests"
SEED = 20211231
FIXED_TIME = dt.datetime(2021, 12, 20, 9, 0, 0)
EXCEL_EPOCH = dt.date(1899, 12, 30)

# ---------------------------------------------------------------------------------------
# Shared vocabulary
# ---------------------------------------------------------------------------------------

Y, N = True, False  # yes/no fields are declared as booleans and spelled at render time

# One province-level 文号 prefix per city for approvals written as document numbers.
CITY_ABBR = {
    "郑州市": "郑", "开封市": "汴", "洛阳市": "洛", "平顶山市": "平", "安阳市": "安",
    "鹤壁市": "鹤", "新乡市": "新", "焦作市": "焦", "濮阳市": "濮", "许昌市": "许",
    "漯河市": "漯", "三门峡市": "三", "南阳市": "宛", "商丘市": "商", "信阳市": "信",
    "周口市": "周", "驻马店市": "驻", "济源示范区": "济",
}

# Administrative division codes used in the 项目代码 (county where known, else the city).
ADMIN_CODE = {
    "郑州市": "410100", "开封市": "410200", "洛阳市": "410300", "平顶山市": "410400",
    "安阳市": "410500", "鹤壁市": "410600", "新乡市": "410700", "焦作市": "410800",
    "濮阳市": "410900", "许昌市": "411000", "漯河市": "411100", "三门峡市": "411200",
    "南阳市": "411300", "商丘市": "411400", "信阳市": "411500", "周口市": "411600",
    "驻马店市": "411700", "济源示范区": "419001",
    "巩义市": "410181", "荥阳市": "410182", "新密市": "410183", "登封市": "410185",
    "新安县": "410323", "偃师区": "410307", "孟津区": "410308", "舞钢市": "410481",
    "叶县": "410422", "宝丰县": "410421", "林州市": "410581", "安阳县": "410522",
    "殷都区": "410505", "龙安区": "410506", "淇县": "410622", "浚县": "410621",
    "获嘉县": "410724", "辉县市": "410782", "长垣市": "410783", "沁阳市": "410882",
    "孟州市": "410883", "博爱县": "410822", "濮阳县": "410928", "范县": "410926",
    "南乐县": "410923", "禹州市": "411081", "长葛市": "411082", "襄城县": "411025",
    "鄢陵县": "411024", "召陵区": "411104", "临颍县": "411122", "渑池县": "411221",
    "义马市": "411281", "镇平县": "411324", "西峡县": "411323", "唐河县": "411328",
    "淅川县": "411326", "民权县": "411421", "睢阳区": "411403", "永城市": "411481",
    "淮滨县": "411527", "息县": "411528", "沈丘县": "411624", "郸城县": "411625",
    "项城市": "411681", "商水县": "411623", "淮阳区": "411603", "遂平县": "411728",
    "西平县": "411721", "确山县": "411725", "祥符区": "410212", "通许县": "410222",
    "兰考县": "410225", "中牟县": "410122", "尉氏县": "410223", "汝州市": "410482",
    "桐柏县": "411330", "泌阳县": "411726", "鲁山县": "410423", "新郑市": "410184",
}


def excel_serial(y, m, d):
    """The number Excel stores for a date (what a user sees when a date cell loses its format)."""
    return (dt.date(y, m, d) - EXCEL_EPOCH).days


class Speller:
    """Turns declared values into the spellings a real ledger mixes. Seeded: reruns match."""

    YES = ("是", "是", "√", "有")
    NO = ("否", "否", "×", "无")

    def __init__(self, seed, mixed=True, docno_rate=0.35):
        self.rng = random.Random(seed)
        self.mixed = mixed
        self.docno_rate = docno_rate
        self.used = {"豫发改环资〔2021〕35号"}  # written explicitly in the demo (R-DUAL-CTL)

    def yesno(self, v):
        if not self.mixed:
            return "是" if v else "否"
        return self.rng.choice(self.YES if v else self.NO)

    def approval_docno(self, key, city):
        """已批复 written as the approval's document number (which also means 已批复).
        Numbers are never reused: two projects cannot share one approval."""
        while True:
            year = self.rng.choice((2019, 2020, 2021))
            num = self.rng.randint(3, 98)
            provincial = self.rng.random() < 0.5
            if key == "energy_review":
                prefix = "豫发改环资" if provincial else CITY_ABBR.get(city, "豫") + "发改能评"
            else:
                prefix = "豫环审" if provincial else CITY_ABBR.get(city, "豫") + "环审"
            docno = f"{prefix}〔{year}〕{num}号"
            if docno not in self.used:
                self.used.add(docno)
                return docno

    def value(self, key, v, record):
        if isinstance(v, bool):
            return self.yesno(v)
        if (key in ("energy_review", "eia") and v == "已批复" and self.mixed
                and self.rng.random() < self.docno_rate):
            return self.approval_docno(key, record.get("city"))
        return v


# ---------------------------------------------------------------------------------------
# Project records: a base profile plus what makes each project what it is
# ---------------------------------------------------------------------------------------

# A 拟建/在建 project that meets every requirement; each project overrides what differs.
NEW_OK = dict(
    energy_review="已批复", eia="已批复", approval="已备案", eia_major_change_unapproved=N,
    window_guidance=Y, industrial_policy="允许类", industry_plan_compliant=Y,
    three_lines_compliant=Y, plan_eia_compliant=Y, capacity_replacement="不涉及",
    reduction_substitution="不涉及", coal_substitution="已落实", pollutant_reduction="已落实",
    total_control_met=Y, dual_control_analysis=Y, eia_carbon_analysis=Y,
    efficiency_level="先进值", pollution_control_advanced=Y, energy_quota_purchased=Y,
    livelihood=N,
)

# A project in operation that meets every requirement (fields about new approvals left
# blank, as county offices do for 存量 rows).
STOCK_OK = dict(
    energy_review="已批复", eia="已批复", approval="已核准", industrial_policy="允许类",
    efficiency_level="准入值", online_monitoring=Y, last_diagnosis="2020-09-30", livelihood=N,
)


def project(tag, situation, city, county, sector, name, owner, product, cat, build, purpose,
            adds, stage, equal, equiv, base, **overrides):
    """One ledger row as a dict of canonical keys (plus tag/situation/contact/remark)."""
    rec = dict(base)
    rec.update(tag=tag, situation=situation, city=city, county=county, sector=sector,
               name=name, owner=owner, product=product, capacity_category=cat,
               build_type=build, retrofit_purpose=purpose, adds_capacity=adds, stage=stage,
               energy_equal=equal, energy_equiv=equiv)
    rec.update(overrides)
    return rec


def P(*args, **kw):
    return project(*args, **kw)


# Demo rows in 万吨标准煤, ordered by city as the provincial ledger is. See the module
# docstring for the table of situations (kept in sync with --list).
DEMO_PROJECTS = [
    # 郑州市 (key air-pollution city; 橙色 in December; 巩义市 has its own row)
    P("P-STOCK-AL", "存量电解铝, 产能类别空(由产品推得), 能效空, 单耗写作\"13300kWh/t\"(准入), 手续齐全",
      "郑州市", "登封市", "有色", "25万吨/年电解铝项目", "登封市嵩岳铝业有限公司",
      "电解铝25万吨/年", None, "新建", None, None, "已投产", 41.3, 102.5, STOCK_OK,
      efficiency_level=None, unit_energy="13300kWh/t", last_diagnosis=dt.datetime(2020, 8, 15),
      contact="刘工 139****0101"),
    P("H-NAT-STEEL-ZZ", "在建新增钢铁产能(电炉短流程), 郑州属大气污染防治重点区域; 置换减量已落实",
      "郑州市", "荥阳市", "钢铁", "短流程电炉炼钢项目", "荥阳市恒立特钢有限公司",
      "电炉炼钢100万吨/年", "钢铁", "新建", None, Y, "建设中", 12.6, 14.8, NEW_OK,
      capacity_replacement="已落实", reduction_substitution="已落实",
      remark="置换产能来自省内退出高炉"),
    P("O-SMALL", "耐火材料, 年能耗0.65万吨 < 1万吨",
      "郑州市", "新密市", "建材", "高端耐火材料项目", "新密市瑞丰耐材有限公司",
      "耐火材料3万吨/年", "无", "新建", None, Y, "拟建", 0.65, 0.71, NEW_OK),
    P("O-OTHER", "数据中心, 所属行业\"其他\"",
      "郑州市", "航空港区", "其他", "云计算数据中心项目", "郑州中原云数科技有限公司",
      "数据中心机柜1.2万架", "无", "新建", None, N, "前期", 5.6, 14.3, NEW_OK),
    P("R-WINDOW", "拟建再生铝, 未经窗口指导或评估",
      "郑州市", "巩义市", "有色", "再生铝合金项目", "巩义市豫联再生金属有限公司",
      "再生铝合金10万吨/年", "无", "新建", None, Y, "拟建", 1.8, 2.4, NEW_OK,
      window_guidance=N, contact="赵工 137****0105"),
    # 开封市
    P("R-EFF-ACCESS", "拟建精细化工, 能效仅达准入值",
      "开封市", "祥符区", "化工", "精细化工中间体项目", "开封市汴化新材料有限公司",
      "精细化工中间体8万吨/年", "无", "新建", None, Y, "拟建", "约2.3", 2.6, NEW_OK,
      efficiency_level="准入值"),
    P("O-OTHER", "食品加工, 所属行业\"其他\"",
      "开封市", "通许县", "其他", "速冻食品产业园项目", "通许县中原食品有限公司",
      "速冻食品20万吨/年", "无", "新建", None, Y, "拟建", 1.8, 2.1, NEW_OK),
    P("O-SMALL", "装配式建材, 当量值为文本\"0.96\"",
      "开封市", "兰考县", "建材", "装配式建筑构件项目", "兰考县绿筑建材有限公司",
      "预制构件30万立方米/年", "无", "新建", None, Y, "前期", "0.96", 1.05, NEW_OK),
    # 洛阳市
    P("H-EIA-CHANGE", "在建再生铅扩建, 环评重大变动未重新报批",
      "洛阳市", "新安县", "有色", "再生铅扩建项目", "新安县金元再生资源有限公司",
      "再生铅6万吨/年", "无", "扩建", None, Y, "在建", 1.6, 2.0, NEW_OK,
      eia_major_change_unapproved=Y, remark="熔炼炉型由环评批复的侧吹炉改为富氧底吹炉"),
    P("R-DUAL-CTL", "拟建己二酸, 节能审查为文号但未分析能耗双控影响",
      "洛阳市", "偃师区", "化工", "己二酸项目", "洛阳偃化科技有限公司",
      "己二酸15万吨/年", "无", "新建", None, Y, "拟建", 8.7, 9.4, NEW_OK,
      energy_review="豫发改环资〔2021〕35号", dual_control_analysis=N),
    P("O-SMALL", "化工, 0.42万吨, 在建",
      "洛阳市", "孟津区", "化工", "水性涂料项目", "洛阳孟津新涂科技有限公司",
      "水性涂料5万吨/年", "无", "新建", None, Y, "在建", 0.42, 0.47, NEW_OK),
    # 平顶山市 (red in November and December: exactly 2 months)
    P("H-RED2", "在建钢铁扩建, 平顶山连续2个月红色预警; 其余手续齐全",
      "平顶山市", "舞钢市", "钢铁", "宽厚板配套炼钢扩建项目", "舞钢市中钢板材有限公司",
      "炼钢120万吨/年", "钢铁", "扩建", None, Y, "在建", 28.4, 31.0, NEW_OK,
      capacity_replacement="已落实", reduction_substitution="已落实"),
    P("O-RETROFIT-SAFETY", "化工安全设施改造, 不新增产能",
      "平顶山市", "叶县", "化工", "氯碱装置安全设施改造项目", "叶县平盐化工有限公司",
      "氯碱装置安全设施改造", "无", "技术改造", "安全设施改造", N, "在建", 2.4, 2.7, NEW_OK),
    P("P-STOCK-NOTE", "存量焦化, 产能类别空(焦炭), 条件齐全; 地区连续2个月红色只作提醒",
      "平顶山市", "宝丰县", "焦化", "100万吨/年焦化项目", "宝丰县鹰城焦化有限公司",
      "焦炭100万吨/年", None, "新建", None, None, "已投产", 11.2, 11.9, STOCK_OK,
      last_diagnosis="2020.6"),
    # 安阳市 (red October–December: 3 months; 林州市 has its own row, 橙色)
    P("H-NAT-STEEL-AY", "拟建新增钢铁产能(林州), 重点区域; 林州本身非红色; 置换减量已落实",
      "安阳市", "林州市", "钢铁", "钢铁产能置换升级项目", "林州市太行钢铁有限公司",
      "炼钢150万吨/年（产能置换）", "钢铁", "新建", None, Y, "前期", 45.1, 48.9, NEW_OK,
      capacity_replacement="已落实", reduction_substitution="已落实"),
    P("O-RETROFIT-ENV", "烧结机超低排放改造, 不新增产能",
      "安阳市", "殷都区", "钢铁", "烧结机超低排放改造项目", "安阳市殷都钢铁有限公司",
      "烧结机超低排放改造", "钢铁", "技改", "节能环保改造", N, "在建", 3.8, 4.1, NEW_OK),
    P("H-STOCK-OBSOLETE", "存量4.3米焦炉(淘汰类), 未整改, 整改期限2022-06-30未到",
      "安阳市", "安阳县", "焦化", "4.3米焦炉焦化项目", "安阳县华鑫焦化有限公司",
      "焦炭60万吨/年（4.3米焦炉）", "焦化", "新建", None, None, "存量", 8.4, 9.0, STOCK_OK,
      industrial_policy="淘汰类", rectification="未整改",
      rectification_deadline=dt.datetime(2022, 6, 30), last_diagnosis="2019-11-20"),
    P("H-RED3", "拟建己内酰胺, 安阳连续3个月红色预警, 节能审查审查中",
      "安阳市", "龙安区", "化工", "己内酰胺项目", "安阳龙安化学有限公司",
      "己内酰胺10万吨/年", "无", "新建", None, Y, "拟建", 6.1, 6.8, NEW_OK,
      energy_review="审查中", dual_control_analysis=None),
    # 鹤壁市
    P("R-STOCK-MONITOR", "存量焦化, 未接入在线监测, 最近诊断2015年8月(超5年)",
      "鹤壁市", "淇县", "焦化", "焦化项目", "淇县淇河焦化有限公司",
      "焦炭90万吨/年", "焦化", "新建", None, None, "投运", 9.9, 10.6, STOCK_OK,
      online_monitoring=N, last_diagnosis="2015年8月", remark="=按要求整改"),
    P("O-OTHER", "纺织印染, 所属行业\"其他\"",
      "鹤壁市", "浚县", "其他", "纺织印染项目", "浚县鹤纺印染有限公司",
      "印染布1.5亿米/年", "无", "新建", None, Y, "在建", 2.1, 2.6, NEW_OK),
    # 新乡市 (上年度污染物总量目标未完成)
    P("H-POLLUTANT-TARGET", "拟建聚醚, 新乡上年度污染物总量目标未完成, 环评审批中",
      "新乡市", "获嘉县", "化工", "聚醚多元醇项目", "获嘉县新化聚氨酯有限公司",
      "聚醚多元醇20万吨/年", "无", "新建", None, Y, "拟建", 1.9, 2.2, NEW_OK,
      eia="审批中", eia_carbon_analysis=None),
    P("R-STOCK-CEMENT-LOW", "存量水泥熟料(类别写\"水泥\"), 能效空, 单耗125kgce/t(低于准入)",
      "新乡市", "辉县市", "建材", "水泥熟料生产线", "辉县市太行水泥有限公司",
      "水泥熟料150万吨/年", "水泥", "新建", None, None, "存量", 18.8, 19.5, STOCK_OK,
      efficiency_level=None, unit_energy=125, last_diagnosis="2021-04-08"),
    P("O-OTHER", "起重装备, 所属行业\"其他\"",
      "新乡市", "长垣市", "其他", "智能起重装备项目", "长垣市卫华重工有限公司",
      "起重机5000台/年", "无", "扩建", None, Y, "拟建", 1.2, 1.9, NEW_OK),
    # 焦作市
    P("P-STOCK-NO-EIA", "存量烧碱, 节能审查和环评均\"不涉及\", 诊断为Excel序列数",
      "焦作市", "沁阳市", "化工", "烧碱项目", "沁阳市怀川氯碱有限公司",
      "烧碱30万吨/年", "无", "新建", None, None, "已投产", 7.3, 9.8, STOCK_OK,
      energy_review="不涉及", eia="不涉及", last_diagnosis=excel_serial(2019, 6, 30),
      remark="2003年建成投产"),
    P("H-STOCK-CLOSE", "存量电石, 环评未办理, 整改中, 整改期限2021年9月30日已过",
      "焦作市", "博爱县", "化工", "电石项目", "博爱县丹河化工有限公司",
      "电石15万吨/年", "无", "新建", None, None, "存量", 4.6, 5.4, STOCK_OK,
      eia="未办理", rectification="整改中", rectification_deadline="2021年9月30日",
      last_diagnosis="2018-03-15"),
    P("U-STAGE", "项目状态写作\"建设\"(非规范值), 其余齐全",
      "焦作市", "孟州市", "化工", "生物基材料项目", "孟州市绿源生物材料有限公司",
      "生物基材料5万吨/年", "无", "新建", None, Y, "建设", 2.2, 2.5, NEW_OK),
    P("O-RETROFIT-QUALITY", "耐火材料产品质量提升改造, 不新增产能",
      "焦作市", "博爱县", "建材", "耐火材料产品质量提升改造项目", "博爱县月山耐材有限公司",
      "耐火材料产品质量提升改造", "无", "技术改造", "质量提升", N, "在建", 1.3, 1.4, NEW_OK),
    None,  # the blank separator row a real ledger has in the middle
    # 濮阳市
    P("P-CLEAN-BUILD", "在建顺酐, 手续齐全, 能效先进",
      "濮阳市", "濮阳县", "化工", "顺酐项目", "濮阳县龙丰新材料有限公司",
      "顺酐20万吨/年", "无", "新建", None, Y, "在建", 3.4, 3.9, NEW_OK),
    P("H-TOTAL-CONTROL", "拟建合成氨, 未达标地区新建, 未达到污染物排放总量控制要求",
      "濮阳市", "范县", "化工", "合成氨项目", "范县濮化化肥有限公司",
      "合成氨30万吨/年", "无", "新建", None, Y, "拟建", 5.2, 5.6, NEW_OK,
      total_control_met=N),
    P("O-SMALL", "存量化工, 0.88万吨",
      "濮阳市", "南乐县", "化工", "生物降解材料项目", "南乐县宏业生物有限公司",
      "聚乳酸2万吨/年", "无", "新建", None, None, "存量", 0.88, 0.95, STOCK_OK),
    # 许昌市
    P("P-CLEAN-COAL-POWER", "在建燃煤热电联产(民生供热), 已核准, 标杆水平",
      "许昌市", "禹州市", "煤电", "2×66万千瓦热电联产项目", "禹州市华能热电有限公司",
      "2×66万千瓦超超临界燃煤热电联产", "无", "新建", None, Y, "在建", 98.5, 98.5, NEW_OK,
      approval="已核准", livelihood=Y, efficiency_level="标杆水平"),
    P("R-POLLUTION-CTRL", "拟建再生铜, 污染物排放控制未达先进水平",
      "许昌市", "长葛市", "有色", "再生铜扩建项目", "长葛市众鑫再生金属有限公司",
      "再生铜20万吨/年", "无", "扩建", None, Y, "拟建", 1.4, 1.7, NEW_OK,
      pollution_control_advanced=N),
    P("H-THREE-LINES", "在建有机硅, 不符合\"三线一单\"",
      "许昌市", "襄城县", "化工", "有机硅单体项目", "襄城县首山硅材料有限公司",
      "有机硅单体10万吨/年", "无", "新建", None, Y, "在建", 4.5, 5.3, NEW_OK,
      three_lines_compliant=N),
    P("O-EQUAL-BELOW", "当量值0.8万吨、等价值1.3万吨: 按当量值不属两高",
      "许昌市", "鄢陵县", "建材", "岩棉制品项目", "鄢陵县保温建材有限公司",
      "岩棉5万吨/年", "无", "新建", None, Y, "拟建", 0.8, 1.3, NEW_OK),
    # 漯河市
    P("O-EQUIV-ONLY", "只填等价值0.75万吨",
      "漯河市", "召陵区", "化工", "食品添加剂项目", "漯河市召陵生物科技有限公司",
      "食品添加剂3万吨/年", "无", "新建", None, Y, "拟建", None, 0.75, NEW_OK),
    P("U-REVIEW-BLANK", "在建化工, 节能审查和能效水平空白; 项目代码与上一行重复",
      "漯河市", "临颍县", "化工", "功能膜材料项目", "临颍县漯河新材料有限公司",
      "功能膜材料4万吨/年", "无", "新建", None, Y, "在建", 1.7, 1.9, NEW_OK,
      energy_review=None, efficiency_level=None, duplicate_of="O-EQUIV-ONLY"),
    # 三门峡市
    P("P-STOCK-ALUMINA", "存量氧化铝, 产能类别空(氧化铝), 诊断为Excel日期单元格",
      "三门峡市", "渑池县", "有色", "氧化铝项目", "渑池县崤山铝业有限公司",
      "氧化铝120万吨/年", None, "新建", None, None, "已投产", 46.0, 52.1, STOCK_OK,
      last_diagnosis=dt.datetime(2021, 3, 15)),
    P("P-STOCK-LIFTED", "存量煤制甲醇, 节能审查未批复, 已整改, 地区目标均完成",
      "三门峡市", "义马市", "煤化工", "煤制甲醇项目", "义马市气化化工有限公司",
      "煤制甲醇30万吨/年", "煤化工", "新建", None, None, "存量", 22.5, 24.0, STOCK_OK,
      energy_review="未批复", rectification="已整改", rectification_deadline=dt.datetime(2021, 6, 30),
      last_diagnosis="2018年6月", remark="2021年6月通过节能审查整改验收"),
    P("O-SMALL", "有色, 0.9万吨, 在建",
      "三门峡市", "渑池县", "有色", "铝箔坯料项目", "渑池县仰韶铝材有限公司",
      "铝箔坯料3万吨/年", "无", "新建", None, Y, "在建", 0.9, 1.2, NEW_OK),
    # 南阳市 (大气达标)
    P("P-CLEAN-NEW", "拟建聚碳酸酯(鼓励类), 手续齐全, 能效先进",
      "南阳市", "镇平县", "化工", "聚碳酸酯项目", "镇平县宛东新材料有限公司",
      "聚碳酸酯10万吨/年", "无", "新建", None, Y, "拟建", 4.2, 4.6, NEW_OK,
      industrial_policy="鼓励类"),
    P("R-CAP-REPLACE", "拟建特钢新增产能, 产能置换未落实",
      "南阳市", "西峡县", "钢铁", "特钢产能置换升级项目", "西峡县伏牛特钢有限公司",
      "特钢60万吨/年", "钢铁", "新建", None, Y, "拟建", 16.3, 17.5, NEW_OK,
      capacity_replacement="未落实", reduction_substitution="已落实",
      remark="置换指标正在省内交易"),
    P("H-NO-APPROVAL", "在建化工, 核准备案未办理",
      "南阳市", "唐河县", "化工", "氟化工新材料项目", "唐河县白鹭新材料有限公司",
      "含氟精细化学品3万吨/年", "无", "新建", None, Y, "在建", 2.8, 3.2, NEW_OK,
      approval="未办理"),
    P("H-RESTRICTED", "拟建电石新建, 产业政策限制类",
      "南阳市", "淅川县", "化工", "电石项目", "淅川县丹江化工有限公司",
      "电石10万吨/年", "无", "新建", None, Y, "拟建", 3.6, 3.9, NEW_OK,
      industrial_policy="限制类"),
    # 商丘市 (上年度能耗双控未完成; 永城市 has its own row, 完成)
    P("H-DUAL-TARGET", "拟建化工, 商丘上年度能耗双控未完成, 节能审查未批复, 非民生",
      "商丘市", "民权县", "化工", "制冷剂项目", "民权县冷谷化工有限公司",
      "环保制冷剂5万吨/年", "无", "新建", None, Y, "拟建", 2.0, 2.3, NEW_OK,
      energy_review="未批复", dual_control_analysis=None),
    P("P-LIVELIHOOD", "拟建热电联产集中供热(民生), 节能审查审查中",
      "商丘市", "睢阳区", "煤电", "城区集中供热热电联产项目", "商丘市睢阳热电有限公司",
      "2×35万千瓦热电联产", "无", "新建", None, Y, "拟建", 48.0, 48.0, NEW_OK,
      energy_review="审查中", dual_control_analysis=None, approval="已核准", livelihood=Y),
    P("P-COUNTY-ROW", "拟建煤制乙二醇, 永城单独预警行(双控完成), 节能审查审查中",
      "商丘市", "永城市", "煤化工", "煤制乙二醇项目", "永城市神火煤化有限公司",
      "煤制乙二醇40万吨/年", "煤化工", "新建", None, Y, "拟建", 72.0, 75.5, NEW_OK,
      energy_review="审查中", dual_control_analysis=None, efficiency_level="国内先进"),
    P("H-AL-LOW-EFF", "在建电解铝技改(其他, 不新增产能), 行业代码\"3216\", 单耗13500kWh/t",
      "商丘市", "永城市", "3216", "电解铝槽型技术改造项目", "永城市豫东铝业有限公司",
      "电解铝（铝液）40万吨/年槽型改造", None, "技术改造", "其他", N, "在建", 66.0, 162.0,
      NEW_OK, efficiency_level=None, unit_energy=13500, reduction_substitution="已落实"),
    # 信阳市 (大气达标)
    P("P-CEMENT-CODE", "拟建水泥熟料, 行业代码3011, 置换减量已落实, 单耗98kgce/t",
      "信阳市", "淮滨县", 3011, "新型干法水泥熟料生产线项目", "淮滨县淮河水泥有限公司",
      "日产4500吨新型干法水泥熟料生产线", None, "新建", None, Y, "拟建", 14.2, 14.9, NEW_OK,
      efficiency_level=None, unit_energy=98, capacity_replacement="已落实",
      reduction_substitution="已落实"),
    P("O-SMALL", "化工, 当量值写作\"约0.3\"",
      "信阳市", "息县", "化工", "日化产品项目", "息县淮上日化有限公司",
      "洗涤剂5万吨/年", "无", "新建", None, Y, "拟建", "约0.3", 0.35, NEW_OK),
    # 周口市
    P("H-NO-REVIEW", "在建化工, 节能审查未批复即开工",
      "周口市", "沈丘县", "化工", "医药中间体项目", "沈丘县槐店化学有限公司",
      "医药中间体2万吨/年", "无", "新建", None, Y, "在建", "1.5", 1.7, NEW_OK,
      energy_review="未批复", dual_control_analysis=None),
    P("U-SECTOR-BLANK", "所属行业空白",
      "周口市", "郸城县", None, "新材料产业园项目", "郸城县豫东新材料有限公司",
      "功能材料6万吨/年", None, "新建", None, Y, "拟建", 3.1, 3.3, NEW_OK),
    P("R-QUOTA", "拟建建筑陶瓷, 新增用能指标未有偿购买",
      "周口市", "项城市", "建材", "建筑陶瓷项目", "项城市莲花陶瓷有限公司",
      "建筑陶瓷3000万平方米/年", "无", "新建", None, Y, "拟建", 1.6, 1.8, NEW_OK,
      energy_quota_purchased=N),
    P("U-STOCK-EIA-BLANK", "存量化工, 环评栏空白",
      "周口市", "商水县", "化工", "淀粉糖项目", "商水县天豫生化有限公司",
      "结晶葡萄糖15万吨/年", "无", "新建", None, None, "存量", 1.3, 1.5, STOCK_OK,
      eia=None),
    P("O-OTHER", "造纸, 所属行业\"其他\"",
      "周口市", "淮阳区", "其他", "文化用纸项目", "周口市淮阳纸业有限公司",
      "文化用纸20万吨/年", "无", "扩建", None, Y, "在建", 1.6, 1.8, NEW_OK),
    # 驻马店市 (大气达标)
    P("P-BOUNDARY", "拟建化工, 当量值恰为1万吨, 手续齐全",
      "驻马店市", "遂平县", "化工", "电子化学品项目", "遂平县天中电子材料有限公司",
      "电子级化学品5万吨/年", "无", "新建", None, Y, "拟建", 1, 1.1, NEW_OK),
    P("U-ENERGY-BLANK", "建材, 当量值和等价值均空",
      "驻马店市", "西平县", "建材", "石膏板项目", "西平县嫘祖建材有限公司",
      "纸面石膏板5000万平方米/年", "无", "新建", None, Y, "拟建", None, None, NEW_OK),
    P("U-WINDOW-BLANK", "拟建化工, 窗口指导栏空白, 其余齐全",
      "驻马店市", "确山县", "化工", "硅基新材料项目", "确山县竹沟新材料有限公司",
      "气相白炭黑3万吨/年", "无", "新建", None, Y, "拟建", 2.9, 3.2, NEW_OK,
      window_guidance=None),
    # 济源示范区 (no county level below it in these ledgers: the county cell stays blank)
    P("R-CARBON", "在建铅锌冶炼扩建, 环评已批复但未分析碳排放影响",
      "济源示范区", None, "有色", "铅锌冶炼扩建项目", "济源示范区豫光冶炼有限公司",
      "电解锌10万吨/年", "无", "扩建", None, Y, "在建", 6.6, 7.9, NEW_OK,
      eia="已批复", eia_carbon_analysis=N),
    P("O-RETROFIT-ENERGY", "有色节能改造, 不新增产能",
      "济源示范区", None, "有色", "铅冶炼余热利用节能改造项目", "济源示范区金利冶炼有限公司",
      "余热发电及节能改造", "无", "技改", "节能改造", N, "在建", 2.2, 2.5, NEW_OK),
]

# Who filled each row in: a pass-through column the tool must not touch.
CONTACTS = ("张工 138****0201", "王科长 0371-6xxx1234", "李工 139****0302", "陈主任 135****0403",
            "杨工 186****0504", "周科长 0379-6xxx5678", "吴工 133****0605", None)

# ---------------------------------------------------------------------------------------
# Region tables
# ---------------------------------------------------------------------------------------

DEMO_MONTHS = ("2021-07", "2021年8月", "2021.09", "2021年10月", "2021-11", "2021年12月")

# 地区, 大气环境质量, 上年度能耗双控目标, 上年度污染物排放总量控制目标, Jul..Dec levels
DEMO_REGIONS = [
    ("郑州市", "未达标", "完成", "完成", ("黄色", "黄色", "橙色", "橙色", "二级", "橙色")),
    ("巩义市", "未达标", "完成", "完成", ("绿色", "三级", "绿色", "黄色", "绿色", "绿色")),
    ("开封市", "未达标", "完成", "完成", ("绿色", "黄色", "黄色", "黄色", "黄色", "黄色")),
    ("洛阳市", "未达标", "完成", "完成", ("黄色", "黄色", "橙色", "黄色", "黄色", "黄色")),
    ("平顶山市", "未达标", "完成", "完成", ("黄色", "橙色", "橙色", "橙色", "红色", "红色")),
    ("安阳市", "未达标", "完成", "完成", ("橙色", "红色", "橙色", "一级", "红色", "红色")),
    ("林州市", "未达标", "完成", "完成", ("黄色", "橙色", "橙色", "橙色", "黄色", "橙色")),
    ("鹤壁市", "未达标", "完成", "完成", ("黄色", "黄色", "黄色", "橙色", "黄色", "黄色")),
    ("新乡市", "未达标", "完成", "未完成", ("橙色", "橙色", "黄色", "橙色", "橙色", "橙色")),
    ("焦作市", "未达标", "完成", "完成", ("黄色", "黄色", "黄色", "黄色", "橙色", "黄色")),
    ("濮阳市", "未达标", "完成", "完成", ("橙色", "橙色", "红色", "橙色", "黄色", "黄色")),
    ("许昌市", "未达标", "完成", "完成", ("绿色", "黄色", "黄色", "黄色", "黄色", "黄色")),
    ("漯河市", "未达标", "完成", "完成", ("绿色", "绿色", "绿色", "三级", "绿色", "绿色")),
    ("三门峡市", "未达标", "完成", "完成", ("绿色", "绿色", "黄色", "绿色", "绿色", "绿色")),
    ("南阳市", "达标", "完成", "完成", ("绿色", "绿色", "绿色", "绿色", "黄色", "绿色")),
    ("商丘市", "未达标", "未完成", "完成", ("黄色", "橙色", "橙色", "二级", "橙色", "橙色")),
    ("永城市", "未达标", "完成", "完成", ("黄色", "黄色", "黄色", "黄色", "黄色", "黄色")),
    ("信阳市", "达标", "完成", "完成", ("绿色", "绿色", "绿色", "绿色", "绿色", "绿色")),
    ("周口市", "未达标", "完成", "完成", ("黄色", "黄色", "橙色", "黄色", "黄色", "黄色")),
    ("驻马店市", "达标", "完成", "完成", ("三级", "绿色", "绿色", "绿色", "绿色", "三级")),
    ("济源示范区", "未达标", "完成", "完成", ("橙色", "橙色", "橙色", "黄色", "橙色", "橙色")),
]

REGION_HEADER = ("地区", "大气环境质量", "上年度能耗双控目标", "上年度污染物排放总量控制目标")

# ---------------------------------------------------------------------------------------
# Demo workbook layout
# ---------------------------------------------------------------------------------------

# (key, header, group). A group header is merged across its sub-columns in the first
# header row; a column without group is merged vertically across both header rows.
G_ENERGY = "年综合能源消费量（万吨标准煤）"
G_APPROVAL = "审批手续"
G_FACTORS = "要素保障"
DEMO_COLUMNS = [
    ("seq", "序号", None),
    ("project_id", "项目代码", None),
    ("name", "项目名称", None),
    ("owner", "建设单位", None),
    ("city", "省辖市", None),
    ("county", "县（市、区）", None),
    ("sector", "所属行业", None),
    ("product", "主要产品及产能", None),
    ("capacity_category", "产能类别", None),
    ("build_type", "建设性质", None),
    ("retrofit_purpose", "技改类型", None),
    ("adds_capacity", "是否新增产能", None),
    ("stage", "项目状态", None),
    ("energy_equal", "当量值", G_ENERGY),
    ("energy_equiv", "等价值", G_ENERGY),
    ("energy_review", "节能审查", G_APPROVAL),
    ("eia", "环评审批", G_APPROVAL),
    ("approval", "核准备案", G_APPROVAL),
    ("eia_major_change_unapproved", "重大变动未重新报批", None),
    ("window_guidance", "窗口指导或评估", None),
    ("industrial_policy", "产业政策类别", None),
    ("industry_plan_compliant", "符合国家和省产业规划", None),
    ("three_lines_compliant", "符合“三线一单”", None),
    ("plan_eia_compliant", "符合规划环评", None),
    ("capacity_replacement", "产能置换", G_FACTORS),
    ("reduction_substitution", "减量替代", G_FACTORS),
    ("coal_substitution", "煤炭消费减量替代", G_FACTORS),
    ("pollutant_reduction", "污染物排放区域削减", G_FACTORS),
    ("total_control_met", "达到污染物排放总量控制要求", None),
    ("dual_control_analysis", "节能审查已分析能耗双控影响", None),
    ("eia_carbon_analysis", "环评已分析碳排放影响", None),
    ("efficiency_level", "能效水平", None),
    ("unit_energy", "单位产品能耗", None),
    ("pollution_control_advanced", "污染物排放控制达到先进水平", None),
    ("limited_retrofit_increase", "限制类技改耗能量/碳排放/污染物增加", None),
    ("energy_quota_purchased", "新增用能指标已有偿购买", None),
    ("online_monitoring", "已接入能耗在线监测系统", None),
    ("last_diagnosis", "最近一次节能诊断或清洁生产评价认证", None),
    ("livelihood", "民生或基础设施项目", None),
    ("rectification", "整改情况", None),
    ("rectification_deadline", "整改期限", None),
    ("contact", "联系人", None),      # not a spec field: must pass through
    ("remark", "备注", None),         # not a spec field: must pass through
]

DEMO_TITLE = '河南省"两高"项目清单（2021年12月）'
DEMO_SUBTITLE = "填报单位：省发展改革委（盖章）      填报日期：2021年12月20日"
DEMO_NOTES = (
    "注：1.年综合能源消费量单位为万吨标准煤，电力分别按当量值和等价值折算；2.项目状态填拟建、在建、存量；"
    "3.审批手续已取得的填写批复文号；4.本表数据为虚构样例，仅供演示。",
    "填报人：张某  联系电话：0371-6xxx0000",
)
DEMO_EXPLANATION = (
    "填报说明",
    '1. 本表依据《河南省坚决遏制"两高"项目盲目发展行动方案》建立，范围为煤电、石化、化工、煤化工、'
    "钢铁、焦化、建材、有色等行业年综合能源消费量1万吨标准煤及以上的项目。",
    "2. 年综合能源消费量以万吨标准煤计，当量值、等价值分列。",
    "3. 项目状态：拟建、在建、存量；是否类栏目填是或否。",
    '4. "地区预警"表为各地能耗双控预警等级（红色、橙色、黄色、绿色）及上年度目标完成情况。',
    "5. 本工作簿中的企业、项目、人员和代码均为虚构，仅用于演示筛查工具。",
)

THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# ---------------------------------------------------------------------------------------
# Writing helpers
# ---------------------------------------------------------------------------------------

def set_text(cell, text):
    """Store a string that starts with "=" as text, not as a formula (as Excel does for '=…)."""
    cell.value = text
    if isinstance(text, str) and text.startswith("="):
        cell.data_type = "s"
        cell.quotePrefix = True


def set_value(cell, value):
    if isinstance(value, str):
        set_text(cell, value)
        return
    cell.value = value
    if isinstance(value, dt.datetime):
        cell.number_format = "yyyy-mm-dd"


def project_code(rng, rec):
    """项目代码 as issued by the online approval platform: YYMM-区划-行业-类型-流水号."""
    region = ADMIN_CODE.get(rec.get("county") or "", ADMIN_CODE.get(rec["city"], "410000"))
    if rec["stage"] in ("存量", "已投产", "投运"):
        yymm = rng.choice(("1705", "1709", "1803", "1811", "1906"))
    else:
        yymm = rng.choice(("2006", "2011", "2103", "2105", "2107", "2109", "2110"))
    return f"{yymm}-{region}-{rng.choice(('04', '07', '26'))}-{rng.choice(('01', '02', '03'))}-{rng.randint(100000, 999999)}"


def assign_codes(projects, rng):
    """Give each project a code; a row marked duplicate_of reuses another row's code."""
    by_tag = {}
    for rec in projects:
        if rec is None:
            continue
        rec["project_id"] = project_code(rng, rec)
        by_tag.setdefault(rec["tag"], rec)
    for rec in projects:
        if rec and rec.get("duplicate_of"):
            rec["project_id"] = by_tag[rec["duplicate_of"]]["project_id"]


def write_header_two_rows(ws, columns, top):
    """Group headers merged across sub-columns; the rest merged vertically over two rows."""
    col = 1
    while col <= len(columns):
        key, header, group = columns[col - 1]
        if group is None:
            ws.cell(top, col, header)
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
            col += 1
            continue
        span = 1
        while col + span <= len(columns) and columns[col + span - 1][2] == group:
            span += 1
        ws.cell(top, col, group)
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + span - 1)
        for i in range(span):
            ws.cell(top + 1, col + i, columns[col + i - 1][1])
        col += span
    for r in (top, top + 1):
        for c in range(1, len(columns) + 1):
            cell = ws.cell(r, c)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = CENTER
            cell.border = BORDER


def write_plain_header(ws, headers, row):
    for c, h in enumerate(headers, 1):
        cell = ws.cell(row, c, h)
        cell.font = Font(bold=True)
        cell.alignment = CENTER
        cell.border = BORDER


def write_records(ws, columns, records, first_row, speller, seq=True):
    """One row per record; None writes the blank separator row. Returns the next free row."""
    row, n = first_row, 0
    for rec in records:
        if rec is None:
            row += 1
            continue
        n += 1
        for c, (key, _header, _group) in enumerate(columns, 1):
            if key == "seq":
                value = n if seq else None
            else:
                value = speller.value(key, rec.get(key), rec)
            cell = ws.cell(row, c)
            set_value(cell, value)
            cell.border = BORDER
        row += 1
    return row


def write_region_table(ws, regions, months, top=1, month_cells=None):
    """地区 | 大气 | 双控 | 污染物 | one column per month. month_cells may replace the headers."""
    headers = list(REGION_HEADER) + list(month_cells or months)
    write_plain_header(ws, headers, top)
    for c, h in enumerate(headers, 1):
        if isinstance(h, dt.datetime):
            ws.cell(top, c).number_format = 'yyyy"年"m"月"'
    for r, (region, air, dual, pollutant, levels) in enumerate(regions, top + 1):
        for c, v in enumerate((region, air, dual, pollutant, *levels), 1):
            ws.cell(r, c, v).border = BORDER
    for c in range(1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16 if c <= 4 else 12


def new_workbook():
    wb = Workbook()
    wb.properties.creator = "screening sample_data/make_samples.py"
    wb.properties.lastModifiedBy = "screening sample_data/make_samples.py"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def save_stable(wb, path):
    """Save, then rewrite the zip with fixed entry times and a fixed dcterms:modified.

    openpyxl stamps the current time into docProps/core.xml and into every zip entry; both
    are replaced so that running the script twice yields the same bytes.
    """
    buf = io.BytesIO()
    wb.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp + rb"\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            zout.writestr(zi, data)


# ---------------------------------------------------------------------------------------
# 1. The demo ledger
# ---------------------------------------------------------------------------------------

def build_demo(path):
    rng = random.Random(SEED)
    projects = [dict(p) if p else None for p in DEMO_PROJECTS]
    assign_codes(projects, rng)
    for i, rec in enumerate(p for p in projects if p):
        rec.setdefault("contact", CONTACTS[i % len(CONTACTS)])

    wb = new_workbook()
    ws = wb.active
    ws.title = "两高项目清单"
    ncol = len(DEMO_COLUMNS)
    last_col = get_column_letter(ncol)

    ws["A1"] = DEMO_TITLE
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws["A2"] = DEMO_SUBTITLE
    ws.merge_cells(f"A2:{last_col}2")
    ws.row_dimensions[1].height = 30

    write_header_two_rows(ws, DEMO_COLUMNS, top=3)
    first = 5
    end = write_records(ws, DEMO_COLUMNS, projects, first, Speller(SEED + 1))
    last = end - 1

    # 合计 row: label merged over the leading columns, SUM formulas under the energy columns
    # (text numbers such as "约2.3" are ignored by SUM, as in the real file).
    total = end
    ws.cell(total, 1, "合计")
    ws.merge_cells(start_row=total, start_column=1, end_row=total, end_column=3)
    ws.cell(total, 4, f"共{sum(1 for p in projects if p)}个项目")
    for key in ("energy_equal", "energy_equiv"):
        c = 1 + [k for k, _, _ in DEMO_COLUMNS].index(key)
        L = get_column_letter(c)
        ws.cell(total, c, f"=SUM({L}{first}:{L}{last})")
    for c in range(1, ncol + 1):
        ws.cell(total, c).border = BORDER
        ws.cell(total, c).font = Font(bold=True)

    for i, note in enumerate(DEMO_NOTES):
        r = total + 2 + i
        ws.cell(r, 1, note)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)

    widths = {"seq": 5, "project_id": 26, "name": 26, "owner": 26, "product": 24,
              "last_diagnosis": 14, "rectification_deadline": 14, "contact": 18, "remark": 24}
    for c, (key, _h, _g) in enumerate(DEMO_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(c)].width = widths.get(key, 11)
    ws.row_dimensions[4].height = 60
    ws.freeze_panes = "D5"

    regions = wb.create_sheet("地区预警")
    write_region_table(regions, DEMO_REGIONS, DEMO_MONTHS)

    notes = wb.create_sheet("说明")
    for r, line in enumerate(DEMO_EXPLANATION, 1):
        notes.cell(r, 1, line)
    notes.column_dimensions["A"].width = 120

    save_stable(wb, path)
    return projects


# ---------------------------------------------------------------------------------------
# 2. Small purpose-named workbooks for tests (energy in 吨标准煤 unless the header says 万吨)
# ---------------------------------------------------------------------------------------

def columns_from(headers):
    """[(key, header)] → the (key, header, group) triples write_records expects."""
    return [(k, h, None) for k, h in headers]


# Canonical labels from schemas/ledger-fields.yaml, except the two energy headers: the
# labels' "（当量值）" would vanish when units in brackets are stripped.
PLAIN_HEADERS = [
    ("project_id", "项目代码"), ("name", "项目名称"), ("owner", "建设单位"),
    ("city", "省辖市"), ("county", "县（市、区）"), ("sector", "所属行业"),
    ("product", "主要产品"), ("capacity_category", "产能类别"), ("build_type", "建设性质"),
    ("retrofit_purpose", "技改类型"), ("adds_capacity", "是否新增产能"), ("stage", "项目状态"),
    ("energy_equal", "年综合能源消费量当量值（吨标准煤）"),
    ("energy_equiv", "年综合能源消费量等价值（吨标准煤）"),
    ("energy_review", "节能审查"), ("eia", "环评审批"),
    ("eia_major_change_unapproved", "重大变动未重新报批"), ("approval", "核准备案"),
    ("window_guidance", "窗口指导或评估"), ("industrial_policy", "产业政策类别"),
    ("industry_plan_compliant", "符合国家和省产业规划"),
    ("three_lines_compliant", "符合“三线一单”"), ("plan_eia_compliant", "符合规划环评"),
    ("capacity_replacement", "产能置换"), ("reduction_substitution", "减量替代"),
    ("coal_substitution", "煤炭消费减量替代"), ("pollutant_reduction", "污染物排放区域削减"),
    ("total_control_met", "达到污染物排放总量控制要求"),
    ("dual_control_analysis", "节能审查已分析能耗双控影响"),
    ("eia_carbon_analysis", "环评已分析碳排放影响"), ("efficiency_level", "能效水平"),
    ("unit_energy", "单位产品能耗"), ("pollution_control_advanced", "污染物排放控制达到先进水平"),
    ("limited_retrofit_increase", "限制类技改耗能量/碳排放/污染物增加"),
    ("energy_quota_purchased", "新增用能指标已有偿购买"),
    ("online_monitoring", "已接入能耗在线监测系统"),
    ("last_diagnosis", "最近一次节能诊断或清洁生产评价认证"),
    ("livelihood", "民生或基础设施项目"), ("rectification", "整改情况"),
    ("rectification_deadline", "整改期限"),
]


def build_minimal(path):
    """One plain header row in row 1, three projects, a three-month region sheet."""
    projects = [
        P("P", "拟建化工, 手续齐全 → proceed", "郑州市", "中牟县", "化工", "电子材料项目",
          "中牟县郑东电子材料有限公司", "电子级硫酸10万吨/年", "无", "新建", None, Y, "拟建",
          25000, 27000, NEW_OK, project_id="2107-410122-04-01-310001"),
        P("O", "8000吨, 不属两高", "开封市", "尉氏县", "建材", "新型墙材项目",
          "尉氏县宏基建材有限公司", "蒸压加气砌块60万立方米/年", "无", "新建", None, Y, "拟建",
          8000, 8600, NEW_OK, project_id="2107-410223-04-01-310002"),
        P("H", "在建钢铁, 节能审查未批复 → halt", "平顶山市", "汝州市", "钢铁", "轧钢项目",
          "汝州市天瑞钢铁有限公司", "钢材80万吨/年", "钢铁", "扩建", None, Y, "在建",
          56000, 61000, NEW_OK, energy_review="未批复", dual_control_analysis=None,
          capacity_replacement="已落实", reduction_substitution="已落实",
          project_id="2105-410482-04-01-310003"),
    ]
    wb = new_workbook()
    ws = wb.active
    ws.title = "项目清单"
    cols = columns_from(PLAIN_HEADERS)
    write_plain_header(ws, [h for _, h, _ in cols], 1)
    write_records(ws, cols, projects, 2, Speller(SEED + 2, mixed=False))
    regions = wb.create_sheet("地区预警")
    write_region_table(regions, [
        ("郑州市", "未达标", "完成", "完成", ("黄色", "橙色", "橙色")),
        ("开封市", "未达标", "完成", "完成", ("黄色", "黄色", "绿色")),
        ("平顶山市", "未达标", "完成", "完成", ("橙色", "橙色", "黄色")),
    ], ("2021-10", "2021-11", "2021-12"))
    save_stable(wb, path)


def build_two_row_header(path):
    """A county ledger (林州市): title row, then a two-row merged header using header
    aliases rather than the canonical labels; energy in 吨 with text numbers."""
    g_energy, g_proc, g_eff = "年综合能耗（吨标准煤）", "手续办理情况", "能效指标"
    columns = [
        ("seq", "序号", None), ("project_id", "项目编号", None), ("name", "项目名称", None),
        ("owner", "企业名称", None), ("city", "地市", None), ("county", "所在县区", None),
        ("sector", "行业类别", None), ("product", "产品及产能", None),
        ("capacity_category", "产能类别", None), ("build_type", "项目性质", None),
        ("retrofit_purpose", "技改类型", None), ("adds_capacity", "新增产能", None),
        ("stage", "项目阶段", None),
        ("energy_equal", "当量值", g_energy), ("energy_equiv", "等价值", g_energy),
        ("energy_review", "能评", g_proc), ("eia", "环评", g_proc), ("approval", "立项手续", g_proc),
        ("eia_major_change_unapproved", "重大变动未报批", None),
        ("window_guidance", "窗口指导", None), ("industrial_policy", "产业政策", None),
        ("industry_plan_compliant", "符合产业规划", None), ("three_lines_compliant", "三线一单", None),
        ("plan_eia_compliant", "规划环评", None), ("capacity_replacement", "产能置换情况", None),
        ("reduction_substitution", "减量替代落实情况", None),
        ("coal_substitution", "煤炭减量替代", None), ("pollutant_reduction", "区域削减", None),
        ("total_control_met", "总量控制要求", None),
        ("dual_control_analysis", "能耗双控影响分析", None),
        ("eia_carbon_analysis", "碳排放影响分析", None),
        ("efficiency_level", "能效水平", g_eff), ("unit_energy", "单位产品综合能耗", g_eff),
        ("pollution_control_advanced", "排放控制先进水平", None),
        ("energy_quota_purchased", "用能权购买", None), ("online_monitoring", "在线监测", None),
        ("last_diagnosis", "最近节能诊断", None), ("livelihood", "民生项目", None),
        ("rectification", "整改进展", None), ("rectification_deadline", "整改时限", None),
        ("remark", "备注", None),
    ]
    projects = [
        P("H", "在建新增钢铁产能, 重点区域", "安阳市", "林州市", "黑色金属冶炼和压延加工业",
          "球墨铸管扩建项目", "林州市红旗铸管有限公司", "铁水80万吨/年", "钢铁", "改扩建", None, Y,
          "施工中", "12,000", 13500, NEW_OK, capacity_replacement="已落实",
          reduction_substitution="已落实", project_id="2103-410581-31-02-420001"),
        P("O", "水泥窑节能环保技改, 不新增产能", "安阳市", "林州市", "建筑材料",
          "水泥窑协同处置及脱硝改造", "林州市太行山水泥有限公司", "熟料线脱硝改造", "水泥熟料",
          "技改", "环保改造", N, "在建", 41000, 43000, NEW_OK,
          project_id="2106-410581-30-03-420002"),
        P("P", "拟建化工, 1.2万吨写作\"1.2万\"", "安阳市", "林州市", "化学工业",
          "电子级氢氟酸项目", "林州市红旗渠化工有限公司", "电子级氢氟酸3万吨/年", "否", "新建",
          None, Y, "前期工作", "1.2万", "1.3万", NEW_OK, energy_review="已通过",
          project_id="2109-410581-26-01-420003"),
        P("R", "存量焦化, 未接入在线监测, 约15000吨", "安阳市", "林州市", "炼焦",
          "焦化项目", "林州市林钢焦化有限公司", "捣固焦70万吨/年", None, "新建", None, None,
          "已建成", "约15000", 16200, STOCK_OK, online_monitoring=N, last_diagnosis="2019年9月",
          project_id="1803-410581-25-01-420004"),
        P("P", "存量有色, 手续齐全, 12,000吨写作千分位", "安阳市", "林州市", "有色金属",
          "铝型材项目", "林州市豫北铝材有限公司", "铝型材15万吨/年", "无", "新建", None, None,
          "投产", "12,000", "13,100", STOCK_OK, last_diagnosis=dt.datetime(2020, 11, 30),
          project_id="1709-410581-32-01-420005", remark="铝棒外购，不含电解工序"),
    ]
    wb = new_workbook()
    ws = wb.active
    ws.title = "林州市两高项目台账"
    ws["A1"] = '林州市"两高"项目台账（2021年11月）'
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    write_header_two_rows(ws, columns, top=2)
    write_records(ws, columns, projects, 4, Speller(SEED + 3))
    regions = wb.create_sheet("地区预警")
    write_region_table(regions, [
        ("安阳市", "未达标", "完成", "完成", ("红色", "红色", "红色")),
        ("林州市", "未达标", "完成", "完成", ("橙色", "黄色", "黄色")),
    ], ("2021年9月", "2021年10月", "2021年11月"))
    save_stable(wb, path)


def build_wan_ton(path):
    """The unit is only in the header: 综合能耗（万吨标准煤） → 0.8 means 8000 tce."""
    headers = [("project_id", "项目代码"), ("name", "项目名称"), ("city", "省辖市"),
               ("county", "县（市、区）"), ("sector", "所属行业"), ("build_type", "建设性质"),
               ("stage", "项目状态"), ("energy_equiv", "综合能耗（万吨标准煤）"),
               ("energy_review", "节能审查"), ("eia", "环评审批")]
    projects = [
        P("O", "0.8万吨 = 8000吨, 不属两高", "洛阳市", "伊川县", "建材", "微晶玻璃板项目",
          None, None, None, "新建", None, None, "拟建", None, 0.8, {},
          energy_review="已批复", eia="已批复", project_id="2107-410329-30-01-530001"),
        P("I", "1.2万吨 = 12000吨, 两高", "洛阳市", "伊川县", "有色", "铝合金项目",
          None, None, None, "新建", None, None, "拟建", None, 1.2, {},
          energy_review="审查中", eia="审批中", project_id="2108-410329-32-01-530002"),
        P("I", "3万吨 = 30000吨, 两高", "洛阳市", "伊川县", "化工", "钛白粉项目",
          None, None, None, "扩建", None, None, "在建", None, 3, {},
          energy_review="已批复", eia="已批复", project_id="2104-410329-26-01-530003"),
    ]
    wb = new_workbook()
    ws = wb.active
    ws.title = "两高项目"
    cols = columns_from(headers)
    write_plain_header(ws, [h for _, h, _ in cols], 1)
    write_records(ws, cols, projects, 2, Speller(SEED + 4, mixed=False))
    save_stable(wb, path)


# A separate region file (for --regions FILE): a title row above the header, and month
# headers that are real date cells (Excel turns a typed "2021-10" into a date).
REGIONS_ONLY = [
    ("洛阳市", "未达标", "完成", "完成", ("橙色", "红色", "红色", "一级")),
    ("焦作市", "未达标", "完成", "完成", ("黄色", "黄色", "橙色", "黄色")),
    ("孟州市", "未达标", "完成", "完成", ("黄色", "橙色", "红色", "红色")),
    ("南阳市", "达标", "未完成", "完成", ("黄色", "橙色", "橙色", "二级")),
    ("驻马店市", "达标", "完成", "未完成", ("三级", "绿色", "绿色", "三级")),
]


def build_regions_only(path):
    wb = new_workbook()
    ws = wb.active
    ws.title = "能耗双控预警"
    ws["A1"] = "2021年各地能耗双控预警等级及上年度目标完成情况"
    ws.merge_cells("A1:H1")
    months = [dt.datetime(2021, m, 1) for m in (9, 10, 11, 12)]
    write_region_table(ws, REGIONS_ONLY, None, top=2, month_cells=months)
    save_stable(wb, path)


def build_no_region_sheet(path):
    """A single-sheet ledger (title, blank row, header in row 3 with the SPEC's usual energy
    headers "年综合能源消费量（当量值，吨标准煤）"); its regions live in regions-only.xlsx."""
    headers = [("seq", "序号")] + [(k, h) for k, h in PLAIN_HEADERS if k not in (
        "energy_equal", "energy_equiv", "limited_retrofit_increase")]
    i = [k for k, _ in headers].index("stage") + 1
    headers[i:i] = [("energy_equal", "年综合能源消费量（当量值，吨标准煤）"),
                    ("energy_equiv", "年综合能源消费量（等价值，吨标准煤）")]
    projects = [
        P("R3", "拟建化工, 节能审查审查中; 洛阳(按regions-only)连续3个月红色", "洛阳市", "新安县",
          "化工", "碳纤维原丝项目", "新安县洛新碳材有限公司", "碳纤维原丝1万吨/年", "无", "新建",
          None, Y, "拟建", 23000, 26000, NEW_OK, energy_review="审查中",
          dual_control_analysis=None, project_id="2110-410323-26-01-640001"),
        P("R2", "在建化工, 手续齐全; 孟州(县级行)连续2个月红色", "焦作市", "孟州市", "化工",
          "碳酸锂项目", "孟州市华兴锂业有限公司", "电池级碳酸锂2万吨/年", "无", "新建", None, Y,
          "在建", 18000, 21000, NEW_OK, project_id="2104-410883-26-01-640002"),
        P("D", "拟建化工, 南阳上年度双控未完成, 节能审查未批复", "南阳市", "桐柏县", "化工",
          "天然碱深加工项目", "桐柏县安棚碱业有限公司", "小苏打30万吨/年", "无", "扩建", None, Y,
          "拟建", 34000, 36000, NEW_OK, energy_review="未批复", dual_control_analysis=None,
          project_id="2109-411330-26-01-640003"),
        P("S", "存量建材, 手续齐全", "驻马店市", "泌阳县", "建材", "水泥粉磨站项目",
          "泌阳县盘古水泥有限公司", "水泥粉磨100万吨/年", "无", "新建", None, None, "存量",
          12500, 16800, STOCK_OK, last_diagnosis="2021-05-20",
          project_id="1811-411726-30-01-640004"),
    ]
    wb = new_workbook()
    ws = wb.active
    ws.title = "项目台账"
    ws["A1"] = '豫西南片区"两高"项目台账'
    ws["A2"] = None  # a blank row between title and header, as many offices leave
    cols = columns_from(headers)
    write_plain_header(ws, [h for _, h, _ in cols], 3)
    write_records(ws, cols, projects, 4, Speller(SEED + 5))
    save_stable(wb, path)


def build_formula_cells(path):
    """An energy cell that is a formula referring to another cell, one that is a constant
    formula, and a project name typed as text that begins with "=". openpyxl writes
    formulas without a cached value, like a file saved by a generator rather than Excel."""
    headers = [("project_id", "项目代码"), ("name", "项目名称"), ("city", "省辖市"),
               ("county", "县（市、区）"), ("sector", "所属行业"), ("build_type", "建设性质"),
               ("stage", "项目状态"), ("energy_equal", "年综合能源消费量当量值（吨标准煤）"),
               ("energy_equiv", "年综合能源消费量等价值（吨标准煤）"), ("energy_review", "节能审查"),
               ("eia", "环评审批"), ("remark", "备注")]
    cols = columns_from(headers)
    wb = new_workbook()
    ws = wb.active
    ws.title = "项目清单"
    write_plain_header(ws, [h for _, h, _ in cols], 1)
    rows = [
        # energy_equiv = 1.3 × energy_equal of the same row (column H)
        ("2107-410800-26-01-750001", "煤焦油深加工项目", "焦作市", "修武县", "煤化工", "新建", "拟建",
         15000, "=H2*1.3", "已批复", "已批复", "等价值按当量值×1.3估算"),
        ("2107-410800-26-01-750002", "=年产20万吨PVC项目（二期）", "焦作市", "武陟县", "化工", "扩建",
         "在建", 42000, 47000, "已批复", "已批复", "项目名称以等号开头"),
        ("2107-410800-30-01-750003", "玻璃纤维项目", "焦作市", "温县", "建材", "新建", "拟建",
         "=6000*2", None, "审查中", "审批中", "当量值为常数公式"),
    ]
    for r, values in enumerate(rows, 2):
        for c, v in enumerate(values, 1):
            cell = ws.cell(r, c)
            if c == 2:
                set_text(cell, v)      # the name: text, even though it starts with "="
            else:
                cell.value = v         # energy "=…" strings become real formulas
            cell.border = BORDER
    save_stable(wb, path)


CSV_UTF8_HEADERS = PLAIN_HEADERS
CSV_GBK_HEADERS = [
    ("project_id", "项目编号"), ("name", "项目名称"), ("owner", "企业名称"), ("city", "所在市"),
    ("county", "县区"), ("sector", "行业"), ("product", "主要建设内容"), ("capacity_category", "产能类别"),
    ("build_type", "建设类型"), ("retrofit_purpose", "改造类型"), ("adds_capacity", "是否增加产能"),
    ("stage", "项目进展"), ("energy_equal", "综合能耗当量值（吨标准煤）"),
    ("energy_equiv", "综合能耗等价值（吨标准煤）"), ("energy_review", "能评批复"), ("eia", "环评批复"),
    ("approval", "核准备案情况"), ("eia_major_change_unapproved", "环评重大变动未重新报批"),
    ("window_guidance", "是否经窗口指导或评估"), ("industrial_policy", "产业政策"),
    ("industry_plan_compliant", "符合产业规划"), ("three_lines_compliant", "是否符合三线一单"),
    ("plan_eia_compliant", "是否符合规划环评"), ("capacity_replacement", "产能置换落实情况"),
    ("reduction_substitution", "减量替代"), ("coal_substitution", "煤炭减量替代"),
    ("pollutant_reduction", "污染物区域削减"), ("total_control_met", "是否达到总量控制要求"),
    ("dual_control_analysis", "已分析能耗双控影响"), ("eia_carbon_analysis", "已分析碳排放影响"),
    ("efficiency_level", "设计能效水平"), ("unit_energy", "产品单耗"),
    ("pollution_control_advanced", "排放控制先进水平"), ("energy_quota_purchased", "用能指标有偿购买"),
    ("online_monitoring", "能耗在线监测"), ("last_diagnosis", "节能诊断时间"),
    ("livelihood", "是否民生或基础设施项目"), ("rectification", "整改状态"),
    ("rectification_deadline", "整改截止日期"), ("contact", "经办人"),
]

CSV_UTF8_PROJECTS = [
    P("P", "拟建化工, 手续齐全, 能耗写作\"12,000\"", "漯河市", "舞阳县", "化工", "盐化工项目",
      "舞阳县中盐化工有限公司", "纯碱30万吨/年", "无", "新建", None, Y, "拟建", "12,000", "13,500",
      NEW_OK, project_id="2108-411121-26-01-860001"),
    P("R", "拟建化工, \"1.2万\"吨, 未有偿购买用能指标", "漯河市", "舞阳县", "化工", "盐穴储能配套项目",
      "舞阳县豫盐新能源有限公司", "工业盐60万吨/年", "无", "扩建", None, Y, "前期", "1.2万", "1.4万",
      NEW_OK, energy_quota_purchased=N, project_id="2109-411121-26-01-860002"),
    P("H", "在建钢铁, 淘汰类, \"约15000\"吨", "漯河市", "舞阳县", "钢铁", "钢坯项目",
      "舞阳县豫中钢铁有限公司", "钢坯50万吨/年", None, "新建", None, Y, "建设中", "约15000", 16800,
      NEW_OK, industrial_policy="淘汰类", capacity_replacement="已落实",
      reduction_substitution="已落实", project_id="2011-411121-31-01-860003"),
    P("S", "存量化工, 诊断超过5年", "漯河市", "舞阳县", "化工", "盐硝联产项目",
      "舞阳县盐硝化工有限公司", "元明粉40万吨/年", "无", "新建", None, None, "已投产", 21000, 22500,
      STOCK_OK, last_diagnosis="2014-05-30", project_id="1705-411121-26-01-860004"),
]

CSV_GBK_PROJECTS = [
    P("P", "存量煤电, 诊断2020年10月", "平顶山市", "鲁山县", "火电", "燃煤电厂项目",
      "鲁山县豫能发电有限公司", "2×60万千瓦燃煤机组", "不涉及", "新建", None, None, "投运", 690000,
      690000, STOCK_OK, energy_review="豫发改能评〔2012〕8号", eia="环审〔2011〕215号",
      last_diagnosis="2020年10月", project_id="1709-410423-44-01-970001"),
    P("H", "在建, 环评未办理", "平顶山市", "鲁山县", "化学原料和化学制品制造业", "尼龙新材料项目",
      "鲁山县尼龙新材料有限公司", "尼龙66切片10万吨/年", "无", "新建", None, Y, "施工", 26000, 28000,
      NEW_OK, eia="未办理", eia_carbon_analysis=None, project_id="2103-410423-26-01-970002"),
    P("O", "技改节能环保改造, 不增加产能", "平顶山市", "鲁山县", "非金属矿物制品业",
      "玻璃窑炉节能改造项目", "鲁山县华晶玻璃有限公司", "浮法玻璃窑炉节能改造", "平板玻璃",
      "改造", "节能环保", N, "在建", 35000, 37000, NEW_OK, project_id="2106-410423-30-03-970003"),
    P("R", "拟建化工, 能效基准水平", "平顶山市", "鲁山县", "化工", "氯化法钛白项目",
      "鲁山县钛源化工有限公司", "钛白粉6万吨/年", "无", "新建", None, Y, "规划", 18500, 19600,
      NEW_OK, efficiency_level="基准水平", project_id="2110-410423-26-01-970004"),
]


def write_csv(path, headers, projects, encoding, speller, title=None):
    """A ledger exported as CSV. Dates are written as text, as Excel exports them."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        if title:
            w.writerow([title] + [""] * (len(headers) - 1))
        w.writerow([h for _, h in headers])
        for rec in projects:
            row = []
            for key, _h in headers:
                v = speller.value(key, rec.get(key), rec)
                if isinstance(v, dt.datetime):
                    v = v.strftime("%Y/%m/%d")
                row.append("" if v is None else v)
            w.writerow(row)


# ---------------------------------------------------------------------------------------

def list_demo():
    rng = random.Random(SEED)
    projects = [dict(p) if p else None for p in DEMO_PROJECTS]
    assign_codes(projects, rng)
    n = 0
    for rec in projects:
        if rec is None:
            print("    (blank separator row)")
            continue
        n += 1
        place = rec["city"] + ("/" + rec["county"] if rec.get("county") else "")
        print(f"{n:3d}  {rec['tag']:<20} {place:<14} {rec['project_id']}  {rec['situation']}")


def main(argv):
    if "--list" in argv:
        list_demo()
        return
    TESTS.mkdir(exist_ok=True)
    build_demo(HERE / "henan-demo-ledger.xlsx")
    build_minimal(TESTS / "minimal-ledger.xlsx")
    build_two_row_header(TESTS / "two-row-header.xlsx")
    build_wan_ton(TESTS / "wan-ton-unit.xlsx")
    build_regions_only(TESTS / "regions-only.xlsx")
    build_no_region_sheet(TESTS / "no-region-sheet.xlsx")
    build_formula_cells(TESTS / "formula-cells.xlsx")
    write_csv(TESTS / "ledger.csv", CSV_UTF8_HEADERS, CSV_UTF8_PROJECTS, "utf-8-sig",
              Speller(SEED + 6, mixed=False))
    write_csv(TESTS / "ledger-gbk.csv", CSV_GBK_HEADERS, CSV_GBK_PROJECTS, "gb18030",
              Speller(SEED + 7), title='鲁山县"两高"项目清单（导出）')
    print("wrote sample_data/henan-demo-ledger.xlsx and sample_data/tests/*")


if __name__ == "__main__":
    main(sys.argv[1:])
