"""How values read on the pages: Chinese labels for verdicts and fields, local times."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..report.labels import field_label as report_field_label

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

def field_label(key: str) -> str:
    return report_field_label(key)


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
