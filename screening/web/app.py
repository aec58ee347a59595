"""The FastAPI application: wiring of settings, database, auth, worker pool and routes."""
from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import func, select
from starlette.exceptions import HTTPException as StarletteHTTPException

from .auth import Auth
from .config import Settings
from .db import Database
from .deps import BodyLimit, Context, CsrfFailed, LoginRequired, SecurityHeaders
from .library import Library, LazyLibrary
from .models import User
from .runs import NotFound, Runner

log = logging.getLogger("screening.web")

DEMO_ACCOUNTS = (
    # (user name, role, city, display name): a reviewer sees every region of the sample
    # ledger; the county official shows the region wall (安阳市 has 4 of its 59 projects).
    ("demo", "reviewer", None, "演示账户（省级审核）"),
    ("demo-anyang", "official", "安阳市", "演示账户（安阳市）"),
)


def ensure_demo_account(db: Database, auth: Auth) -> list[tuple[str, str, str]]:
    """On an empty database, create the demo accounts with fresh random passwords and return
    (name, password, role) for the console; an existing database gets none."""
    created = []
    with db.session() as s:
        if s.scalar(select(func.count()).select_from(User)):
            return []
        for username, role, city, display in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(9)
            auth.create_user(s, username, password, role, city=city, display_name=display)
            created.append((username, password, role))
    return created


def allowed_methods(request: Request) -> list[str]:
    from starlette.routing import Match

    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match in (Match.FULL, Match.PARTIAL) and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)


def create_app(settings: Settings | None = None, library: Library | None = None,
               db: Database | None = None, *, start_worker: bool = True) -> FastAPI:
    settings = settings or Settings()
    db = db or Database(settings.database_url)
    db.migrate()  # at every start: a fresh clone gets its schema, an old database its upgrades
    auth = Auth(settings)
    lib = library or LazyLibrary()
    runner = Runner(db, lib, settings.workers)
    context = Context(settings=settings, db=db, auth=auth, runner=runner, library=lib,
                      secret=db.secret_key(settings.secret_key))

    demo = ensure_demo_account(db, auth) if settings.create_demo_account else []

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        runner.shutdown()

    app = FastAPI(
        title="两高项目筛查 API / Screening API",
        version="1",
        description="Upload Henan “两高” project ledgers, read verdicts with cited clauses, dispute findings.",
        openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None, lifespan=lifespan,
    )
    app.state.ctx = context
    app.state.demo_accounts = demo

    from . import api, pages

    app.include_router(pages.router)
    app.include_router(api.router)

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        if wants_json(request):
            return JSONResponse({"detail": "未找到 / Not found"}, 404)
        return pages.error_page(request, 404, "未找到",
                                "没有这条记录，或您无权查看 / Not found, or not visible to you")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", 303)

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed):
        message = "请求缺少有效的 CSRF 令牌，请刷新页面后重试 / Missing or invalid CSRF token: reload the page and retry"
        if wants_json(request):
            return JSONResponse({"detail": message}, 403)
        return pages.error_page(request, 403, "请求被拒绝", message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the first matching route's methods; a path served by
            # several routes (GET and POST /api/v1/runs) must list them all.
            headers["Allow"] = ", ".join(allowed_methods(request))
        if wants_json(request) or not isinstance(exc.detail, str):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers or None)
        if exc.status_code == 404:
            return await not_found(request, NotFound())
        return pages.error_page(request, exc.status_code, "出错了", exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        if wants_json(request):
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, 422)
        # A page address with a malformed id (/runs/abc) is simply not a page.
        return pages.error_page(request, 404, "未找到", "没有这个页面 / No such page")

    # Outermost first: the size limit sees the body before anything parses it.
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)

    if start_worker:
        resumed = runner.resume()
        if resumed:
            log.info("resumed unfinished runs: %s", resumed)
    return app


__all__ = ["create_app", "ensure_demo_account"]
