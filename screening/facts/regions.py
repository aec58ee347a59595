"""Henan place names, matching a project to its region record, and the warning status.

A project takes its county's record, else its city's (SPEC §2). Names are compared after
normalising: the 17 省辖市 and 济源示范区 by their short names (郑州 → 郑州市), counties
with or without their 县/区/市 suffix.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import Any

from ..ingest.regions import month_key, normalise_attribute, normalise_level
from ..model import RegionRecord

HENAN_CITIES = {short: f"{short}市" for short in (
    "郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河", "三门峡",
    "南阳", "商丘", "信阳", "周口", "驻马店")}
HENAN_CITIES["济源"] = "济源示范区"
_CITY_PREFIX = re.compile("^(" + "|".join(sorted(HENAN_CITIES, key=len, reverse=True)) + r")(市|示范区|产城融合示范区)?")


def clean_name(text: Any) -> str:
    return re.sub(r"[\s\"'“”]+", "", unicodedata.normalize("NFKC", str(text or "")))


@lru_cache(maxsize=4096)  # a ledger names a few dozen places over thousands of rows
def canonical_city(text: Any) -> str | None:
    """郑州 / 郑州市 → 郑州市; 济源 / 济源市 / 济源产城融合示范区 → 济源示范区; else None."""
    name = clean_name(text).removeprefix("河南省")
    m = _CITY_PREFIX.match(name)
    if m and m.end() == len(name):
        return HENAN_CITIES[m.group(1)]
    return None


@lru_cache(maxsize=4096)
def split_county(text: Any) -> tuple[str | None, str]:
    """(city, county) from a county cell that may start with its city: 郑州市中牟县 → (郑州市, 中牟县)."""
    name = clean_name(text).removeprefix("河南省")
    m = _CITY_PREFIX.match(name)
    if m and m.end() < len(name) and m.group(2):
        return HENAN_CITIES[m.group(1)], name[m.end():]
    return None, name


def county_base(name: str) -> str:
    """中牟县 → 中牟; 偃师区 → 偃师; names that would shrink to one character stay whole."""
    stripped = re.sub(r"(县|区|市)$", "", name)
    return stripped if len(stripped) >= 2 else name


class RegionIndex:
    """Looks up region records by city and county as ledgers write them."""

    def __init__(self, records: list[RegionRecord]):
        self.cities: dict[str, RegionRecord] = {}
        self.counties: dict[str, RegionRecord] = {}
        bases: dict[str, list[RegionRecord]] = {}
        for record in records:
            city = canonical_city(record.name)
            if city:
                self.cities.setdefault(city, record)
                continue
            name = split_county(record.name)[1]
            self.counties.setdefault(name, record)
            bases.setdefault(county_base(name), []).append(record)
        # a base name two records share (城关 in two cities) is no match at all
        self.bases = {base: recs[0] for base, recs in bases.items() if len(recs) == 1}

    def __bool__(self) -> bool:
        return bool(self.cities or self.counties)

    def find(self, city: str | None, county: str | None) -> RegionRecord | None:
        if county:
            record = self.counties.get(county) or self.bases.get(county_base(county))
            if record:
                return record
        return self.cities.get(city) if city else None


def region_from_mapping(data: dict) -> RegionRecord:
    """A RegionRecord from a test case's region dict, spelled as a region sheet would spell it."""
    record = RegionRecord(name=str(data.get("name", "")), sheet="cases")
    for attribute in ("air_quality", "energy_target", "pollution_target"):
        if data.get(attribute) is not None:
            value = normalise_attribute(attribute, data[attribute])
            if value is None:
                raise ValueError(f"region {attribute}: {data[attribute]!r} is not recognised")
            setattr(record, attribute, value)
    for month, level in (data.get("months") or {}).items():
        key, canonical = month_key(month), normalise_level(level)
        if key is None or canonical is None:
            raise ValueError(f"region month {month!r}: {level!r} is not a month and warning level")
        record.months[key] = canonical
    return record


def region_status(record: RegionRecord, as_of: dt.date) -> dict:
    """The warning in force on `as_of` and how many consecutive months it has been red.

    warning: the level of the latest month on or before as_of (None if there is none);
    red_months: consecutive 红色 calendar months ending at that month (a gap breaks the run).
    """
    current = f"{as_of.year:04d}-{as_of.month:02d}"
    months = sorted(m for m in record.months if m <= current)
    if not months:
        return {"warning": None, "warning_month": None, "red_months": 0}
    latest = months[-1]
    red, month = 0, latest
    while record.months.get(month) == "红色":
        red += 1
        month = _previous_month(month)
    return {"warning": record.months[latest], "warning_month": latest, "red_months": red}


def _previous_month(key: str) -> str:
    year, month = int(key[:4]), int(key[5:7])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"
