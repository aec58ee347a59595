"""Uploads that are refused: too large, not a workbook, hostile — each with a clear message."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import func, select

from screening.web.models import Run

from .conftest import api_token, make_env, run_id_of, signed_in, upload


def runs_in(env) -> int:
    with env.ctx.db.session() as s:
        return s.scalar(select(func.count()).select_from(Run))


def test_a_file_over_the_limit_is_refused_with_a_bilingual_message(tmp_path):
    env = make_env(tmp_path, max_upload_bytes=50_000)
    client = signed_in(env, "anyang")
    big = b"PK\x03\x04" + b"\0" * 60_000
    r = upload(client, big, "big.xlsx")
    assert r.status_code == 413
    assert "文件过大" in r.text and "too large" in r.text and "MB" in r.text
    # Far over the limit (past the form's slack) the body is cut off before it is parsed.
    r = upload(client, b"PK\x03\x04" + b"\0" * 400_000, "huge.xlsx")
    assert r.status_code == 413 and "文件过大" in r.text
    headers = api_token(env.client(), "anyang")
    r = env.client().post("/api/v1/runs", files={"file": ("huge.xlsx", b"PK\x03\x04" + b"\0" * 400_000)},
                          headers=headers)
    assert r.status_code == 413 and "too large" in r.json()["detail"]
    assert runs_in(env) == 0


def test_the_default_limit_is_twenty_megabytes(tmp_path):
    env = make_env(tmp_path)
    assert env.ctx.settings.max_upload_bytes == 20 * 1024 * 1024
    client = signed_in(env, "anyang")
    r = upload(client, b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024 + 1), "big.xlsx")
    assert r.status_code == 413 and "20 MB" in r.text


def test_not_a_workbook_is_refused(env):
    client = signed_in(env, "anyang")
    r = upload(client, b"%PDF-1.7 not a ledger", "ledger.pdf")
    assert r.status_code == 415 and "只接受 Excel 工作簿" in r.text and "Only Excel workbooks" in r.text
    r = upload(client, b"just some text pretending", "ledger.xlsx")
    assert r.status_code == 415 and "不是 Excel 工作簿" in r.text and "not an Excel workbook" in r.text
    r = upload(client, b"", "ledger.xlsx")
    assert r.status_code == 400 and "文件为空" in r.text
    r = upload(client, b"a,b\x00\x00c", "ledger.csv")
    assert r.status_code == 415
    assert runs_in(env) == 0


def test_a_hostile_file_ends_the_run_with_the_librarys_message(env):
    client = signed_in(env, "anyang")
    run_id = run_id_of(upload(client, b"HOSTILE,\n", "evil.csv"))
    env.wait(run_id)
    page = client.get(f"/runs/{run_id}").text
    assert 'data-testid="run-error"' in page
    assert "文件含有不安全的内容，已拒绝 / The file holds unsafe content and was refused" in page
    api = client.get(f"/api/v1/runs/{run_id}").json()
    assert api["status"]["state"] == "failed" and "unsafe" in api["status"]["error"]


def test_an_unknown_ruleset_or_bad_date_is_refused(env, sample_csv):
    client = signed_in(env, "anyang")
    r = upload(client, sample_csv, ruleset="nowhere-1999")
    assert r.status_code == 400 and "未知的规则集" in r.text
    r = upload(client, sample_csv, as_of="31/12/2021")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.text


def test_the_uploaded_name_loses_any_path(env, sample_csv):
    client = signed_in(env, "anyang")
    run_id = run_id_of(upload(client, sample_csv, filename="../../etc/台账.csv"))
    with env.ctx.db.session() as s:
        assert s.get(Run, run_id).filename == "台账.csv"


def test_a_crash_in_the_library_fails_the_run_without_taking_the_server_down(tmp_path, sample_csv):
    from .fakes import fake_library

    lib = fake_library()

    def broken(*a, **k):
        raise RuntimeError("boom")

    lib.screen = broken
    env = make_env(tmp_path, library=lib)
    client = signed_in(env, "anyang")
    run_id = run_id_of(upload(client, sample_csv))
    env.wait(run_id)
    page = client.get(f"/runs/{run_id}").text
    assert "internal error" in page and "RuntimeError" in page


def test_a_zip_that_is_not_a_workbook_reaches_the_library(env):
    # Only the library can tell a workbook from any other zip: the sniff lets it through, and
    # the run (not the upload) ends with the library's verdict on it.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.txt", "x")
    client = signed_in(env, "anyang")
    r = upload(client, buf.getvalue(), "ledger.xlsx")
    assert r.status_code == 303
