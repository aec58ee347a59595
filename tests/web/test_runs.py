"""Upload, background screening, the run page, the project page and the downloads."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from screening.web.models import Run, RunResult, RunStatus, Upload

from .conftest import run_id_of, signed_in, upload


def test_upload_runs_in_the_background_and_the_page_shows_progress_then_verdicts(env, sample_csv):
    client = signed_in(env, "reviewer")
    run_id = run_id_of(upload(client, sample_csv))
    env.wait(run_id)
    page = client.get(f"/runs/{run_id}")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in page.text  # done: no more polling
    assert 'data-testid="count-halt">2<' in page.text
    assert 'data-testid="count-rectify">2<' in page.text
    assert 'data-testid="count-proceed">1<' in page.text
    for name in ("安阳钢铁扩建项目", "郑州电解铝项目", "ADM-4.2a"):
        assert name in page.text
    with env.ctx.db.session() as s:
        status = s.get(RunStatus, run_id)
        assert (status.state, status.done, status.total) == ("done", 5, 5)


def test_a_queued_run_page_polls_and_shows_its_progress(env, sample_csv):
    client = signed_in(env, "reviewer")
    with env.ctx.db.session() as s:
        from screening.web.models import User
        from screening.web.runs import create_run

        user = s.scalar(select(User).where(User.username == "reviewer"))
        run = create_run(s, user, "x.csv", sample_csv, "henan-2021", dt.date(2021, 12, 31))
        run_id = run.id
    env.ctx.runner._set_status(run_id, state="running", done=2, total=5)
    page = client.get(f"/runs/{run_id}")
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "已筛查 2 / 5 个项目（40%）" in page.text
    api = client.get(f"/api/v1/runs/{run_id}").json()
    assert api["status"] == {"state": "running", "done": 2, "total": 5, "error": None, "finished_at": None}


def test_the_audit_record_keeps_file_uploader_time_ruleset_and_verdicts(env, sample_csv):
    client = signed_in(env, "anyang")
    run_id = run_id_of(upload(client, sample_csv, as_of="2021-12-31"))
    env.wait(run_id)
    with env.ctx.db.session() as s:
        run = s.get(Run, run_id)
        result = s.get(RunResult, run_id)
        stored = s.get(Upload, run.file_sha256)
        assert run.file_sha256 == hashlib.sha256(sample_csv).hexdigest()
        assert stored.content == sample_csv and stored.size == len(sample_csv)
        assert run.uploader.username == "anyang" and run.created_at is not None
        assert (run.ruleset_id, run.as_of) == ("henan-2021", dt.date(2021, 12, 31))
        assert (result.ruleset_id, result.ruleset_version, result.ruleset_sha256) == ("henan-2021", "1.0.0", "f" * 64)
        assert [p["project_id"] for p in result.document["projects"]] == ["AY-001", "AY-002", "AY-003", "ZZ-001", "NA-001"]
    page = client.get(f"/runs/{run_id}").text
    assert hashlib.sha256(sample_csv).hexdigest() in page and "f" * 64 in page


def test_as_of_defaults_to_today(env, sample_csv):
    client = signed_in(env, "reviewer")
    run_id = run_id_of(upload(client, sample_csv, as_of=""))
    with env.ctx.db.session() as s:
        assert abs((s.get(Run, run_id).as_of - dt.date.today()).days) <= 1


def test_filters_by_verdict_region_stage_and_search(env, sample_csv):
    client = signed_in(env, "reviewer")
    run_id = run_id_of(upload(client, sample_csv))
    env.wait(run_id)

    def shown(**params):
        page = client.get(f"/runs/{run_id}", params=params).text
        return [code for code in ("AY-001", "AY-002", "AY-003", "ZZ-001", "NA-001")
                if f">{code}</a>" in page]

    assert shown() == ["AY-001", "AY-002", "AY-003", "ZZ-001", "NA-001"]
    assert shown(verdict="halt") == ["AY-001", "ZZ-001"]
    assert shown(region="郑州市") == ["ZZ-001"]
    assert shown(region="林州市") == ["AY-001"]
    assert shown(stage="拟建") == ["AY-002", "NA-001"]
    assert shown(q="焦化") == ["AY-002"]
    assert shown(q="zz-0") == ["ZZ-001"]  # ids match case-insensitively
    assert shown(verdict="rectify", stage="拟建", region="安阳县") == ["AY-002"]


def test_project_page_quotes_clauses_and_shows_facts_cells_and_actions(env, sample_csv):
    client = signed_in(env, "reviewer")
    run_id = run_id_of(upload(client, sample_csv))
    env.wait(run_id)
    page = client.get(f"/runs/{run_id}/projects/1").text
    assert "安阳钢铁扩建项目" in page and "停止" in page
    assert '<blockquote class="clause">条款原文：ADM-4.2a 的规定（henan-2021）。</blockquote>' in page
    assert "按 ADM-4.2a 整改" in page  # what the project must do
    assert "产能置换" in page and "Q2" in page  # a fact by its Chinese label, with its cell
    assert "最近一次节能诊断或清洁生产评价认证" in page and "2020-06-30" in page


def test_downloads_workbook_json_and_html(env, sample_csv):
    client = signed_in(env, "reviewer")
    run_id = run_id_of(upload(client, sample_csv, filename="台账.csv"))
    env.wait(run_id)
    x = client.get(f"/runs/{run_id}/download/xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E5%8F%B0%E8%B4%A6.screened.xlsx" in x.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(x.content))
    assert [c.value for c in wb.active["B"]][1:] == ["halt", "rectify", "proceed", "halt", "rectify"]
    j = client.get(f"/runs/{run_id}/download/json")
    assert j.headers["content-type"].startswith("application/json")
    assert json.loads(j.content)["summary"]["projects"] == 5
    h = client.get(f"/runs/{run_id}/download/html")
    assert h.headers["content-type"].startswith("text/html") and "AY-001 halt" in h.text
    assert client.get(f"/runs/{run_id}/download/pdf").status_code == 404


def test_a_repeat_under_another_ruleset_shows_what_changed(env, sample_csv):
    client = signed_in(env, "reviewer")
    first = run_id_of(upload(client, sample_csv))
    env.wait(first)
    page = client.get(f"/runs/{first}").text
    from .conftest import csrf_of

    r = client.post(f"/runs/{first}/repeat", data={"csrf_token": csrf_of(page), "ruleset": "henan-2021-alt",
                                                   "as_of": "2021-12-31"})
    second = run_id_of(r)
    env.wait(second)
    page = client.get(f"/runs/{second}").text
    assert f"与原记录 #{first} 相比的变化" in page
    changes = page.split('data-testid="changes"')[1].split("</table>")[0]
    assert "AY-001" in changes and "ZZ-001" in changes and "AY-002" not in changes
    assert "ADM-4.2a：停止→整改" in changes
    with env.ctx.db.session() as s:
        a, b = s.get(Run, first), s.get(Run, second)
        assert (b.repeat_of, b.file_sha256, b.filename) == (first, a.file_sha256, a.filename)
        assert s.get(RunResult, second).ruleset_version == "9.9.9"
    api = client.get(f"/api/v1/runs/{second}/changes").json()
    assert api["original"] == first and api["ready"]
    assert {c["key"]: (c["old"], c["new"]) for c in api["changes"]} == {"AY-001": ("halt", "rectify"),
                                                                        "ZZ-001": ("halt", "rectify")}
    # The original links to its repeat; its own record is unchanged.
    assert f'href="/runs/{second}"' in client.get(f"/runs/{first}").text


def test_runs_left_unfinished_by_a_stopped_server_resume_at_the_next_start(tmp_path, sample_csv):
    from screening.web.app import create_app

    from .conftest import make_env, settings_for
    from .fakes import fake_library

    env = make_env(tmp_path, library=fake_library())
    with env.ctx.db.session() as s:
        from screening.web.models import User
        from screening.web.runs import create_run

        user = s.scalar(select(User).where(User.username == "reviewer"))
        run_id = create_run(s, user, "x.csv", sample_csv, "henan-2021", dt.date(2021, 12, 31)).id
    env.ctx.runner._set_status(run_id, state="running", done=1, total=5)  # as if killed mid-run
    env.ctx.runner.shutdown()
    settings = settings_for(tmp_path)
    settings.database_url = env.ctx.settings.database_url
    app = create_app(settings, fake_library())
    app.state.ctx.runner.wait(run_id, timeout=60)
    with app.state.ctx.db.session() as s:
        assert s.get(RunStatus, run_id).state == "done"
        assert s.get(RunResult, run_id) is not None


def test_malformed_page_addresses_are_not_found(env):
    client = signed_in(env, "reviewer")
    assert client.get("/runs/abc").status_code == 404
    assert client.get("/runs/1/projects/x").status_code == 404
    assert client.get("/api/v1/runs/abc").status_code == 422  # the API says why
    huge = "9" * 30  # would overflow the database's integer: refused before any query
    assert client.get(f"/runs/{huge}").status_code == 404
    assert client.get(f"/runs/1/projects/{huge}").status_code == 404
    assert client.get(f"/api/v1/runs/{huge}").status_code == 422
