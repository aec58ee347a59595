"""The JSON API: the same actions as the pages, for scripts and other systems.

Sign in with POST /api/v1/login to get a Bearer token (or reuse a browser session cookie;
then state-changing calls need the X-CSRF-Token header from GET /api/v1/me). Visibility is
the pages': an official's request for another region's run or project answers 404.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from . import disputes as disputes_mod
from . import runs as runs_mod
from .auth import SESSION_COOKIE, AuthError, csrf_token
from .deps import Pos, RunId, csrf_protect, ctx, resolve_user
from .models import Dispute, Run, RunProject, RunResult, Upload, User
from .pages import check_ruleset, download_response, start_upload
from .runs import NotFound, ProjectFilter, UploadRejected

bearer = HTTPBearer(auto_error=False, description="Token from POST /api/v1/login")


class Error(BaseModel):
    detail: Any = Field(description="What went wrong, in Chinese and English")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {400: "Bad request", 401: "Not signed in", 403: "Forbidden (CSRF token or role)",
            404: "No such run or project, or not visible to this user", 413: "Upload too large",
            415: "Not a workbook", 429: "Account locked after repeated failures"}
    return {code: {"model": Error, "description": text[code]} for code in codes}


def api_user(request: Request, _: HTTPAuthorizationCredentials | None = Depends(bearer)) -> User:
    user = resolve_user(request)
    if user is None:
        raise HTTPException(401, "未登录或令牌无效 / Not signed in or token invalid",
                            headers={"WWW-Authenticate": "Bearer"})
    return user


router = APIRouter(prefix="/api/v1", tags=["screening"], dependencies=[Depends(csrf_protect)],
                   responses=errors(401, 403))


# -- models ------------------------------------------------------------------------------------

class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Literal["official", "reviewer", "admin"]
    city: str | None
    county: str | None

    @classmethod
    def of(cls, u: User) -> "UserOut":
        return cls(id=u.id, username=u.username, display_name=u.display_name, role=u.role,
                   city=u.city, county=u.county)


class TokenOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: dt.datetime
    user: UserOut


class MeOut(BaseModel):
    user: UserOut
    csrf_token: str | None = Field(None, description="For cookie sessions: send as X-CSRF-Token")


class RulesetOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    title: str | None = None
    version: str | None = None


class StatusOut(BaseModel):
    state: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    error: str | None
    finished_at: dt.datetime | None


class AppliedRuleset(BaseModel):
    id: str
    version: str
    sha256: str
    title: str


class Counts(BaseModel):
    total: int
    by_verdict: dict[str, int]
    by_region: dict[str, dict[str, int]]
    provisional: int
    out_of_scope: int


class RunOut(BaseModel):
    id: int
    created_at: dt.datetime
    uploader: str
    region_city: str | None
    region_county: str | None
    filename: str
    file_sha256: str
    ruleset_id: str
    as_of: dt.date
    repeat_of: int | None
    status: StatusOut
    ruleset: AppliedRuleset | None = Field(None, description="The ruleset as applied (once done)")
    counts: Counts | None = Field(None, description="Projects this user may see, by verdict and region")
    hidden_projects: int = Field(0, description="Projects outside the official's region, withheld")


class ProjectSummary(BaseModel):
    pos: int = Field(description="1-based position in the ledger; the project's address in this run")
    key: str
    project_id: str | None
    name: str | None
    city: str | None
    county: str | None
    stage: str | None
    verdict: str | None
    provisional: bool
    two_high: bool | None
    region_flag: str | None
    rules: list[str]
    disputed: list[str]


class DisputeOut(BaseModel):
    id: int
    run_id: int
    project_pos: int
    project_key: str
    rule: str
    comment: str
    reviewer: str
    created_at: dt.datetime

    @classmethod
    def of(cls, d: Dispute) -> "DisputeOut":
        return cls(id=d.id, run_id=d.run_id, project_pos=d.project_pos, project_key=d.project_key,
                   rule=d.rule, comment=d.comment, reviewer=d.reviewer.username, created_at=d.created_at)


class ProjectOut(ProjectSummary):
    entry: dict[str, Any] = Field(description="The project's entry of the SPEC §4 document")
    facts: dict[str, Any] = Field(description="Values and cells as screened, region record, undetermined rules")
    disputes: list[DisputeOut]


class DisputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str = Field(min_length=1, max_length=64)
    comment: str = Field(min_length=1, max_length=5000)


class RepeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ruleset: str | None = Field(None, max_length=64)
    as_of: dt.date | None = Field(None, description="YYYY-MM-DD; default: the original run's")

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_text_only(cls, value: Any) -> Any:
        # Lax validation would read the number 0 as 1970-01-01; the document says a date string.
        if value is not None and not isinstance(value, (str, dt.date)):
            raise ValueError("as_of must be a date written YYYY-MM-DD")
        return value


class Change(BaseModel):
    model_config = ConfigDict(extra="allow")
    key: str
    pos: int | None
    old: str | None
    new: str | None
    added: list[str]
    removed: list[str]
    changed: list[dict[str, Any]]


class ChangesOut(BaseModel):
    run: int
    original: int | None
    ready: bool
    changes: list[Change]


# -- helpers -----------------------------------------------------------------------------------

def run_out(s, user: User, run: Run) -> RunOut:
    result = s.get(RunResult, run.id)
    st = run.status
    counts = None
    if result is not None:
        counts = Counts(**runs_mod.counts(runs_mod.list_projects(s, user, run),
                                          "city" if user.all_regions else "county"))
    return RunOut(
        id=run.id, created_at=run.created_at, uploader=run.uploader.username, region_city=run.region_city,
        region_county=run.region_county, filename=run.filename, file_sha256=run.file_sha256,
        ruleset_id=run.ruleset_id, as_of=run.as_of, repeat_of=run.repeat_of,
        status=StatusOut(state=st.state, done=st.done, total=st.total, error=st.error, finished_at=st.finished_at),
        ruleset=AppliedRuleset(id=result.ruleset_id, version=result.ruleset_version, sha256=result.ruleset_sha256,
                               title=result.ruleset_title) if result else None,
        counts=counts, hidden_projects=len(runs_mod.hidden_projects(s, user, run)) if result else 0)


def summary_of(p: RunProject, disputed: set[tuple[int, str]]) -> dict[str, Any]:
    rules = [f.get("rule") for f in p.entry.get("findings", []) if f.get("rule")]
    return dict(pos=p.pos, key=p.key, project_id=p.project_id, name=p.name, city=p.city, county=p.county,
                stage=p.stage, verdict=p.verdict, provisional=p.provisional, two_high=p.two_high,
                region_flag=p.facts.get("region_flag"), rules=rules,
                disputed=[r for r in rules if (p.pos, r) in disputed])


def rejected(exc: UploadRejected) -> HTTPException:
    return HTTPException(exc.status, exc.message)


# -- routes ------------------------------------------------------------------------------------

@router.post("/login", response_model=TokenOut, responses=errors(400, 429))
def login(body: LoginIn, request: Request) -> TokenOut:
    """Exchange a user name and password for a Bearer token (same lockout as the sign-in page)."""
    c = ctx(request)
    try:
        with c.db.session() as s:
            user = c.auth.authenticate(s, body.username, body.password)
            token, expires = c.auth.open_session(s, user, "api")
            out = TokenOut(token=token, expires_at=expires, user=UserOut.of(user))
    except AuthError as exc:
        raise HTTPException(exc.status, exc.message, headers={"WWW-Authenticate": "Bearer"}) from None
    return out


@router.post("/logout", status_code=204, response_class=Response)
def logout(request: Request, user: User = Depends(api_user)) -> Response:
    """Revoke the token used for this request (or end the cookie session)."""
    c = ctx(request)
    header = request.headers.get("authorization", "")
    token = header.partition(" ")[2].strip() or request.cookies.get(SESSION_COOKIE)
    with c.db.session() as s:
        c.auth.close_session(s, token)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(request: Request, user: User = Depends(api_user)) -> MeOut:
    token = None
    if request.state.via == "cookie":
        token = csrf_token(ctx(request).secret, "s", request.cookies.get(SESSION_COOKIE, ""))
    return MeOut(user=UserOut.of(user), csrf_token=token)


@router.get("/rulesets", response_model=list[RulesetOut])
def rulesets(request: Request, user: User = Depends(api_user)) -> list[RulesetOut]:
    out = []
    for r in ctx(request).library.list_rulesets():
        data = {k: (str(v) if k in ("title", "version", "path") and v is not None else v) for k, v in dict(r).items()}
        out.append(RulesetOut(**data))
    return out


@router.get("/runs", response_model=list[RunOut])
def list_runs(request: Request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
              user: User = Depends(api_user)) -> list[RunOut]:
    """Runs this user may see, newest first."""
    c = ctx(request)
    with c.db.session() as s:
        runs = s.scalars(runs_mod.runs_visible_to(user).order_by(Run.id.desc()).limit(limit).offset(offset))
        return [run_out(s, user, r) for r in runs]


@router.post("/runs", response_model=RunOut, status_code=202, responses=errors(400, 413, 415))
async def upload(request: Request, file: UploadFile = File(..., description="The ledger: .xlsx, .xls or .csv"),
                 ruleset: str = Form("", max_length=64, description="Ruleset id (default henan-2021)"),
                 as_of: str = Form("", max_length=10, description="YYYY-MM-DD; empty: today",
                                   json_schema_extra={"format": "date"}),
                 user: User = Depends(api_user)) -> RunOut:
    """Upload a ledger; screening starts in the background. Poll GET /runs/{id} for progress."""
    try:
        run_id = await start_upload(request, user, file, ruleset, as_of)
    except UploadRejected as exc:
        raise rejected(exc) from None
    with ctx(request).db.session() as s:
        return run_out(s, user, runs_mod.get_run(s, user, run_id))


@router.get("/runs/{run_id}", response_model=RunOut, responses=errors(404))
def get_run(request: Request, run_id: RunId, user: User = Depends(api_user)) -> RunOut:
    """A run's audit record, status and progress, and (once done) its counts."""
    with ctx(request).db.session() as s:
        return run_out(s, user, runs_mod.get_run(s, user, run_id))


@router.post("/runs/{run_id}/repeat", response_model=RunOut, status_code=202, responses=errors(400, 404))
def repeat(request: Request, run_id: RunId, body: RepeatIn, user: User = Depends(api_user)) -> RunOut:
    """Screen the stored file of a run again, under another ruleset or as-of date."""
    c = ctx(request)
    with c.db.session() as s:
        original = runs_mod.get_run(s, user, run_id)
        try:
            ruleset_id = check_ruleset(request, body.ruleset or original.ruleset_id)
        except UploadRejected as exc:
            raise rejected(exc) from None
        content = s.get(Upload, original.file_sha256).content
        run = runs_mod.create_run(s, user, original.filename, content, ruleset_id, body.as_of or original.as_of,
                                  repeat_of=original)
        new_id = run.id
    c.runner.submit(new_id)
    with c.db.session() as s:
        return run_out(s, user, runs_mod.get_run(s, user, new_id))


@router.get("/runs/{run_id}/changes", response_model=ChangesOut, responses=errors(404))
def changes(request: Request, run_id: RunId, user: User = Depends(api_user)) -> ChangesOut:
    """What changed per project between a repeated run and its original."""
    with ctx(request).db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        if run.repeat_of is None:
            return ChangesOut(run=run.id, original=None, ready=True, changes=[])
        try:
            original = runs_mod.get_run(s, user, run.repeat_of)
        except NotFound:
            return ChangesOut(run=run.id, original=None, ready=True, changes=[])
        ready = s.get(RunResult, run.id) is not None and s.get(RunResult, original.id) is not None
        items = runs_mod.compare(runs_mod.list_projects(s, user, original), runs_mod.list_projects(s, user, run)) if ready else []
        return ChangesOut(run=run.id, original=original.id, ready=ready, changes=[Change(**i) for i in items])


@router.get("/runs/{run_id}/projects", response_model=list[ProjectSummary], responses=errors(404))
def projects(request: Request, run_id: RunId,
             verdict: Literal["halt", "rectify", "proceed"] | None = None,
             region: str | None = Query(None, max_length=64, description="city or county"),
             stage: Literal["拟建", "在建", "存量"] | None = None,
             q: str | None = Query(None, max_length=100, description="search in name and project id"),
             user: User = Depends(api_user)) -> list[ProjectSummary]:
    """The run's projects this user may see, filtered."""
    with ctx(request).db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        disputed = {(d.project_pos, d.rule) for d in disputes_mod.run_disputes(s, user, run)}
        flt = ProjectFilter(verdict=verdict, region=region, stage=stage, q=q)
        return [ProjectSummary(**summary_of(p, disputed)) for p in runs_mod.list_projects(s, user, run, flt)]


@router.get("/runs/{run_id}/projects/{pos}", response_model=ProjectOut, responses=errors(404))
def project(request: Request, run_id: RunId, pos: Pos, user: User = Depends(api_user)) -> ProjectOut:
    """One project: verdict, findings with clause texts, facts and cells, missing fields, disputes."""
    with ctx(request).db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        p = runs_mod.get_project(s, user, run, pos)
        ds = list(s.scalars(select(Dispute).where(Dispute.run_id == run.id, Dispute.project_pos == pos)
                            .order_by(Dispute.id)))
        disputed = {(d.project_pos, d.rule) for d in ds}
        return ProjectOut(**summary_of(p, disputed), entry=p.entry, facts=p.facts,
                          disputes=[DisputeOut.of(d) for d in ds])


@router.get("/runs/{run_id}/disputes", response_model=list[DisputeOut], responses=errors(404))
def run_disputes(request: Request, run_id: RunId, user: User = Depends(api_user)) -> list[DisputeOut]:
    with ctx(request).db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        return [DisputeOut.of(d) for d in disputes_mod.run_disputes(s, user, run)]


@router.post("/runs/{run_id}/projects/{pos}/disputes", response_model=DisputeOut, status_code=201,
             responses=errors(400, 404))
def dispute(request: Request, run_id: RunId, pos: Pos, body: DisputeIn, user: User = Depends(api_user)) -> DisputeOut:
    """Mark one finding of a project as disputed (provincial reviewers and admins)."""
    with ctx(request).db.session() as s:
        run = runs_mod.get_run(s, user, run_id)
        p = runs_mod.get_project(s, user, run, pos)
        if not user.all_regions:
            raise HTTPException(403, "只有省级审核人员可以提出异议 / Only provincial reviewers can dispute a finding")
        try:
            d = disputes_mod.add_dispute(s, user, run, p, body.rule, body.comment)
        except disputes_mod.DisputeError as exc:
            raise HTTPException(400, str(exc)) from None
        return DisputeOut.of(d)


DOWNLOAD_CONTENT = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
    "application/json": {"schema": {"type": "object"}},
    "text/html": {"schema": {"type": "string"}},
}


@router.get("/runs/{run_id}/download/{kind}", response_class=Response, responses={
    200: {"description": "The annotated workbook, the JSON document or the printable report",
          "content": DOWNLOAD_CONTENT}, **errors(404)})
def download(request: Request, run_id: RunId, kind: Literal["xlsx", "json", "html"],
             user: User = Depends(api_user)) -> Response:
    return download_response(request, user, run_id, kind)
