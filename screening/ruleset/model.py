"""A loaded ruleset: clauses, dated parameters, predicates and rules, with where each came from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RulesetError
from ..model import Clause, SEVERITY


@dataclass
class Origin:
    """Where a piece of a ruleset was written: file, path inside it, line and column (1-based)."""

    file: Path
    path: str
    line: int | None = None
    column: int | None = None
    parts: tuple = ()  # the path as keys and list indices, for finer positions below it


@dataclass
class DatedValue:
    value: Any
    source: dict
    start: dt.date | None = None
    end: dt.date | None = None

    def in_force(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass
class Parameter:
    name: str
    label: str
    values: list[DatedValue]
    unit: str | None = None
    origin: Origin | None = None

    def at(self, day: dt.date) -> Any:
        in_force = [v for v in self.values if v.in_force(day)]
        if not in_force:
            raise RulesetError(f"parameter {self.name} has no value in force on {day.isoformat()}",
                               file=self.origin and self.origin.file, path=self.origin and self.origin.path,
                               line=self.origin and self.origin.line)
        # the value that took effect last wins where periods overlap
        return max(in_force, key=lambda v: v.start or dt.date.min).value

    def source_at(self, day: dt.date) -> dict:
        in_force = [v for v in self.values if v.in_force(day)] or self.values
        return max(in_force, key=lambda v: v.start or dt.date.min).source


@dataclass
class Rule:
    """One row of the decision table (or a scope exclusion)."""

    id: str
    title: str
    clauses: list[str]
    stages: list[str]
    when: dict
    outcome: dict[str, str]  # stage → halt | rectify | proceed | note | out_of_scope
    message: str
    action: dict[str, str] = field(default_factory=dict)  # stage → required action
    lifts: list[str] = field(default_factory=list)
    interpretation: str = ""
    kind: str = "rule"  # rule | exclusion
    origin: Origin | None = None

    def worst_outcome(self, stages=None) -> str:
        candidates = [self.outcome[s] for s in (stages or self.stages) if s in self.outcome]
        return max(candidates, key=lambda o: SEVERITY.get(o, 0))


@dataclass
class Ruleset:
    id: str
    title: str
    version: str
    path: Path
    sha256: str
    issuer: str = ""
    date: str = ""
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    documents: dict[str, dict] = field(default_factory=dict)
    clauses: dict[str, Clause] = field(default_factory=dict)
    parameters: dict[str, Parameter] = field(default_factory=dict)
    predicates: dict[str, dict] = field(default_factory=dict)
    exclusions: list[Rule] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    proceed: dict = field(default_factory=dict)
    missing_data: dict = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    cases_dir: Path | None = None
    origins: dict[str, Origin] = field(default_factory=dict)  # "clauses.4.1" → where written
    sources: dict = field(default_factory=dict)  # file → loader.Document, for positions of any node

    def locate(self, origin: Origin | None, suffix: str = "") -> Origin | None:
        """The position of a node below `origin`, e.g. suffix "when.all.1.fact"."""
        if origin is None:
            return None
        parts = origin.parts + tuple(int(p) if p.isdigit() else p for p in suffix.split(".") if p)
        document = self.sources.get(origin.file)
        if document is None:
            return origin
        return document.origin(*parts)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules + self.exclusions if r.id == rule_id)

    def in_effect(self, day: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= day) and (
            self.effective_to is None or day <= self.effective_to)

    def require_in_effect(self, day: dt.date) -> None:
        if not self.in_effect(day):
            span = f"{self.effective_from or '…'} – {self.effective_to or '…'}"
            raise RulesetError(
                f"规则集 {self.id} 在 {day.isoformat()} 不适用（有效期 {span}） / "
                f"ruleset {self.id} is not in effect on {day.isoformat()} (effective {span})",
                file=self.path)

    def parameters_at(self, day: dt.date) -> dict[str, Any]:
        return {name: p.at(day) for name, p in self.parameters.items()}

    def meta(self, as_of: dt.date) -> dict:
        return {"id": self.id, "version": self.version, "sha256": self.sha256,
                "as_of": as_of.isoformat(), "title": self.title}
