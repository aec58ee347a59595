"""Server-rendered pages (Chinese). Forms post back with a CSRF token; nothing needs JS."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from . import disputes as disputes_mod
from . import runs as runs_mod
from .auth import PRESESSION_COOKIE, SESSION_COOKIE, AuthError, UserError
from .deps import Pos, RunId, csrf_for, csrf_protect, ctx, page_user
from .models import ROLE_LABELS, ROLES, Dispute, Event, Run, RunResult, Upload, User
from .present import register_filters
from .runs import NotFound, ProjectFilter, UploadRejected

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
register_filters(TEMPLATES.env)

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    context = dict(context or {})
    context.setdefault("user", getattr(request.state, "user", None))
    context["csrf"] = csrf_for(request)
    response = TEMPLATES.TemplateResponse(request, name, context, status_code=status)
    new_pre = getattr(request.state, "new_presession", None)
    if new_pre:
        response.set_cookie(PRESESSION_COOKIE, new_pre, httponly=True, samesite="lax",
                            secure=ctx(request).settings.secure_cookies, path="/")
    return response


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message}, status)


def safe_next(target: str | None) -> str:
    # Only paths on this site: "//evil.example" and "https://…" would be open redirects.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/runs"


def rulesets(request: Request) -> list[dict]:
    try:
        return list(ctx(request).library.list_rulesets())
    except Exception:  # noqa: BLE001 - the page must render even if the core is broken
        return [{"id": ctx(request).settings.default_ruleset, "title": "", "version": ""}]


def today() -> dt.date:
    # The officials work in China Standard Time; "today" is theirs, not the server's UTC.
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()


# -- sign-in -----------------------------------------------------------------------------------

@router.get("/")
def home(request: Request):
    from .deps import resolve_user

    return RedirectResponse("/runs" if resolve_user(request) else "/login", 303)


@router.get("/login")
def login_form(request: Request, next: str | None = None):
    return render(request, "login.html", {"next": safe_next(next), "error": None})


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/runs")):
    c = ctx(request)
    try:
        with c.db.session() as s:
            user = c.auth.authenticate(s, username, password)
            token, expires = c.auth.open_session(s, user, "cookie")
    except AuthError as exc:
        return render(request, "login.html", {"next": safe_next(next), "error": exc.message,
                                              "username": username}, exc.status)
    response = RedirectResponse(safe_next(next), 303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=c.settings.secure_cookies,
                        path="/", max_age=int(c.settings.session_hours * 3600))
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request):
    c = ctx(request)
    with c.db.session() as s:
        c.auth.close_session(s, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- runs --------------------------------------------------------------------------------------

def runs_page(request: Request, user: User, error: str | None = None, status: int = 200, form: dict | None = None):
    c = ctx(request)
    with c.db.session() as s:
        runs = list(s.scalars(runs_mod.runs_visible_to(user).order_by(Run.id.desc()).limit(200)))
        ids = [r.id for r in runs]
        results = {r.run_id: r for r in s.scalars(select(RunResult).where(RunResult.run_id.in_(ids)))}
        tally = runs_mod.verdict_counts(s, user, ids)
    return render(request, "runs.html", {
        "runs": runs, "results": results, "tally": tally, "error": error, "rulesets": rulesets(request),
        "today": today().isoformat(), "form": form or {}, "default_ruleset": c.settings.default_ruleset,
        "limit_mb": c.settings.max_upload_bytes / (1024 * 1024)}, status)


@router.get("/runs")
def runs_list(request: Request, user: User = Depends(page_user)):
    return runs_page(request, user)


def parse_date(value: str | None) -> dt.date:
    if not value:
        return today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UploadRejected("基准日期格式应为 YYYY-MM-DD / The as-of date must be YYYY-MM-DD") from None


def check_ruleset(request: Request, ruleset: str) -> str:
    ids = {r.get("id") for r in rulesets(request)}
    ruleset = (ruleset or "").strip() or ctx(request).settings.default_ruleset
    if ids and ruleset not in ids:
        raise UploadRejected(f"未知的规则集 {ruleset} / Unknown ruleset {ruleset}")
    return ruleset


@router.post("/runs")
async def upload(request: Request, file: UploadFile | None = File(None), ruleset: str = Form(""),
                 as_of: str = Form(""), user: User = Depends(page_user)):
    form = {"ruleset": ruleset, "as_of": as_of}
    try:
        if file is None or not file.filename:
            raise UploadRejected("请选择要上传的台账文件 / Choose a ledger file to upload")
        run_id = await start_upload(request, user, file, ruleset, as_of)
    except UploadRejected as exc:
        return runs_page(request, user, exc.message, exc.status, form)
    return RedirectResponse(f"/runs/{run_id}", 303)


async def start_upload(request: Request, user: User, file: UploadFile, ruleset: str, as_of: str) -> int:
    """Check an upload, store it as a new run and start screening it; UploadRejected says why not."""
    c = ctx(request)
    content = await read_limited(file, c.settings.max_upload_bytes)
    filename = runs_mod.clean_filename(file.filename)
    runs_mod.check_upload(filename, content, c.settings.max_upload_bytes)
    ruleset_id = check_ruleset(request, ruleset)
    as_of_date = parse_date(as_of)
    with c.db.session() as s:
        run_id = runs_mod.create_run(s, user, filename, content, ruleset_id, as_of_date).id
    c.runner.submit(run_id)
    return run_id


async def read_limited(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, stopping as soon as it is over the limit."""
    chunks, size = [], 0
    while True:
        chunk = await file.read(1024 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise UploadRejected(runs_mod.too_large_message(limit), 413)
        chunks.append(chunk)
    return b"".join(chunks)


def run_context(request: Request, user: User, run_id: int, flt: ProjectFilter) -> dict[str, Any]:
    c = ctx(request)
    with c.db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        result = s.get(RunResult, run.id)
        upload = s.scalar(select(Upload.size).where(Upload.sha256 == run.file_sha256))
        everything = runs_mod.list_projects(s, user, run)
        shown = runs_mod.list_projects(s, user, run, flt)
        hidden = runs_mod.hidden_projects(s, user, run)
        flagged = [p for p in everything if p.facts.get("region_flag")]
        disputes = disputes_mod.run_disputes(s, user, run)
        original = changes = None
        if run.repeat_of:
            try:
                original = runs_mod.get_run(s, user, run.repeat_of)
                original_result = s.get(RunResult, original.id)
                if result is not None and original_result is not None:
                    changes = runs_mod.compare(runs_mod.list_projects(s, user, original), everything)
                original = {"run": original, "result": original_result}
            except NotFound:
                original = None
        repeats = list(s.scalars(runs_mod.runs_visible_to(user).where(Run.repeat_of == run.id).order_by(Run.id)))
        regions = runs_mod.region_options(s, user, run)
    disputed = {(d.project_pos, d.rule) for d in disputes}
    return {
        "run": run, "status": run.status, "result": result, "size": upload, "projects": shown,
        "counts": runs_mod.counts(everything, "city" if user.all_regions else "county"), "hidden": hidden, "flagged": flagged,
        "disputes": disputes, "disputed": disputed, "disputed_pos": {pos for pos, _ in disputed}, "original": original, "changes": changes,
        "repeats": repeats, "regions": regions, "filter": flt, "rulesets": rulesets(request),
        "stages": runs_mod.STAGES, "verdicts": runs_mod.VERDICTS,
        "by_pos": {p.pos: p for p in everything},
        "filtered": any([flt.verdict, flt.region, flt.stage, flt.q]),
    }


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: RunId, verdict: str | None = None, region: str | None = None,
             stage: str | None = None, q: str | None = None, user: User = Depends(page_user)):
    flt = ProjectFilter(verdict=verdict or None, region=region or None, stage=stage or None, q=q or None)
    return render(request, "run.html", run_context(request, user, run_id, flt))


@router.post("/runs/{run_id}/repeat")
def repeat(request: Request, run_id: RunId, ruleset: str = Form(""), as_of: str = Form(""),
           user: User = Depends(page_user)):
    c = ctx(request)
    with c.db.session() as s:
        original = runs_mod.get_run(s, user, run_id)
        try:
            ruleset_id = check_ruleset(request, ruleset)
            as_of_date = parse_date(as_of) if as_of else original.as_of
        except UploadRejected as exc:
            return error_page(request, 400, "无法重新筛查", exc.message)
        content = s.get(Upload, original.file_sha256).content
        run = runs_mod.create_run(s, user, original.filename, content, ruleset_id, as_of_date, repeat_of=original)
        new_id = run.id
    c.runner.submit(new_id)
    return RedirectResponse(f"/runs/{new_id}", 303)


@router.get("/runs/{run_id}/projects/{pos}")
def project_page(request: Request, run_id: RunId, pos: Pos, user: User = Depends(page_user)):
    c = ctx(request)
    with c.db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        project = runs_mod.get_project(s, user, run, pos)
        result = s.get(RunResult, run.id)
        disputes = list(s.scalars(select(Dispute).where(Dispute.run_id == run.id, Dispute.project_pos == pos)
                                  .order_by(Dispute.id)))
        visible = [p.pos for p in runs_mod.list_projects(s, user, run)]
    i = visible.index(pos)
    return render(request, "project.html", {
        "run": run, "result": result, "p": project, "entry": project.entry, "facts": project.facts,
        "disputes": disputes, "can_dispute": user.all_regions,
        "prev": visible[i - 1] if i > 0 else None, "next": visible[i + 1] if i + 1 < len(visible) else None,
        "dispute_error": request.query_params.get("dispute_error"),
    })


@router.post("/runs/{run_id}/projects/{pos}/disputes")
def dispute(request: Request, run_id: RunId, pos: Pos, rule: str = Form(""), comment: str = Form(""),
            user: User = Depends(page_user)):
    c = ctx(request)
    with c.db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        project = runs_mod.get_project(s, user, run, pos)
        if not user.all_regions:
            return error_page(request, 403, "无权操作", "只有省级审核人员可以提出异议 / Only provincial reviewers can dispute a finding")
        try:
            disputes_mod.add_dispute(s, user, run, project, rule, comment)
        except disputes_mod.DisputeError as exc:
            target = f"/runs/{run_id}/projects/{pos}?" + urlencode({"dispute_error": str(exc)})
            return RedirectResponse(target + "#disputes", 303)
    return RedirectResponse(f"/runs/{run_id}/projects/{pos}#finding-{quote(rule)}", 303)


# -- downloads ---------------------------------------------------------------------------------

MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}


def download_response(request: Request, user: User, run_id: int, kind: str) -> Response:
    """The run's annotated workbook, JSON document or printable report, as this user may see it."""
    import json

    c = ctx(request)
    if kind not in MEDIA:
        raise NotFound(kind)
    with c.db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        result = s.get(RunResult, run.id)
        if result is None:
            raise NotFound(run_id)
        # An official never downloads the projects withheld from them on the page.
        scoped = not user.all_regions and runs_mod.has_hidden(s, run)
        if kind == "json":
            document = result.document
            if scoped:
                keep = {p.pos for p in runs_mod.list_projects(s, user, run)}
                document = runs_mod.scoped_document(document, keep)
            body = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
        else:
            body = runs_mod.artifact(s, run, kind, "region" if scoped else "all")
            if body is None:
                raise NotFound(kind)
        s.add(Event(kind="download", user_id=user.id, detail={"run": run.id, "format": kind}))
    stem = Path(run.filename).stem or "ledger"
    name = {"xlsx": f"{stem}.screened.xlsx", "json": f"{stem}.verdicts.json", "html": f"{stem}.report.html"}[kind]
    fallback = f"run-{run.id}.{kind}"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=MEDIA[kind], headers={"Content-Disposition": disposition,
                                                           "Cache-Control": "no-store"})


@router.get("/runs/{run_id}/download/{kind}")
def download(request: Request, run_id: RunId, kind: str, user: User = Depends(page_user)):
    return download_response(request, user, run_id, kind)


# -- admin: accounts ---------------------------------------------------------------------------

def admin_page(request: Request, user: User, error: str | None = None, notice: str | None = None, status: int = 200):
    c = ctx(request)
    with c.db.session() as s:
        users = list(s.scalars(select(User).order_by(User.id)))
    return render(request, "users.html", {"users": users, "roles": ROLES, "role_labels": ROLE_LABELS,
                                          "error": error, "notice": notice}, status)


def require_admin(request: Request, user: User) -> None:
    if user.role != "admin":
        raise NotFound("admin")  # the page does not exist for anyone else


@router.get("/admin/users")
def users_page(request: Request, user: User = Depends(page_user)):
    require_admin(request, user)
    return admin_page(request, user)


@router.post("/admin/users")
def users_add(request: Request, username: str = Form(""), password: str = Form(""), role: str = Form(""),
              city: str = Form(""), county: str = Form(""), display_name: str = Form(""),
              user: User = Depends(page_user)):
    require_admin(request, user)
    c = ctx(request)
    try:
        with c.db.session() as s:
            c.auth.create_user(s, username, password, role, city, county, display_name)
            s.add(Event(kind="user-add", user_id=user.id, detail={"username": username, "role": role}))
    except UserError as exc:
        return admin_page(request, user, error=str(exc), status=400)
    return admin_page(request, user, notice=f"已添加用户 {username} / user {username} added")


@router.post("/admin/users/{user_id}/disable")
def users_disable(request: Request, user_id: RunId, user: User = Depends(page_user)):
    require_admin(request, user)
    c = ctx(request)
    with c.db.session() as s:
        target = s.get(User, user_id)
        if target is None:
            raise NotFound(user_id)
        target.active = False
        c.auth.close_all_sessions(s, target)
        s.add(Event(kind="user-disable", user_id=user.id, detail={"username": target.username}))
        name = target.username
    return admin_page(request, user, notice=f"已停用用户 {name} / user {name} disabled")
