"""Request-level plumbing shared by the pages and the API: who is asking, CSRF, body size."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import (CSRF_FIELD, CSRF_HEADER, PRESESSION_COOKIE, SESSION_COOKIE, Auth, csrf_ok, csrf_token)
from .config import Settings
from .db import Database
from .library import Library, LazyLibrary
from .models import User
from .runs import Runner, too_large_message

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Ids in paths are bounded: a 30-digit id would overflow the database's integer and surface as
# a 500 instead of a 404/422 (schemathesis found it).
RunId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A run's id")]
Pos = Annotated[int, Path(ge=1, le=1_000_000, description="A project's 1-based position in the run")]


@dataclass
class Context:
    settings: Settings
    db: Database
    auth: Auth
    runner: Runner
    library: Library | LazyLibrary
    secret: str


def ctx(request: Request) -> Context:
    return request.app.state.ctx


class LoginRequired(Exception):
    """A page needs a signed-in user: answered with a redirect to the sign-in page."""


class CsrfFailed(Exception):
    pass


class BodyTooLarge(Exception):
    pass


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def resolve_user(request: Request) -> User | None:
    """The user behind a Bearer token or the session cookie (cached on the request)."""
    if hasattr(request.state, "user"):
        return request.state.user
    c = ctx(request)
    user = None
    via = None
    with c.db.session() as s:
        token = _bearer(request)
        if token:
            user, via = c.auth.user_for_token(s, token, "api"), "bearer"
        else:
            cookie = request.cookies.get(SESSION_COOKIE)
            if cookie:
                user, via = c.auth.user_for_token(s, cookie, "cookie"), "cookie"
    request.state.user = user
    request.state.via = via if user else None
    return user


def page_user(request: Request) -> User:
    user = resolve_user(request)
    if user is None:
        raise LoginRequired()
    return user


def csrf_for(request: Request) -> str:
    """The token forms on this page must carry (bound to the session, or pre-login browser)."""
    c = ctx(request)
    session = request.cookies.get(SESSION_COOKIE)
    if session and resolve_user(request) is not None and request.state.via == "cookie":
        return csrf_token(c.secret, "s", session)
    pre = request.cookies.get(PRESESSION_COOKIE) or getattr(request.state, "new_presession", None)
    if not pre:
        import secrets

        pre = secrets.token_urlsafe(24)
        request.state.new_presession = pre  # pages.py sets it as a cookie on the response
    return csrf_token(c.secret, "p", pre)


async def csrf_protect(request: Request) -> None:
    """Every state-changing request carries a CSRF token, unless it authenticates with a
    Bearer token (not sent by browsers on their own, so not forgeable cross-site)."""
    if request.method in SAFE_METHODS or _bearer(request):
        return
    if request.url.path == "/api/v1/login":
        # Takes only a JSON body, which a cross-site form cannot send (FastAPI refuses other
        # content types), and acts on no existing session.
        return
    c = ctx(request)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # Starlette caches it: the endpoint reads the same form
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    session = request.cookies.get(SESSION_COOKIE)
    if session and csrf_ok(c.secret, "s", session, given):
        return
    pre = request.cookies.get(PRESESSION_COOKIE)
    if pre and csrf_ok(c.secret, "p", pre, given):
        return
    if not session and request.url.path.startswith("/api/"):
        # No cookie, no ambient authority to abuse: the API answers 401 (or signs in through
        # a JSON body, which a cross-site form cannot send).
        return
    raise CsrfFailed()


class BodyLimit:
    """Refuses a request body over the upload limit while it streams in, before any of it is
    parsed or spooled to disk. Content-Length is checked up front; a chunked body is counted."""

    def __init__(self, app: ASGIApp, limit: int, slack: int = 256 * 1024):
        self.app = app
        self.limit = limit
        self.max_body = limit + slack  # room for the form's other fields and boundaries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await self._refuse(scope, send)
            return
        seen = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    exceeded = True
                    raise BodyTooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            # Once the body overflowed, whatever the app answers (FastAPI turns the error into
            # a 400 "error parsing the body") is replaced by the 413 with the real reason.
            nonlocal started
            if exceeded:
                return
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except BodyTooLarge:
            pass
        if exceeded and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        message = too_large_message(self.limit)
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps({"detail": message}, ensure_ascii=False).encode()
            ctype = b"application/json"
        else:
            from html import escape

            body = (f"<!doctype html><meta charset=utf-8><title>文件过大</title>"
                    f"<p style='font:16px sans-serif;color:#a00'>{escape(message)}</p>"
                    f"<p><a href='/runs'>返回 / Back</a></p>").encode()
            ctype = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Headers every response gets: no framing, no MIME sniffing, scripts only from us."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]
    CSP = (b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
           b"script-src 'self' 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += self.HEADERS
                # The API docs page loads Swagger UI from a CDN; the app's own pages do not.
                if not path.startswith("/api/docs"):
                    headers.append((b"content-security-policy", self.CSP))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def json_error(detail: Any) -> dict:
    return {"detail": detail}
