"""The region sheet (SPEC §2): one row per 省辖市 or 县（市、区）, attributes and monthly warnings."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from itertools import islice
from typing import Any

from ..issues import Issue
from ..model import RegionRecord
from .header import header_text, parse_header
from .refs import column_letter
from .rows import is_blank
from .workbook import Book

REGION_SCAN_ROWS = 15

_HEADERS = {
    "name": ["地区", "地区名称", "省辖市", "县市区", "行政区", "行政区划", "区域", "市县", "市县区", "县区", "地市",
             "城市", "名称"],
    "air_quality": ["大气环境质量", "环境空气质量", "空气质量", "大气环境质量状况", "大气环境质量达标情况", "大气质量",
                    "大气环境质量是否达标"],
    "energy_target": ["上年度能耗双控目标", "能耗双控目标", "上年度能耗双控目标完成情况", "能耗双控目标完成情况",
                      "上年度能耗双控", "能耗双控目标完成"],
    "pollution_target": ["上年度污染物排放总量控制目标", "污染物排放总量控制目标", "上年度污染物排放总量控制目标完成情况",
                         "污染物总量控制目标", "上年度污染物总量控制目标", "总量控制目标", "污染物排放总量控制目标完成情况"],
}
_HEADER_INDEX = {alias: attr for attr, aliases in _HEADERS.items() for alias in aliases}

#: warning level as written → canonical. SPEC §2: 一级 = 红色, 二级 = 橙色, 三级 = 绿色.
LEVELS = {"红色": "红色", "红": "红色", "一级": "红色", "1级": "红色", "i级": "红色", "ⅰ级": "红色",
          "橙色": "橙色", "橙": "橙色", "二级": "橙色", "2级": "橙色", "ii级": "橙色", "ⅱ级": "橙色",
          "黄色": "黄色", "黄": "黄色",
          "绿色": "绿色", "绿": "绿色", "三级": "绿色", "3级": "绿色", "iii级": "绿色", "ⅲ级": "绿色"}
ATTRIBUTE_VALUES = {
    "air_quality": {"达标": "达标", "未达标": "未达标", "不达标": "未达标", "已达标": "达标", "没有达标": "未达标"},
    "energy_target": {"完成": "完成", "已完成": "完成", "未完成": "未完成", "没有完成": "未完成", "未能完成": "未完成",
                      "不完成": "未完成"},
}
ATTRIBUTE_VALUES["pollution_target"] = ATTRIBUTE_VALUES["energy_target"]
ATTRIBUTE_LABELS = {"air_quality": "大气环境质量", "energy_target": "上年度能耗双控目标",
                    "pollution_target": "上年度污染物排放总量控制目标"}

_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})(?!\d)")


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).lower()


def normalise_level(value: Any) -> str | None:
    """红色 橙色 黄色 绿色 from any accepted spelling (红色预警, 一级, 红 …), else None."""
    text = _clean(value)
    text = re.sub(r"(预警|等级)$", "", text)
    return LEVELS.get(text) or LEVELS.get(text.removesuffix("色") + "色")


def normalise_attribute(attribute: str, value: Any) -> str | None:
    return ATTRIBUTE_VALUES[attribute].get(_clean(value))


def month_key(value: Any) -> str | None:
    """'YYYY-MM' from a month header: 2021-09, 2021年10月, 2021.11, 2021/12, or a date cell.

    A number such as 2021.1 is read with two decimals (2021.10 → October), because Excel
    stores the typed 2021.10 as 2021.1.
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float):
        value = f"{value:.2f}"
    m = _MONTH.search(unicodedata.normalize("NFKC", str(value or "")))
    if m and 1 <= int(m.group(2)) <= 12 and 1900 < int(m.group(1)) < 2200:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return None


def _column_role(value: Any) -> str | None:
    """name | air_quality | energy_target | pollution_target | a month 'YYYY-MM' | None"""
    month = month_key(value)
    if month:
        return month
    for key in parse_header(header_text(value)).keys:
        if key in _HEADER_INDEX:
            return _HEADER_INDEX[key]
    return None


def find_region_header(sample: list[tuple[int, list[Any]]]) -> tuple[int, dict[int, str]] | None:
    """(last header row, column index → role) of a region table, or None."""
    best = None
    for i, (number, values) in enumerate(sample[:REGION_SCAN_ROWS]):
        roles = {c: r for c, v in enumerate(values) if (r := _column_role(v))}
        if "name" not in roles.values():
            continue
        last = number
        if i + 1 < len(sample):  # months may sit in a second header row under a group label
            below = {c: r for c, v in enumerate(sample[i + 1][1]) if (r := _column_role(v))}
            months = {c: r for c, r in below.items() if c not in roles and month_key(r)}
            if months and "name" not in below.values():
                roles.update(months)
                last = sample[i + 1][0]
        if len(roles) >= 2 and (best is None or len(roles) > len(best[1])):
            best = (last, roles)
    return best


def read_regions(book: Book, sheets: list[str]) -> tuple[str | None, list[RegionRecord], list[Issue]]:
    """The first of `sheets` holding a region table: (sheet, records, issues); (None, [], []) if none."""
    for sheet in sheets:
        rows = book.rows(sheet)
        sample = list(islice(rows, REGION_SCAN_ROWS + 1))
        rows.close()
        found = find_region_header(sample)
        if found:
            return (sheet, *_records(book, sheet, *found))
    return None, [], []


def _records(book: Book, sheet: str, header_row: int, roles: dict[int, str]) -> tuple[list[RegionRecord], list[Issue]]:
    name_col = next(c for c, r in roles.items() if r == "name")
    records: dict[str, RegionRecord] = {}
    issues: list[Issue] = []
    for number, values in book.rows(sheet):
        if number <= header_row or name_col >= len(values) or is_blank(values[name_col]):
            continue
        name = re.sub(r"\s+", "", str(values[name_col]))
        if re.fullmatch(r"合计|小计|总计|注.*|说明.*", name):
            continue
        record = RegionRecord(name=name, sheet=sheet, row=number,
                              cells={"name": f"{sheet}!{column_letter(name_col + 1)}{number}"})
        for col, role in roles.items():
            if role != "name" and col < len(values) and not is_blank(values[col]):
                _set(record, role, values[col], col, issues)
        if name in records:
            issues.append(_issue(sheet, number, name_col, "name", name,
                                 f"地区“{name}”重复出现，以第 {records[name].row} 行为准",
                                 f"region {name!r} appears again; row {records[name].row} is used"))
            continue
        records[name] = record
    return list(records.values()), issues


def _set(record: RegionRecord, role: str, value: Any, col: int, issues: list[Issue]) -> None:
    cell = f"{record.sheet}!{column_letter(col + 1)}{record.row}"
    if role in ATTRIBUTE_VALUES:
        canonical = normalise_attribute(role, value)
        accepted = "/".join(dict.fromkeys(ATTRIBUTE_VALUES[role].values()))
        label = ATTRIBUTE_LABELS[role]
    else:
        canonical = normalise_level(value)
        accepted, label = "红色/橙色/黄色/绿色（一级/二级/三级）", f"{role} 预警等级"
    if canonical is None:
        issues.append(_issue(record.sheet, record.row, col, role, value,
                             f"地区“{record.name}”的{label}“{value}”无法识别，应为 {accepted}",
                             f"region {record.name!r}: {role} value {value!r} not recognised; expected {accepted}"))
        return
    if role in ATTRIBUTE_VALUES:
        setattr(record, role, canonical)
    else:
        record.months[role] = canonical
    record.cells[role] = cell


def _issue(sheet, row, col, field, value, zh, en) -> Issue:
    return Issue(type="region-issue", sheet=sheet, row=row, column=column_letter(col + 1), field=field,
                 value=value if isinstance(value, (str, int, float)) or value is None else str(value),
                 message=zh, message_en=en)
