"""The ruleset maintainers' toolkit: `screening ruleset check | test | diff`, and dated rulesets.

Errors are seeded into a copy of rulesets/ (and of the Henan cases) in tmp_path; every command
runs through click's CliRunner as CI runs it.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening.cli import main
from screening.ruleset.loader import RULESETS_DIR, load_ruleset

ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = ROOT / "tests" / "cases" / "henan-2021"
DEMO_LEDGER = ROOT / "sample_data" / "henan-demo-ledger.xlsx"
AS_OF = "2021-12-31"


# ------------------------------------------------------------------ helpers

@pytest.fixture()
def copy(tmp_path) -> Path:
    """tmp_path/rulesets (a copy of rulesets/) and tmp_path/tests/cases/henan-2021, so the
    ruleset's `cases: ../tests/cases/henan-2021` still finds its cases."""
    shutil.copytree(RULESETS_DIR, tmp_path / "rulesets")
    shutil.copytree(CASES_DIR, tmp_path / "tests" / "cases" / "henan-2021")
    return tmp_path / "rulesets" / "henan-2021.yaml"


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old`; return the 1-based line where `new` starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text not found: {old!r}"
    at = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:at].count("\n") + 1


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    lines = [i + 1 for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()) if needle in line]
    assert len(lines) >= occurrence, f"{needle!r} not found in {path}"
    return lines[occurrence - 1]


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def problem_lines(output: str, code: str) -> list[str]:
    return [line for line in output.splitlines() if f"[{code}]" in line]


# ------------------------------------------------------------------ check: the shipped rulesets

def test_check_passes_on_every_runnable_ruleset():
    result = cli("ruleset", "check")
    assert result.exit_code == 0, result.output
    assert "rulesets/henan-2021.yaml (henan-2021): 0 errors" in result.output
    assert " error: " not in result.output


def test_check_of_a_layer_checks_the_rulesets_that_include_it():
    result = cli("ruleset", "check", RULESETS_DIR / "national-2021.yaml")
    assert result.exit_code == 0, result.output
    assert "henan-2021.yaml (henan-2021)" in result.output  # not the layer alone, which lacks adds_capacity


def test_check_json_lists_each_problem_with_file_line_and_column(copy):
    edit(copy, "{fact: total_control_met, is: false}", "{fact: total_control_mett, is: false}")
    result = cli("ruleset", "check", copy, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["ok"] is False
    [problem] = [p for p in document["problems"] if p["code"] == "unknown-fact"]
    assert problem["severity"] == "error"
    assert Path(problem["file"]).name == "henan-2021.yaml"
    assert problem["line"] == line_of(copy, "total_control_mett") and problem["column"] > 1
    assert problem["hint"] == "did you mean 'total_control_met'?"


# ------------------------------------------------------------------ check: each kind of error, seeded

SEEDS = {
    # kind: (old text, new text, the text on the line to point at, code, words of the fix)
    "unknown fact": ("{fact: total_control_met, is: false}", "{fact: total_control_mett, is: false}",
                     "total_control_mett", "unknown-fact", "did you mean 'total_control_met'?"),
    "value outside the allowed set": ("{fact: industrial_policy, is: 淘汰类}", "{fact: industrial_policy, is: 淘汰}",
                                      "is: 淘汰}", "unknown-value", "did you mean '淘汰类'?"),
    "clause not in the register": ('clauses: ["15"]', 'clauses: ["15b"]', '"15b"', "unknown-clause",
                                   "did you mean '15'?"),
    "duplicate rule id": ("- id: ADM-4.2b", "- id: ADM-4.2a", "- id: ADM-4.2a\n", "duplicate-rule",
                          "give each rule its own id"),
    "parameter without a source": ('    value: 5\n    source: {clause: "10", note: 原则上五年内至少开展一次}\n',
                                   "    value: 5\n", "  diagnosis_interval_years:", "parameter-source",
                                   'add `source: {clause: "<ref>"}`'),
    "condition never true (is and is)": (
        "    when: {fact: warning, is: 红色}",
        "    when:\n      all:\n        - {fact: stage, is: 拟建}\n        - {fact: stage, is: 在建}",
        "- {fact: stage, is: 在建}", "never-true", "items 1 and 2 of `all` cannot both hold"),
    "condition never true (in disjoint from is)": (
        "    when: {fact: warning, is: 红色}",
        "    when:\n      all:\n        - {fact: warning, is: 红色}\n        - {fact: warning, in: [橙色, 黄色]}",
        "in: [橙色, 黄色]", "never-true", "items 1 and 2 of `all` cannot both hold"),
    "condition never true (numeric ranges)": (
        "    when: {fact: warning, is: 红色}",
        "    when:\n      all:\n        - {fact: red_months, gte: 6}\n        - {fact: red_months, lt: 3}",
        "{fact: red_months, lt: 3}", "never-true", "remove or change one of them"),
    "stages that can never match": (
        "    when: {fact: warning, is: 红色}",
        "    when:\n      all:\n        - {fact: warning, is: 红色}\n        - {fact: stage, is: 拟建}",
        # ADM-4.4b lists [拟建, 在建]: 在建 can never match; its line is the rule's `stages:`
        "stages: [拟建, 在建]\n    when:\n      all:\n        - {fact: warning", "stage-never",
        "remove 在建 from `stages`"),
    "rule no in-scope project can match": (
        "    when: {fact: warning, is: 红色}",
        "    when:\n      all:\n        - {fact: warning, is: 红色}\n        - {fact: energy, lt: 5000}",
        "- {fact: energy, lt: 5000}", "never-in-scope", "item 2 of `all` ({fact: energy, lt: 5000}) contradicts"),
    "same condition and stages, different outcomes": (
        "    when: {fact: pollution_control_advanced, is: false}\n    outcome: {拟建: rectify}",
        "    when: {fact: energy_quota_purchased, is: false}\n    outcome: {拟建: halt}",
        "outcome: {拟建: rectify}\n    message: 拟建项目新增用能指标", "conflicting-rules", "decide one outcome"),
    "outcome for a stage the rule does not apply to": (
        "    outcome: {拟建: rectify}\n    message: 拟建项目未经窗口指导或评估。",
        "    outcome: {拟建: rectify, 在建: halt}\n    message: 拟建项目未经窗口指导或评估。",
        "outcome: {拟建: rectify, 在建: halt}", "outcome-stage", "remove outcome.在建"),
    "schema: misspelt key": ("    outcome: {拟建: rectify}\n    message: 拟建项目未经窗口指导或评估。",
                             "    outcom: {拟建: rectify}\n    message: 拟建项目未经窗口指导或评估。",
                             "outcom: {拟建", "schema", "'outcom': did you mean 'outcome'?"),
}


def _target_line(path: Path, needle: str) -> int:
    """The line of `needle`; for a multi-line needle, the line where its first line sits."""
    text = path.read_text(encoding="utf-8")
    assert needle in text, f"{needle!r} not in the seeded file"
    if "\n" not in needle.rstrip("\n"):
        return line_of(path, needle.rstrip("\n"), occurrence=text.count(needle))
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("kind", list(SEEDS))
def test_each_seeded_error_fails_check_naming_file_line_and_fix(copy, kind):
    old, new, needle, code, fix = SEEDS[kind]
    edit(copy, old, new)
    result = cli("ruleset", "check", copy)
    assert result.exit_code == 1, result.output
    lines = problem_lines(result.output, code)
    assert lines, f"no [{code}] problem in:\n{result.output}"
    expected_line = _target_line(copy, needle)
    match = [line for line in lines
             if re.match(rf"\S*henan-2021\.yaml:{expected_line}:\d+: error: ", line)]
    assert match, f"expected henan-2021.yaml:{expected_line} in {lines}"
    assert " — " in match[0] and fix in match[0], match[0]


def test_a_clause_no_rule_cites_is_a_warning_and_fails_under_strict(copy):
    # QUO-15 cites （十七） instead of （十五）: nothing cites clause 15 any more
    edit(copy, 'clauses: ["15"]', 'clauses: ["17"]')
    result = cli("ruleset", "check", copy)
    assert result.exit_code == 0, result.output
    [warning] = problem_lines(result.output, "unused-clause")
    clause_line = line_of(copy, '  "15":')
    assert re.match(rf"\S*henan-2021\.yaml:{clause_line}:\d+: warning: clause 15 is in the register but no rule",
                    warning)
    assert "cite it from the rule that enforces it, or remove it" in warning
    strict = cli("ruleset", "check", copy, "--strict")
    assert strict.exit_code == 1


def test_scope_and_parameter_sources_count_as_citations():
    from screening.toolkit.semantic import citations

    cited = citations(load_ruleset("henan-2021"))
    assert "PROCEED" in cited["4"] and "PROCEED" in cited["8"]
    assert "DATA-6" in cited["6"]
    assert "param:energy_threshold" in cited["3"]


def test_a_dated_parameter_leaving_a_gap_in_the_rulesets_effect_is_warned(copy):
    edit(copy, "      - value: 10000\n        from: 2021-01-01", "      - value: 10000\n        from: 2021-03-01")
    result = cli("ruleset", "check", copy)
    assert result.exit_code == 0, result.output
    assert any("parameter energy_threshold has no value in force from 2021-01-01 to 2021-02-28" in line
               for line in problem_lines(result.output, "parameter-gap"))


def test_broken_yaml_is_a_problem_with_its_line_not_a_crash(copy):
    line = edit(copy, "version: 1.0.0", "version: [1.0.0")
    result = cli("ruleset", "check", copy)
    assert result.exit_code == 1
    [problem] = problem_lines(result.output, "yaml")
    assert re.match(r"\S*henan-2021\.yaml:\d+:\d+: error: not valid YAML", problem)
    assert int(problem.split(":")[1]) >= line


def test_satisfiability_search_finds_a_witness_and_respects_blanks():
    from screening.ruleset.conditions import All, Any_, Test
    from screening.toolkit.semantic import ABSENT, satisfiable

    witness = satisfiable(All((Test("red_months", "gte", 3.0), Test("red_months", "lt", 4.0))))
    assert witness is not None and 3 <= witness["red_months"] < 4
    assert satisfiable(All((Test("last_diagnosis", "known", False),)))["last_diagnosis"] is ABSENT
    assert satisfiable(All((Test("stage", "in", ("拟建", "在建")), Test("stage", "not_in", ("拟建", "在建"))))) is None
    assert satisfiable(All((Test("window_guidance", "is", True), Test("window_guidance", "is", False)))) is None
    assert satisfiable(Any_((Test("window_guidance", "is", True), Test("window_guidance", "is", False)))) is not None
    assert satisfiable(All((Test("energy", "known", False), Test("energy", "gte", 1.0)))) is None


# ------------------------------------------------------------------ test: cases and coverage

def test_the_henan_cases_pass_with_full_coverage_and_print_the_clause_matrix():
    result = cli("ruleset", "test", "--min-coverage", "100")
    assert result.exit_code == 0, result.output
    assert re.search(r"henan-2021 .*: \d+ cases from tests/cases/henan-2021, \d+ passed, 0 failed", result.output)
    assert "100.0%" in result.output
    assert "clause → rules (cases firing each):" in result.output
    assert re.search(r"^  4\.1 +（四）1  ADM-4\.1 \(\d+\)  \[tested\]$", result.output, re.M)


def _case_results(ruleset_path: Path):
    from screening.toolkit.coverage import run_ruleset_tests

    return run_ruleset_tests(load_ruleset(ruleset_path))


def _only_witness(report):
    """A case that alone fires some rule (or some rule at some stage), and what it alone covers."""
    firing: dict = {}
    for result in report.results:
        items = {f.rule for f in result.verdict.findings if f.determined}
        items |= {(f.rule, f.stage) for f in result.verdict.findings if f.determined}
        for item in items:
            if item in report.coverage.rules or item in report.coverage.outcomes:
                firing.setdefault(item, []).append(result.case)
    for item, cases in sorted(firing.items(), key=lambda kv: str(kv[0])):
        if len(cases) == 1:
            return cases[0], item
    return None, None


def _delete_case(case) -> None:
    """Remove a case's lines from its YAML file: from its `- name:` to the next case (or end)."""
    from screening.cases import load_cases

    lines = case.file.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = sorted(c.line for c in load_cases(case.file))
    after = [s for s in starts if s > case.line]
    end = after[0] - 1 if after else len(lines)
    case.file.write_text("".join(lines[:case.line - 1] + lines[end:]), encoding="utf-8")


def test_deleting_the_only_case_that_fires_a_rule_fails_min_coverage_100(copy):
    report = _case_results(copy)
    assert report.coverage.percent == 100.0
    case, item = _only_witness(report)
    assert case is not None, "every rule is fired by two cases or more: nothing to delete"
    _delete_case(case)
    assert len(_case_results(copy).results) == len(report.results) - 1
    result = cli("ruleset", "test", copy, "--min-coverage", "100")
    assert result.exit_code == 1, result.output
    assert "FAIL: henan-2021 coverage" in result.output and "below the minimum 100%" in result.output
    rule = item if isinstance(item, str) else item[0]
    assert re.search(rf"(not fired by any case: {re.escape(rule)} |outcome not exercised: {re.escape(rule)} )",
                     result.output), result.output
    document = json.loads(cli("ruleset", "test", copy, "--format", "json", "--min-coverage", "100").output)
    coverage = document["rulesets"][0]["coverage"]
    assert coverage["percent"] < 100 and document["ok"] is False
    assert (rule in coverage["not_fired"]) if isinstance(item, str) else (
        {"rule": item[0], "stage": item[1]} in coverage["not_exercised"])


def test_a_failing_case_is_printed_with_its_file_and_line(copy):
    scope = copy.parent.parent / "tests" / "cases" / "henan-2021" / "scope.yaml"
    line = line_of(scope, "- name: baseline 拟建 proceeds")
    text = scope.read_text(encoding="utf-8")
    scope.write_text(text.replace("expect: {verdict: proceed, two_high: true", "expect: {verdict: halt, two_high: true",
                                  1), encoding="utf-8")
    result = cli("ruleset", "test", copy)
    assert result.exit_code == 1
    assert re.search(rf"^\S*tests/cases/henan-2021/scope\.yaml:{line}: FAIL baseline 拟建 proceeds citing \(四\) and "
                     r"\(八\)\n    verdict: expected 'halt', got 'proceed'$", result.output, re.M), result.output


def test_test_json_reports_coverage_and_matrix(copy):
    result = cli("ruleset", "test", copy, "--format", "json", "--min-coverage", "100")
    [report] = json.loads(result.output)["rulesets"]
    assert report["cases"] == report["passed"] + report["failed"] > 0
    assert report["coverage"]["percent"] == 100.0 and report["coverage"]["minimum"] == 100
    assert report["coverage"]["not_fired"] == [] and report["coverage"]["not_exercised"] == []
    rows = {row["clause"]: row for row in report["matrix"]}
    assert rows["4.1"]["status"] == "tested"
    assert {r["rule"] for r in rows["9"]["rules"]} == {"STK-9a", "STK-9b", "STK-9c", "STK-9d"}
    stages = {(o["rule"], o["stage"]) for o in report["coverage"]["outcomes"]}
    assert ("ADM-4.2a", "拟建") in stages and ("ADM-4.2a", "在建") in stages and ("STK-9a", "拟建") not in stages


# ------------------------------------------------------------------ diff

def _expected_scope_changes(threshold_new: float) -> tuple[set, set]:
    """From the ledger's facts alone: the rows a threshold of `threshold_new` takes out of scope
    (sector in the list or blank, energy in [10000, new), not an exempt retrofit), and the rows
    out of scope anyway whose energy is in that band (they gain SCOPE-3-energy as a reason)."""
    from screening.facts import build_facts
    from screening.ingest import read_ledger

    ruleset = load_ruleset("henan-2021")
    params = ruleset.parameters_at(dt.date.fromisoformat(AS_OF))
    projects, _ = build_facts(read_ledger(DEMO_LEDGER))
    flips, reasons = set(), set()
    for project in projects:
        values = project.values
        energy = values.get("energy_equal", values.get("energy_equiv"))
        if energy is None or not 10000 <= energy < threshold_new:
            continue
        sector_out = "sector" in values and values["sector"] not in params["two_high_sectors"]
        exempt = (values.get("stage") in ("拟建", "在建") and values.get("build_type") == "技术改造"
                  and values.get("adds_capacity") is False
                  and values.get("retrofit_purpose") in params["exempt_retrofit_purposes"])
        (reasons if sector_out or exempt else flips).add(project.row)
    return flips, reasons


def test_raising_the_energy_threshold_lists_exactly_the_projects_whose_scope_changes(copy):
    edit(copy, "      - value: 10000", "      - value: 50000")
    result = cli("ruleset", "diff", "henan-2021", copy, "--ledger", DEMO_LEDGER, "--as-of", AS_OF,
                 "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ruleset_changes"] == [f"parameter energy_threshold on {AS_OF}: 10000 → 50000"]
    [ledger] = report["ledgers"]
    listed = {c["row"] for c in ledger["changes"] if c["kind"] != "exclusions"}
    also = {c["row"] for c in ledger["changes"] if c["kind"] == "exclusions"}
    flips, reasons = _expected_scope_changes(50000)
    assert flips and listed == flips
    assert also == reasons
    for change in ledger["changes"]:
        assert change["new"]["status"] == "out_of_scope"
        assert change["rules_added"] == ["SCOPE-3-energy"]
        assert change["responsible"][0] == "SCOPE-3-energy"
    assert report["summary"]["verdict_flips"] == len(flips)
    assert sum(report["summary"]["flips"].values()) == len(flips)
    assert all(k.endswith("→out_of_scope") for k in report["summary"]["flips"])


def test_diff_text_and_md_name_the_rules_and_count_the_flips(copy):
    edit(copy, "      - value: 10000", "      - value: 50000")
    flips, _ = _expected_scope_changes(50000)
    text = cli("ruleset", "diff", "henan-2021", copy, "--ledger", DEMO_LEDGER, "--as-of", AS_OF)
    assert text.exit_code == 0
    assert f"henan-demo-ledger.xlsx: {len(flips)} of 59 projects change" in text.output
    assert "rules:   +SCOPE-3-energy" in text.output and "clauses: +（三）" in text.output
    assert re.search(r"^  halt→out_of_scope: \d+$", text.output, re.M)
    md = cli("ruleset", "diff", "henan-2021", copy, "--ledger", DEMO_LEDGER, "--as-of", AS_OF, "--format", "md")
    assert md.exit_code == 0
    assert "| verdict flip | projects |" in md.output
    assert "| row | project | verdict | rules added | rules removed | clauses added | clauses removed |" in md.output
    assert md.output.count("→ **out_of_scope**") == len(flips)


def test_a_new_rule_shows_as_added_finding_and_fail_on_change(copy):
    # a stricter rule: 在建 projects of 2 red months halt too (REG-18d only notes them)
    edit(copy, "  - id: STK-9a\n", "  - id: REG-18e\n    title: 在建项目连续2个月红色预警暂停\n    clauses: [\"18\"]\n"
                                     "    stages: [在建]\n    when: {fact: red_months, gte: 2}\n"
                                     "    outcome: {在建: halt}\n    message: 连续2个月红色预警。\n\n  - id: STK-9a\n")
    result = cli("ruleset", "diff", "henan-2021", copy, "--ledger", DEMO_LEDGER, "--as-of", AS_OF, "--format", "json",
                 "--fail-on-change")
    report = json.loads(result.output)
    assert "rule REG-18e added (在建项目连续2个月红色预警暂停)" in report["ruleset_changes"]
    changes = report["ledgers"][0]["changes"]
    assert changes and all("REG-18e" in c["rules_added"] for c in changes)
    assert result.exit_code == 1
    same = cli("ruleset", "diff", "henan-2021", "henan-2021", "--ledger", DEMO_LEDGER, "--as-of", AS_OF,
               "--fail-on-change")
    assert same.exit_code == 0 and "0 of 59 projects change" in same.output


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(cwd), "PATH": "/usr/bin:/bin"})


def test_diff_reads_git_revisions_with_their_includes(copy, monkeypatch):
    repo = copy.parent.parent
    _git(repo, "init", "-q")
    _git(repo, "add", "rulesets")
    _git(repo, "commit", "-q", "-m", "rulesets")
    edit(copy, "      - value: 10000", "      - value: 50000")
    monkeypatch.chdir(repo)
    result = cli("ruleset", "diff", "git:HEAD:rulesets/henan-2021.yaml", "rulesets/henan-2021.yaml",
                 "--ledger", DEMO_LEDGER, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["old"]["label"] == "git:HEAD:rulesets/henan-2021.yaml"
    assert report["ruleset_changes"] == [f"parameter energy_threshold on {AS_OF}: 10000 → 50000"]
    assert {c["row"] for c in report["ledgers"][0]["changes"] if c["kind"] == "verdict"} == \
        _expected_scope_changes(50000)[0]
    missing = CliRunner().invoke(main, ["ruleset", "diff", "git:HEAD~1:rulesets/henan-2021.yaml",
                                        "rulesets/henan-2021.yaml", "--ledger", str(DEMO_LEDGER)])
    assert missing.exit_code == 2
    assert "git revision 'HEAD~1' not found" in missing.output and "Traceback" not in missing.output


# ------------------------------------------------------------------ dated rulesets and parameters

def test_as_of_picks_the_parameter_value_in_force(copy):
    from screening.pipeline import screen

    edit(copy, "      - value: 10000\n        from: 2021-01-01\n",
         "      - value: 10000\n        from: 2021-01-01\n        to: 2021-06-30\n"
         "        source: {clause: \"3\", note: 年综合能源消费量1万吨标准煤及以上}\n"
         "      - value: 50000\n        from: 2021-07-01\n")
    assert cli("ruleset", "check", copy).exit_code == 0
    ruleset = load_ruleset(copy)
    assert ruleset.parameters["energy_threshold"].at(dt.date(2021, 11, 30)) == 50000
    assert ruleset.parameters["energy_threshold"].at(dt.date(2021, 6, 30)) == 10000
    flips, _ = _expected_scope_changes(50000)
    baseline = screen(DEMO_LEDGER, ruleset="henan-2021", as_of=dt.date(2021, 12, 31))
    later = screen(DEMO_LEDGER, ruleset=ruleset, as_of=dt.date(2021, 12, 31))
    moved = {a.project.row for a, b in zip(baseline.verdicts, later.verdicts) if a.two_high is not False
             and b.two_high is False}
    assert moved == flips


@pytest.mark.parametrize("command", [
    ["run", str(DEMO_LEDGER), "--as-of", "2020-06-30", "--format", "json", "--quiet", "--output", "{out}"],
    ["ruleset", "diff", "henan-2021", "henan-2021", "--ledger", str(DEMO_LEDGER), "--as-of", "2020-06-30",
     "--output", "{out}"],
])
def test_screening_outside_the_rulesets_effect_is_one_bilingual_line_exit_2(command, tmp_path):
    out = tmp_path / "out" / "result.txt"
    result = CliRunner().invoke(main, [part.format(out=out) for part in command])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "规则集 henan-2021 在 2020-06-30 不适用" in lines[0]
    assert "ruleset henan-2021 is not in effect on 2020-06-30 (effective 2021-01-01" in lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()  # refused before anything is read or written


def test_a_ruleset_whose_effect_ended_refuses_later_dates(copy):
    edit(copy, "effective:\n  from: 2021-01-01", "effective:\n  from: 2021-01-01\n  to: 2021-06-30")
    result = CliRunner().invoke(main, ["run", str(DEMO_LEDGER), "--ruleset", str(copy), "--as-of", "2021-12-31",
                                       "--format", "text"])
    assert result.exit_code == 2
    assert "effective 2021-01-01 – 2021-06-30" in result.output


def test_a_misspelt_case_key_fails_the_case_with_a_did_you_mean(copy):
    scope = copy.parent.parent / "tests" / "cases" / "henan-2021" / "scope.yaml"
    line = line_of(scope, "- name: baseline 在建 proceeds")
    text = scope.read_text(encoding="utf-8")
    scope.write_text(text.replace("    project: {stage: 在建}\n", "    project: {stage: 在建, windows_guidance: 否}\n", 1),
                     encoding="utf-8")
    result = cli("ruleset", "test", copy)
    assert result.exit_code == 1
    assert re.search(rf"scope\.yaml:{line}: FAIL baseline 在建 proceeds citing \(四\)\n    project: 'windows_guidance' "
                     r"is not a ledger field; did you mean 'window_guidance'\?", result.output), result.output
