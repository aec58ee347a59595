"""The facts a rule may test: the ledger's fields plus the facts the engine derives."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class FactType:
    name: str
    type: str  # text | enum | yesno | number | date
    values: tuple = ()
    label: str = ""
    derived: bool = False
    sources: tuple = ()  # the ledger fields or region attributes a derived fact comes from


REGION_SOURCES = ("city", "county")

#: facts the engine derives before the rules run (screening/engine/derive.py computes them)
DERIVED = {
    "energy": FactType("energy", "number", label="年综合能源消费量（范围判定口径）", derived=True,
                       sources=("energy_equal", "energy_equiv")),
    "two_high": FactType("two_high", "yesno", label="属于两高项目", derived=True,
                         sources=("sector", "energy_equal", "energy_equiv")),
    "region_air_quality": FactType("region_air_quality", "enum", ("达标", "未达标"),
                                   label="地区大气环境质量", derived=True, sources=REGION_SOURCES),
    "region_energy_target": FactType("region_energy_target", "enum", ("完成", "未完成"),
                                     label="地区上年度能耗双控目标", derived=True, sources=REGION_SOURCES),
    "region_pollution_target": FactType("region_pollution_target", "enum", ("完成", "未完成"),
                                        label="地区上年度污染物排放总量控制目标", derived=True,
                                        sources=REGION_SOURCES),
    "warning": FactType("warning", "enum", ("红色", "橙色", "黄色", "绿色"),
                        label="地区能耗双控预警等级", derived=True, sources=REGION_SOURCES),
    "red_months": FactType("red_months", "number", label="连续红色预警月数", derived=True,
                           sources=REGION_SOURCES),
}

#: ledger fields the engine fills in when blank, and what it fills them from
FILLED_FROM = {
    "capacity_category": ("capacity_category", "product"),
    "efficiency_level": ("efficiency_level", "unit_energy", "capacity_category", "product"),
}


@lru_cache(maxsize=1)
def fact_types() -> dict[str, FactType]:
    from ..fieldspec import load_field_spec

    types = {
        key: FactType(key, f.type, tuple(f.values or ()), f.label,
                      sources=FILLED_FROM.get(key, ()))
        for key, f in load_field_spec().fields.items()
    }
    types.update(DERIVED)
    return types


def source_fields(fact: str) -> tuple[str, ...]:
    """The ledger fields to fill in when `fact` is unknown."""
    kind = fact_types().get(fact)
    if kind is None or not kind.sources:
        return (fact,)
    return kind.sources
