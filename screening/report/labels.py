"""Chinese (and English) words the outputs share: verdicts, outcomes, field names."""
from __future__ import annotations

from functools import lru_cache

from ..errors import RulesetError
from ..ruleset.vocabulary import fact_types
from ..model import Verdict

VERDICT_ZH = {"halt": "叫停", "rectify": "限期整改", "proceed": "正常推进"}
VERDICT_EN = {"halt": "halt", "rectify": "rectify", "proceed": "proceed"}
OUTCOME_ZH = {**VERDICT_ZH, "note": "提醒"}
NO_VERDICT_ZH = "无法判定"
PROVISIONAL_ZH = "（待定）"
OUT_OF_SCOPE_ZH = "（不属于两高）"
TWO_HIGH_ZH = {True: "是", False: "否", None: "待定"}

#: Region attributes a verdict may ask to fill in ("missing"), and the region sheet's own columns.
REGION_FIELD_ZH = {
    "region": "地区",
    "region.air_quality": "地区预警表：大气环境质量",
    "region.energy_target": "地区预警表：上年度能耗双控目标",
    "region.pollution_target": "地区预警表：上年度污染物排放总量控制目标",
    "region.months": "地区预警表：各月预警等级",
    "air_quality": "大气环境质量",
    "energy_target": "上年度能耗双控目标",
    "pollution_target": "上年度污染物排放总量控制目标",
}


@lru_cache(maxsize=1)
def _field_labels() -> dict[str, str]:
    # The fact vocabulary labels every ledger field (from the field spec) and every derived fact.
    try:
        facts = fact_types()
    except RulesetError:  # labels are cosmetic: a report still comes out, naming keys
        return dict(REGION_FIELD_ZH)
    return {**REGION_FIELD_ZH, **{key: kind.label for key, kind in facts.items() if kind.label}}


def field_label(key: str) -> str:
    """The Chinese name of a canonical field key; the key itself when none is known."""
    return _field_labels().get(key, key)


def outcome_label(outcome: str | None) -> str:
    return OUTCOME_ZH.get(outcome or "", outcome or "")


def verdict_label(v: Verdict) -> str:
    """处置结论 as a person reads it: 叫停（待定）, 正常推进（不属于两高）, or 无法判定."""
    if v.error:
        return NO_VERDICT_ZH
    text = VERDICT_ZH.get(v.verdict, v.verdict or NO_VERDICT_ZH)
    if v.provisional:
        text += PROVISIONAL_ZH
    if v.two_high is False:
        text += OUT_OF_SCOPE_ZH
    return text


def verdict_key(v: Verdict) -> str:
    """halt | rectify | proceed, or "error" for a row the engine could not judge."""
    return "error" if v.error or v.verdict not in VERDICT_ZH else v.verdict
