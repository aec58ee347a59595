"""The verdicts document of SPEC §4: one JSON document per run, projects in input order.

The key order is fixed here and nothing time-dependent goes in, so the same run written
twice gives the same bytes. The file is written a project at a time with orjson (the same
bytes as json.dumps(indent=2, ensure_ascii=False) gives), so a national ledger's document is
never held whole in memory.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import IO, Any, Iterable

import orjson

from ..issues import Issue
from ..model import Screening, Verdict


def to_json_document(screening: Screening) -> dict:
    """The SPEC §4 document as plain dicts and lists, ready for json.dumps."""
    return {
        "ruleset": _ruleset(screening.ruleset),
        "source": _source(screening.source),
        "summary": summary_counts(screening),
        "projects": [_plain(project_entry(v)) for v in screening.verdicts],
        "issues": [_plain(i.to_dict()) for i in all_issues(screening)],
    }


def dumps(screening: Screening) -> str:
    return json.dumps(to_json_document(screening), ensure_ascii=False, indent=2,
                      sort_keys=False, allow_nan=False) + "\n"


def write_json(screening: Screening, path: str | Path) -> Path:
    """Write the document to `path`: the bytes of dumps(), without building it whole."""
    path = Path(path)
    with path.open("wb") as out:
        out.write(b'{\n  "ruleset": ' + _encode(_ruleset(screening.ruleset), 1))
        out.write(b',\n  "source": ' + _encode(_source(screening.source), 1))
        out.write(b',\n  "summary": ' + _encode(summary_counts(screening), 1))
        out.write(b',\n  "projects": ')
        _write_list(out, (project_entry(v) for v in screening.verdicts))
        out.write(b',\n  "issues": ')
        _write_list(out, (_plain(i.to_dict()) for i in all_issues(screening)))
        out.write(b"\n}\n")
    return path


def _write_list(out: IO[bytes], items: Iterable[Any]) -> None:
    """A list at depth 1 of the document, one item encoded at a time."""
    first = True
    for item in items:
        out.write(b"[\n    " if first else b",\n    ")
        out.write(_encode(item, 2))
        first = False
    out.write(b"[]" if first else b"\n  ]")


def _encode(value: Any, depth: int) -> bytes:
    """`value` as json.dumps(indent=2) writes it when nested `depth` levels deep."""
    try:
        text = orjson.dumps(value, default=_plain, option=orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:  # a lone surrogate, a huge int: the standard library, all escaped
        text = json.dumps(_plain(value), ensure_ascii=True, indent=2, allow_nan=False).encode("ascii")
    return text.replace(b"\n", b"\n" + b"  " * depth)


def project_entry(v: Verdict) -> dict:
    p = v.project
    return {
        "sheet": p.sheet,
        "row": p.row,
        "project_id": _text(p.get("project_id")),
        "name": _text(p.get("name")),
        "city": _text(p.get("city")),
        "county": _text(p.get("county")),
        "two_high": v.two_high,
        # A row the engine could not judge has no verdict; `error` says why.
        "verdict": None if v.error else v.verdict,
        "provisional": bool(v.provisional),
        "could_become": v.could_become,
        "findings": [f.to_dict() for f in v.findings],  # facts may hold any type: see _encode
        "missing": list(v.missing),
        "undetermined": [f.rule for f in v.undetermined],
        "error": v.error,
    }


def summary_counts(screening: Screening) -> dict[str, int]:
    """Screening.summary: rows without a verdict (error set) count only among `projects`."""
    return dict(screening.summary)


def all_issues(screening: Screening) -> list[Issue]:
    """The run's issues, with the ledger's skipped rows added if the run left any out."""
    issues = list(screening.issues)
    issues += [i for i in screening.ledger.skipped if i not in issues]
    return issues


def _ruleset(ruleset: dict) -> dict:
    return {
        "id": _text(ruleset.get("id")),
        "version": _text(ruleset.get("version")),
        "sha256": _text(ruleset.get("sha256")),
        "as_of": _plain(ruleset.get("as_of")),
    }


def _source(source: dict) -> dict:
    return {key: _text(source.get(key)) for key in ("file", "sha256", "sheet")}


def _text(value: Any) -> str | None:
    return None if value is None else str(_plain(value))


def _plain(value: Any) -> Any:
    """Only JSON's own types survive: dates become ISO text, NaN becomes null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
