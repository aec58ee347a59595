"""The domain cases of tests/cases/henan-2021: SPEC §3's decision table, one YAML case per situation.

Each case runs as its own test (id = case name) and fails with its file:line and what differed.
The coverage tests then check that the cases, taken together, fire every rule of the ruleset
(scope exclusions included) in every stage its `outcome` names.
"""
from __future__ import annotations

from pathlib import Path

import pytest

import screening
from screening.cases import CaseResult, load_cases, run_cases

CASES_DIR = Path(__file__).resolve().parent / "cases" / "henan-2021"
RULESET_ID = "henan-2021"

CASES = load_cases(CASES_DIR)


@pytest.fixture(scope="module")
def ruleset():
    return screening.load_ruleset(RULESET_ID)


_results: dict[int, CaseResult] = {}


def result_of(index: int, ruleset) -> CaseResult:
    """Each case runs once per session, whether a case test or a coverage test asks first."""
    if index not in _results:
        try:
            _results[index] = run_cases([CASES[index]], ruleset)[0]
        except Exception as error:  # one case that cannot run must not hide the others
            _results[index] = CaseResult(CASES[index], None, [f"cannot run: {type(error).__name__}: {error}"])
    return _results[index]


def _where(case) -> str:
    return f"{case.file}:{case.line or 0}"


def test_case_files_are_found():
    files = sorted(CASES_DIR.glob("*.yaml"))
    assert files, f"no case files in {CASES_DIR}"
    assert CASES, f"the case files in {CASES_DIR} hold no cases"


def test_case_names_are_unique():
    seen: dict[str, str] = {}
    duplicates = []
    for case in CASES:
        if case.name in seen:
            duplicates.append(f"{_where(case)}: {case.name!r} (also at {seen[case.name]})")
        seen.setdefault(case.name, _where(case))
    assert not duplicates, "case names must be unique:\n" + "\n".join(duplicates)


def test_case_files_name_the_ruleset():
    import yaml

    wrong = []
    for file in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        if data.get("ruleset") != RULESET_ID:
            wrong.append(f"{file}: ruleset {data.get('ruleset')!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c.name for c in CASES])
def test_case(index, ruleset):
    case = CASES[index]
    result = result_of(index, ruleset)
    failures = list(result.failures)
    if result.verdict is not None:  # a value the field spec cannot read would silently become a blank
        failures += [f"input: {i.field} = {i.value!r}: {i.message}" for i in result.verdict.project.issues]
    if failures:
        pytest.fail(f"{_where(case)}: case {case.name!r}\n  " + "\n  ".join(failures), pytrace=False)


def _fired_pairs(ruleset) -> dict[tuple[str, str], list[str]]:
    """(rule id, stage) → the cases where that rule fired (determined) in that stage."""
    pairs: dict[tuple[str, str], list[str]] = {}
    for index, case in enumerate(CASES):
        verdict = result_of(index, ruleset).verdict
        if verdict is None:
            continue
        for finding in verdict.findings:
            if finding.determined:
                pairs.setdefault((finding.rule, finding.stage), []).append(case.name)
    return pairs


def _all_rules(ruleset):
    return list(ruleset.exclusions) + list(ruleset.rules)


def test_every_rule_fires_in_some_case(ruleset):
    fired = {rule for rule, _ in _fired_pairs(ruleset)}
    never = [r.id for r in _all_rules(ruleset) if r.id not in fired]
    assert not never, "rules no case fires: " + ", ".join(never)


def test_every_rule_fires_in_every_stage_of_its_outcome(ruleset):
    pairs = _fired_pairs(ruleset)
    uncovered = [f"{r.id} in {stage} ({outcome})" for r in _all_rules(ruleset)
                 for stage, outcome in r.outcome.items() if (r.id, stage) not in pairs]
    assert not uncovered, "(rule, stage) pairs no case exercises:\n  " + "\n  ".join(uncovered)



# ---------------------------------------------------------------- the harness itself can fail


def test_every_case_states_verdict_scope_and_findings():
    """compare() checks only the keys a case names: a case without these could never fail."""
    vague = [f"{_where(c)}: {c.name!r}" for c in CASES
             if not {"verdict", "two_high", "findings"} <= set(c.expect)]
    assert not vague, "cases that do not state verdict, two_high and findings:\n" + "\n".join(vague)


def test_compare_reports_every_kind_of_wrong_expectation(ruleset):
    """Pick a passing provisional case and a lifting one; corrupt each expectation in turn."""
    from screening.cases import EXPECT_KEYS, compare

    checked = set()
    provisional = next(i for i, c in enumerate(CASES) if c.expect.get("provisional") is True
                       and c.expect.get("undetermined") and c.expect.get("missing") and c.expect.get("refs"))
    lifting = next(i for i, c in enumerate(CASES) if c.expect.get("lifted"))
    for index in (provisional, lifting):
        case, verdict = CASES[index], result_of(index, ruleset).verdict
        assert verdict is not None and compare(case.expect, verdict) == []
        wrong = {"verdict": "proceed" if verdict.verdict != "proceed" else "halt",
                 "two_high": not verdict.two_high, "provisional": not verdict.provisional,
                 "could_become": "halt" if verdict.could_become != "halt" else None,
                 "findings": list(case.expect["findings"]) + ["ADM-4.1"],
                 "refs": ["99.9"], "lifted": [], "undetermined": ["NO-SUCH-RULE"], "missing": []}
        for key in case.expect:
            broken = dict(case.expect, **{key: wrong[key]})
            if broken[key] == case.expect[key]:
                continue
            failures = compare(broken, verdict)
            assert failures and failures[0].startswith(f"{key}:"), (case.name, key, failures)
            checked.add(key)
    assert checked == set(EXPECT_KEYS), set(EXPECT_KEYS) - checked
