"""The benchmark's generator and reference evaluation, at a small size (issue 5).

The generated ledgers read like the sample data, the vectorised reference gives the engine's
verdicts on them, and the engine agrees with the three-valued evaluator on every project.
"""
from __future__ import annotations

import collections
import datetime as dt
import sys
from pathlib import Path

import pytest

from screening import load_ruleset
from screening.facts import build_facts
from screening.ingest import read_ledger
from screening.pipeline import engine_for
from screening.verdicts import check_consistency, decide

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402
from bench.reference import compare, reference_verdicts  # noqa: E402

AS_OF = dt.date(2021, 12, 31)
N = 800


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return generate.write_ledger(tmp_path_factory.mktemp("bench") / "ledger.xlsx", N)


@pytest.fixture(scope="module")
def screened(ledger):
    read = read_ledger(ledger)
    projects, issues = build_facts(read)
    engine = engine_for(load_ruleset("henan-2021"), AS_OF)
    results = engine.screen(projects)
    return read, projects, issues, engine, results, [decide(r, engine.compiled) for r in results]


def test_the_generator_is_deterministic(ledger, tmp_path):
    again = generate.write_ledger(tmp_path / "again.xlsx", N)
    assert again.read_bytes() == ledger.read_bytes()
    prefix = generate.write_ledger(tmp_path / "prefix.xlsx", 50)
    first = [r.values for r in read_ledger(prefix).rows]
    assert first == [r.values for r in read_ledger(ledger).rows][:50]  # a smaller ledger is a prefix


def test_a_generated_ledger_reads_like_a_real_one(screened):
    read, projects, issues, *_ = screened
    assert read.sheet == generate.SHEET and read.header_rows == [3, 4]  # title rows, two-row header
    assert len(projects) == N and len(read.regions) == len(generate.regions())
    assert {c.field for c in read.columns if c.field} >= set(generate.KEYS) - {"seq", "contact", "remark"}
    kinds = collections.Counter(i.type for i in issues)
    assert not kinds.get("invalid-value"), [i.message for i in issues if i.type == "invalid-value"][:5]
    raw = [v for row in read.rows for v in row.values]
    texts = {v for v in raw if isinstance(v, str)}
    assert {"是", "否", "√", "×"} <= texts  # yes/no spellings
    assert any(t.endswith("万") for t in texts) and any("," in t for t in texts) and any(t.startswith("约") for t in texts)
    assert any("〔" in t and t.endswith("号") for t in texts)  # approvals written as document numbers
    assert any(isinstance(v, dt.datetime) for v in raw) and any("年" in t and "月" in t for t in texts)
    assert "/" in texts or "-" in texts  # blanks written as a dash
    values = collections.Counter(k for p in projects for k in p.values)
    assert values["stage"] > 0.95 * N and values["energy_review"] < N  # mostly filled, some blanks


def test_the_reference_gives_the_engines_verdicts(screened):
    _, projects, _, _, _, verdicts = screened
    reference = reference_verdicts(projects, load_ruleset("henan-2021"), AS_OF)
    assert compare(reference, verdicts) == []
    mix = collections.Counter((v.verdict, v.two_high) for v in verdicts)
    assert all(mix[(verdict, True)] for verdict in ("halt", "rectify", "proceed"))  # every outcome occurs
    assert mix[("proceed", False)] and any(v.provisional for v in verdicts)


def test_the_engine_agrees_with_the_evaluator_on_every_generated_project(screened):
    *_, engine, results, verdicts = screened
    assert not any(r.error for r in results)
    assert [p for r in results for p in check_consistency(r, engine.compiled)] == []


def test_the_reference_notices_a_wrong_verdict(screened):
    _, projects, _, _, _, verdicts = screened
    reference = reference_verdicts(projects, load_ruleset("henan-2021"), AS_OF)
    wrong = next(v for v in verdicts if v.verdict == "halt" and not v.provisional)
    wrong.verdict = "proceed"
    try:
        problems = compare(reference, verdicts)
    finally:
        wrong.verdict = "halt"
    assert len(problems) == 1 and f"row {wrong.project.row}" in problems[0]
