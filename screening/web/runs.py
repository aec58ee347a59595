"""Runs: accepting an upload, screening it off the request, storing what came out, and
answering who may see which run and project.

A run is written in three insert-only steps (the request stores the upload and the `runs`
row; the worker stores `run_results`, `run_projects` and `run_artifacts` once) and one
mutable progress row (`run_status`). Nothing here ever updates evidence.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import tempfile
import threading
import time
import traceback
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session as OrmSession

from .db import Database
from .library import Library
from .models import Event, Run, RunArtifact, RunProject, RunResult, RunStatus, Upload, User, utcnow

log = logging.getLogger("screening.web")

VERDICTS = ("halt", "rectify", "proceed")
VERDICT_LABELS = {"halt": "停止 / 停工", "rectify": "整改", "proceed": "推进"}
STAGES = ("拟建", "在建", "存量")
ACCEPTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")


class UploadRejected(Exception):
    """An upload refused before a run exists; the message is bilingual and shown as is."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


class NotFound(Exception):
    """A run or project that does not exist *or that this user may not see* — both are 404,
    so an official cannot learn that another region's run exists."""


def too_large_message(limit: int) -> str:
    mb = limit / (1024 * 1024)
    size = f"{mb:g} MB"
    return f"文件过大：上传上限为 {size} / The file is too large: the upload limit is {size}"


# -- upload ------------------------------------------------------------------------------------

def clean_filename(name: str | None) -> str:
    """The uploaded file's own name, without any path and without control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    return base[:200] or "ledger.xlsx"


def check_upload(filename: str, content: bytes, limit: int) -> None:
    """Refuse what is plainly not a ledger before spending a worker on it. Anything subtler
    (a zip bomb, XML entities, a workbook without a project sheet) is for the library to
    find: its ScreeningError ends the run with the library's own message."""
    if len(content) > limit:
        raise UploadRejected(too_large_message(limit), 413)
    if not content:
        raise UploadRejected("文件为空 / The file is empty")
    suffix = Path(filename).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise UploadRejected("只接受 Excel 工作簿（.xlsx、.xls）或 CSV 文件 / "
                             "Only Excel workbooks (.xlsx, .xls) or CSV files are accepted", 415)
    head = content[:8]
    is_zip = head.startswith(b"PK\x03\x04")
    is_ole = head == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if suffix in (".xlsx", ".xlsm") and not is_zip or suffix == ".xls" and not (is_ole or is_zip):
        raise UploadRejected("文件内容不是 Excel 工作簿（可能只是改了扩展名）/ "
                             "The file's content is not an Excel workbook (perhaps only renamed)", 415)
    if suffix == ".csv" and (b"\x00" in content[:65536] or is_zip or is_ole):
        raise UploadRejected("文件内容不是 CSV 文本 / The file's content is not CSV text", 415)


def create_run(s: OrmSession, user: User, filename: str, content: bytes, ruleset_id: str,
               as_of: dt.date, *, repeat_of: Run | None = None) -> Run:
    sha = hashlib.sha256(content).hexdigest()
    if s.get(Upload, sha) is None:
        s.add(Upload(sha256=sha, size=len(content), content=content))
        s.flush()  # no ORM relationship orders it before the run that references it
    if repeat_of is not None:
        # A repeat belongs to the original's region, so whoever saw the original sees it.
        city, county = repeat_of.region_city, repeat_of.region_county
    elif user.role == "official":
        city, county = user.city, user.county
    else:
        city = county = None
    run = Run(uploader_id=user.id, region_city=city, region_county=county,
              filename=clean_filename(filename), file_sha256=sha, ruleset_id=ruleset_id,
              as_of=as_of, repeat_of=repeat_of.id if repeat_of is not None else None)
    s.add(run)
    s.flush()
    s.add(RunStatus(run_id=run.id, state="queued", done=0, total=0))
    s.add(Event(kind="repeat" if repeat_of is not None else "upload", user_id=user.id,
                detail={"run": run.id, "file": run.filename, "sha256": sha, "ruleset": ruleset_id,
                        "as_of": as_of.isoformat(), "repeat_of": run.repeat_of}))
    return run


# -- regions -----------------------------------------------------------------------------------

def norm_city(name: str | None) -> str | None:
    """安阳 and 安阳市 are the same city; 济源示范区 keeps its own suffix."""
    name = re.sub(r"\s+", "", name or "")
    if not name:
        return None
    if not name.endswith(("市", "区", "州")):
        name += "市"
    return name


def norm_county(name: str | None) -> str | None:
    return re.sub(r"\s+", "", name or "") or None


def region_flag(run_city: str | None, run_county: str | None, city: str | None,
                county: str | None) -> str | None:
    """None when the project lies in the run's region; "outside" when it names another one;
    "blank" when it names none (kept visible to the uploader, but flagged)."""
    if not run_city and not run_county:
        return None  # a provincial upload covers every region
    city, county = norm_city(city), norm_county(county)
    if not city and not county:
        return "blank"
    if run_county:
        if county != norm_county(run_county):
            return "outside"
        if city and run_city and city != norm_city(run_city):
            return "outside"
        return None
    return None if city == norm_city(run_city) else "outside"


# -- visibility --------------------------------------------------------------------------------

def runs_visible_to(user: User):
    stmt = select(Run)
    if user.all_regions:
        return stmt
    # An official bound to a city sees the runs of that city and of its counties; one bound
    # to a county sees only that county's runs.
    stmt = stmt.where(Run.region_city == user.city)
    if user.county:
        stmt = stmt.where(Run.region_county == user.county)
    return stmt


def get_run(s: OrmSession, user: User, run_id: int) -> Run:
    run = s.scalar(runs_visible_to(user).where(Run.id == run_id))
    if run is None:
        raise NotFound(run_id)
    return run


def projects_visible_to(user: User, run: Run):
    stmt = select(RunProject).where(RunProject.run_id == run.id)
    if not user.all_regions:
        stmt = stmt.where(RunProject.in_region.is_(True))
    return stmt


def get_project(s: OrmSession, user: User, run: Run, pos: int) -> RunProject:
    project = s.scalar(projects_visible_to(user, run).where(RunProject.pos == pos))
    if project is None:
        raise NotFound(pos)
    return project


@dataclasses.dataclass
class ProjectFilter:
    verdict: str | None = None
    region: str | None = None
    stage: str | None = None
    q: str | None = None

    def apply(self, stmt):
        if self.verdict:
            stmt = stmt.where(RunProject.verdict == self.verdict)
        if self.region:
            stmt = stmt.where(or_(RunProject.city == self.region, RunProject.county == self.region))
        if self.stage:
            stmt = stmt.where(RunProject.stage == self.stage)
        if self.q and self.q.strip():
            like = f"%{self.q.strip().replace('%', '').replace('_', '')}%"
            # ilike: case-insensitive on PostgreSQL too (SQLite's LIKE already is, for ASCII).
            stmt = stmt.where(or_(RunProject.name.ilike(like), RunProject.project_id.ilike(like),
                                  RunProject.key.ilike(like)))
        return stmt


def list_projects(s: OrmSession, user: User, run: Run, flt: ProjectFilter | None = None) -> list[RunProject]:
    stmt = projects_visible_to(user, run)
    if flt:
        stmt = flt.apply(stmt)
    return list(s.scalars(stmt.order_by(RunProject.pos)))


def hidden_projects(s: OrmSession, user: User, run: Run) -> list[RunProject]:
    """The uploader's own projects that lie outside their region (shown as flagged rows only)."""
    if user.all_regions:
        return []
    return list(s.scalars(select(RunProject).where(RunProject.run_id == run.id,
                                                   RunProject.in_region.is_(False)).order_by(RunProject.pos)))


def counts(projects: Iterable[RunProject], by: str = "city") -> dict[str, Any]:
    """Counts by verdict, and by region: by city for the province's view (18 rows, not one per
    county), by county for an official, whose projects all lie in one city."""
    by_verdict = {v: 0 for v in VERDICTS}
    by_region: dict[str, dict[str, int]] = {}
    provisional = out_of_scope = 0
    total = 0
    for p in projects:
        total += 1
        if p.verdict in by_verdict:
            by_verdict[p.verdict] += 1
        parts = (p.city, p.county) if by == "county" else (p.city,)
        label = " ".join(x for x in parts if x) or "（未填写地区）"
        row = by_region.setdefault(label, {v: 0 for v in VERDICTS} | {"total": 0})
        row["total"] += 1
        if p.verdict in row:
            row[p.verdict] += 1
        provisional += bool(p.provisional)
        out_of_scope += p.two_high is False
    # Regions in ledger order: ledgers list cities in the province's customary order.
    return {"total": total, "by_verdict": by_verdict, "by_region": by_region,
            "provisional": provisional, "out_of_scope": out_of_scope}


def verdict_counts(s: OrmSession, user: User, run_ids: list[int]) -> dict[int, dict[str, int]]:
    """run id → verdict → number of projects this user may see (for the list of runs)."""
    stmt = (select(RunProject.run_id, RunProject.verdict, func.count())
            .where(RunProject.run_id.in_(run_ids)).group_by(RunProject.run_id, RunProject.verdict))
    if not user.all_regions:
        stmt = stmt.where(RunProject.in_region.is_(True))
    tally: dict[int, dict[str, int]] = {}
    for run_id, verdict, n in s.execute(stmt):
        tally.setdefault(run_id, {})[verdict] = n
    return tally


def region_options(s: OrmSession, user: User, run: Run) -> list[str]:
    names: set[str] = set()
    for city, county in s.execute(projects_visible_to(user, run).with_only_columns(RunProject.city, RunProject.county)):
        names.update(x for x in (city, county) if x)
    return sorted(names)


def scoped_document(document: dict, keep: set[int]) -> dict:
    """The JSON document with only the projects at positions `keep` (1-based), summary redone."""
    doc = dict(document)
    projects = [p for i, p in enumerate(document.get("projects", []), 1) if i in keep]
    doc["projects"] = projects
    summary = {"projects": len(projects), "halt": 0, "rectify": 0, "proceed": 0, "out_of_scope": 0, "provisional": 0}
    for p in projects:
        if p.get("verdict") in summary:
            summary[p["verdict"]] += 1
        summary["out_of_scope"] += p.get("two_high") is False
        summary["provisional"] += bool(p.get("provisional"))
    doc["summary"] = summary
    return doc


# -- comparing a repeat with its original ------------------------------------------------------

def compare(old: list[RunProject], new: list[RunProject]) -> list[dict]:
    """Per project (matched by key): verdict change and the findings added, removed or changed."""
    before = {p.key: p for p in old}
    changes = []
    for p in new:
        o = before.pop(p.key, None)
        if o is None:
            changes.append({"pos": p.pos, "key": p.key, "name": p.name, "old": None, "new": p.verdict,
                            "added": _rules(p), "removed": [], "changed": [], "kind": "new"})
            continue
        of, nf = _outcomes(o), _outcomes(p)
        added = [r for r in nf if r not in of]
        removed = [r for r in of if r not in nf]
        changed = [{"rule": r, "old": of[r], "new": nf[r]} for r in nf if r in of and of[r] != nf[r]]
        if o.verdict != p.verdict or o.provisional != p.provisional or added or removed or changed:
            changes.append({"pos": p.pos, "key": p.key, "name": p.name, "old": o.verdict, "new": p.verdict,
                            "old_provisional": o.provisional, "new_provisional": p.provisional,
                            "added": added, "removed": removed, "changed": changed, "kind": "changed"})
    for o in before.values():
        changes.append({"pos": None, "key": o.key, "name": o.name, "old": o.verdict, "new": None,
                        "added": [], "removed": _rules(o), "changed": [], "kind": "gone"})
    return changes


def _outcomes(p: RunProject) -> dict[str, str]:
    return {f.get("rule"): f.get("outcome") for f in p.entry.get("findings", [])}


def _rules(p: RunProject) -> list[str]:
    return [f.get("rule") for f in p.entry.get("findings", [])]


# -- the worker --------------------------------------------------------------------------------

def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    try:  # numpy scalars and the like
        return jsonable(value.item())
    except AttributeError:
        return str(value)


def _region_dict(region: Any) -> dict | None:
    if region is None:
        return None
    return {"name": region.name, "air_quality": region.air_quality, "energy_target": region.energy_target,
            "pollution_target": region.pollution_target, "months": dict(region.months or {})}


def _finding_dict(f: Any) -> dict:
    data = f.to_dict() if hasattr(f, "to_dict") else dict(f)
    data["missing"] = list(getattr(f, "missing", []) or [])
    return jsonable(data)


def _fallback_entry(v: Any) -> dict:
    p = v.project
    return jsonable({"sheet": p.sheet, "row": p.row, "project_id": p.get("project_id"), "name": p.get("name"),
                     "city": p.get("city"), "county": p.get("county"), "two_high": v.two_high,
                     "verdict": v.verdict, "provisional": v.provisional, "could_become": v.could_become,
                     "findings": [f.to_dict() for f in v.findings], "missing": list(v.missing)})


class Runner:
    """Screens runs on a small thread pool and records progress in `run_status`.

    Threads rather than processes: the library reports progress through a callback, and a
    thread can write it straight to the database. One worker by default, because the rules
    engine keeps global state and screening is CPU-bound anyway.
    """

    def __init__(self, db: Database, library: Library, workers: int = 1):
        self.db = db
        self.library = library
        self.workers = max(1, workers)
        self.pool: ThreadPoolExecutor | None = None
        self.futures: dict[int, Future] = {}
        self._lock = threading.Lock()

    def submit(self, run_id: int) -> Future:
        with self._lock:
            # Made on demand: an ASGI lifespan may end and start again in one process (test
            # clients do), and a run submitted after that must still find a pool.
            if self.pool is None:
                self.pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="screening-run")
            future = self.pool.submit(self._execute, run_id)
            self.futures[run_id] = future
            return future

    def resume(self) -> list[int]:
        """Queue again the runs a previous process left unfinished (the bytes are stored)."""
        with self.db.session() as s:
            ids = list(s.scalars(select(RunStatus.run_id).where(RunStatus.state.in_(("queued", "running")))))
        for run_id in ids:
            self.submit(run_id)
        return ids

    def wait(self, run_id: int, timeout: float = 120) -> None:
        future = self.futures.get(run_id)
        if future is not None:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        with self._lock:
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=False)

    # What the worker thread does ------------------------------------------------------------
    def _set_status(self, run_id: int, **values: Any) -> None:
        with self.db.session() as s:
            status = s.get(RunStatus, run_id)
            for k, v in values.items():
                setattr(status, k, v)
            status.updated_at = utcnow()

    def _execute(self, run_id: int) -> None:
        try:
            self._screen(run_id)
        except Exception as exc:  # noqa: BLE001 - the run must end in a state a person can read
            lib_error = self.library.error
            if isinstance(exc, lib_error) and lib_error is not Exception:
                message = str(exc)
            else:
                log.error("run %s failed:\n%s", run_id, traceback.format_exc())
                message = (f"筛查过程出错，请联系管理员 / Screening failed with an internal error "
                           f"({type(exc).__name__}: {str(exc)[:300]})")
            self._set_status(run_id, state="failed", error=message, finished_at=utcnow())

    def _screen(self, run_id: int) -> None:
        with self.db.session() as s:
            run = s.get(Run, run_id)
            if run is None or s.get(RunResult, run_id) is not None:
                return
            content = s.get(Upload, run.file_sha256).content
            filename, ruleset_id, as_of = run.filename, run.ruleset_id, run.as_of
            region_city, region_county = run.region_city, run.region_county
        self._set_status(run_id, state="running", done=0, total=0, error=None)

        last = [0.0]

        def progress(done: int, total: int) -> None:
            # Throttled: one write per half second is plenty for a page that polls every 2 s.
            now = time.monotonic()
            if done < total and now - last[0] < 0.5:
                return
            last[0] = now
            self._set_status(run_id, done=int(done), total=int(total))

        lib = self.library
        with tempfile.TemporaryDirectory(prefix="screening-run-") as tmp:
            # The library names the source by its file name: keep the uploaded one.
            path = Path(tmp) / filename
            path.write_bytes(content)
            screening = lib.screen(path, ruleset=ruleset_id, as_of=as_of, progress=progress)
            document = jsonable(lib.to_json_document(screening))
            entries = document.get("projects", [])
            if len(entries) != len(screening.verdicts):
                entries = [_fallback_entry(v) for v in screening.verdicts]
            rows, keep = [], []
            for pos, (v, entry) in enumerate(zip(screening.verdicts, entries), 1):
                p = v.project
                flag = region_flag(region_city, region_county, p.get("city"), p.get("county"))
                if flag != "outside":
                    keep.append(v)
                facts = jsonable({
                    "values": p.values, "cells": p.cells, "raw": getattr(p, "raw", {}),
                    "region": _region_dict(getattr(p, "region", None)),
                    "undetermined": [_finding_dict(f) for f in getattr(v, "undetermined", []) or []],
                    "derived": getattr(v, "derived", {}) or {}, "error": getattr(v, "error", None),
                    "issues": [i.to_dict() for i in getattr(p, "issues", []) or []],
                    "region_flag": flag,
                })
                rows.append(RunProject(
                    run_id=run_id, pos=pos, key=str(p.key)[:128], project_id=_text(p.get("project_id")),
                    name=_text(p.get("name")), city=_text(p.get("city")), county=_text(p.get("county")),
                    stage=_text(p.get("stage")), verdict=v.verdict, provisional=bool(v.provisional),
                    two_high=v.two_high, in_region=flag != "outside", entry=entry, facts=facts))
            artifacts = [("xlsx", "all", self._xlsx(screening, tmp, "all")),
                         ("html", "all", lib.render_html(screening).encode("utf-8"))]
            if len(keep) != len(screening.verdicts):
                # What a county official downloads: their region's projects only.
                scoped = dataclasses.replace(screening, verdicts=keep)
                artifacts += [("xlsx", "region", self._xlsx(scoped, tmp, "region")),
                              ("html", "region", lib.render_html(scoped).encode("utf-8"))]
        ruleset = jsonable(dict(screening.ruleset))
        with self.db.session() as s:
            s.add(RunResult(run_id=run_id, ruleset_id=str(ruleset.get("id") or ruleset_id),
                            ruleset_version=str(ruleset.get("version") or ""),
                            ruleset_sha256=str(ruleset.get("sha256") or ""),
                            ruleset_title=str(ruleset.get("title") or ""),
                            sheet=(screening.source or {}).get("sheet"),
                            summary=jsonable(dict(screening.summary)), document=document))
            s.add_all(rows)
            s.add_all(RunArtifact(run_id=run_id, kind=k, scope=sc, content=c) for k, sc, c in artifacts if c is not None)
            status = s.get(RunStatus, run_id)
            status.state = "done"
            status.done = status.total = len(rows)
            status.finished_at = status.updated_at = utcnow()

    def _xlsx(self, screening: Any, tmp: str, scope: str) -> bytes | None:
        out = Path(tmp) / f"annotated-{scope}.xlsx"
        try:
            self.library.write_xlsx(screening, out)
        except Exception:  # noqa: BLE001 - the run's verdicts stand without a workbook
            if scope == "all":
                raise
            log.warning("region-scoped workbook failed:\n%s", traceback.format_exc())
            return None
        return out.read_bytes()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def artifact(s: OrmSession, run: Run, kind: str, scope: str) -> bytes | None:
    return s.scalar(select(RunArtifact.content).where(RunArtifact.run_id == run.id, RunArtifact.kind == kind,
                                                      RunArtifact.scope == scope))


def has_hidden(s: OrmSession, run: Run) -> bool:
    return bool(s.scalar(select(func.count()).select_from(RunProject).where(
        RunProject.run_id == run.id, RunProject.in_region.is_(False))))
