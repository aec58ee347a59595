"""Loading rulesets: the Henan ruleset is valid and quotes its sources; bad ones fail where they are bad."""
import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from screening import RulesetError, load_ruleset
from screening.ruleset.loader import RULESETS_DIR

POLICY_DIR = Path(__file__).resolve().parents[2] / "shared" / "policy"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def ruleset_copy(tmp_path):
    """A copy of rulesets/ to seed errors into."""
    target = tmp_path / "rulesets"
    shutil.copytree(RULESETS_DIR, target)
    # the copy's cases path must not matter for loading
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_henan_ruleset_loads_with_metadata_and_every_table_rule():
    ruleset = load_ruleset("henan-2021")
    assert (ruleset.id, ruleset.version) == ("henan-2021", "1.0.0")
    assert ruleset.title and ruleset.issuer and ruleset.date
    table = ["ADM-4.1", "ADM-4.2a", "ADM-4.2b", "ADM-4.3a", "ADM-4.3b", "ADM-4.3c", "ADM-4.3d", "ADM-4.4a",
             "ADM-4.4b", "ADM-4.5a", "ADM-4.5b", "ADM-4.6", "POL-11a", "POL-11b", "POL-11c", "POL-11d", "STD-17",
             "QUO-15", "REG-18a", "REG-18b", "REG-18c", "REG-18d", "STK-9a", "STK-9b", "STK-9c", "STK-9d",
             "STK-10a", "STK-10b", "STK-16", "NAT-CP-6", "NAT-AP-7"]
    assert sorted(r.id for r in ruleset.rules) == sorted(table)
    assert len(ruleset.sha256) == 64


def test_parameters_carry_sources_and_the_spec_values():
    params = load_ruleset("henan-2021").parameters
    day = dt.date(2021, 12, 31)
    assert params["energy_threshold"].at(day) == 10000
    assert params["energy_basis"].at(day)[0] == "energy_equal"
    assert params["diagnosis_interval_years"].at(day) == 5
    assert params["efficiency_benchmarks"].at(day)["水泥熟料"] == {
        "indicator": "单位产品综合能耗", "unit": "kgce/t", "advanced": 100, "entry": 117}
    assert params["efficiency_benchmarks"].at(day)["电解铝"]["advanced"] == 13000
    assert "郑州市" in params["key_air_pollution_cities"].at(day)
    for parameter in params.values():
        for dated in parameter.values:
            assert dated.source.get("clause") or dated.source.get("citation"), parameter.name


def test_every_clause_is_quoted_verbatim_from_the_policy_text():
    ruleset = load_ruleset("henan-2021")
    sources = {key: (POLICY_DIR / doc["source"]).read_text(encoding="utf-8")
               for key, doc in ruleset.documents.items()}
    cited = {c for rule in ruleset.rules for c in rule.clauses}
    assert len(cited) > 10 and cited <= set(ruleset.clauses)  # the loop below checks every cited clause
    for clause in ruleset.clauses.values():
        excerpts = [e for e in clause.text.split("……") if e.strip()]
        assert excerpts and sum(map(len, excerpts)) >= 10, f"{clause.id}: no quoted text"
        for excerpt in excerpts:
            assert excerpt in sources[clause.document], f"{clause.id}: not verbatim: {excerpt[:40]}"


def test_henan_refs_follow_the_paragraph_numbering():
    clauses = load_ruleset("henan-2021").clauses
    assert (clauses["4.2"].ref, clauses["4.2"].label) == ("4.2", "（四）2")
    assert clauses["18"].ref == "18" and clauses["18"].label == "（十八）"
    assert clauses["cp-3.3.6"].document == "cn-carbon-peak-2030"


def test_unknown_fact_fails_at_load_with_file_line_and_did_you_mean(ruleset_copy):
    path = ruleset_copy / "henan-2021.yaml"
    _edit(path, "{fact: total_control_met, is: false}", "{fact: total_control_mett, is: false}")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    message = str(caught.value)
    assert "henan-2021.yaml:" in message and "total_control_mett" in message
    assert "did you mean 'total_control_met'" in message
    line = int(re.search(r"henan-2021\.yaml:(\d+)", message).group(1))
    assert "total_control_mett" in path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_value_outside_a_fields_allowed_set_fails_at_load(ruleset_copy):
    path = ruleset_copy / "henan-2021.yaml"
    _edit(path, "{fact: industrial_policy, is: 淘汰类}", "{fact: industrial_policy, is: 淘汰}")
    with pytest.raises(RulesetError, match="'淘汰' is not a value of industrial_policy"):
        load_ruleset(path)


def test_schema_error_names_the_path_inside_the_file(ruleset_copy):
    path = ruleset_copy / "henan-2021.yaml"
    _edit(path, "    outcome: {拟建: rectify}\n    message: 拟建项目未经窗口指导或评估。",
          "    outcom: {拟建: rectify}\n    message: 拟建项目未经窗口指导或评估。")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    assert "rules." in str(caught.value) and "did you mean 'outcome'" in str(caught.value)


def test_citing_a_clause_missing_from_the_register_fails(ruleset_copy):
    path = ruleset_copy / "henan-2021.yaml"
    _edit(path, 'clauses: ["15"]', 'clauses: ["15b"]')
    with pytest.raises(RulesetError, match="clause '15b' is not in the clause register"):
        load_ruleset(path)


def test_an_outcome_for_a_stage_the_rule_skips_fails(ruleset_copy):
    path = ruleset_copy / "henan-2021.yaml"
    _edit(path, "    outcome: {拟建: rectify}\n    message: 拟建项目未经窗口指导或评估。",
          "    outcome: {拟建: rectify, 在建: halt}\n    message: 拟建项目未经窗口指导或评估。")
    with pytest.raises(RulesetError, match="gives an outcome for 在建, a stage it does not apply to"):
        load_ruleset(path)


def test_broken_yaml_names_the_line(ruleset_copy):
    path = ruleset_copy / "henan-2021.yaml"
    _edit(path, "version: 1.0.0", "version: [1.0.0")
    with pytest.raises(RulesetError, match=r"henan-2021\.yaml:\d+"):
        load_ruleset(path)


def test_a_missing_include_is_named(ruleset_copy):
    (ruleset_copy / "national-2021.yaml").unlink()
    with pytest.raises(RulesetError, match="national-2021.yaml not found"):
        load_ruleset(ruleset_copy / "henan-2021.yaml")


def test_as_of_before_the_ruleset_takes_effect_is_refused():
    from screening.engine import compile_ruleset

    with pytest.raises(RulesetError, match="not in effect on 2020-06-30"):
        compile_ruleset(load_ruleset("henan-2021"), dt.date(2020, 6, 30))


def test_unknown_ruleset_id_lists_the_known_ones():
    with pytest.raises(RulesetError, match="known: henan-2021"):
        load_ruleset("henan-2031")


def test_a_message_quoting_an_unknown_parameter_fails(ruleset_copy):
    path = ruleset_copy / "henan-2021.yaml"
    _edit(path, "低于{energy_threshold}吨标准煤", "低于{energy_treshold}吨标准煤")
    with pytest.raises(RulesetError, match="unknown parameter {energy_treshold}.*did you mean 'energy_threshold'"):
        load_ruleset(path)


def test_messages_quote_the_parameter_in_force():
    from screening.verdicts import render

    assert render("低于{energy_threshold}吨", {"energy_threshold": 10000.0}) == "低于10000吨"
    assert render("{unknown} 保留", {}) == "{unknown} 保留"


# ---------------------------------------------------------------- verified rulesets are not checked again

def test_a_verified_ruleset_is_not_checked_again_until_its_text_changes(ruleset_copy, tmp_path, monkeypatch):
    from screening.ruleset import checks, loader

    monkeypatch.setenv("SCREENING_CACHE_DIR", str(tmp_path / "cache"))
    path = ruleset_copy / "henan-2021.yaml"
    calls = []
    real = checks.check_ruleset
    monkeypatch.setattr(checks, "check_ruleset", lambda ruleset: calls.append(ruleset.sha256) or real(ruleset))
    load_ruleset(path)
    assert len(calls) == 1 and (tmp_path / "cache" / "verified-rulesets.json").exists()
    loader._load_cached.cache_clear()  # a new process: only the record on disk remembers
    load_ruleset(path)
    assert len(calls) == 1
    loader._load_cached.cache_clear()
    _edit(path, "{fact: industrial_policy, is: 淘汰类}", "{fact: industrial_policy, is: 淘汰}")
    with pytest.raises(RulesetError, match="'淘汰' is not a value of industrial_policy"):
        load_ruleset(path)  # an edited file is checked in full, and a failure is never remembered
    loader._load_cached.cache_clear()
    with pytest.raises(RulesetError, match="'淘汰' is not a value of industrial_policy"):
        load_ruleset(path)
    assert len(calls) == 3


def test_an_unwritable_cache_is_ignored(ruleset_copy, tmp_path, monkeypatch):
    from screening.ruleset import loader

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SCREENING_CACHE_DIR", str(blocker / "cache"))
    loader._load_cached.cache_clear()
    assert load_ruleset(ruleset_copy / "henan-2021.yaml").id == "henan-2021"
