"""The web workspace on the real screening library and the sample ledger (no stand-ins)."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from .conftest import ACCOUNTS, PASSWORD, csrf_of, run_id_of, signed_in, upload

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "henan-demo-ledger.xlsx"


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """One app on the real library for the module, with the sample ledger screened twice: by a
    reviewer (every project) and by the 安阳市 official (4 of the 59 are theirs)."""
    from screening.web.app import create_app

    from .conftest import Env, settings_for

    app = create_app(settings_for(tmp_path_factory.mktemp("real")))  # the real library
    env = Env(app, app.state.ctx)
    with env.ctx.db.session() as s:
        for username, role, city, county in ACCOUNTS:
            env.ctx.auth.create_user(s, username, PASSWORD, role, city, county, display_name=username)
    reviewer, official = signed_in(env, "reviewer"), signed_in(env, "anyang")
    content = SAMPLE.read_bytes()
    env.reviewer_run = run_id_of(upload(reviewer, content, SAMPLE.name))
    env.official_run = run_id_of(upload(official, content, SAMPLE.name))
    env.wait(env.reviewer_run)
    env.wait(env.official_run)
    yield env
    env.ctx.runner.shutdown()


def test_the_sample_ledger_screens_and_the_counts_match_the_library(real):
    import screening

    expected = screening.screen(SAMPLE, as_of=dt.date(2021, 12, 31)).summary
    client = signed_in(real, "reviewer")
    run = client.get(f"/api/v1/runs/{real.reviewer_run}").json()
    assert run["status"]["state"] == "done", run["status"]
    assert run["ruleset"]["id"] == "henan-2021" and len(run["ruleset"]["sha256"]) == 64
    assert run["counts"]["total"] == expected["projects"] == 59
    assert run["counts"]["by_verdict"] == {k: expected[k] for k in ("halt", "rectify", "proceed")}
    page = client.get(f"/runs/{real.reviewer_run}").text
    assert f'data-testid="count-halt">{expected["halt"]}<' in page
    assert page.count("<tr data-verdict=") == 59


def test_a_halt_project_page_quotes_its_clause(real):
    client = signed_in(real, "reviewer")
    halts = client.get(f"/api/v1/runs/{real.reviewer_run}/projects", params={"verdict": "halt"}).json()
    assert halts
    project = client.get(f"/api/v1/runs/{real.reviewer_run}/projects/{halts[0]['pos']}").json()
    finding = project["entry"]["findings"][0]
    page = client.get(f"/runs/{real.reviewer_run}/projects/{halts[0]['pos']}").text
    clause = finding["clauses"][0]
    assert clause["text"] and clause["text"][:30] in page and clause["label"] in page
    assert finding["rule"] in page and "停止" in page
    assert project["facts"]["cells"]["project_id"] in page  # the cell each fact came from


def test_downloads_are_the_librarys_outputs(real):
    client = signed_in(real, "reviewer")
    x = client.get(f"/runs/{real.reviewer_run}/download/xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert {"两高项目清单", "地区预警", "说明", "汇总", "依据"} <= set(wb.sheetnames)
    header = [c.value for row in wb["两高项目清单"].iter_rows(max_row=6) for c in row]
    assert "处置结论" in header
    doc = json.loads(client.get(f"/runs/{real.reviewer_run}/download/json").content)
    assert doc["summary"]["projects"] == 59 and doc["source"]["file"] == SAMPLE.name
    html = client.get(f"/runs/{real.reviewer_run}/download/html").text
    assert html.lstrip().lower().startswith("<!doctype html") and "<script src" not in html


def test_the_official_sees_only_their_four_projects(real):
    client = signed_in(real, "anyang")
    run = client.get(f"/api/v1/runs/{real.official_run}").json()
    assert run["counts"]["total"] == 4 and run["hidden_projects"] == 55
    projects = client.get(f"/api/v1/runs/{real.official_run}/projects").json()
    assert {p["city"] for p in projects} == {"安阳市"}
    doc = json.loads(client.get(f"/runs/{real.official_run}/download/json").content)
    assert {p["city"] for p in doc["projects"]} == {"安阳市"}
    wb = openpyxl.load_workbook(io.BytesIO(client.get(f"/runs/{real.official_run}/download/xlsx").content))
    basis = wb["依据"]
    cities = {str(c.value) for row in basis.iter_rows(min_row=2) for c in row if c.value}
    assert not any("郑州市" == c for c in cities)
    assert signed_in(real, "zhengzhou").get(f"/runs/{real.official_run}").status_code == 404


def test_an_exported_dispute_passes_as_a_ruleset_case(real, tmp_path):
    """The export is the ruleset tests' format: run through the case runner it reproduces the
    verdict as it was (which is what the reviewer then edits to the settled answer)."""
    from screening import load_ruleset
    from screening.cases import load_cases, run_cases
    from screening.web import commands

    client = signed_in(real, "reviewer")
    halts = client.get(f"/api/v1/runs/{real.reviewer_run}/projects", params={"verdict": "halt"}).json()
    target = halts[0]
    token = csrf_of(client.get(f"/runs/{real.reviewer_run}/projects/{target['pos']}").text)
    r = client.post(f"/runs/{real.reviewer_run}/projects/{target['pos']}/disputes",
                    data={"csrf_token": token, "rule": target["rules"][0], "comment": "批复文件已补齐\n见附件"})
    assert r.status_code == 303
    result = CliRunner().invoke(commands.disputes, ["export", "-o", str(tmp_path),
                                                    "--database-url", real.ctx.settings.database_url])
    assert result.exit_code == 0, result.output
    path = tmp_path / "disputes-henan-2021.yaml"
    case = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"][0]
    assert case["name"].startswith(f"dispute 1: {target['project_id']} {target['rules'][0]} — 批复文件已补齐")
    assert case["expect"]["verdict"] == "halt" and case["dispute"]["run"] == real.reviewer_run
    results = run_cases(load_cases(path), load_ruleset("henan-2021"))
    assert [r.failures for r in results] == [[]]


def test_a_hostile_workbook_is_refused_with_the_librarys_message(real, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["项目名称", "所属行业", "项目状态"])
    wb.active.append(["甲", "钢铁", "在建"])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')
    buf = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = laughs if item.filename == "xl/worksheets/sheet1.xml" else src.read(item)
            dst.writestr(item.filename, data)
    client = signed_in(real, "anyang")
    run_id = run_id_of(upload(client, buf.getvalue(), "hostile.xlsx"))
    real.wait(run_id)
    page = client.get(f"/runs/{run_id}").text
    assert 'data-testid="run-error"' in page
    error = client.get(f"/api/v1/runs/{run_id}").json()["status"]["error"]
    assert "hostile.xlsx" in error and "无法读取" in error and "cannot read" in error
    assert "internal error" not in error
