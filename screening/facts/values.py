"""Reading one cell as its field's type: text, number, yesno, enum, date.

Each parser takes the value as the workbook gave it (str, int, float, bool, datetime) or as
a YAML case wrote it, and returns the typed value or raises Unreadable with the accepted
forms, which go into the invalid-value issue.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..fieldspec import FieldDef

#: cells that mean "nothing written here": the key is left out, never read as false
BLANKS = {"", "/", "-", "--", "—", "——", "－", "／", "无数据", "暂无数据", "n/a", "na", "#n/a", "null", "none"}

TRUE = {"是", "√", "✓", "✔", "☑", "有", "y", "yes", "true", "t", "1", "已", "对", "符合", "是的", "已购买", "已接入", "已分析"}
FALSE = {"否", "×", "✗", "✘", "x", "☒", "无", "n", "no", "false", "f", "0", "未", "不", "不符合", "没有", "未购买",
         "未接入", "未分析"}

_MULTIPLIER = {"万": 1e4, "亿": 1e8, "千": 1e3}
# energy units a cell may state itself; they take the place of the column's unit
_ENERGY_UNIT = re.compile(r"^(万)?(吨标准煤|吨标煤|标准煤|标煤|tce|吨|t)$")
_OTHER_UNIT = re.compile(r"^(kgce|千克标准煤|kg|千克|kwh|千瓦时|万元|元|立方米|m3)(/\S+)?$")
_NUMBER = re.compile(r"^(?:约为?|大约|近|约合|≈|~|～)?([+-]?\d+(?:\.\d+)?)(万|亿|千(?!克|瓦))?(.*?)(?:/年|/a|左右|以上|余)?$")
_BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")


class Unreadable(ValueError):
    """A value its field's type cannot read; `accepted` says what would do (zh, en)."""

    def __init__(self, accepted: tuple[str, str]):
        super().__init__(accepted[1])
        self.accepted = accepted


@dataclass
class Number:
    value: float
    scale: float  # the unit scale that was applied (column's, or the cell's own unit)


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return _fold(value) in BLANKS
    return False


_SPACE = re.compile(r"\s+")


def _fold(text: str) -> str:
    """Full-width forms folded, whitespace removed, ASCII lower-cased."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def parse_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 12345.0 from a numeric cell is the id 12345
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    return str(value).strip()


def parse_number(value: Any, scale: float = 1.0) -> Number:
    accepted = ("数字，如 12000、1.2万、12,000、约15000", "a number such as 12000, 1.2万, 12,000 or 约15000")
    if isinstance(value, bool):
        raise Unreadable(accepted)
    if isinstance(value, (int, float)):
        return Number(float(value) * scale, scale)
    text = _fold(str(value)).replace(",", "").replace("，", "")
    m = _NUMBER.match(text)
    if not m:
        raise Unreadable(accepted)
    number = float(m.group(1)) * _MULTIPLIER.get(m.group(2) or "", 1.0)
    unit = m.group(3)
    if not unit:
        return Number(number * scale, scale)
    energy = _ENERGY_UNIT.match(unit)
    if energy:  # the cell names its unit: 1.5万吨 is 15000 t whatever the header says
        own = 1e4 if energy.group(1) else 1.0
        return Number(number * own, own)
    if _OTHER_UNIT.match(unit):
        return Number(number * scale, scale)
    raise Unreadable(accepted)


def parse_yesno(value: Any) -> bool:
    accepted = ("是/否（也可写 √/×、有/无、Y/N、1/0）", "yes/no (是/否, √/×, 有/无, Y/N, true/false, 1/0)")
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _fold(str(value))
    for candidate in (text, _BRACKETED.sub("", text), text.rstrip("。.!！")):
        if candidate in TRUE:
            return True
        if candidate in FALSE:
            return False
    raise Unreadable(accepted)


def parse_enum(value: Any, f: FieldDef) -> str:
    raw = str(parse_text(value))
    text = _fold(raw)
    for candidate in dict.fromkeys((text, _BRACKETED.sub("", text), text.removesuffix("项目"))):
        if candidate in f.values:
            return candidate
        if candidate in f.synonyms:
            return f.synonyms[candidate]
    for pattern, canonical in f.patterns:  # 豫发改环资〔2021〕12号 → 已批复
        if pattern.search(raw):
            return canonical
    if f.gbt4754 and (mapped := gbt_lookup(text, f.gbt4754)):
        return mapped
    accepted = "、".join(f.values)
    raise Unreadable((accepted + "（或其常见写法）", " / ".join(f.values) + " (or a usual spelling of one)"))


def gbt_lookup(text: str, table: dict[str, str]) -> str | None:
    """The value of the longest GB/T 4754 code prefix in `table` matching a code in `text`."""
    m = re.search(r"(?<![0-9])[a-z]?(\d{2,4})(?![0-9])", text)
    if not m:
        return None
    code = m.group(1)
    for length in range(len(code), 1, -1):
        if code[:length] in table:
            return table[code[:length]]
    return None


def parse_date(value: Any) -> dt.date:
    accepted = ("日期，如 2021-06-30、2021/6/30、2021年6月、2021.6", "a date such as 2021-06-30, 2021/6/30, 2021年6月 or 2021.6")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise Unreadable(accepted)
    text = _fold(str(value))
    if isinstance(value, (int, float)):
        found = _date_from_number(value)
    elif re.fullmatch(r"\d{5}(\.\d+)?", text):  # an Excel serial that arrived as text (CSV)
        found = _date_from_number(float(text))
    else:
        found = _date_from_text(text)
    if found is None:
        raise Unreadable(accepted)
    return found


def _date_from_number(value: float) -> dt.date | None:
    if isinstance(value, float) and not value.is_integer() and 1900 < value < 2200:
        return _date_from_text(repr(value))  # 2021.6 typed into a number cell: June 2021
    if 1900 < value < 2200:
        return dt.date(int(value), 1, 1)  # a year alone
    if 19000101 <= value <= 21991231:
        return _date_from_text(str(int(value)))  # 20210630
    if 10000 <= value < 2958466:  # an Excel serial day (1900 system), 1927 onwards
        return (dt.datetime(1899, 12, 30) + dt.timedelta(days=int(value))).date()
    return None


_DATE_FORMS = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[t ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})[-/.年](\d{1,2})月?()$"),
    re.compile(r"^(\d{4})年?()()$"),
]


def _date_from_text(text: str) -> dt.date | None:
    text = text.removesuffix("前").removesuffix("底").removesuffix("末")
    for form in _DATE_FORMS:
        m = form.match(text)
        if m:
            year, month, day = (int(g) if g else 1 for g in m.groups())
            try:
                return dt.date(year, month, day)  # month-only dates mean the first of the month
            except ValueError:
                return None
    return _date_fallback(text)


def _date_fallback(text: str) -> dt.date | None:
    """Other spellings with a four-digit year (30/06/2021, jun 2021), read by dateutil."""
    if not re.search(r"(?<!\d)(19|20|21)\d{2}(?!\d)", text):
        return None
    from dateutil import parser

    try:
        return parser.parse(text, default=dt.datetime(2000, 1, 1), dayfirst=True).date()
    except (ValueError, OverflowError):
        return None
