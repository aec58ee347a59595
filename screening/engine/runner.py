"""The only code that talks to durable_rules: one project at a time, results collected.

The runner drives durable's C core (`durable_rules_engine`) directly rather than through
`durable.engine.Host`: a project is one fact asserted into the session, then its actions are
taken one by one with `start_action_for_state` / `complete_and_start_action`, then the fact
(and any finding facts) are retracted, leaving the session empty for the next project. The
Host layer would decode every action's message and re-encode the session state around it,
which cost more than the rules themselves, and a fresh session per project allocates and
clears frame pools for every rule. No timer threads are involved (see the durable notes).
A failed project deletes the session, so the next one starts from nothing.

Each rule compiles to a "true" and an "open" variant (compile.py); the exclusions' results
give the project's scope, and scope is applied to the rules' results afterwards in
three-valued logic: a rule counts as true when it and two_high are true, as open when neither
is false and one of them is open. The results are those of the earlier design (a session per
project, facts re-asserted per phase: raw → derived → screen), verdict for verdict.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import durable_rules_engine as _durable

from ..gcpause import paused_gc
from ..model import ProjectFacts
from .compile import CompiledRule, CompiledRuleset
from .derive import derive

_NOT_HANDLED, _OBSERVED = 1, 2  # durable's codes for a fact no rule matched / a duplicate id
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
_SID = "screen"  # the one durable session (see Engine._close)
_RULE, _EXCLUSION, _SINK = "rule", "exclusion", "sink"
_KINDS = {"rule": _RULE, "exclusion": _EXCLUSION, "sink": _SINK}


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


class _Session:
    """What one project's actions collect before scope is applied."""

    __slots__ = ("sid", "state", "stage", "exclusions", "rules", "asserted", "fact_id", "findings", "failed")

    def __init__(self, sid: str, stage):
        self.sid = sid
        self.state = None
        self.fact_id = None
        self.findings: list[str] = []
        self.failed = False
        self.stage = stage
        self.exclusions: dict[str, RuleResult] = {}
        self.rules: dict[str, list] = {}  # rule id → [entry, true triggers | None, open triggers | None]
        self.asserted: set = set()


class Engine:
    """A compiled ruleset loaded into durable_rules, ready to screen projects."""

    def __init__(self, compiled: CompiledRuleset):
        self.compiled = compiled
        self.name = compiled.name
        self._sessions: dict[str, _Session] = {}
        self._facts = frozenset(compiled.facts)
        self._actions = {name: (_KINDS[kind], target, info) for name, (kind, target, info, _label)
                         in compiled.handlers.items()}
        definition = json.dumps(compiled.definition, ensure_ascii=False)
        self._handle = _durable.create_ruleset(self.name, definition)
        self._lock = threading.RLock()  # one durable session serves every project in turn
        self._count = 0

    def screen(self, projects: Iterable[ProjectFacts],
               progress: Callable[[int], None] | None = None) -> list[ProjectResult]:
        results = []
        with paused_gc():
            for index, project in enumerate(projects):
                results.append(self.screen_one(project, str(index)))
                if progress:
                    progress(index + 1)
        return results

    def screen_one(self, project: ProjectFacts, sid: str) -> ProjectResult:
        result = ProjectResult(project, {}, {}, {})
        with self._lock:
            self._sessions[sid] = session = _Session(sid, None)
            try:
                result.derived, result.derived_cells = derive(project, self.compiled.params, self.compiled.as_of)
                result.values = values = {**_durable_values(project.values), **result.derived}
                session.stage = values.get("stage")
                facts = self._facts
                fact = {k: v for k, v in values.items() if k in facts}
                self._run(session, fact)
                _settle(result, session)
            except Exception as error:  # one project's failure must not end the run; durable raises bare Exceptions
                result.error = f"rule evaluation failed: {error}"
                session.failed = True
            finally:
                self._close(session)
        return result

    def _run(self, session: _Session, fact: dict) -> None:
        handle = self._handle
        self._count += 1
        session.fact_id = fact_id = f"p{self._count}"
        fact.update(kind="project", id=fact_id, sid=_SID)
        code, state = _durable.assert_fact(handle, _encode(fact))
        session.state = state
        if code == _OBSERVED:
            raise RuntimeError("a fact of an earlier project is still in the session")
        started = _durable.start_action_for_state(handle, state)
        message = started[1] if started else None
        actions = self._actions
        while message:
            kind, target, info = actions[message[2:message.index('"', 2)]]
            try:
                if kind is _RULE:
                    self._on_rule(session, target, info, message)
                elif kind is _EXCLUSION:
                    self._on_exclusion(session, target, info, message)
            except BaseException:
                _durable.abandon_action(handle, state)
                raise
            message = _durable.complete_and_start_action(handle, state)

    def _close(self, session: _Session) -> None:
        """Take the project's facts out of the session, so the next project finds it empty.

        One durable session serves every project: creating a session allocates and clears
        frame pools for every rule, which cost more than screening the project. After a
        failure the session is deleted instead, to start the next project from nothing.
        """
        self._sessions.pop(session.sid, None)
        if session.state is None:
            return
        try:
            if session.failed:
                raise RuntimeError("start afresh")
            for fact_id in [session.fact_id] + session.findings:
                _durable.retract_fact(self._handle, f'{{"sid":"{_SID}","id":"{fact_id}"}}')
        except Exception:
            try:
                _durable.delete_state(self._handle, _SID)
            except Exception:
                pass

    def _on_exclusion(self, session: _Session, target: CompiledRule, determined: bool, message: str) -> None:
        rule_id = target.rule.id
        current = session.exclusions.get(rule_id)
        if current is None or (determined and not current.determined):
            session.exclusions[rule_id] = RuleResult(target, determined, session.stage, [])

    def _on_rule(self, session: _Session, target: CompiledRule, info: tuple, message: str) -> None:
        determined, joined = info
        rule_id = target.rule.id
        record = session.rules.get(rule_id)
        if record is None:
            record = session.rules[rule_id] = [target, None, None]
        slot = 1 if determined else 2
        triggers = record[slot]
        if triggers is None:
            triggers = record[slot] = []
        if joined:
            trigger = json.loads(message)[message[2:message.index('"', 2)]]["f"]["rule"]
            if trigger not in triggers:
                triggers.append(trigger)
        if rule_id in self.compiled.chained:
            # the finding says what this rule's result is so far (before scope is applied)
            now = record[1] is not None
            key = (rule_id, now)
            if key not in session.asserted:
                session.asserted.add(key)
                finding_id = f"{session.fact_id}:{rule_id}:{int(now)}"
                session.findings.append(finding_id)
                finding = {"kind": "finding", "id": finding_id, "sid": _SID, "rule": rule_id, "determined": now}
                code, _ = _durable.assert_fact(self._handle, _encode(finding))
                if code not in (0, _NOT_HANDLED, _OBSERVED):
                    raise RuntimeError(f"could not assert finding {rule_id}: code {code}")


def _settle(result: ProjectResult, session: _Session) -> None:
    """Scope from the exclusions, then each rule's result in three-valued logic with it."""
    result.exclusions = session.exclusions
    if any(r.determined for r in session.exclusions.values()):
        result.two_high = False
    elif session.exclusions:
        result.two_high = None
    else:
        result.two_high = True
    if result.two_high is False:
        return
    stage = session.stage
    results = result.results
    for rule_id, (target, true_triggers, open_triggers) in session.rules.items():
        if result.two_high and true_triggers is not None:
            results[rule_id] = RuleResult(target, True, stage, true_triggers)
        elif open_triggers is not None:
            results[rule_id] = RuleResult(target, False, stage, open_triggers)
        elif true_triggers is not None:  # true, but scope is unknown
            results[rule_id] = RuleResult(target, False, stage, true_triggers)


_SKIP = object()


def _number(value):
    value = float(value)
    return _SKIP if value != value or value in (float("inf"), float("-inf")) else value


_CONVERT = {str: None, bool: None, float: _number, int: _number,
            dt.date: lambda v: v.toordinal(), dt.datetime: lambda v: v.date().toordinal()}


def _durable_values(values: dict) -> dict:
    """Native types durable_rules compares reliably: dates become ordinals, numbers floats."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        kind = type(value)
        if kind in _CONVERT:
            convert = _CONVERT[kind]
            if convert is not None:
                value = convert(value)
                if value is _SKIP:
                    continue
        elif isinstance(value, dt.datetime):
            value = value.date().toordinal()
        elif isinstance(value, dt.date):
            value = value.toordinal()
        elif isinstance(value, bool) or isinstance(value, str):
            pass
        elif isinstance(value, (int, float)):
            value = _number(value)
            if value is _SKIP:
                continue
        else:
            value = str(value)
        out[key] = value
    return out
