"""What each stage hands to the next: ingest → facts → engine → verdicts → report."""
from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field, fields
from typing import Any

from .issues import Issue

def pickled_by_position(cls):
    """Pickle a dataclass as its constructor's arguments, in field order.

    Verdicts cross from the --jobs workers to the parent by pickle; rebuilding each from a
    tuple is about twice as fast as the default (a new object, then its __dict__ set).
    """
    values = operator.attrgetter(*[f.name for f in fields(cls)])

    def __reduce__(self):
        return cls, values(self)

    cls.__reduce__ = __reduce__
    return cls


OUTCOMES = ("halt", "rectify", "proceed")
SEVERITY = {"note": -1, "proceed": 0, "rectify": 1, "halt": 2}
STAGES = ("拟建", "在建", "存量")


@dataclass
class Column:
    """A column of the project sheet as ingest understood its header."""

    index: int  # 0-based position in the sheet
    letter: str  # as Excel names it: A, B, …, AA
    header: str  # the header text as written (two-row headers joined with "/")
    field: str | None = None  # canonical key, None when not recognised (copied through)
    scale: float = 1.0  # from a unit in the header: （万吨标准煤） → 10000
    unit: str | None = None


@dataclass
class SourceRow:
    """One project row of the project sheet, with every cell of it kept."""

    row: int  # Excel row number
    values: list[Any]  # raw cell values by column index, the sheet's full width


@dataclass
class RegionRecord:
    """One row of the region sheet (SPEC §2)."""

    name: str
    sheet: str | None = None
    row: int | None = None
    air_quality: str | None = None  # 达标 / 未达标
    energy_target: str | None = None  # 完成 / 未完成 (上年度能耗双控目标)
    pollution_target: str | None = None  # 完成 / 未完成 (上年度污染物排放总量控制目标)
    months: dict[str, str] = field(default_factory=dict)  # "2021-09" → 红色 橙色 黄色 绿色
    cells: dict[str, str] = field(default_factory=dict)  # attribute or month → "地区!F5"


@dataclass
class Ledger:
    """A ledger as read from its workbook, before any value is interpreted."""

    file: str  # the path it was read from
    sha256: str
    format: str  # xlsx | xls | csv
    sheet: str
    sheet_names: list[str]
    header_rows: list[int]  # Excel row numbers of the header (one or two)
    columns: list[Column]
    rows: list[SourceRow]  # project rows, in input order
    skipped: list[Issue] = field(default_factory=list)  # blank, 合计 and note rows
    issues: list[Issue] = field(default_factory=list)
    regions: list[RegionRecord] = field(default_factory=list)
    region_source: str | None = None  # "sheet 地区预警" or a file name

    def column_for(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.field == key), None)


class RowCells(MutableMapping):
    """field → cell ("Q7") for one row, made from the sheet's column letters when asked.

    A ledger of 100,000 rows × 40 fields would otherwise hold four million cell strings;
    every row shares the one letters table. Cells set afterwards (the city read from the
    county cell) are kept beside it.
    """

    __slots__ = ("letters", "row", "extra")

    def __init__(self, letters: dict[str, str], row: int, extra: dict[str, str] | None = None):
        self.letters, self.row, self.extra = letters, row, extra

    def __getitem__(self, key: str) -> str:
        if self.extra and key in self.extra:
            return self.extra[key]
        return f"{self.letters[key]}{self.row}"

    def __setitem__(self, key: str, cell: str) -> None:
        if self.extra is None:
            self.extra = {}
        self.extra[key] = cell

    def __delitem__(self, key: str) -> None:
        raise TypeError("a row's cells are fixed by its columns")

    def __iter__(self) -> Iterator[str]:
        yield from self.letters
        if self.extra:
            yield from (key for key in self.extra if key not in self.letters)

    def __len__(self) -> int:
        return len(self.letters) + sum(1 for key in self.extra or () if key not in self.letters)

    def __contains__(self, key: object) -> bool:
        return key in self.letters or bool(self.extra and key in self.extra)

    def __repr__(self) -> str:
        return repr(dict(self))

    def __reduce__(self):
        return (RowCells, (self.letters, self.row, self.extra))


@dataclass
class ProjectFacts:
    """One project's typed, normalised facts. A blank cell leaves its key out of `values`."""

    sheet: str
    row: int
    key: str  # unique in the run: the project id, else "row-<n>"
    values: dict[str, Any]  # enum → canonical text, yesno → bool, number → float, date → date
    cells: MutableMapping[str, str]  # field → "Q7" (a RowCells for ledger rows, a dict elsewhere)
    raw: dict[str, Any] = field(default_factory=dict)  # field → the value as written
    region: RegionRecord | None = None
    issues: list[Issue] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


@pickled_by_position
@dataclass
class Clause:
    id: str  # the register key rules cite by
    document: str
    ref: str
    label: str
    text: str

    def to_dict(self) -> dict:
        return {"document": self.document, "ref": self.ref, "label": self.label, "text": self.text}


@pickled_by_position
@dataclass
class Finding:
    """A rule's conclusion about one project."""

    rule: str
    outcome: str  # halt | rectify | proceed | note
    clauses: list[Clause]
    message: str
    action: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)
    stage: str | None = None
    determined: bool = True  # False: the condition came out unknown (blank cells)
    missing: list[str] = field(default_factory=list)  # fields whose blanks left it unknown
    lifted_by: str | None = None  # a later rule (STK-9d) lifted this finding
    lifts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = {
            "rule": self.rule,
            "outcome": self.outcome,
            "clauses": [c.to_dict() for c in self.clauses],
            "message": self.message,
            "action": self.action,
            "facts": {k: _jsonable(v) for k, v in self.facts.items()},
            "cells": dict(self.cells),
        }
        if self.lifted_by:
            data["lifted_by"] = self.lifted_by
        return data


@pickled_by_position
@dataclass
class Verdict:
    project: ProjectFacts
    two_high: bool | None
    verdict: str | None  # halt | rectify | proceed; None when `error` says why there is none
    provisional: bool
    could_become: str | None
    findings: list[Finding]  # what the verdict rests on, most severe first
    missing: list[str]  # fields to fill in before the verdict is final
    undetermined: list[Finding] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the engine failed on this project: the reason it has no verdict


@dataclass
class Screening:
    """One run: a ruleset applied to a ledger."""

    ruleset: dict[str, Any]  # id, version, sha256, as_of, title
    source: dict[str, Any]  # file, sha256, sheet
    ledger: Ledger
    verdicts: list[Verdict]
    issues: list[Issue]

    @property
    def summary(self) -> dict[str, int]:
        counts = {"projects": len(self.verdicts), "halt": 0, "rectify": 0, "proceed": 0,
                  "out_of_scope": 0, "provisional": 0}
        for v in self.verdicts:
            if v.error:
                continue
            if v.verdict in counts:
                counts[v.verdict] += 1
            counts["out_of_scope"] += v.two_high is False
            counts["provisional"] += v.provisional
        return counts


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value
