"""Fixtures of the web tests: an app on a fresh SQLite file, accounts of each role, sign-in."""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass

import pytest

# Starlette's TestClient nags about httpx2; httpx is what FastAPI's TestClient documents.
warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

from screening.web.app import create_app
from screening.web.config import Settings

from .fakes import fake_library, ledger_csv

PASSWORD = "correct horse battery"


#: (username, role, city, county)
ACCOUNTS = [
    ("anyang", "official", "安阳市", None),
    ("linzhou", "official", "安阳市", "林州市"),
    ("zhengzhou", "official", "郑州市", None),
    ("reviewer", "reviewer", None, None),
    ("admin", "admin", None, None),
]

LEDGER_ROWS = [
    ("AY-001", "安阳钢铁扩建项目", "安阳市", "林州市", "在建", "halt", "ADM-4.2a:halt;STD-17:rectify"),
    ("AY-002", "安阳焦化技改项目", "安阳市", "安阳县", "拟建", "rectify", "QUO-15:rectify"),
    ("AY-003", "安阳水泥项目", "安阳", "", "存量", "proceed", ""),
    ("ZZ-001", "郑州电解铝项目", "郑州市", "巩义市", "在建", "halt", "ADM-4.4b:halt"),
    ("NA-001", "地区未填项目", "", "", "拟建", "rectify", "POL-11c:rectify"),
]


def fresh_database_url(tmp_path) -> str:
    """A new SQLite file per test; or, with SCREENING_TEST_DATABASE_URL set (e.g. a PostgreSQL
    database), that database emptied down to no tables, so the suite runs on it too."""
    url = os.environ.get("SCREENING_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'web.db'}"
    from alembic import command

    from screening.web.db import Database, alembic_config

    db = Database(url)
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(url, conn), "base")
    db.dispose()
    return url


def settings_for(tmp_path, **overrides) -> Settings:
    settings = Settings(database_url=fresh_database_url(tmp_path), secret_key=None,
                        argon2_time_cost=1, argon2_memory_cost=8192, secure_cookies=False)
    for k, v in overrides.items():
        setattr(settings, k, v)
    return settings


@dataclass
class Env:
    app: object
    ctx: object

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def wait(self, run_id: int) -> None:
        self.ctx.runner.wait(run_id, timeout=60)


def make_env(tmp_path, library=None, **overrides) -> Env:
    app = create_app(settings_for(tmp_path, **overrides), library or fake_library())
    ctx = app.state.ctx
    with ctx.db.session() as s:
        for username, role, city, county in ACCOUNTS:
            ctx.auth.create_user(s, username, PASSWORD, role, city, county, display_name=username)
    return Env(app, ctx)


@pytest.fixture()
def env(tmp_path):
    e = make_env(tmp_path)
    yield e
    e.ctx.runner.shutdown()
    e.ctx.db.dispose()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD):
    page = client.get("/login")
    token = csrf_of(page.text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": "/runs"})


def signed_in(env: Env, username: str) -> TestClient:
    client = env.client()
    r = sign_in(client, username)
    assert r.status_code == 303, r.text
    return client


def upload(client: TestClient, content: bytes, filename: str = "ledger.csv", ruleset: str = "henan-2021",
           as_of: str = "2021-12-31"):
    token = csrf_of(client.get("/runs").text)
    return client.post("/runs", data={"csrf_token": token, "ruleset": ruleset, "as_of": as_of},
                       files={"file": (filename, content, "application/octet-stream")})


def run_id_of(response) -> int:
    assert response.status_code == 303, response.text[:2000]
    return int(response.headers["location"].rsplit("/", 1)[-1])


@pytest.fixture()
def sample_csv() -> bytes:
    return ledger_csv(LEDGER_ROWS)


def api_token(client: TestClient, username: str, password: str = PASSWORD) -> dict:
    r = client.post("/api/v1/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}
