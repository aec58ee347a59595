"""How values read on the pages: Chinese labels for verdicts and fields, local times."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8), "CST")

VERDICT_LABELS = {"halt": "停止", "rectify": "整改", "proceed": "推进", "note": "提醒"}
VERDICT_LONG = {
    "halt": "停止（停工 / 停批 / 停产）",
    "rectify": "整改后推进",
    "proceed": "可以推进",
    "note": "提醒",
}
STATE_LABELS = {"queued": "排队中", "running": "筛查中", "done": "已完成", "failed": "失败"}
FLAG_LABELS = {"outside": "辖区外", "blank": "未填地区"}

# Labels for keys the ledger schema does not name (derived facts, region facts).
EXTRA_LABELS = {
    "energy": "综合能源消费量（筛查口径）",
    "warning": "能耗双控预警等级",
    "red_months": "连续红色预警月数",
    "air_quality": "大气环境质量",
    "energy_target": "上年度能耗双控目标",
    "pollution_target": "上年度污染物排放总量控制目标",
    "region": "地区",
    "region_air_quality": "所在地区大气环境质量",
    "region_energy_target": "所在地区上年度能耗双控目标",
    "region_pollution_target": "所在地区上年度污染物总量目标",
    "category": "产能类别",
}


@lru_cache(maxsize=1)
def field_labels() -> dict[str, str]:
    """key → Chinese label, from the ledger field spec (schemas/ledger-fields.yaml)."""
    labels = dict(EXTRA_LABELS)
    for path in (Path(__file__).resolve().parents[2] / "schemas" / "ledger-fields.yaml",
                 Path(__file__).resolve().parents[1] / "schemas" / "ledger-fields.yaml"):
        if path.is_file():
            try:
                import yaml

                spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                for key, info in (spec.get("fields") or {}).items():
                    if isinstance(info, dict) and info.get("label"):
                        labels[key] = info["label"]
            except Exception:  # noqa: BLE001 - labels are a nicety; keys still read
                pass
            break
    return labels


def field_label(key: str) -> str:
    return field_labels().get(key, key)


def fmt_value(value: Any) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    if isinstance(value, dict):
        return "；".join(f"{k}: {fmt_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(fmt_value(v) for v in value)
    return str(value)


def localtime(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def two_high_label(value: bool | None) -> str:
    return {True: "是", False: "否（不属于两高）", None: "无法判断（行业或能耗缺失）"}[value]


def register_filters(env) -> None:
    env.filters.update({
        "verdict_label": lambda v: VERDICT_LABELS.get(v or "", v or "—"),
        "verdict_long": lambda v: VERDICT_LONG.get(v or "", v or "—"),
        "state_label": lambda v: STATE_LABELS.get(v or "", v),
        "flag_label": lambda v: FLAG_LABELS.get(v or "", ""),
        "field_label": field_label,
        "fmt": fmt_value,
        "localtime": localtime,
        "two_high": two_high_label,
    })
