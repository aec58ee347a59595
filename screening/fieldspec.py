"""The ledger field spec (schemas/ledger-fields.yaml): canonical keys, header aliases, value types.

Loaded once, validated against schemas/ledger-fields.schema.json, then checked for what a
JSON Schema cannot say (synonyms pointing at real values, regexes that compile, aliases
claimed by one field only). A broken spec is the project's bug, so it raises RulesetError
naming the file and the path inside it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import RulesetError
from . import yamltext

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
SPEC_FILE = SCHEMAS / "ledger-fields.yaml"
SCHEMA_FILE = SCHEMAS / "ledger-fields.schema.json"
TYPES = ("text", "enum", "yesno", "number", "date")


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str
    en: str
    type: str  # text | enum | yesno | number | date
    values: tuple[str, ...] = ()  # canonical values of an enum
    synonyms: dict[str, str] = field(default_factory=dict)  # other spelling → canonical value
    patterns: tuple[tuple[re.Pattern, str], ...] = ()  # searched in the text → canonical value
    gbt4754: dict[str, str] = field(default_factory=dict)  # GB/T 4754 code prefix → value
    aliases: tuple[str, ...] = ()
    unit: str | None = None
    min: float | None = None
    unique: bool = False


@dataclass(frozen=True)
class FieldSpec:
    version: int
    fields: dict[str, FieldDef]
    path: Path

    def __getitem__(self, key: str) -> FieldDef:
        return self.fields[key]


def load_field_spec(path: str | Path | None = None) -> FieldSpec:
    """The field spec at `path` (default: schemas/ledger-fields.yaml), loaded once per path."""
    return _load(str(Path(path).resolve()) if path else str(SPEC_FILE))


@lru_cache(maxsize=8)
def _load(path: str) -> FieldSpec:
    try:
        data = yamltext.load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RulesetError(f"cannot load the field spec: {exc}", file=path) from exc
    _validate(data, path)
    fields = {key: _field(key, raw, path) for key, raw in data["fields"].items()}
    _check_aliases(fields, path)
    return FieldSpec(version=data["version"], fields=fields, path=Path(path))


def _validate(data, path: str) -> None:
    import jsonschema  # only here: 60 ms of imports a run may not need

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise RulesetError(error.message, file=path, path=where)


def _field(key: str, raw: dict, path: str) -> FieldDef:
    values = tuple(raw.get("values", ()))
    synonyms = {str(k): v for k, v in (raw.get("synonyms") or {}).items()}
    gbt = {str(k): v for k, v in (raw.get("gbt4754") or {}).items()}
    patterns = []
    for i, p in enumerate(raw.get("patterns", ())):
        try:
            patterns.append((re.compile(p["match"]), p["value"]))
        except re.error as exc:
            raise RulesetError(f"bad regular expression: {exc}", file=path,
                               path=f"fields/{key}/patterns/{i}/match") from exc
    for where, targets in (("synonyms", synonyms.values()), ("gbt4754", gbt.values()),
                           ("patterns", [v for _, v in patterns])):
        stray = sorted(set(targets) - set(values))
        if stray:
            raise RulesetError(f"{', '.join(stray)} is not one of the values {list(values)}",
                               file=path, path=f"fields/{key}/{where}")
    return FieldDef(key=key, label=raw["label"], en=raw.get("en", key), type=raw["type"],
                    values=values, synonyms=synonyms, patterns=tuple(patterns), gbt4754=gbt,
                    aliases=tuple(raw["aliases"]), unit=raw.get("unit"), min=raw.get("min"),
                    unique=bool(raw.get("unique", False)))


def _check_aliases(fields: dict[str, FieldDef], path: str) -> None:
    """An alias two fields claim would make header matching depend on file order."""
    owner: dict[str, str] = {}
    for key, f in fields.items():
        for alias in f.aliases:
            if owner.setdefault(alias, key) != key:
                raise RulesetError(f"alias {alias!r} is claimed by both {owner[alias]} and {key}",
                                   file=path, path=f"fields/{key}/aliases")
