"""Which ruleset texts have already passed validation, so a cold run need not check them again.

Schema validation and the semantic checks take about 0.2 s of every cold `screening run`,
for files that change a few times a year. A pass is remembered as a digest of the checked
text together with the checker itself (this package's source, the schemas and the field
spec), so editing a ruleset, the schema or a check brings the full check back. Only passes
are recorded; a failing file is checked, and reported, every time. The record lives in
$SCREENING_CACHE_DIR, else $XDG_CACHE_HOME/screening, else ~/.cache/screening; a cache that
cannot be read or written is ignored (SCREENING_CACHE_DIR=off turns it off).
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKER_FILES = sorted(PACKAGE.glob("*.py")) + [PACKAGE.parent / "fieldspec.py"] + [
    PACKAGE.parent.parent / "schemas" / name for name in ("ruleset.schema.json", "ledger-fields.yaml",
                                                          "ledger-fields.schema.json")]
RECORD = "verified-rulesets.json"
LIMIT = 200  # digests kept: the newest


def digest(kind: str, text: str) -> str:
    """The digest of `text` checked as `kind` (schema | rules) by this checker."""
    return hashlib.sha256(f"{kind}\0{_checker()}\0".encode() + text.encode("utf-8")).hexdigest()


def is_verified(key: str) -> bool:
    return key in _read(_record_path())


def remember(key: str) -> None:
    path = _record_path()
    if path is None or key in _read(path):
        return
    known = (_read(path) + [key])[-LIMIT:]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}")
        temporary.write_text(json.dumps(known), encoding="utf-8")
        temporary.replace(path)  # atomic: a concurrent run reads the old list or the new one
    except OSError:
        return
    _read.cache_clear()


@lru_cache(maxsize=1)
def _checker() -> str:
    fingerprint = hashlib.sha256()
    for path in CHECKER_FILES:
        try:
            fingerprint.update(path.read_bytes())
        except OSError:
            fingerprint.update(b"missing " + path.name.encode())
    return fingerprint.hexdigest()


@lru_cache(maxsize=4)
def _read(path: Path | None) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else []
    except (OSError, ValueError):
        return []
    return [k for k in data if isinstance(k, str)] if isinstance(data, list) else []


def _record_path() -> Path | None:
    chosen = os.environ.get("SCREENING_CACHE_DIR")
    if chosen and chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen) / RECORD
    base = os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(base) / "screening" / RECORD
