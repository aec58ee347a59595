"""A county official sees only runs and projects of their region; anything else answers 404."""
from __future__ import annotations

import json

import pytest

from .conftest import api_token, run_id_of, signed_in, upload


@pytest.fixture()
def anyang_run(env, sample_csv):
    """A run uploaded by the 安阳市 official: 3 of its projects are theirs, 1 is in 郑州市, 1 has no region."""
    client = signed_in(env, "anyang")
    run_id = run_id_of(upload(client, sample_csv))
    env.wait(run_id)
    return run_id


def test_another_regions_official_gets_404_for_everything_of_the_run(env, anyang_run):
    other = signed_in(env, "zhengzhou")
    for path in (f"/runs/{anyang_run}", f"/runs/{anyang_run}/projects/1", f"/runs/{anyang_run}/projects/4",
                 f"/runs/{anyang_run}/download/xlsx", f"/runs/{anyang_run}/download/json",
                 f"/runs/{anyang_run}/download/html"):
        r = other.get(path)
        assert r.status_code == 404, path
        assert "安阳" not in r.text
    # …and the same 404 as a run that does not exist, so existence is not revealed.
    assert other.get("/runs/999").status_code == 404
    assert f'href="/runs/{anyang_run}"' not in other.get("/runs").text
    headers = api_token(env.client(), "zhengzhou")
    api = env.client()
    for path in (f"/api/v1/runs/{anyang_run}", f"/api/v1/runs/{anyang_run}/projects",
                 f"/api/v1/runs/{anyang_run}/projects/1", f"/api/v1/runs/{anyang_run}/download/json",
                 f"/api/v1/runs/{anyang_run}/changes", f"/api/v1/runs/{anyang_run}/disputes"):
        assert api.get(path, headers=headers).status_code == 404, path
    assert api.get("/api/v1/runs", headers=headers).json() == []
    r = api.post(f"/api/v1/runs/{anyang_run}/repeat", json={}, headers=headers)
    assert r.status_code == 404


def test_a_county_official_does_not_see_the_citys_runs(env, anyang_run):
    county = signed_in(env, "linzhou")  # 安阳市 林州市
    assert county.get(f"/runs/{anyang_run}").status_code == 404


def test_a_city_official_sees_the_runs_of_their_countys(env, sample_csv):
    county = signed_in(env, "linzhou")
    run_id = run_id_of(upload(county, sample_csv))
    env.wait(run_id)
    page = county.get(f"/runs/{run_id}").text
    # Only AY-001 lies in 林州市; the others are flagged and withheld.
    assert ">AY-001</a>" in page and ">AY-002</a>" not in page
    assert signed_in(env, "anyang").get(f"/runs/{run_id}").status_code == 200
    assert signed_in(env, "zhengzhou").get(f"/runs/{run_id}").status_code == 404


def test_projects_outside_the_uploaders_region_are_flagged_and_withheld(env, anyang_run):
    client = signed_in(env, "anyang")
    page = client.get(f"/runs/{anyang_run}").text
    assert 'data-testid="outside-warning"' in page
    assert "本次上传有 1 个项目不属于您的辖区" in page
    warning = page.split('data-testid="outside-warning"')[1].split("</div>")[0]
    assert "ZZ-001" in warning and "郑州电解铝项目" in warning and "halt" not in warning and "停止" not in warning
    table = page.split('data-testid="projects"')[1]
    assert ">AY-001</a>" in table and ">ZZ-001</a>" not in table
    # The project without a region stays visible, flagged.
    assert ">NA-001</a>" in table and "未填地区" in table
    # Counts are of the visible projects only.
    assert 'data-testid="count-halt">1<' in page
    assert client.get(f"/runs/{anyang_run}/projects/4").status_code == 404
    assert client.get(f"/runs/{anyang_run}/projects/1").status_code == 200
    # Downloads leave the withheld project out.
    doc = json.loads(client.get(f"/runs/{anyang_run}/download/json").content)
    assert [p["project_id"] for p in doc["projects"]] == ["AY-001", "AY-002", "AY-003", "NA-001"]
    assert doc["summary"]["projects"] == 4 and doc["summary"]["halt"] == 1
    assert "ZZ-001" not in client.get(f"/runs/{anyang_run}/download/html").text
    assert b"ZZ-001" not in client.get(f"/runs/{anyang_run}/download/xlsx").content  # xlsx is zipped…
    from openpyxl import load_workbook
    import io

    wb = load_workbook(io.BytesIO(client.get(f"/runs/{anyang_run}/download/xlsx").content))
    assert "ZZ-001" not in [c.value for c in wb.active["A"]]
    # The API agrees.
    headers = api_token(env.client(), "anyang")
    api = env.client()
    listed = api.get(f"/api/v1/runs/{anyang_run}/projects", headers=headers).json()
    assert [p["project_id"] for p in listed] == ["AY-001", "AY-002", "AY-003", "NA-001"]
    assert api.get(f"/api/v1/runs/{anyang_run}", headers=headers).json()["hidden_projects"] == 1
    assert api.get(f"/api/v1/runs/{anyang_run}/projects/4", headers=headers).status_code == 404


def test_reviewers_see_every_project_with_its_flag(env, anyang_run):
    client = signed_in(env, "reviewer")
    page = client.get(f"/runs/{anyang_run}").text
    table = page.split('data-testid="projects"')[1]
    assert ">ZZ-001</a>" in table and "辖区外" in table
    assert "1 个项目不在上传人辖区" in page
    project = client.get(f"/runs/{anyang_run}/projects/4").text
    assert 'data-testid="outside-flag"' in project
    doc = json.loads(client.get(f"/runs/{anyang_run}/download/json").content)
    assert len(doc["projects"]) == 5


def test_city_names_match_with_or_without_their_suffix():
    from screening.web.runs import region_flag

    assert region_flag("安阳市", None, "安阳", None) is None
    assert region_flag("安阳市", None, "安阳市", "林州市") is None
    assert region_flag("安阳市", "林州市", "安阳市", "林州市") is None
    assert region_flag("安阳市", "林州市", None, "林州市") is None
    assert region_flag("安阳市", "林州市", "安阳市", "安阳县") == "outside"
    assert region_flag("安阳市", None, "郑州市", None) == "outside"
    assert region_flag("济源示范区", None, "济源示范区", None) is None
    assert region_flag("安阳市", None, None, None) == "blank"
    assert region_flag(None, None, "郑州市", None) is None  # a provincial upload covers all
