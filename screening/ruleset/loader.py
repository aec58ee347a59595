"""Load a ruleset from YAML: validate against the schema, resolve includes, type-check."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from pathlib import Path

import yaml

from ..errors import RulesetError
from ..model import Clause
from .model import DatedValue, Origin, Parameter, Rule, Ruleset
from .. import yamltext

ROOT = Path(__file__).resolve().parent.parent.parent
RULESETS_DIR = ROOT / "rulesets"
SCHEMA_PATH = ROOT / "schemas" / "ruleset.schema.json"
STAGES = ("拟建", "在建", "存量")


def list_rulesets(directory: Path = RULESETS_DIR) -> list[dict]:
    """The runnable rulesets (not layers) in a folder."""
    found = []
    for path in sorted(directory.glob("*.yaml")):
        data = yamltext.load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and not data.get("layer"):
            found.append({"id": data.get("id"), "title": data.get("title"),
                          "version": data.get("version"), "path": str(path)})
    return found


def resolve_ruleset_path(ref: str | Path) -> Path:
    """A ruleset id (henan-2021) or a path to its YAML file."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise RulesetError("ruleset file not found", file=path)
        return path.resolve()
    candidate = RULESETS_DIR / f"{ref}.yaml"
    if candidate.exists():
        return candidate
    known = ", ".join(r["id"] for r in list_rulesets())
    raise RulesetError(f"unknown ruleset {ref!r}; known: {known}")


def load_ruleset(ref: str | Path = "henan-2021", *, check: bool = True) -> Ruleset:
    """Load, validate and type-check a ruleset; any problem raises RulesetError naming the place."""
    path = resolve_ruleset_path(ref)
    return _load_cached(path, path.stat().st_mtime_ns, check)


@lru_cache(maxsize=16)
def _load_cached(path: Path, _mtime: int, check: bool) -> Ruleset:
    document = read_document(path)
    ruleset = build_ruleset(document, path)
    if check:
        _check_rules(ruleset)
    return ruleset


def _check_rules(ruleset: Ruleset) -> None:
    from . import verified

    key = verified.digest("rules", ruleset.sha256)
    if verified.is_verified(key):
        return
    from .checks import check_ruleset

    errors = [p for p in check_ruleset(ruleset) if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (+{len(errors) - 1} more; run `screening ruleset check`)" if len(errors) > 1 else ""
        raise RulesetError(first.message + more, file=first.file, path=first.path,
                           line=first.line, column=first.column, hint=first.hint)
    verified.remember(key)


class Document:
    """A YAML file's data with the position of every node, for error messages."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text
        try:
            node = yamltext.compose(text)
            self.data = yamltext.construct(node)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            raise RulesetError(f"not valid YAML: {getattr(error, 'problem', error)}", file=path,
                               line=mark and mark.line + 1, column=mark and mark.column + 1) from None
        self.positions: dict[tuple, tuple[int, int]] = {}
        if node is not None:
            self._index(node, ())

    def _index(self, node, path: tuple) -> None:
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                self.positions[path + (key.value, "__key__")] = (key.start_mark.line + 1,
                                                                 key.start_mark.column + 1)
                self._index(value, path + (key.value,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index(item, path + (index,))

    def origin(self, *path) -> Origin:
        key = tuple(str(p) if not isinstance(p, int) else p for p in path)
        while key and key not in self.positions:
            key = key[:-1]
        line, column = self.positions.get(key, (None, None))
        return Origin(self.path, format_path(path), line, column, tuple(path))


def format_path(path) -> str:
    return ".".join(str(p) for p in path) or "(top)"


def read_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesetError(f"cannot read ruleset: {error}", file=path) from None
    document = Document(path, text)
    if not isinstance(document.data, dict):
        raise RulesetError("a ruleset is a YAML mapping", file=path, line=1)
    validate_schema(document)
    return document


@lru_cache(maxsize=1)
def _schema_validator():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    import jsonschema  # only here: 60 ms of imports a run may not need

    return jsonschema.Draft202012Validator(schema)


def validate_schema(document: Document) -> None:
    from . import verified

    key = verified.digest("schema", document.text)
    if verified.is_verified(key):
        return
    data = json.loads(json.dumps(document.data, default=_date_text))
    errors = sorted(_schema_validator().iter_errors(data), key=lambda e: len(list(e.absolute_path)))
    if not errors:
        verified.remember(key)
        return
    error = _most_specific(errors[0])
    path = list(error.absolute_path)
    origin = document.origin(*path)
    hint = _schema_hint(error)
    raise RulesetError(f"schema: {_short(error.message)}", file=document.path, path=format_path(path),
                       line=origin.line, column=origin.column, hint=hint)


def _most_specific(error):
    # oneOf/anyOf errors hide the real problem in their context: take the deepest one
    while error.context:
        error = max(error.context, key=lambda e: (len(list(e.absolute_path)), -len(e.message)))
    return error


def _schema_hint(error) -> str | None:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        import difflib

        allowed = list(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, allowed, n=1)
            hints.append(f"{key!r}: did you mean {close[0]!r}?" if close else f"{key!r} is not allowed here; "
                         f"allowed: {', '.join(allowed)}")
        return "; ".join(hints) or None
    if error.validator == "type" and error.validator_value == "string" and isinstance(error.instance, (int, float)):
        return "quote it, e.g. \"4.1\": YAML reads 4.1 as a number"
    return None


def _short(message: str) -> str:
    return message if len(message) < 300 else message[:297] + "..."


def _date_text(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    raise TypeError(f"{type(value).__name__} is not allowed in a ruleset")


def _as_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def build_ruleset(document: Document, path: Path) -> Ruleset:
    data = document.data
    layers = [document] + _includes(document, seen={path})
    digest = hashlib.sha256()
    for layer in layers:
        digest.update(layer.text.encode("utf-8"))
    effective = data.get("effective") or {}
    ruleset = Ruleset(
        id=data["id"], title=data["title"], version=str(data["version"]), path=path,
        sha256=digest.hexdigest(), issuer=data.get("issuer", ""), date=str(data.get("date", "")),
        effective_from=_as_date(effective.get("from")), effective_to=_as_date(effective.get("to")),
        files=[layer.path for layer in layers],
        sources={layer.path: layer for layer in layers},
        cases_dir=(path.parent / data["cases"]).resolve() if data.get("cases") else None,
    )
    for layer in reversed(layers):  # included layers first, so the including file reads on top
        _merge_layer(ruleset, layer)
    scope = data.get("scope") or {}
    if not data.get("layer") and not scope:
        raise RulesetError("a runnable ruleset needs a scope section", file=path, path="scope", line=1)
    ruleset.exclusions = [_rule(document, e, ("scope", "exclusions", i), kind="exclusion")
                          for i, e in enumerate(scope.get("exclusions", []))]
    ruleset.proceed = scope.get("proceed", {})
    ruleset.missing_data = scope.get("missing_data", {})
    ruleset.origins["scope.proceed"] = document.origin("scope", "proceed")
    ruleset.origins["scope.missing_data"] = document.origin("scope", "missing_data")
    return ruleset


def _includes(document: Document, seen: set) -> list[Document]:
    found = []
    for index, name in enumerate(document.data.get("includes", [])):
        target = (document.path.parent / name).resolve()
        if target in seen:
            origin = document.origin("includes", index)
            raise RulesetError(f"include cycle through {name}", file=document.path, path=origin.path,
                               line=origin.line)
        if not target.exists():
            origin = document.origin("includes", index)
            raise RulesetError(f"included file {name} not found", file=document.path, path=origin.path,
                               line=origin.line, column=origin.column)
        included = read_document(target)
        found.append(included)
        found.extend(_includes(included, seen | {target}))
    return found


def _merge_layer(ruleset: Ruleset, document: Document) -> None:
    data = document.data
    for key, value in (data.get("documents") or {}).items():
        ruleset.documents[key] = value
    for key, value in (data.get("clauses") or {}).items():
        _no_duplicate(ruleset.clauses, key, document, "clauses")
        ruleset.clauses[key] = Clause(id=key, document=value["document"], ref=str(value.get("ref", key)),
                                      label=value["label"], text=value["text"])
        ruleset.origins[f"clauses.{key}"] = document.origin("clauses", key)
    for key, value in (data.get("parameters") or {}).items():
        _no_duplicate(ruleset.parameters, key, document, "parameters")
        ruleset.parameters[key] = _parameter(document, key, value)
    for key, value in (data.get("predicates") or {}).items():
        _no_duplicate(ruleset.predicates, key, document, "predicates")
        ruleset.predicates[key] = value["when"]
        ruleset.origins[f"predicates.{key}"] = document.origin("predicates", key)
    for index, value in enumerate(data.get("rules") or []):
        ruleset.rules.append(_rule(document, value, ("rules", index)))


def _no_duplicate(registry: dict, key: str, document: Document, section: str) -> None:
    if key in registry:
        origin = document.origin(section, key)
        raise RulesetError(f"{section[:-1]} {key!r} is defined twice (also in an included file)",
                           file=document.path, path=origin.path, line=origin.line, column=origin.column)


def _parameter(document: Document, name: str, value: dict) -> Parameter:
    if "values" in value:
        dated = [DatedValue(v["value"], v["source"], _as_date(v.get("from")), _as_date(v.get("to")))
                 for v in value["values"]]
    else:
        dated = [DatedValue(value["value"], value["source"])]
    return Parameter(name=name, label=value["label"], values=dated, unit=value.get("unit"),
                     origin=document.origin("parameters", name))


def _rule(document: Document, data: dict, path: tuple, kind: str = "rule") -> Rule:
    stages = list(data.get("stages") or STAGES)
    outcome = data.get("outcome", "out_of_scope" if kind == "exclusion" else None)
    if isinstance(outcome, str):
        outcome = {stage: outcome for stage in stages}
    action = data.get("action", "")
    if isinstance(action, str):
        action = {stage: action for stage in stages}
    return Rule(id=data["id"], title=data.get("title", ""), clauses=[str(c) for c in data["clauses"]],
                stages=stages, when=data["when"], outcome=dict(outcome), message=data["message"],
                action=dict(action), lifts=list(data.get("lifts", [])),
                interpretation=data.get("interpretation", "").strip(), kind=kind,
                origin=document.origin(*path))
