"""Screening in several processes gives exactly what one process gives (issue 5)."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from screening import ScreeningError, load_ruleset, parallel
from screening.cli import main
from screening.facts import build_facts
from screening.ingest import read_ledger
from screening.pipeline import engine_for, screen, screen_projects
from screening.report.json_doc import dumps

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT))
    from bench.generate import write_ledger

    return write_ledger(tmp_path_factory.mktemp("parallel") / "ledger-600.xlsx", 600)


@pytest.fixture
def small_chunks(monkeypatch):
    """Make a few hundred projects worth several processes and several chunks each."""
    monkeypatch.setattr(parallel, "MIN_PER_JOB", 50)
    monkeypatch.setattr(parallel, "CHUNKS_PER_JOB", 4)


def test_two_processes_write_the_same_json_as_one(ledger, small_chunks):
    one = screen(ledger, as_of=AS_OF)
    ticks = []
    two = screen(ledger, as_of=AS_OF, jobs=2, progress=lambda done, total: ticks.append((done, total)))
    assert dumps(two) == dumps(one)
    assert [v.project.row for v in two.verdicts] == [v.project.row for v in one.verdicts]
    assert ticks and ticks[-1] == (600, 600) and len(ticks) > 2  # progress per chunk, in the parent
    assert parallel._projects is None  # nothing left behind for the next run


def test_verdicts_carry_the_callers_own_project_objects(ledger, small_chunks):
    projects, _ = build_facts(read_ledger(ledger))
    verdicts = parallel.screen_parallel(projects, load_ruleset("henan-2021"), AS_OF, jobs=2)
    assert all(v.project is p for v, p in zip(verdicts, projects))


def test_spawned_workers_give_the_same_verdicts(ledger, small_chunks, monkeypatch):
    """Where fork is not safe (a threaded server), chunks are sent to spawned workers."""
    projects, _ = build_facts(read_ledger(ledger))
    projects = projects[:200]
    ruleset = load_ruleset("henan-2021")
    expected = screen_projects(projects, engine_for(ruleset, AS_OF))
    monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    verdicts = parallel.screen_parallel(projects, ruleset, AS_OF, jobs=2)
    assert [(v.verdict, v.provisional, [f.to_dict() for f in v.findings], v.missing) for v in verdicts] == \
        [(v.verdict, v.provisional, [f.to_dict() for f in v.findings], v.missing) for v in expected]


def test_few_projects_stay_in_one_process(monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started for a handful of projects")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    run = screen(ROOT / "sample_data" / "henan-demo-ledger.xlsx", as_of=AS_OF, jobs=4)
    assert dumps(run) == dumps(screen(ROOT / "sample_data" / "henan-demo-ledger.xlsx", as_of=AS_OF))


def test_cli_jobs_option_gives_the_same_file(ledger, small_chunks, tmp_path):
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"jobs{jobs}.json"
        result = runner.invoke(main, ["run", str(ledger), "--as-of", "2021-12-31", "--format", "json",
                                      "--output", str(target), "--quiet", "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_cli_refuses_zero_jobs(ledger):
    result = CliRunner().invoke(main, ["run", str(ledger), "--format", "json", "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs" in result.output


def test_outputs_written_side_by_side_are_the_files_one_process_writes(ledger, small_chunks, tmp_path):
    runner = CliRunner()
    for jobs, folder in (("1", "one"), ("2", "two")):
        result = runner.invoke(main, ["run", str(ledger), "--as-of", "2021-12-31", "-f", "json,xlsx,csv",
                                      "-d", str(tmp_path / folder), "--jobs", jobs, "--quiet"])
        assert result.exit_code == 0, result.output
    for suffix in (".verdicts.json", ".screened.csv"):
        name = ledger.stem + suffix
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    from openpyxl import load_workbook

    one, two = (load_workbook(tmp_path / folder / f"{ledger.stem}.screened.xlsx") for folder in ("one", "two"))
    assert [[c.value for c in row] for row in two.worksheets[0].iter_rows()] == \
        [[c.value for c in row] for row in one.worksheets[0].iter_rows()]


def test_a_failing_side_task_fails_the_run_after_the_others_finish(tmp_path, monkeypatch):
    # Earlier tests (the web app's) leave threads running, which makes fork look unsafe; the
    # child here only raises, so forking is fine.
    monkeypatch.setattr(parallel, "_can_fork", lambda: True)
    written = tmp_path / "first"

    def fail():
        raise OSError("disk full")

    with pytest.raises(ScreeningError, match="exit status 1"):
        parallel.run_side_by_side([lambda: written.write_text("ok"), fail], jobs=2)
    assert written.read_text() == "ok"
    monkeypatch.setattr(parallel, "_can_fork", lambda: False)
    with pytest.raises(OSError, match="disk full"):  # one after the other: the task's own error
        parallel.run_side_by_side([lambda: None, fail], jobs=2)
