"""The JSON API: the same actions as the pages, and property-based tests against its OpenAPI."""
from __future__ import annotations

import warnings

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from .conftest import api_token, make_env
from .fakes import ledger_csv
from .conftest import LEDGER_ROWS

warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")


def test_api_flow_upload_poll_projects_project_download(env):
    client = env.client()
    headers = api_token(client, "anyang")
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["user"]["username"] == "anyang" and me["csrf_token"] is None
    assert [r["id"] for r in client.get("/api/v1/rulesets", headers=headers).json()] == ["henan-2021", "henan-2021-alt"]
    r = client.post("/api/v1/runs", headers=headers, data={"ruleset": "henan-2021", "as_of": "2021-12-31"},
                    files={"file": ("ledger.csv", ledger_csv(LEDGER_ROWS), "text/csv")})
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["status"]["state"] in ("queued", "running", "done") and run["as_of"] == "2021-12-31"
    env.wait(run["id"])
    run = client.get(f"/api/v1/runs/{run['id']}", headers=headers).json()
    assert run["status"]["state"] == "done" and run["ruleset"]["version"] == "1.0.0"
    assert run["counts"]["by_verdict"] == {"halt": 1, "rectify": 2, "proceed": 1}
    listed = client.get(f"/api/v1/runs/{run['id']}/projects", params={"verdict": "rectify"}, headers=headers).json()
    assert [p["project_id"] for p in listed] == ["AY-002", "NA-001"]
    project = client.get(f"/api/v1/runs/{run['id']}/projects/1", headers=headers).json()
    assert project["entry"]["findings"][0]["clauses"][0]["text"].startswith("条款原文")
    assert project["facts"]["cells"]["project_id"] == "A2"
    x = client.get(f"/api/v1/runs/{run['id']}/download/xlsx", headers=headers)
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert [r["id"] for r in client.get("/api/v1/runs", headers=headers).json()] == [run["id"]]
    # Repeating under another ruleset, then reading the changes.
    r = client.post(f"/api/v1/runs/{run['id']}/repeat", json={"ruleset": "henan-2021-alt"}, headers=headers)
    assert r.status_code == 202 and r.json()["repeat_of"] == run["id"]
    env.wait(r.json()["id"])
    changes = client.get(f"/api/v1/runs/{r.json()['id']}/changes", headers=headers).json()
    assert [c["key"] for c in changes["changes"]] == ["AY-001"]
    # Logging out revokes the token.
    assert client.post("/api/v1/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_openapi_document_describes_the_api(env):
    doc = env.client().get("/api/openapi.json").json()
    paths = doc["paths"]
    for path in ("/api/v1/login", "/api/v1/runs", "/api/v1/runs/{run_id}", "/api/v1/runs/{run_id}/projects",
                 "/api/v1/runs/{run_id}/projects/{pos}", "/api/v1/runs/{run_id}/projects/{pos}/disputes",
                 "/api/v1/runs/{run_id}/download/{kind}", "/api/v1/runs/{run_id}/repeat",
                 "/api/v1/runs/{run_id}/changes"):
        assert path in paths, path
    assert not any(p.startswith("/runs") for p in paths)  # the pages stay out of it
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert env.client().get("/api/docs").status_code == 200


# -- property-based tests (schemathesis) ---------------------------------------------------------
# Schemathesis reads the OpenAPI document when the module is collected, to make one test per
# operation. Collecting must stay cheap (no seeded database, no worker, nothing running while
# the rest of the suite runs), so the schema is read through a proxy from an empty in-memory
# app; the module fixture then points the proxy at an app on its own database holding a
# finished run (id 1), so generated requests for run 1 and projects 1-5 reach real data.


class _AppProxy:
    """An ASGI app that forwards to whichever app `target` is at the time of the call."""

    def __init__(self, target):
        self.target = target

    async def __call__(self, scope, receive, send):
        await self.target(scope, receive, send)


def _schema_only_app():
    from screening.web.app import create_app
    from screening.web.config import Settings

    from .fakes import fake_library

    return create_app(Settings(database_url="sqlite://", argon2_time_cost=1, argon2_memory_cost=8192),
                      fake_library(), start_worker=False)


_proxy = _AppProxy(_schema_only_app())
_auth: dict = {}
schema = schemathesis.openapi.from_asgi("/api/openapi.json", _proxy).include(path_regex="^/api/v1/(?!logout)")


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("api")
    env = make_env(tmp, database_url=f"sqlite:///{tmp / 'api.db'}")
    client = env.client()
    _auth.update(api_token(client, "reviewer"))
    r = client.post("/api/v1/runs", headers=_auth, data={"as_of": "2021-12-31"},
                    files={"file": ("ledger.csv", ledger_csv(LEDGER_ROWS), "text/csv")})
    env.wait(r.json()["id"])
    empty, _proxy.target = _proxy.target, env.app
    yield env
    _proxy.target = empty
    env.ctx.runner.shutdown()


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_openapi_document(case, api_app):
    # Every check but "schema-valid data is accepted": the API also refuses, with a 400/415,
    # what no schema can describe (a file that is not a workbook, an unknown ruleset id, a
    # rule the project has no finding of).
    case.call_and_validate(headers=_auth, excluded_checks=[positive_data_acceptance])
