"""The Henan 2021 decision table (with its national layer) as vectorised pandas expressions.

A yardstick only: it shows what this hardware does with the same table when nothing but
column arithmetic is involved, and it is an independent check of the engine. It reads the
same facts (one row per project: the typed ledger values plus the derived facts, computed here
again with column operations), applies SPEC §3 written out by hand, three-valued like the
engine (pandas' nullable "boolean" dtype is Kleene logic: a blank is unknown, `False & NA` is
False, `True | NA` is True), and gives per project: two_high, verdict, provisional and the set
of rules that fired. Parameters (sector list, thresholds, category lists, benchmarks, cities)
come from the ruleset file, so a change of parameter does not show up as a mismatch; the
conditions and outcomes are written here.

    from bench.reference import reference_verdicts, compare
    table = reference_verdicts(projects, load_ruleset("henan-2021"), as_of)
    mismatches = compare(table, verdicts)
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

HALT, RECTIFY, PROCEED, NOTE = "halt", "rectify", "proceed", "note"
SEVERITY = {NOTE: -1, PROCEED: 0, RECTIFY: 1, HALT: 2}
STAGES = ("拟建", "在建", "存量")
NEW = ("拟建", "在建")

TEXT = ("city", "sector", "product", "capacity_category", "build_type", "retrofit_purpose", "stage", "energy_review",
        "eia", "approval", "industrial_policy", "capacity_replacement", "reduction_substitution", "coal_substitution",
        "pollutant_reduction", "efficiency_level", "rectification")
FLAGS = ("adds_capacity", "eia_major_change_unapproved", "window_guidance", "industry_plan_compliant",
         "three_lines_compliant", "plan_eia_compliant", "total_control_met", "dual_control_analysis",
         "eia_carbon_analysis", "pollution_control_advanced", "limited_retrofit_increase", "energy_quota_purchased",
         "online_monitoring", "livelihood")
NUMBERS = ("energy_equal", "energy_equiv", "unit_energy")
DATES = ("last_diagnosis", "rectification_deadline")

# rule → {stage: outcome}: SPEC §3, the Henan table, the 存量 table and the national layer
OUTCOMES = {
    "ADM-4.1": {"拟建": HALT, "在建": HALT},
    "ADM-4.2a": {"拟建": RECTIFY, "在建": HALT},
    "ADM-4.2b": {"拟建": HALT, "在建": HALT},
    "ADM-4.3a": {"在建": HALT},
    "ADM-4.3b": {"在建": HALT},
    "ADM-4.3c": {"拟建": HALT, "在建": HALT},
    "ADM-4.3d": {"拟建": RECTIFY, "在建": HALT},
    "ADM-4.4a": {"拟建": RECTIFY, "在建": RECTIFY},
    "ADM-4.4b": {"拟建": HALT, "在建": HALT},
    "ADM-4.5a": {"拟建": RECTIFY, "在建": HALT},
    "ADM-4.5b": {"拟建": RECTIFY, "在建": HALT},
    "ADM-4.6": {"拟建": RECTIFY, "在建": HALT},
    "POL-11a": {"拟建": HALT},
    "POL-11b": {"拟建": HALT, "在建": HALT},
    "POL-11c": {"拟建": RECTIFY},
    "POL-11d": {"在建": HALT},
    "STD-17": {"拟建": RECTIFY},
    "QUO-15": {"拟建": RECTIFY},
    "REG-18a": {"拟建": HALT},
    "REG-18b": {"拟建": HALT},
    "REG-18c": {"拟建": HALT},
    "REG-18d": {"拟建": NOTE, "在建": NOTE, "存量": NOTE},
    "STK-9a": {"存量": HALT},
    "STK-9b": {"存量": HALT},
    "STK-9c": {"存量": HALT},
    "STK-9d": {"存量": PROCEED},
    "STK-10a": {"存量": RECTIFY},
    "STK-10b": {"存量": RECTIFY},
    "STK-16": {"存量": RECTIFY},
    "NAT-CP-6": {"在建": HALT},
    "NAT-AP-7": {"拟建": HALT, "在建": HALT},
}
LIFTS = {"STK-9d": ("STK-9a", "STK-9b")}
EXCLUSIONS = ("SCOPE-3-sector", "SCOPE-3-energy", "SCOPE-6-retrofit")


@dataclass
class Reference:
    table: pd.DataFrame  # index: position of the project; two_high, verdict, provisional, fired
    seconds_frame: float  # building the facts table from the projects
    seconds_rules: float  # the decision table and the verdicts

    @property
    def seconds(self) -> float:
        return self.seconds_frame + self.seconds_rules


def facts_table(projects, params: dict, as_of: dt.date) -> pd.DataFrame:
    """One row per project: typed ledger values (nullable dtypes) and the derived facts."""
    columns = list(TEXT + FLAGS + NUMBERS + DATES)
    raw = pd.DataFrame.from_records([p.values for p in projects], columns=columns)
    df = pd.DataFrame(index=raw.index)
    for c in TEXT:
        df[c] = raw[c].astype("string")
    for c in FLAGS:
        df[c] = raw[c].astype("boolean")
    for c in NUMBERS:
        df[c] = pd.to_numeric(raw[c]).astype("Float64")
    for c in DATES:
        df[c] = raw[c].map(_ordinal, na_action="ignore").astype("Float64")
    # derived: the energy basis, capacity category from the product, efficiency from unit energy
    energy = pd.Series(pd.NA, index=df.index, dtype="Float64")
    for key in reversed(params.get("energy_basis", ("energy_equal", "energy_equiv"))):
        energy = df[key].fillna(energy)
    df["energy"] = energy
    products = df["product"].dropna().unique()  # a ledger repeats its product texts: match each once
    keywords = list(params["capacity_keywords"].items())
    inferred = {text: next((c for c, words in keywords if any(w in text for w in words)), "无") for text in products}
    df["capacity_category"] = df["capacity_category"].fillna(df["product"].map(inferred).astype("string"))
    level = pd.Series(pd.NA, index=df.index, dtype="string")
    unit = df["unit_energy"]
    for category, bench in params["efficiency_benchmarks"].items():
        mine = (df["capacity_category"] == category).fillna(False).to_numpy(bool) & unit.notna().to_numpy(bool)
        grade = np.where(unit.fillna(0).to_numpy(float) <= bench["advanced"], "先进",
                         np.where(unit.fillna(0).to_numpy(float) <= bench["entry"], "准入", "低于准入"))
        level = level.mask(mine, pd.Series(grade, index=df.index, dtype="string"))
    df["efficiency_level"] = df["efficiency_level"].fillna(level)
    # derived: the project's region, whose status is computed once per region
    from screening.facts import region_status

    regions = {}
    keys = []
    for p in projects:
        r = p.region
        if r is None:
            keys.append(0)
            continue
        key = id(r)
        keys.append(key)
        if key not in regions:
            status = region_status(r, as_of)
            regions[key] = (r.air_quality, r.energy_target, r.pollution_target, status.get("warning"),
                            float(status.get("red_months") or 0) if status.get("warning") else None)
    keys = pd.Series(keys, index=df.index)
    names = ["region_air_quality", "region_energy_target", "region_pollution_target", "warning", "red_months"]
    for i, c in enumerate(names):
        mapped = keys.map({k: v[i] for k, v in regions.items()})
        df[c] = mapped.astype("Float64" if c == "red_months" else "string")
    return df


def _ordinal(day) -> int:
    return day.toordinal()


class _Table:
    """Three-valued column tests over a facts table."""

    def __init__(self, df: pd.DataFrame):
        self.df = df

    def eq(self, c, v):
        return (self.df[c] == v).astype("boolean")

    def ne(self, c, v):
        return (self.df[c] != v).astype("boolean")

    def isin(self, c, values):
        s = self.df[c]
        return s.isin(list(values)).astype("boolean").mask(s.isna(), pd.NA)

    def lt(self, c, v):
        return (self.df[c] < v).astype("boolean")

    def ge(self, c, v):
        return (self.df[c] >= v).astype("boolean")

    def known(self, c):
        return self.df[c].notna().astype("boolean")

    def yes(self, c):
        return self.df[c].astype("boolean")

    def no(self, c):
        return ~self.df[c].astype("boolean")


def _years_before(day: dt.date, years: float) -> dt.date:
    try:
        return day.replace(year=day.year - int(years))
    except ValueError:
        return day.replace(year=day.year - int(years), day=28)


def decision_table(df: pd.DataFrame, params: dict, as_of: dt.date) -> tuple[dict, dict, pd.Series]:
    """Exclusions and rules (Kleene boolean Series), and two_high."""
    t = _Table(df)
    cap_a, cap_b = params["capacity_replacement_categories"], params["reduction_substitution_categories"]
    new_build = t.isin("build_type", ("新建", "改建", "扩建")) | (t.eq("build_type", "技术改造") & t.yes("adds_capacity"))
    adds = t.yes("adds_capacity") | (~t.known("adds_capacity") & t.isin("build_type", ("新建", "扩建")))
    review_ok, eia_ok = t.eq("energy_review", "已批复"), t.eq("eia", "已批复")
    exclusions = {
        "SCOPE-3-sector": ~t.isin("sector", params["two_high_sectors"]),
        "SCOPE-3-energy": t.lt("energy", float(params["energy_threshold"])),
        "SCOPE-6-retrofit": (t.isin("stage", NEW) & t.eq("build_type", "技术改造") & t.no("adds_capacity")
                             & t.isin("retrofit_purpose", params["exempt_retrofit_purposes"])),
    }
    two_high = ~(exclusions["SCOPE-3-sector"] | exclusions["SCOPE-3-energy"] | exclusions["SCOPE-6-retrofit"])
    low = t.isin("efficiency_level", ("准入", "低于准入"))
    conditions = {
        "ADM-4.1": t.eq("region_air_quality", "未达标") & new_build & t.no("total_control_met"),
        "ADM-4.2a": t.isin("capacity_category", cap_a) & adds & t.ne("capacity_replacement", "已落实"),
        "ADM-4.2b": t.isin("capacity_category", cap_a) & adds & t.no("industry_plan_compliant"),
        "ADM-4.3a": ~review_ok,
        "ADM-4.3b": ~eia_ok | t.yes("eia_major_change_unapproved"),
        "ADM-4.3c": t.eq("industrial_policy", "淘汰类") | t.no("industry_plan_compliant") | t.no("three_lines_compliant"),
        "ADM-4.3d": t.no("plan_eia_compliant") | t.eq("coal_substitution", "未落实") | t.eq("pollutant_reduction", "未落实"),
        "ADM-4.4a": (review_ok & t.no("dual_control_analysis")) | (eia_ok & t.no("eia_carbon_analysis")),
        "ADM-4.4b": t.eq("warning", "红色"),
        "ADM-4.5a": t.isin("capacity_category", cap_b) & t.eq("reduction_substitution", "未落实"),
        "ADM-4.5b": t.isin("capacity_category", cap_b) & low,
        "ADM-4.6": ~t.isin("capacity_category", cap_b) & low,
        "POL-11a": t.eq("industrial_policy", "限制类") & t.ne("build_type", "技术改造"),
        "POL-11b": t.eq("build_type", "技术改造") & t.eq("industrial_policy", "限制类") & t.yes("limited_retrofit_increase"),
        "POL-11c": t.no("window_guidance"),
        "POL-11d": t.eq("approval", "未办理"),
        "STD-17": t.no("pollution_control_advanced"),
        "QUO-15": t.no("energy_quota_purchased"),
        "REG-18a": t.ge("red_months", float(params["red_warning_restriction_months"])) & ~review_ok,
        "REG-18b": t.eq("region_energy_target", "未完成") & ~review_ok & (~t.yes("livelihood")),
        "REG-18c": t.eq("region_pollution_target", "未完成") & ~eia_ok,
        "REG-18d": t.eq("red_months", float(params["red_warning_reminder_months"])),
        "STK-9a": t.isin("energy_review", ("未批复", "未通过")) | t.eq("eia", "未批复"),
        "STK-9b": t.eq("industrial_policy", "淘汰类"),
        "STK-10a": t.eq("efficiency_level", "低于准入"),
        "STK-10b": ~t.known("last_diagnosis")
                   | t.lt("last_diagnosis", _years_before(as_of, params["diagnosis_interval_years"]).toordinal()),
        "STK-16": t.no("online_monitoring"),
        "NAT-CP-6": t.eq("efficiency_level", "低于准入"),
        "NAT-AP-7": adds & t.isin("capacity_category", params["key_region_banned_categories"])
                    & t.isin("city", params["key_air_pollution_cities"]),
    }
    rules = {}
    for rule, outcome in OUTCOMES.items():
        if rule in ("STK-9c", "STK-9d"):
            continue
        rules[rule] = two_high & t.isin("stage", tuple(outcome)) & conditions[rule]
    finding = rules["STK-9a"] | rules["STK-9b"]  # fired → true, undetermined → unknown
    stock = two_high & t.isin("stage", ("存量",)) & finding
    rules["STK-9c"] = stock & t.ne("rectification", "已整改达标") & t.lt("rectification_deadline", as_of.toordinal())
    rules["STK-9d"] = (stock & t.eq("rectification", "已整改达标") & t.eq("region_energy_target", "完成")
                       & t.eq("region_pollution_target", "完成"))
    return exclusions, rules, two_high


def verdicts(df: pd.DataFrame, exclusions: dict, rules: dict, two_high: pd.Series) -> pd.DataFrame:
    """SPEC §3 "Verdict" and "Missing data" over the rule columns.

    `fired` is a bit set: bit i for RULE_BITS[i] (rules, or exclusions when out of scope).
    """
    n = len(df)
    stage = df["stage"].map({s: i for i, s in enumerate(STAGES)}).fillna(len(STAGES)).to_numpy(np.int64)
    fired = {r: s.fillna(False).to_numpy(bool) for r, s in rules.items()}
    lifted = {target: fired[lifter] for lifter, targets in LIFTS.items() for target in targets}
    verdict = np.zeros(n, dtype=np.int64)  # proceed
    potential = {}
    for rule, outcome in OUTCOMES.items():
        worst = max(SEVERITY[o] for o in outcome.values())
        table = np.array([SEVERITY[outcome[s]] if s in outcome else worst for s in STAGES] + [worst])
        potential[rule] = table[stage]
        counted = fired[rule] & (potential[rule] >= 0)
        if rule in lifted:
            counted &= ~lifted[rule]
        verdict = np.where(counted, np.maximum(verdict, potential[rule]), verdict)
    worse = np.zeros(n, dtype=bool)
    for rule, series in rules.items():
        worse |= series.isna().to_numpy(bool) & (potential[rule] > verdict)
    out_of_scope = (two_high == False).fillna(False).to_numpy(bool)  # noqa: E712 (Kleene, not identity)
    unknown = two_high.isna().to_numpy(bool)
    provisional = (unknown | worse) & ~out_of_scope
    verdict = np.where(provisional, np.maximum(verdict, SEVERITY[RECTIFY]), verdict)
    verdict = np.where(out_of_scope, SEVERITY[PROCEED], verdict)
    bits = np.zeros(n, dtype=np.int64)
    for i, name in enumerate(RULE_BITS):
        if name in fired:
            bits |= (fired[name] & ~out_of_scope).astype(np.int64) << i
        else:
            bits |= (exclusions[name].fillna(False).to_numpy(bool) & out_of_scope).astype(np.int64) << i
    names = np.array([PROCEED, RECTIFY, HALT])
    return pd.DataFrame({"two_high": np.where(unknown, None, ~out_of_scope).astype(object), "verdict": names[verdict],
                         "provisional": provisional, "fired": bits}, index=df.index)


RULE_BITS = tuple(OUTCOMES) + EXCLUSIONS


def fired_rules(bits: int) -> str:
    return " ".join(sorted(name for i, name in enumerate(RULE_BITS) if bits >> i & 1))


def reference_verdicts(projects, ruleset, as_of: dt.date) -> Reference:
    """The reference's verdicts for `projects`, timed (with the collector paused, as the engine is)."""
    from screening.gcpause import paused_gc

    params = ruleset.parameters_at(as_of)
    with paused_gc():
        start = time.perf_counter()
        df = facts_table(projects, params, as_of)
        middle = time.perf_counter()
        exclusions, rules, two_high = decision_table(df, params, as_of)
        table = verdicts(df, exclusions, rules, two_high)
        end = time.perf_counter()
    missing = set(ruleset.rules) - set(OUTCOMES) if isinstance(ruleset.rules, dict) else \
        {r.id for r in ruleset.rules} - set(OUTCOMES)
    if missing:
        raise ValueError(f"the reference does not cover rules {sorted(missing)}")
    return Reference(table, middle - start, end - middle)


def engine_row(verdict) -> tuple:
    """(two_high, verdict, provisional, fired rules) of an engine verdict, as the reference gives them."""
    fired = sorted(f.rule for f in verdict.findings if f.determined and f.rule not in ("PROCEED", "DATA-6"))
    return verdict.two_high, verdict.verdict, bool(verdict.provisional), " ".join(fired)


def compare(reference: Reference, engine_verdicts) -> list[str]:
    """Projects where the engine and the reference disagree, described."""
    problems = []
    table = reference.table
    for i, (v, th, verdict, provisional, fired) in enumerate(zip(engine_verdicts, table["two_high"], table["verdict"],
                                                                 table["provisional"], table["fired"])):
        ref = (th, verdict, bool(provisional), fired_rules(int(fired)))
        got = engine_row(v)
        if got != ref:
            where = f"row {v.project.row}" if v.project is not None else f"#{i}"
            problems.append(f"{where}: engine {got} / reference {ref}")
    return problems
