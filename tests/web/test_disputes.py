"""Disputes: reviewers dispute a finding, the run page lists it, the export is a ruleset case."""
from __future__ import annotations

import datetime as dt

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from screening.web.models import Dispute

from .conftest import csrf_of, run_id_of, signed_in, upload


@pytest.fixture()
def done_run(env, sample_csv):
    run_id = run_id_of(upload(signed_in(env, "anyang"), sample_csv))
    env.wait(run_id)
    return run_id


def dispute(client, run_id, pos, rule, comment):
    token = csrf_of(client.get(f"/runs/{run_id}/projects/{pos}").text)
    return client.post(f"/runs/{run_id}/projects/{pos}/disputes",
                       data={"csrf_token": token, "rule": rule, "comment": comment})


def test_a_reviewer_disputes_a_finding_and_the_run_page_lists_it(env, done_run):
    reviewer = signed_in(env, "reviewer")
    r = dispute(reviewer, done_run, 1, "ADM-4.2a", "产能置换方案已于11月批复\n附件见省发改委文件")
    assert r.status_code == 303 and r.headers["location"].endswith("#finding-ADM-4.2a")
    project = reviewer.get(f"/runs/{done_run}/projects/1").text
    assert 'data-testid="dispute"' in project and "产能置换方案已于11月批复" in project
    page = reviewer.get(f"/runs/{done_run}").text
    table = page.split('data-testid="disputes"')[1].split("</table>")[0]
    assert "ADM-4.2a" in table and "AY-001" in table and "reviewer" in table
    # The uploading official sees the dispute on their project too.
    assert "产能置换方案已于11月批复" in signed_in(env, "anyang").get(f"/runs/{done_run}").text


def test_officials_cannot_dispute(env, done_run):
    official = signed_in(env, "anyang")
    page = official.get(f"/runs/{done_run}/projects/1").text
    assert "提出异议" not in page
    r = dispute(official, done_run, 1, "ADM-4.2a", "我不同意")
    assert r.status_code == 403
    with env.ctx.db.session() as s:
        assert s.scalar(select(Dispute)) is None


def test_a_dispute_needs_a_finding_of_the_project_and_a_comment(env, done_run):
    reviewer = signed_in(env, "reviewer")
    r = dispute(reviewer, done_run, 1, "NAT-AP-7", "no such finding here")
    assert r.status_code == 303 and "dispute_error" in r.headers["location"]
    assert "没有规则 NAT-AP-7 的结论" in reviewer.get(r.headers["location"]).text
    r = dispute(reviewer, done_run, 1, "ADM-4.2a", "   ")
    assert "dispute_error" in r.headers["location"]
    with env.ctx.db.session() as s:
        assert s.scalar(select(Dispute)) is None


def test_export_writes_ruleset_test_cases(env, done_run, tmp_path):
    reviewer = signed_in(env, "reviewer")
    dispute(reviewer, done_run, 1, "ADM-4.2a", "产能置换已落实\n详见批复")
    dispute(reviewer, done_run, 2, "QUO-15", "用能指标已购买")
    from screening.web import commands

    out = tmp_path / "exported"
    result = CliRunner().invoke(commands.disputes, ["export", "--output", str(out),
                                                    "--database-url", env.ctx.settings.database_url])
    assert result.exit_code == 0, result.output
    path = out / "disputes-henan-2021.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["ruleset"] == "henan-2021"
    first = data["cases"][0]
    assert first["name"] == "dispute 1: AY-001 ADM-4.2a — 产能置换已落实"
    assert first["as_of"] == dt.date(2021, 12, 31)
    assert first["project"]["project_id"] == "AY-001" and first["project"]["sector"] == "钢铁"
    assert first["project"]["energy_equal"] == 50000 and first["project"]["last_diagnosis"] == "2020-06-30"
    assert first["region"] == {"name": "安阳市", "air_quality": "未达标", "energy_target": "完成",
                               "pollution_target": "完成", "months": {"2021-12": "红色"}}
    assert first["expect"] == {"verdict": "halt", "findings": ["ADM-4.2a", "STD-17"]}
    assert first["dispute"]["rule"] == "ADM-4.2a" and first["dispute"]["comment"] == "产能置换已落实\n详见批复"
    assert first["dispute"]["reviewer"] == "reviewer" and first["dispute"]["run"] == done_run
    assert data["cases"][1]["name"].startswith("dispute 2: AY-002 QUO-15")
    # The ruleset tests' own loader reads the file.
    from screening.cases import load_cases

    cases = load_cases(path)
    assert [c.expect["verdict"] for c in cases] == ["halt", "rectify"]
    assert cases[0].region["months"] == {"2021-12": "红色"}


def test_api_dispute_by_reviewer_only(env, done_run):
    from .conftest import api_token

    client = env.client()
    r = client.post(f"/api/v1/runs/{done_run}/projects/1/disputes", json={"rule": "ADM-4.2a", "comment": "x"},
                    headers=api_token(client, "anyang"))
    assert r.status_code == 403
    headers = api_token(client, "reviewer")
    r = client.post(f"/api/v1/runs/{done_run}/projects/1/disputes", json={"rule": "ADM-4.2a", "comment": "理由"},
                    headers=headers)
    assert r.status_code == 201 and r.json()["rule"] == "ADM-4.2a" and r.json()["reviewer"] == "reviewer"
    listed = client.get(f"/api/v1/runs/{done_run}/disputes", headers=headers).json()
    assert [d["comment"] for d in listed] == ["理由"]
    project = client.get(f"/api/v1/runs/{done_run}/projects/1", headers=headers).json()
    assert project["disputed"] == ["ADM-4.2a"] and project["disputes"][0]["comment"] == "理由"
