"""Domain test cases in YAML: project facts and region facts in, expected verdict out.

A case file:

    ruleset: henan-2021
    defaults:                  # merged under every case (a key set to null in a case removes it)
      as_of: 2021-12-31
      project: {sector: 钢铁, energy_equal: 50000, ...}
      region: {name: 南阳市, air_quality: 达标, ...}
    cases:
      - name: ADM-4.1 拟建 halts
        project: {stage: 拟建, total_control_met: 否}
        region: {air_quality: 未达标}
        expect:
          verdict: halt            # halt | rectify | proceed
          two_high: true           # true | false | null
          provisional: false
          could_become: null
          findings: [ADM-4.1]      # exactly the rules the verdict rests on (not lifted; notes included)
          refs: ["4.1"]            # clause refs that must be cited
          lifted: []               # rules lifted by another (STK-9d)
          undetermined: []         # rules left open by blanks
          missing: []              # fields the verdict asks to fill in
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import RulesetError
from .model import Verdict
from . import yamltext

EXPECT_KEYS = ("verdict", "two_high", "provisional", "could_become", "findings", "refs", "lifted",
               "undetermined", "missing")


@dataclass
class Case:
    name: str
    file: Path
    line: int | None
    as_of: dt.date
    project: dict
    region: dict | None
    expect: dict


@dataclass
class CaseResult:
    case: Case
    verdict: Verdict | None
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def fired(self) -> list[str]:
        return [f.rule for f in self.verdict.findings if f.determined] if self.verdict else []


def load_cases(path: Path) -> list[Case]:
    """Cases from a YAML file, or from every .yaml file in a folder."""
    path = Path(path)
    if path.is_dir():
        return [case for file in sorted(path.glob("*.yaml")) for case in load_cases(file)]
    try:
        text = path.read_text(encoding="utf-8")
        data = yamltext.load(text) or {}
        lines = _case_lines(text)
    except (OSError, yaml.YAMLError) as error:
        raise RulesetError(f"cannot read cases: {error}", file=path) from None
    defaults = data.get("defaults") or {}
    cases = []
    for index, raw in enumerate(data.get("cases") or []):
        unknown = set(raw.get("expect", {})) - set(EXPECT_KEYS)
        if unknown:
            raise RulesetError(f"unknown expectation {sorted(unknown)}; known: {', '.join(EXPECT_KEYS)}",
                               file=path, path=f"cases.{index}.expect", line=lines.get(index))
        cases.append(Case(
            name=raw.get("name") or f"case {index + 1}", file=path, line=lines.get(index),
            as_of=_date(raw.get("as_of", defaults.get("as_of"))),
            project=_merge(defaults.get("project"), raw.get("project")),
            region=None if raw.get("region", ...) is None else _merge(defaults.get("region"), raw.get("region") or {}),
            expect=raw.get("expect") or {},
        ))
    return cases


def _case_lines(text: str) -> dict[int, int]:
    node = yamltext.compose(text)
    for key, value in (node.value if node is not None else []):
        if key.value == "cases" and isinstance(value, yaml.SequenceNode):
            return {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return {}


def _merge(base: dict | None, override: dict | None) -> dict:
    merged = dict(base or {})
    for key, value in (override or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _date(value: Any) -> dt.date:
    if value is None:
        return dt.date.today()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def run_cases(cases: list[Case], ruleset) -> list[CaseResult]:
    from .facts import facts_from_mapping
    from .pipeline import engine_for, screen_projects

    results = []
    for index, case in enumerate(cases):
        project = facts_from_mapping(case.project, region=case.region, row=index + 1)
        verdict = screen_projects([project], engine_for(ruleset, case.as_of))[0]
        results.append(CaseResult(case, verdict, compare(case.expect, verdict)))
    return results


def compare(expect: dict, verdict: Verdict) -> list[str]:
    """What differs between a case's expectations and the verdict, one line each."""
    active = [f for f in verdict.findings if not f.lifted_by]
    actual = {
        "verdict": verdict.verdict,
        "two_high": verdict.two_high,
        "provisional": verdict.provisional,
        "could_become": verdict.could_become,
        "findings": sorted(f.rule for f in active),
        "lifted": sorted(f.rule for f in verdict.findings if f.lifted_by),
        "undetermined": sorted(f.rule for f in verdict.undetermined),
        "missing": sorted(verdict.missing),
    }
    failures = []
    for key, wanted in expect.items():
        if key == "refs":
            cited = {c.ref for f in active for c in f.clauses}
            absent = [str(r) for r in wanted if str(r) not in cited]
            if absent:
                failures.append(f"refs: {absent} not cited (cited: {sorted(cited)})")
            continue
        got = actual[key]
        if isinstance(wanted, list):
            wanted = sorted(str(w) for w in wanted)
        if got != wanted:
            failures.append(f"{key}: expected {wanted!r}, got {got!r}")
    if verdict.error:
        failures.append(f"engine error: {verdict.error}")
    return failures
