"""Facts: ledger rows → typed, normalised facts per project, with the issues found on the way.

A blank cell leaves its key out of `values` (missing is not false). A value that cannot be
read is an `invalid-value` issue and its key is left out too, so the engine treats it as
unknown rather than guessing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from ..fieldspec import FieldDef, load_field_spec
from ..issues import Issue
from ..model import Column, Ledger, ProjectFacts, RowCells, SourceRow
from .regions import RegionIndex, canonical_city, region_from_mapping, region_status, split_county
from .values import Unreadable, is_blank, parse_date, parse_enum, parse_number, parse_text, parse_yesno

__all__ = ["build_facts", "facts_from_mapping", "region_status"]

ENERGY_FIELDS = ("energy_equal", "energy_equiv")
SCALE_LIMIT_WAN = 1000  # 万吨标准煤: above 10^7 tce no single project is plausible
SCALE_FLOOR_TONNES = 10  # 吨标准煤: a producing plant below 10 tce was likely written in 万吨


def build_facts(ledger: Ledger) -> tuple[list[ProjectFacts], list[Issue]]:
    """Facts for every project row of the ledger, in input order, and the issues found.

    The issues returned are this stage's only; ledger.issues and ledger.skipped stay
    with the ledger. Cells are read a column at a time: a column's values repeat, and
    its reader answers a repeated value from memory.
    """
    spec = load_field_spec().fields
    regions = RegionIndex(ledger.regions)
    columns = _field_columns(ledger.columns, spec)
    letters = {c.field: c.letter for c in columns}
    facts = [ProjectFacts(sheet=ledger.sheet, row=row.row, key="", values={}, cells=RowCells(letters, row.row))
             for row in ledger.rows]
    readers = {c.field: CellReader(spec[c.field], c.scale) for c in columns}
    for column in columns:
        _read_column(facts, ledger.rows, column, readers[column.field])
    energy = [(c, readers[c.field]) for c in columns if c.field in ENERGY_FIELDS]
    for f in facts:
        _finish(f, energy, regions)
    _unique_keys(facts, ledger.sheet)
    run_issues = []
    if not regions and facts:
        run_issues.append(Issue(type="region-issue", sheet=ledger.sheet,
                                message="未提供地区预警表：依赖地区预警等级、大气环境质量和目标完成情况的规则无法判断",
                                message_en="no region table: rules on regional warnings, air quality and targets cannot be decided"))
    issues = [i for f in facts for i in f.issues] + run_issues
    return facts, issues


def facts_from_mapping(values: dict, *, region: dict | None = None, row: int = 1, sheet: str = "cases") -> ProjectFacts:
    """Facts from a test case: values written as a ledger writes them, or already typed.

    Unknown keys are kept as given (with an issue), so a case can state what it needs.
    """
    spec = load_field_spec().fields
    facts = ProjectFacts(sheet=sheet, row=row, key="", values={}, cells={})
    scales: dict[str, float] = {}
    for key, value in values.items():
        f = spec.get(key)
        if f is None:
            facts.values[key] = value
            facts.issues.append(Issue(type="unknown-column", sheet=sheet, row=row, field=key, value=_shown(value),
                                      message=f"“{key}”不是台账字段，原样保留", message_en=f"{key!r} is not a ledger field; kept as given"))
            continue
        if value is not None:
            scales[key] = _record(facts, read_value(f, value), key, value, None).scale
    _normalise_places(facts)
    _check_scale(facts, scales, {})
    facts.key = str(facts.values.get("project_id") or f"row-{row}")
    facts.region = region_from_mapping(region) if region is not None else None
    return facts


def _field_columns(columns: list[Column], spec: dict[str, FieldDef]) -> list[Column]:
    """The columns that carry a field, one per field (the last, as a dict by field kept it)."""
    by_field = {c.field: c for c in columns if c.field in spec}
    return list(by_field.values())


def _read_column(facts: list[ProjectFacts], rows: list[SourceRow], column: Column, read: "CellReader") -> None:
    """One field's cell in every row: its typed value, or the issue saying why there is none."""
    key, index, seen = column.field, column.index, read.seen
    for f, row in zip(facts, rows):
        values = row.values
        value = values[index] if index < len(values) else None
        if value is None:
            continue
        try:
            reading = seen.get((value.__class__, value)) or read(value)
        except TypeError:  # unhashable
            reading = read(value)
        if reading.blank:
            continue
        f.raw[key] = value
        if reading.problem:
            f.issues.append(_issue(reading.problem, f, column, key, value, reading.zh, reading.en))
        elif reading.value != "":
            f.values[key] = reading.value


def _finish(facts: ProjectFacts, energy: list[tuple[Column, "CellReader"]], regions: RegionIndex) -> None:
    """What needs the whole row: places, the energy unit check, the key and the region."""
    _normalise_places(facts)
    scales = {c.field: read(facts.raw[c.field]).scale for c, read in energy if c.field in facts.values}
    _check_scale(facts, scales, {c.field: c for c, _ in energy})
    if not facts.values.get("name") and not facts.values.get("project_id"):
        facts.issues.append(_issue("missing-value", facts, None, "name", None,
                                   "项目名称和项目代码均为空，无法识别是哪个项目（仍按其余信息判断）",
                                   "neither project name nor project code is given (the row is still screened)"))
    facts.key = str(facts.values.get("project_id") or f"row-{facts.row}")
    _attach_region(facts, regions)


class Reading(NamedTuple):
    """What one cell value means for its field: a typed value, a blank, or a problem."""

    value: Any = None
    scale: float = 1.0  # numbers: the unit scale applied (the column's, or the cell's own unit)
    blank: bool = False
    problem: str | None = None  # invalid-value | out-of-range
    zh: str = ""
    en: str = ""


_BLANK = Reading(blank=True)


def read_value(f: FieldDef, value: Any, column_scale: float = 1.0) -> Reading:
    """Type one cell value as field `f` wants it (pure: the same value always reads the same)."""
    kind = value.__class__
    if (kind is int or kind is float) and f.type == "number":  # the common case, made short
        typed = value * column_scale
        if f.min is None or typed >= f.min:
            return Reading(float(typed), column_scale)
    elif kind is dt.datetime and f.type == "date":
        return Reading(value.date())
    if is_blank(value):
        return _BLANK
    scale = column_scale
    try:
        if f.type == "number":
            number = parse_number(value, column_scale)
            typed, scale = number.value, number.scale
        else:
            typed = _typed(f, value)
    except Unreadable as exc:
        zh, en = exc.accepted
        return Reading(problem="invalid-value", zh=f"{f.label}的值“{_shown(value)}”无法识别，应为：{zh}",
                       en=f"{f.en}: value {_shown(value)!r} not recognised; expected {en}")
    if f.type == "number" and f.min is not None and typed < f.min:
        return Reading(problem="out-of-range", zh=f"{f.label}的值 {_shown(value)} 小于下限 {f.min:g}，按空白处理",
                       en=f"{f.en}: {_shown(value)} is below the minimum {f.min:g}; treated as blank")
    return Reading(typed, scale)


class CellReader:
    """read_value for one column, remembering what each distinct value read as.

    Ledger columns repeat a few spellings (是, 否, 在建, 未落实, 文号…) over thousands of rows,
    so most cells are a dictionary lookup. The type is part of the key: 1, 1.0 and True are
    equal in Python but read differently (True is not a number).
    """

    LIMIT = 20_000  # distinct values remembered per column (names and ids never repeat)

    def __init__(self, f: FieldDef, scale: float = 1.0):
        self.field, self.scale = f, scale
        self.seen: dict[tuple[type, Any], Reading] = {}

    def __call__(self, value: Any) -> Reading:
        key = (value.__class__, value)
        try:
            reading = self.seen.get(key)
        except TypeError:  # an unhashable value: read it every time
            return read_value(self.field, value, self.scale)
        if reading is None:
            reading = read_value(self.field, value, self.scale)
            if len(self.seen) < self.LIMIT:
                self.seen[key] = reading
        return reading


def _record(facts: ProjectFacts, reading: Reading, key: str, value: Any, column: Column | None) -> Reading:
    """Put one cell's reading into facts: its value, or the issue saying why there is none."""
    if reading.blank:
        return reading
    facts.raw[key] = value
    if reading.problem:
        facts.issues.append(_issue(reading.problem, facts, column, key, value, reading.zh, reading.en))
    elif reading.value != "":  # text of nothing but invisible characters: written, yet no value
        facts.values[key] = reading.value
    return reading


def _typed(f: FieldDef, value: Any) -> Any:
    if f.type == "yesno":
        return parse_yesno(value)
    if f.type == "enum":
        return parse_enum(value, f)
    if f.type == "date":
        return parse_date(value)
    return parse_text(value)


def _check_scale(facts: ProjectFacts, scales: dict[str, float], columns: dict[str, Column]) -> None:
    """Energy that looks 10^4 off: kept as read, but reported so a person checks the unit."""
    for key in ENERGY_FIELDS:
        if key not in facts.values:
            continue
        raw, value = facts.raw[key], facts.values[key]
        scale = scales[key]
        column = columns.get(key)
        if scale == 1e4 and value / scale > SCALE_LIMIT_WAN:
            zh = f"按万吨标准煤计为 {value / scale:g} 万吨（即 {value:,.0f} 吨标准煤），数值过大，疑似按吨填写"
            en = f"{value / scale:g} 万吨 tce is {value:,.0f} tce, too large: probably written in tonnes"
        elif scale == 1 and 0 < value < SCALE_FLOOR_TONNES and facts.values.get("product"):
            zh = f"以吨标准煤计仅 {value:g} 吨，而项目有产品产能，疑似按万吨标准煤填写"
            en = f"only {value:g} tce for a producing project: probably written in 万吨 tce"
        else:
            continue
        facts.issues.append(_issue("suspicious-scale", facts, column, key, raw, zh, en))


def _normalise_places(facts: ProjectFacts) -> None:
    """Canonical city (郑州 → 郑州市); a county cell that starts with its city gives both."""
    values = facts.values
    if "county" in values:
        city, county = split_county(values["county"])
        values["county"] = county
        if canonical_city(county):  # the county cell names a city (济源示范区)
            city, county = canonical_city(county), None
            del values["county"]
        if city and "city" not in values:
            values["city"] = city
            if "county" in facts.cells:
                facts.cells["city"] = facts.cells["county"]
    if "city" in values:
        values["city"] = canonical_city(values["city"]) or values["city"]


def _attach_region(facts: ProjectFacts, regions: RegionIndex) -> None:
    if not regions:
        return
    city, county = facts.values.get("city"), facts.values.get("county")
    facts.region = regions.find(city, county)
    if facts.region is None:
        where = "、".join(x for x in (city, county) if x) or "（未填写）"
        facts.issues.append(_issue("unknown-region", facts, None, "county" if county else "city", county or city,
                                   f"地区“{where}”在地区预警表中找不到，地区相关规则无法判断",
                                   f"region {where!r} is not in the region table; region rules cannot be decided"))


def _unique_keys(facts: list[ProjectFacts], sheet: str) -> None:
    """Project codes must be unique: later duplicates get an issue and a key made unique."""
    first: dict[str, int] = {}
    for f in facts:
        pid = f.values.get("project_id")
        if pid is not None and pid in first:
            issue = Issue(type="duplicate-id", sheet=sheet, row=f.row, column=_letter(f.cells.get("project_id")),
                          field="project_id", value=pid,
                          message=f"项目代码“{pid}”与第 {first[pid]} 行重复", message_en=f"project code {pid!r} repeats row {first[pid]}")
            f.issues.append(issue)
        elif pid is not None:
            first[pid] = f.row
    seen: set[str] = set()
    for f in facts:
        if f.key in seen:
            f.key = f"{f.key}@row-{f.row}"
        seen.add(f.key)


def _issue(kind: str, facts: ProjectFacts, column: Column | None, field: str | None, value: Any, zh: str, en: str) -> Issue:
    letter = column.letter if column else _letter(facts.cells.get(field or ""))
    return Issue(type=kind, sheet=facts.sheet, row=facts.row, column=letter, field=field, value=_shown(value),
                 message=zh, message_en=en)


def _letter(cell: str | None) -> str | None:
    return cell.rstrip("0123456789") if cell else None


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value)
