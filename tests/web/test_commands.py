"""`screening users …`, `screening serve` (demo account on first start) as commands."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from screening.web import commands

ROOT = Path(__file__).resolve().parents[2]


def invoke(group, args, db_url):
    result = CliRunner().invoke(group, args + ["--database-url", db_url])
    assert result.exit_code == 0, result.output
    return result.output


def test_users_add_list_disable(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    out = invoke(commands.users, ["add", "ay", "--role", "official", "--city", "安阳市", "--password", "longenough1"], url)
    assert "added ay (official, 安阳市)" in out
    out = invoke(commands.users, ["add", "rv", "--role", "reviewer", "--generate"], url)
    assert re.search(r"password: \S{12,}", out)
    bad = CliRunner().invoke(commands.users, ["add", "x", "--role", "official", "--password", "longenough1",
                                              "--database-url", url])
    assert bad.exit_code != 0 and "bound to a city or county" in bad.output
    listing = invoke(commands.users, ["list"], url)
    assert "ay\tofficial\t安阳市\tactive" in listing and "rv\treviewer\t全省\tactive" in listing
    invoke(commands.users, ["disable", "ay"], url)
    assert "ay\tofficial\t安阳市\tdisabled" in invoke(commands.users, ["list"], url)
    invoke(commands.users, ["password", "ay", "--password", "another-one-9"], url)


def test_importing_the_commands_starts_nothing():
    code = ("import sys, screening.web.commands as c; "
            "print(any(m.split('.')[0] in ('uvicorn', 'fastapi', 'sqlalchemy') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_creates_the_database_and_prints_a_demo_account(tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", PYTHONUNBUFFERED="1")
    code = "from screening.web.commands import serve; serve()"
    proc = subprocess.Popen([sys.executable, "-c", code, "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env=env)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "Uvicorn running" in line or not line:  # listening from this line on
                break
        output = "".join(lines)
        accounts = re.findall(r"用户名 user: (\S+)\s+密码 password: (\S+)", output)
        assert [a[0] for a in accounts] == ["demo", "demo-anyang"], output
        import httpx

        from .conftest import csrf_of

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            page = client.get("/login")
            assert "登录" in page.text
            for username, password in accounts:  # the printed passwords work
                client.cookies.clear()
                token = csrf_of(client.get("/login").text)
                r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
                assert r.status_code == 303 and r.headers["location"] == "/runs", r.text
        assert (tmp_path / "serve.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
