"""The only code that talks to durable_rules: one session per project, results collected."""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import durable.engine as durable

from ..model import ProjectFacts
from .compile import CompiledRule, CompiledRuleset
from .derive import derive


class _QuietHost(durable.Host):
    """A Host without timer threads: with them delete_state crashes under load (durable notes)."""

    def _run(self):
        pass


@dataclass
class RuleResult:
    """A rule whose condition came out true (determined) or open (undetermined) for a project."""

    compiled: CompiledRule
    determined: bool
    stage: str | None
    triggers: list[str] = field(default_factory=list)  # for finding tests: the findings it joined

    @property
    def rule(self):
        return self.compiled.rule


@dataclass
class ProjectResult:
    project: ProjectFacts
    values: dict[str, Any]  # every fact the rules saw: ledger facts (dates as ordinals) + derived
    derived: dict[str, Any]
    derived_cells: dict[str, str]
    two_high: bool | None = None
    results: dict[str, RuleResult] = field(default_factory=dict)  # rule id → result
    exclusions: dict[str, RuleResult] = field(default_factory=dict)
    error: str | None = None
    scope_settled: bool = False


class Engine:
    """A compiled ruleset loaded into durable_rules, ready to screen projects."""

    def __init__(self, compiled: CompiledRuleset):
        self.compiled = compiled
        self.name = compiled.name
        self._sessions: dict[str, ProjectResult] = {}
        self._asserted: dict[str, set] = {}
        definition = {}
        for rule_id, body in compiled.definition.items():
            body = copy.deepcopy(body)  # register_rulesets deletes "run" from what it is given
            body["run"] = self._handler(rule_id)
            definition[rule_id] = body
        self.host = _QuietHost()
        self.host.register_rulesets({self.name: definition})

    def screen(self, projects: Iterable[ProjectFacts],
               progress: Callable[[int], None] | None = None) -> list[ProjectResult]:
        results = []
        for index, project in enumerate(projects):
            results.append(self.screen_one(project, str(index)))
            if progress:
                progress(index + 1)
        return results

    def screen_one(self, project: ProjectFacts, sid: str) -> ProjectResult:
        result = ProjectResult(project, {}, {}, {})
        self._sessions[sid] = result
        self._asserted[sid] = set()
        try:
            result.derived, result.derived_cells = derive(project, self.compiled.params, self.compiled.as_of)
            result.values = {**_durable_values(project.values), **result.derived}
            self.host.assert_fact(self.name, self._raw_fact(project, sid))
            state = self.host.get_state(self.name, sid)
            if state.get("exception"):
                result.error = f"rule evaluation failed: {state['exception']}"
        except Exception as error:  # one project's failure must not end the run; durable raises bare Exceptions
            result.error = f"rule evaluation failed: {error}"
        finally:
            self._close(sid)
        return result

    def _close(self, sid: str) -> None:
        try:
            self.host.delete_state(self.name, sid)
        except Exception:
            pass  # the session may never have been created when the first assert failed
        self._sessions.pop(sid, None)
        self._asserted.pop(sid, None)

    def _raw_fact(self, project: ProjectFacts, sid: str) -> dict:
        known = _durable_values(project.values)
        fact = {k: v for k, v in known.items() if k in self.compiled.facts}
        fact.update(kind="project", phase="raw", id="raw", sid=sid)
        return fact

    def _handler(self, rule_id: str):
        kind, target, info = self.compiled.handlers[rule_id]
        method = f"_on_{kind}"

        def run(c):
            facts = c._m
            sid = facts["p"]["sid"] if "p" in facts else facts["f"]["sid"]
            session = self._sessions.get(sid)
            if session is not None:
                getattr(self, method)(c, session, sid, target, info, facts)

        return run

    def _on_sink(self, c, session, sid, target, info, facts) -> None:
        pass

    def _on_derive(self, c, session, sid, target, info, facts) -> None:
        fact = {k: v for k, v in session.values.items() if k in self.compiled.facts}
        fact.update(kind="project", phase="derived", id="derived", sid=sid)
        c.assert_fact(fact)

    def _on_scope(self, c, session, sid, target, info, facts) -> None:
        if session.scope_settled:
            return  # "possibly in scope" after "in scope" has already been asserted
        session.scope_settled = True
        session.two_high = info
        fact = {k: v for k, v in session.values.items() if k in self.compiled.facts}
        fact.update(kind="project", phase="screen", id="screen", sid=sid)
        if info:
            fact["two_high"] = True
        c.assert_fact(fact)

    def _on_exclusion(self, c, session, sid, target, info, facts) -> None:
        _record(session.exclusions, target, info, session.values.get("stage"), [])
        if info:
            session.two_high = False
            session.scope_settled = True

    def _on_rule(self, c, session, sid, target, info, facts) -> None:
        triggers = [facts["f"]["rule"]] if "f" in facts else []
        result = _record(session.results, target, info, session.values.get("stage"), triggers)
        rule_id = target.rule.id
        key = (rule_id, result.determined)
        if rule_id in self.compiled.chained and key not in self._asserted[sid]:
            self._asserted[sid].add(key)
            c.assert_fact({"kind": "finding", "id": f"finding:{rule_id}:{int(result.determined)}",
                           "sid": sid, "rule": rule_id, "determined": result.determined})


def _record(registry: dict, compiled: CompiledRule, determined: bool, stage, triggers) -> RuleResult:
    """A determined result outranks an open one for the same rule (two join partners may differ)."""
    current = registry.get(compiled.rule.id)
    if current is None or (determined and not current.determined):
        current = registry[compiled.rule.id] = RuleResult(compiled, determined, stage, list(triggers))
    elif current.determined == determined:
        current.triggers += [t for t in triggers if t not in current.triggers]
    return current


def _durable_values(values: dict) -> dict:
    """Native types durable_rules compares reliably: dates become ordinals, numbers floats."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            value = value.date().toordinal()
        elif isinstance(value, dt.date):
            value = value.toordinal()
        elif isinstance(value, bool):
            pass
        elif isinstance(value, (int, float)):
            value = float(value)
            if value != value or value in (float("inf"), float("-inf")):
                continue
        elif not isinstance(value, str):
            value = str(value)
        out[key] = value
    return out
