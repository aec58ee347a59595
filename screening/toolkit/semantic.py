"""`screening ruleset check`: every problem of a ruleset file, each with file, line, column and a fix.

Three passes over a ruleset file and the layers it includes:

1. read: YAML syntax, and what the schema requires, written so a person can act on it
   (a parameter without a source is named as such rather than as a failed `oneOf`);
2. the load-time type checks of screening/ruleset/checks.py (unknown facts, values, clauses,
   duplicate ids, outcomes for stages a rule does not apply to, …);
3. the semantic checks below: clauses nobody cites, parameters with no value in force while
   the ruleset is, conditions that can never be true (for any project, for one of the rule's
   stages, or for a project in scope), and rules with the same condition but other outcomes.

Whether a condition can be true is decided over a finite domain: each fact a condition reads
takes one of its field's allowed values (enum, yes/no), a point of each interval the
condition's constants cut the number or date line into, or a blank. The search assigns facts
one at a time and prunes with the three-valued `evaluate`: Kleene logic is monotone, so a
condition that is already false with some facts unassigned stays false however they are filled.
"""
from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import RulesetError
from ..ruleset.checks import Checker, Problem
from ..ruleset.conditions import All, Any_, FindingTest, Resolver, Test, evaluate, facts_of, negate
from ..ruleset.loader import (STAGES, Document, _date_text, _most_specific, _schema_hint, _schema_validator,
                              _short, build_ruleset, format_path)
from ..ruleset.model import Rule, Ruleset
from ..ruleset.vocabulary import fact_types

#: a fix for each kind of problem that does not carry its own
DEFAULT_HINTS = {
    "unknown-fact": "facts are the keys of schemas/ledger-fields.yaml plus the derived facts "
                    "(energy, two_high, region_*, warning, red_months)",
    "unknown-value": "use one of the field's values listed in schemas/ledger-fields.yaml",
    "unknown-clause": "add the clause to `clauses:` with its verbatim text, or cite one that is there",
    "duplicate-rule": "give each rule its own id",
    "missing-outcome": "give an outcome for every stage the rule lists",
    "action-stage": "remove the action for that stage or add the stage to `stages`",
    "unknown-predicate": "define it under `predicates:`",
    "unknown-parameter": "define it under `parameters:` with a source",
    "unknown-rule": "name a rule id of this ruleset",
    "unknown-document": "declare the document under `documents:`",
    "type": "compare numbers with lt/lte/gt/gte, dates with before/on_or_after, yes/no facts with "
            "is: true/false",
    "finding-placement": "put the `finding:` test directly under the rule's top-level `all:`",
    "bad-outcome": "outcomes are halt, rectify, proceed and note",
    "schema": "see schemas/ruleset.schema.json and rulesets/README.md for the format",
    "load": "see rulesets/README.md for the format",
    "yaml": "fix the YAML syntax at that place (indentation, a missing colon or quote)",
}

ABSENT = object()  # a blank cell in the satisfiability search
OTHER = "\x00another value"  # any text the condition does not name
_INCLUDE_LIMIT = 50


@dataclass
class FileReport:
    """The outcome of checking one ruleset file (its includes' problems are listed with it)."""

    path: Path
    ruleset_id: str | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def check_file(path: str | Path) -> FileReport:
    """Every problem of the ruleset at `path`, errors and warnings, in file and line order."""
    path = Path(path).resolve()
    problems: list[Problem] = []
    documents = _read_all(path, problems)
    ruleset = None
    if documents and not any(p.severity == "error" for p in problems):
        try:
            ruleset = build_ruleset(documents[path], path)
        except RulesetError as error:
            problems.append(problem_from_error(error, "load"))
    if ruleset is not None:
        problems += SemanticChecker(ruleset).run()
    _add_hints(problems)
    ruleset_id = ruleset.id if ruleset else (documents[path].data.get("id") if path in documents else None)
    return FileReport(path, ruleset_id, _sorted(problems, path))


def problem_from_error(error: RulesetError, code: str) -> Problem:
    message = error.message
    if message.startswith("schema: "):
        code, message = "schema", message[len("schema: "):]
    return Problem("error", code, message, str(error.file) if error.file else None, error.path,
                   error.line, error.column, error.hint)


# ------------------------------------------------------------------ pass 1: read and schema

def _read_all(path: Path, problems: list[Problem]) -> dict[Path, Document]:
    """The file and the layers it includes, each read and schema-checked; problems collected."""
    documents: dict[Path, Document] = {}
    pending = [path]
    while pending and len(documents) < _INCLUDE_LIMIT:
        current = pending.pop(0)
        if current in documents or not current.exists():
            continue  # a missing include is reported by build_ruleset, with its place
        try:
            document = Document(current, current.read_text(encoding="utf-8"))
        except RulesetError as error:
            problems.append(problem_from_error(error, "yaml"))
            continue
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem("error", "load", f"cannot read ruleset: {error}", str(current)))
            continue
        if not isinstance(document.data, dict):
            problems.append(Problem("error", "schema", "a ruleset is a YAML mapping", str(current), None, 1, 1,
                                    "start the file with `id:`, `title:` and `version:`"))
            continue
        documents[current] = document
        problems += _schema_problems(document)
        for name in document.data.get("includes") or []:
            if isinstance(name, str):
                pending.append((current.parent / name).resolve())
    return documents


def _schema_problems(document: Document) -> list[Problem]:
    problems = _source_problems(document)
    sourceless = [p.path for p in problems]
    try:
        data = _jsonable(document.data)
    except TypeError as error:
        return problems + [Problem("error", "schema", str(error), str(document.path), None, 1, 1)]
    errors = sorted(_schema_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    errors = [_most_specific(e) for e in errors]
    misspelt = {(format_path(list(e.absolute_path)), name) for e in errors for name in _suggested(e)}
    for error in errors:
        where = list(error.absolute_path)
        text_path = format_path(where)
        if any(text_path == s or text_path.startswith(s + ".") for s in sourceless):
            continue  # said better by _source_problems
        if error.validator == "required" and any(text_path == p and repr(n) in error.message for p, n in misspelt):
            continue  # the key is there, misspelt: the additionalProperties problem says which
        position = _key_position(document, where, _unexpected(error))
        if position is None:
            origin = document.origin(*where)
            position = origin.line, origin.column
        line, column = position
        problems.append(Problem("error", "schema", _short(error.message), str(document.path), text_path,
                                line, column, _schema_hint(error)))
    return problems


def _unexpected(error) -> list[str]:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        return [k for k in error.instance if k not in allowed]
    return []


def _suggested(error) -> list[str]:
    allowed = list(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
    return [close[0] for key in _unexpected(error) if (close := difflib.get_close_matches(key, allowed, n=1))]


def _key_position(document: Document, where: list, keys: list[str]):
    """Where the first of `keys` is written inside the mapping at `where`."""
    for key in keys:
        position = document.positions.get(tuple(where) + (key, "__key__"))
        if position:
            return position
    return None


def _jsonable(data):
    return json.loads(json.dumps(data, default=_date_text))


def _source_problems(document: Document) -> list[Problem]:
    """A parameter value without a source: the schema says `'source' is a required property`."""
    problems = []
    parameters = document.data.get("parameters")
    if not isinstance(parameters, dict):
        return problems
    hint = ('add `source: {clause: "<ref>"}` naming the clause in the register it comes from, or '
            '`source: {citation: "<document and article>"}` when it comes from outside the register')
    for name, parameter in parameters.items():
        if not isinstance(parameter, dict):
            continue
        if isinstance(parameter.get("values"), list):
            for index, dated in enumerate(parameter["values"]):
                if isinstance(dated, dict) and not _has_source(dated):
                    problems.append(_problem_at(document, ("parameters", name, "values", index), "error",
                                                "parameter-source", f"parameter {name}: the value in force from "
                                                f"{dated.get('from', 'the start')} has no source", hint))
        elif "values" not in parameter and not _has_source(parameter):
            problems.append(_problem_at(document, ("parameters", name), "error", "parameter-source",
                                        f"parameter {name} has no source: every parameter must say which "
                                        "clause or document its value comes from", hint))
    return problems


def _has_source(entry: dict) -> bool:
    source = entry.get("source")
    return isinstance(source, dict) and bool(source.get("clause") or source.get("citation"))


def _problem_at(document: Document, path: tuple, severity, code, message, hint=None) -> Problem:
    """A problem at the node `path` names; at its key when it is a mapping's value (`name:`)."""
    line, column = document.positions.get(path + ("__key__",)) or document.positions.get(path) or (None, None)
    return Problem(severity, code, message, str(document.path), format_path(path), line, column, hint)


# ------------------------------------------------------------------ hints and order

def _add_hints(problems: list[Problem]) -> None:
    for problem in problems:
        if problem.hint is None:
            problem.hint = DEFAULT_HINTS.get(problem.code)


def _sorted(problems: list[Problem], main: Path) -> list[Problem]:
    def key(p: Problem):
        return (Path(p.file).resolve() != main if p.file else True, p.file or "", p.line or 0, p.column or 0)

    unique, seen = [], set()
    for problem in sorted(problems, key=key):
        ident = (problem.code, problem.message, problem.file, problem.line, problem.column)
        if ident not in seen:
            seen.add(ident)
            unique.append(problem)
    return unique


# ------------------------------------------------------------------ pass 3: semantic checks

class SemanticChecker(Checker):
    """The load-time checks, then the ones only `ruleset check` runs."""

    def run(self) -> list[Problem]:
        super().run()
        self.check_unused_clauses()
        self.check_parameter_periods()
        dates = probe_dates(self.ruleset)
        if dates:
            self.check_satisfiable(dates)
            self.check_conflicts(dates)
        return self.problems

    # ---- clauses

    def check_unused_clauses(self) -> None:
        cited = set(citations(self.ruleset))
        for clause_id in self.ruleset.clauses:
            if clause_id not in cited:
                self.error_at_key("unused-clause", f"clause {clause_id} is in the register but no rule, scope entry or "
                           "parameter cites it", self.ruleset.origins.get(f"clauses.{clause_id}"),
                           hint="cite it from the rule that enforces it, or remove it from `clauses:`",
                           severity="warning")

    # ---- dated parameters

    def check_parameter_periods(self) -> None:
        start, end = self.ruleset.effective_from, self.ruleset.effective_to
        if start is None:
            return
        for parameter in self.ruleset.parameters.values():
            gap = _first_gap(parameter.values, start, end)
            if gap:
                until = f" to {gap[1].isoformat()}" if gap[1] else " on"
                self.error_at_key("parameter-gap", f"parameter {parameter.name} has no value in force from "
                           f"{gap[0].isoformat()}{until}, while ruleset {self.ruleset.id} is in effect: "
                           "screening as of such a date fails", parameter.origin,
                           hint="add a dated value (with its source) for that period, or start the ruleset's "
                                "`effective.from` later", severity="warning")

    # ---- conditions that can never be true

    def check_satisfiable(self, dates: list[dt.date]) -> None:
        resolvers = [Resolver(self.ruleset.predicates, self.ruleset.parameters_at(d), d) for d in dates]
        for name, cond in self.ruleset.predicates.items():
            origin = self.ruleset.origins.get(f"predicates.{name}")
            trees = [] if self._has_errors(origin) else _resolve_all(resolvers, cond)
            if trees and not any(satisfiable(t) for t in trees):
                hint, where = _contradiction(resolvers, cond)
                self.error("never-true", f"predicate {name} can never be true", origin, "when" + where,
                           hint=hint or "each fact can take only its field's allowed values; rewrite the condition")
        scope_trees = {id(r): _scope_tree(r, self.ruleset.exclusions) for r in resolvers}
        for rule in self.ruleset.exclusions + self.ruleset.rules:
            self._check_rule_satisfiable(rule, resolvers, scope_trees)

    def _check_rule_satisfiable(self, rule: Rule, resolvers, scope_trees) -> None:
        if self._has_errors(rule.origin):
            return  # an unknown fact or value already explains why it cannot match
        trees = [(resolver, tree) for resolver in resolvers if (tree := _resolve(resolver, rule.when))]
        if not trees:
            return  # an unknown predicate or parameter, already reported
        what = "exclusion" if rule.kind == "exclusion" else "rule"
        if not any(satisfiable(tree) for _, tree in trees):
            hint, where = _contradiction(resolvers, rule.when)
            self.error("never-true", f"{what} {rule.id}: its condition can never be true, whatever the "
                       "project's values", rule.origin, "when" + where,
                       hint=hint or "each fact can take only its field's allowed values; rewrite the condition")
            return
        possible = [s for s in rule.stages
                    if any(satisfiable(All((Test("stage", "is", s), tree))) for _, tree in trees)]
        if not possible:
            self.error("stage-never", f"{what} {rule.id} applies to {', '.join(rule.stages)}, but its condition "
                       "can never be true at any of them", rule.origin, "stages",
                       hint="its `stage` tests exclude every stage it lists: fix `stages` or the condition")
            return
        for index, stage in enumerate(rule.stages):
            if stage not in possible:
                self.error("stage-never", f"{what} {rule.id} applies to {stage}, but its condition can never be "
                           f"true for a {stage} project", rule.origin, f"stages.{index}",
                           hint=f"remove {stage} from `stages` (and its outcome and action), or fix the condition")
        if rule.kind != "rule" or not self.ruleset.exclusions:
            return
        in_scope = [s for s in possible if any(
            satisfiable(All((Test("two_high", "is", True), Test("stage", "is", s), scope_trees[id(r)], tree)))
            for r, tree in trees)]
        if not in_scope:
            where, item = self._out_of_scope_item(rule, resolvers, scope_trees)
            self.error("never-in-scope", f"rule {rule.id} can never fire: no project it matches is in scope "
                       "(the scope exclusions take out every project its condition accepts)", rule.origin,
                       "when" + where,
                       hint=(f"{item} contradicts the scope; " if item else "") + "rules run only on 两高 projects "
                            "(sector and energy in scope): drop the tests that contradict the scope, or make it a "
                            "scope exclusion")
        else:
            for index, stage in enumerate(rule.stages):
                if stage in possible and stage not in in_scope:
                    self.error("never-in-scope", f"rule {rule.id} can never fire for a {stage} project in scope",
                               rule.origin, f"stages.{index}",
                               hint=f"the scope exclusions for {stage} cover every project the condition accepts")

    def _out_of_scope_item(self, rule: Rule, resolvers, scope_trees) -> tuple[str, str | None]:
        """The first item of the rule's `all` that no in-scope project of its stages satisfies."""
        items = rule.when.get("all") if isinstance(rule.when, dict) else None
        stages = Test("stage", "in", tuple(rule.stages))
        for index, item in enumerate(items or []):
            trees = [(r, t) for r in resolvers if (t := _resolve(r, item)) is not None]
            if trees and not any(satisfiable(All((Test("two_high", "is", True), stages, scope_trees[id(r)], t)))
                                 for r, t in trees):
                return f".all.{index}", f"item {index + 1} of `all` ({_show(item)})"
        return "", None

    def error_at_key(self, code, message, origin, **kwargs) -> None:
        """A problem about a named entry (`"15":`, `energy_threshold:`): on the line of its name."""
        self.error(code, message, origin, **kwargs)
        document = self.ruleset.sources.get(origin.file) if origin else None
        position = document and document.positions.get(tuple(origin.parts) + ("__key__",))
        if position:
            self.problems[-1].line, self.problems[-1].column = position

    def _has_errors(self, origin) -> bool:
        if origin is None:
            return False
        return any(p.severity == "error" and p.file == str(origin.file) and p.path
                   and (p.path == origin.path or p.path.startswith(origin.path + ".")) for p in self.problems)

    # ---- rules that say different things about the same projects

    def check_conflicts(self, dates: list[dt.date]) -> None:
        resolver = Resolver(self.ruleset.predicates, self.ruleset.parameters_at(dates[-1]), dates[-1])
        by_condition: dict = {}
        for rule in self.ruleset.rules:
            tree = _resolve(resolver, rule.when)
            if tree is not None:
                by_condition.setdefault(normal_form(tree), []).append(rule)
        for rules in by_condition.values():
            for first, second in itertools.combinations(rules, 2):
                self._compare_pair(first, second)

    def _compare_pair(self, first: Rule, second: Rule) -> None:
        shared = [s for s in second.stages if s in first.stages]
        if not shared:
            return
        line = first.origin.line if first.origin else "?"
        differ = [s for s in shared if first.outcome.get(s) != second.outcome.get(s)]
        if differ:
            detail = ", ".join(f"{s}: {first.outcome.get(s)} vs {second.outcome.get(s)}" for s in differ)
            self.error("conflicting-rules", f"rules {first.id} (line {line}) and {second.id} have the same "
                       f"condition but different outcomes ({detail})", second.origin, f"outcome.{differ[0]}",
                       hint="decide one outcome: merge the two rules, or make the conditions tell the cases apart")
        elif set(first.stages) == set(second.stages):
            self.error("duplicate-condition", f"rules {first.id} (line {line}) and {second.id} have the same "
                       "condition, stages and outcomes", second.origin, "when",
                       hint="merge them into one rule citing both clauses", severity="warning")


def citations(ruleset: Ruleset) -> dict[str, list[str]]:
    """Clause id → who cites it: rule ids, PROCEED, the missing-data rule, `param:<name>`, `scope`."""
    cited: dict[str, list[str]] = {}

    def add(ref, who):
        cited.setdefault(str(ref), [])
        if who not in cited[str(ref)]:
            cited[str(ref)].append(who)

    for rule in ruleset.exclusions + ruleset.rules:
        for ref in rule.clauses:
            add(ref, rule.id)
    proceed = ruleset.proceed or {}
    for ref in list(proceed.get("clauses", [])) + [c for cs in (proceed.get("by_stage") or {}).values() for c in cs]:
        add(ref, "PROCEED")
    missing = ruleset.missing_data or {}
    for ref in missing.get("clauses", []):
        add(ref, missing.get("rule", "missing_data"))
    for parameter in ruleset.parameters.values():
        for dated in parameter.values:
            if isinstance(dated.source, dict) and dated.source.get("clause"):
                add(dated.source["clause"], f"param:{parameter.name}")
    return cited


def _first_gap(values, start: dt.date, end: dt.date | None):
    """The first period within [start, end] that no dated value covers, as (from, to or None)."""
    day = start
    for _ in range(len(values) + 1):
        if end is not None and day > end:
            return None
        covering = [v for v in values if v.in_force(day)]
        if not covering:
            later = [v.start for v in values if v.start and v.start > day]
            until = min(later) - dt.timedelta(days=1) if later else end
            return day, until
        ends = [v.end for v in covering]
        if any(e is None for e in ends):
            return None
        day = max(ends) + dt.timedelta(days=1)
    return None


def probe_dates(ruleset: Ruleset) -> list[dt.date]:
    """Dates inside the ruleset's effect at which every parameter has a value, one per period in
    which the parameters stay the same."""
    candidates = {ruleset.effective_from or dt.date(2000, 1, 1)}
    for parameter in ruleset.parameters.values():
        for dated in parameter.values:
            if dated.start:
                candidates.add(dated.start)
            if dated.end and dated.end < dt.date.max:
                candidates.add(dated.end + dt.timedelta(days=1))
    dates = []
    for day in sorted(candidates):
        if not ruleset.in_effect(day):
            continue
        try:
            ruleset.parameters_at(day)
        except RulesetError:
            continue
        dates.append(day)
    return dates


def _resolve(resolver: Resolver, cond) -> object | None:
    try:
        return resolver.resolve(cond)
    except (RulesetError, KeyError, TypeError, ValueError, AttributeError, StopIteration):
        return None  # what makes it unresolvable is reported by the type checks


def _resolve_all(resolvers, cond) -> list:
    return [t for r in resolvers if (t := _resolve(r, cond)) is not None]


def _scope_tree(resolver: Resolver, exclusions: list[Rule]):
    """True for a project in scope (two_high), as compile_ruleset builds it."""
    trees = []
    for rule in exclusions:
        tree = _resolve(resolver, rule.when)
        if tree is None:
            continue
        if set(rule.stages) != set(STAGES):
            tree = All((Test("stage", "in", tuple(rule.stages)), tree))
        try:
            trees.append(negate(tree))
        except RulesetError:
            continue
    return All(tuple(trees)) if trees else All((Test("two_high", "is", True),))


def _contradiction(resolvers, cond) -> tuple[str | None, str]:
    """For an `all`, the first item that never holds or two items that cannot hold together:
    a hint, and the path (under `when`) of the item to point at."""
    if not isinstance(cond, dict) or "all" not in cond:
        return None, ""
    items = cond["all"]
    resolved = [[_resolve(r, item) for r in resolvers] for item in items]
    for index, trees in enumerate(resolved):
        trees = [t for t in trees if t is not None]
        if trees and not any(satisfiable(t) for t in trees):
            return f"item {index + 1} of `all` ({_show(items[index])}) can never be true", f".all.{index}"
    for i, j in itertools.combinations(range(len(items)), 2):
        pairs = [(a, b) for a, b in zip(resolved[i], resolved[j]) if a is not None and b is not None]
        if pairs and not any(satisfiable(All((a, b))) for a, b in pairs):
            return (f"items {i + 1} and {j + 1} of `all` cannot both hold: {_show(items[i])} and "
                    f"{_show(items[j])}; remove or change one of them"), f".all.{j}"
    return None, ""


def _show(cond) -> str:
    text = yaml.safe_dump(cond, allow_unicode=True, default_flow_style=True, width=1000).strip()
    return text if len(text) <= 120 else text[:117] + "..."


# ------------------------------------------------------------------ satisfiability over finite domains

def domains(tree) -> dict[str, list]:
    """For each fact the condition reads: the values to try, blank (ABSENT) included."""
    constants: dict[str, list] = {}
    _constants(tree, constants)
    kinds = fact_types()
    found = {}
    for fact in facts_of(tree):
        kind = kinds.get(fact)
        named = constants.get(fact, [])
        if kind is not None and kind.type == "enum":
            values = list(kind.values)
        elif kind is not None and kind.type == "yesno":
            values = [True, False]
        elif kind is not None and kind.type in ("number", "date"):
            values = _points(named)
        else:
            values = list(dict.fromkeys(named)) + [OTHER]
        found[fact] = values + [ABSENT]
    return found


def _constants(node, found: dict) -> None:
    if isinstance(node, Test):
        if node.op != "known":
            values = node.value if isinstance(node.value, tuple) else (node.value,)
            found.setdefault(node.fact, []).extend(values)
    elif isinstance(node, (All, Any_)):
        for child in node.children:
            _constants(child, found)


def _points(constants: list) -> list:
    """One point in each interval the constants cut the line into, and the constants themselves."""
    numbers = sorted({c for c in constants if isinstance(c, (int, float)) and not isinstance(c, bool)})
    others = [c for c in dict.fromkeys(constants) if c not in numbers]
    if not numbers:
        return [0.0] + others
    points = [numbers[0] - 1]
    for low, high in zip(numbers, numbers[1:]):
        points += [low, (low + high) / 2]
    points += [numbers[-1], numbers[-1] + 1]
    return points + others


def satisfiable(tree) -> dict | None:
    """An assignment of facts (ABSENT: blank) under which `tree` is true, or None if none exists.

    A finding test counts as true: whether the findings it names can fire is checked on them."""
    facts = facts_of(tree)
    space = domains(tree)
    assignment: dict = {}

    def search(index: int):
        truth = _partial(tree, assignment)
        if truth is True:
            return dict(assignment)
        if truth is False or index == len(facts):
            return None
        fact = facts[index]
        for value in space[fact]:
            assignment[fact] = value
            found = search(index + 1)
            if found is not None:
                return found
        del assignment[fact]
        return None

    return search(0)


def _partial(node, assignment: dict):
    """Three-valued truth with unassigned facts unknown; blanks (ABSENT) as the engine sees them."""
    if isinstance(node, All):
        results = [_partial(c, assignment) for c in node.children]
        return False if False in results else (None if None in results else True)
    if isinstance(node, Any_):
        results = [_partial(c, assignment) for c in node.children]
        return True if True in results else (None if None in results else False)
    if isinstance(node, FindingTest):
        return True
    if node.fact not in assignment:
        return None
    value = assignment[node.fact]
    return evaluate(node, {} if value is ABSENT else {node.fact: value})


def normal_form(node):
    """A resolved condition as a hashable value in which the order of `all`/`any` items and of
    `in` lists does not matter, nested `all`s (and `any`s) are flattened."""
    if isinstance(node, Test):
        value = tuple(sorted(map(repr, node.value))) if isinstance(node.value, tuple) else repr(node.value)
        return ("test", node.fact, node.op, value)
    if isinstance(node, FindingTest):
        return ("finding", tuple(sorted(node.rules)))
    kind = "all" if isinstance(node, All) else "any"
    items = set()
    for child in node.children:
        form = normal_form(child)
        if form[0] == kind:
            items |= set(form[1])
        else:
            items.add(form)
    if len(items) == 1:
        return next(iter(items))
    return (kind, frozenset(items))
