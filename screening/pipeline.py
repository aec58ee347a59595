"""The stages in order: ingest → facts → engine → verdicts, as one call."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Iterable

from .engine import Engine, compile_ruleset
from .gcpause import paused_gc
from .issues import Issue
from .model import ProjectFacts, Screening, Verdict
from .ruleset import Ruleset, load_ruleset
from .verdicts import decide


def screen(ledger_path: str | Path, *, regions: str | Path | None = None, ruleset: str | Path | Ruleset = "henan-2021",
           as_of: dt.date | None = None, sheet: str | None = None,
           progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> Screening:
    """Screen a ledger workbook; raises ScreeningError only when the input cannot be read at all.

    `jobs` > 1 screens in that many processes (screening/parallel.py): the same verdicts.
    """
    from .facts import build_facts
    from .ingest import read_ledger

    as_of = as_of or dt.date.today()
    loaded = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    engine = engine_for(loaded, as_of)  # a ruleset not in effect fails before the file is read
    ledger = read_ledger(ledger_path, regions_path=regions, sheet=sheet)
    with paused_gc():  # a row's facts are a dozen small acyclic objects: nothing to collect
        projects, fact_issues = build_facts(ledger)
    if jobs > 1:
        from .parallel import screen_parallel
        verdicts = screen_parallel(projects, loaded, as_of, jobs, progress=progress)
    else:
        verdicts = screen_projects(projects, engine, progress=progress)
    issues = list(ledger.skipped) + list(ledger.issues) + list(fact_issues) + _error_issues(verdicts)
    issues.sort(key=lambda i: (i.row or 0, i.column or ""))
    return Screening(ruleset=loaded.meta(as_of),
                     source={"file": Path(ledger.file).name, "sha256": ledger.sha256, "sheet": ledger.sheet},
                     ledger=ledger, verdicts=verdicts, issues=issues)


def screen_projects(projects: Iterable[ProjectFacts], engine: Engine,
                    progress: Callable[[int, int], None] | None = None) -> list[Verdict]:
    projects = list(projects)
    total = len(projects)
    tick = (lambda done: progress(done, total)) if progress else None
    results = engine.screen(projects, progress=tick)
    return [decide(result, engine.compiled) for result in results]


_ENGINES: dict[tuple, Engine] = {}
_ENGINE_CACHE_SIZE = 8


def engine_for(ruleset: Ruleset, as_of: dt.date) -> Engine:
    """A compiled engine, reused across runs of the same ruleset content and date."""
    key = (ruleset.id, ruleset.sha256, as_of)
    engine = _ENGINES.get(key)
    if engine is None:
        if len(_ENGINES) >= _ENGINE_CACHE_SIZE:
            _ENGINES.pop(next(iter(_ENGINES)))  # the oldest
        engine = _ENGINES[key] = Engine(compile_ruleset(ruleset, as_of))
    return engine


def _error_issues(verdicts: list[Verdict]) -> list[Issue]:
    return [Issue("engine-error", f"规则执行出错，本行无结论：{v.error}", f"rule evaluation failed, no verdict: {v.error}",
                  sheet=v.project.sheet, row=v.project.row) for v in verdicts if v.error]
