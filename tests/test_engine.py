"""The durable_rules engine agrees with the three-valued evaluator, and a failing project loses no row."""
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening import load_ruleset, screen
from screening.engine import Engine, compile_ruleset
from screening.model import SEVERITY, ProjectFacts, RegionRecord
from screening.ruleset.vocabulary import fact_types
from screening.verdicts import check_consistency, decide

AS_OF = dt.date(2021, 12, 31)
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engine():
    return Engine(compile_ruleset(load_ruleset("henan-2021"), AS_OF))


def _value_strategy(kind):
    if kind.type == "yesno":
        return st.booleans()
    if kind.type == "enum":
        return st.sampled_from(kind.values)
    if kind.type == "number":
        return st.sampled_from([0.0, 5000.0, 9999.0, 10000.0, 50000.0, 98.0, 110.0, 125.0, 13100.0, 13500.0])
    if kind.type == "date":
        return st.sampled_from([dt.date(2015, 1, 1), dt.date(2019, 6, 30), dt.date(2021, 6, 30), dt.date(2022, 6, 30)])
    return st.sampled_from(["郑州市", "南阳市", "年产100万吨水泥熟料", "电解铝", "甲醇", "其他产品"])


LEDGER_FACTS = {name: kind for name, kind in fact_types().items() if not kind.derived}
REGIONS = st.one_of(st.none(), st.builds(
    lambda air, energy, pollution, levels: RegionRecord(
        name="测试市", air_quality=air, energy_target=energy, pollution_target=pollution,
        months={f"2021-{m:02d}": level for m, level in zip((10, 11, 12), levels) if level}),
    st.sampled_from(["达标", "未达标", None]), st.sampled_from(["完成", "未完成", None]),
    st.sampled_from(["完成", "未完成", None]),
    st.lists(st.sampled_from(["红色", "橙色", "绿色", None]), min_size=3, max_size=3)))


@st.composite
def projects(draw):
    """Projects of random facts, each field either blank or one of its values."""
    values = {}
    for name, kind in LEDGER_FACTS.items():
        if name in ("project_id", "name", "owner", "county"):
            continue
        if draw(st.booleans()) or name in ("sector", "stage", "energy_equal"):
            if draw(st.integers(0, 9)) > 0:  # mostly known, sometimes blank
                values[name] = draw(_value_strategy(kind))
    if values.get("sector") and draw(st.booleans()):
        values["sector"] = draw(st.sampled_from(["钢铁", "化工", "建材"]))
    return ProjectFacts("随机", 2, "random", values, {}, region=draw(REGIONS))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(project=projects())
def test_engine_agrees_with_the_three_valued_evaluator(engine, project):
    result = engine.screen_one(project, "p")
    assert result.error is None
    assert check_consistency(result, engine.compiled) == []
    verdict = decide(result, engine.compiled)
    assert verdict.verdict in ("halt", "rectify", "proceed")
    if verdict.provisional:
        assert verdict.missing, "a provisional verdict must say what to fill in"
        assert any(f.rule == "DATA-6" for f in verdict.findings)
    if verdict.two_high is False:
        assert verdict.verdict == "proceed" and all(f.rule.startswith("SCOPE-") for f in verdict.findings)
    # check_consistency compares rules only for in-scope projects: scope gets its own oracle (SPEC §3 Scope)
    expected_scope = _spec_scope(project.values)
    if expected_scope is not None:
        assert verdict.two_high is expected_scope, (expected_scope, project.values)
    # SPEC §3 Verdict: the most severe counted outcome; a provisional verdict is at least rectify
    if verdict.two_high is not False:
        counted = [f.outcome for f in verdict.findings
                   if f.determined and not f.lifted_by and f.outcome != "note"]
        expected = max(counted + ["proceed"], key=SEVERITY.get)
        if verdict.provisional:
            expected = max(expected, "rectify", key=SEVERITY.get)
        assert verdict.verdict == expected
        if verdict.could_become is not None:
            assert verdict.provisional and SEVERITY[verdict.could_become] > SEVERITY[verdict.verdict]


TWO_HIGH_SECTORS = {"煤电", "石化", "化工", "煤化工", "钢铁", "焦化", "建材", "有色"}  # SPEC §3, written out


def _spec_scope(values: dict) -> bool | None:
    """SPEC §3 scope where it is decided without the retrofit exemption; None where this oracle abstains."""
    sector = values.get("sector")
    energy = values.get("energy_equal", values.get("energy_equiv"))
    if (sector is not None and sector not in TWO_HIGH_SECTORS) or (energy is not None and energy < 10000):
        return False
    if sector is None or energy is None:
        return None
    if values.get("stage") == "存量" or values.get("build_type") in ("新建", "改建", "扩建"):
        return True
    return None


def test_every_demo_project_agrees_with_the_evaluator(engine):
    from screening.facts import build_facts
    from screening.ingest import read_ledger

    projects_, _ = build_facts(read_ledger(ROOT / "sample_data" / "henan-demo-ledger.xlsx"))
    assert len(projects_) > 40
    results = engine.screen(projects_)
    assert [r.project.row for r in results] == [p.row for p in projects_]
    for result in results:
        assert result.error is None, result.project.key
        assert check_consistency(result, engine.compiled) == [], result.project.key
    # check_consistency compares rules only for projects in (or possibly in) scope: make sure there are many
    in_scope = [r for r in results if r.two_high is not False]
    assert len(in_scope) > 20 and sum(1 for r in in_scope if any(x.determined for x in r.results.values())) > 10


def test_a_project_whose_rules_fail_keeps_its_row_with_the_reason(monkeypatch):
    import screening.engine.runner as runner

    ledger = ROOT / "sample_data" / "tests" / "minimal-ledger.xlsx"
    rows = [v.project.row for v in screen(ledger, as_of=AS_OF).verdicts]
    failing_row = rows[1]
    real_derive = runner.derive

    def failing_derive(project, params, as_of):
        if project.row == failing_row:
            raise ValueError("simulated failure")
        return real_derive(project, params, as_of)

    monkeypatch.setattr(runner, "derive", failing_derive)
    run = screen(ledger, as_of=AS_OF)
    assert [v.project.row for v in run.verdicts] == rows  # nothing lost, input order
    failed = [v for v in run.verdicts if v.error]
    assert [v.project.row for v in failed] == [failing_row]
    assert failed[0].verdict is None and "simulated failure" in failed[0].error
    assert any(i.type == "engine-error" and i.row == failing_row for i in run.issues)
    assert all(v.verdict for v in run.verdicts if not v.error)


def test_an_exception_inside_a_durable_action_is_reported_not_swallowed(engine, monkeypatch):
    """durable_rules swallows action exceptions into the session state (#305): we must read it."""
    project = ProjectFacts("s", 3, "k", {"sector": "钢铁", "energy_equal": 50000.0, "stage": "在建"}, {})

    def broken(*args, **kwargs):
        raise RuntimeError("boom in an action")

    monkeypatch.setattr(engine, "_on_rule", broken)
    result = engine.screen_one(project, "x")
    assert result.error and "boom in an action" in result.error
    assert decide(result, engine.compiled).error


def test_sessions_are_deleted_after_each_project(engine):
    for index in range(1100):  # more than durable's 1,024 live sessions per ruleset
        result = engine.screen_one(ProjectFacts("s", index, f"k{index}", {"sector": "其他", "energy_equal": 1.0}, {}),
                                   str(index))
        assert result.error is None and result.two_high is False, (index, result.error)
    assert engine._sessions == {}
    # after all that the engine still decides, and one project's facts do not leak into the next
    halting = engine.screen_one(ProjectFacts("s", 1, "h", {"sector": "钢铁", "energy_equal": 50000.0, "stage": "在建",
                                                           "build_type": "新建", "energy_review": "未批复"}, {}), "h")
    assert halting.error is None and halting.two_high is True and halting.results["ADM-4.3a"].determined
    clean = engine.screen_one(ProjectFacts("s", 2, "c", {"sector": "钢铁", "energy_equal": 50000.0, "stage": "在建",
                                                         "build_type": "新建", "energy_review": "已批复"}, {}), "c")
    assert clean.error is None and "ADM-4.3a" not in clean.results
