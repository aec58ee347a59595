"""Accounts and sessions: argon2 hashes, cookie flags, CSRF on every form, lockout, 404 walls."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, text

from screening.web.models import Event, Session, User

from .conftest import PASSWORD, csrf_of, make_env, sign_in, signed_in


def test_passwords_are_stored_as_argon2id_hashes(env):
    with env.ctx.db.session() as s:
        user = s.scalar(select(User).where(User.username == "anyang"))
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_session_cookie_is_httponly_and_samesite_lax_and_only_a_hash_is_stored(env):
    client = env.client()
    r = sign_in(client, "anyang")
    assert r.status_code == 303 and r.headers["location"] == "/runs"
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("screening_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # off by default so http://127.0.0.1 works
    token = cookie.split(";")[0].split("=", 1)[1]
    with env.ctx.db.session() as s:
        stored = [row.token_hash for row in s.scalars(select(Session))]
    assert token not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_secure_cookie_flag_is_configurable(tmp_path):
    from fastapi.testclient import TestClient

    env = make_env(tmp_path, secure_cookies=True)
    # Secure cookies travel over HTTPS only, so this client speaks to https://testserver.
    r = sign_in(TestClient(env.app, base_url="https://testserver", follow_redirects=False), "anyang")
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("screening_session=")][0]
    assert "Secure" in cookie


def test_login_form_needs_its_csrf_token(env):
    client = env.client()
    client.get("/login")  # the browser has its pre-session cookie, but the form lacks the token
    r = client.post("/login", data={"username": "anyang", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/login", data={"username": "anyang", "password": PASSWORD, "csrf_token": "0" * 64})
    assert r.status_code == 403


def test_every_state_changing_form_checks_the_csrf_token(env, sample_csv):
    client = signed_in(env, "reviewer")
    token = csrf_of(client.get("/runs").text)
    posts = [("/runs", {"ruleset": "henan-2021"}), ("/logout", {}), ("/runs/1/repeat", {}),
             ("/runs/1/projects/1/disputes", {"rule": "ADM-4.2a", "comment": "x"}), ("/admin/users", {})]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 403, path
        tampered = token[:-1] + ("1" if token.endswith("0") else "0")  # always differs from the token
        assert client.post(path, data=data | {"csrf_token": tampered}).status_code == 403, path
    # A token from another session does not work either.
    other = signed_in(env, "admin")
    other_token = csrf_of(other.get("/runs").text)
    assert client.post("/logout", data={"csrf_token": other_token}).status_code == 403
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303


def test_api_with_a_session_cookie_needs_the_csrf_header(env):
    client = signed_in(env, "reviewer")
    r = client.post("/api/v1/runs/1/repeat", json={})
    assert r.status_code == 403
    token = client.get("/api/v1/me").json()["csrf_token"]
    r = client.post("/api/v1/runs/1/repeat", json={}, headers={"X-CSRF-Token": token})
    assert r.status_code == 404  # past the CSRF check; there is no run 1


def test_wrong_password_and_unknown_user_get_the_same_answer(env):
    client = env.client()
    a = sign_in(client, "anyang", "wrong password!")
    b = sign_in(client, "nobody", "wrong password!")
    assert a.status_code == b.status_code == 401
    assert "用户名或密码错误" in a.text and "用户名或密码错误" in b.text


def test_five_failures_lock_the_account_for_fifteen_minutes(env):
    client = env.client()
    for _ in range(5):
        assert sign_in(client, "anyang", "wrong password!").status_code == 401
    r = sign_in(client, "anyang")  # the right password no longer helps
    assert r.status_code == 429 and "锁定" in r.text and "locked" in r.text
    with env.ctx.db.session() as s:
        user = s.scalar(select(User).where(User.username == "anyang"))
        locked = user.locked_until.replace(tzinfo=dt.timezone.utc) if user.locked_until.tzinfo is None else user.locked_until
        left = locked - dt.datetime.now(dt.timezone.utc)
        assert dt.timedelta(minutes=14) < left <= dt.timedelta(minutes=15)
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.user_id == user.id))]
        assert kinds.count("login-failed") == 5 and "login-locked" in kinds
        # Fifteen minutes later the account opens again.
        user.locked_until = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    assert sign_in(client, "anyang").status_code == 303
    # The API sign-in shares the counter and the lock.
    for _ in range(5):
        client.post("/api/v1/login", json={"username": "zhengzhou", "password": "nope nope"})
    r = client.post("/api/v1/login", json={"username": "zhengzhou", "password": PASSWORD})
    assert r.status_code == 429


def test_success_resets_the_failure_count(env):
    client = env.client()
    for _ in range(4):
        sign_in(client, "anyang", "wrong password!")
    assert sign_in(client, "anyang").status_code == 303
    for _ in range(4):
        sign_in(env.client(), "anyang", "wrong password!")
    assert sign_in(env.client(), "anyang").status_code == 303


def test_pages_need_a_session_and_the_api_a_token(env):
    client = env.client()
    r = client.get("/runs/1")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/runs/1"
    assert client.get("/api/v1/runs").status_code == 401
    assert client.get("/api/v1/runs", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_logout_ends_the_session_on_the_server(env):
    client = signed_in(env, "anyang")
    cookie = client.cookies.get("screening_session")
    token = csrf_of(client.get("/runs").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    stale = env.client()
    stale.cookies.set("screening_session", cookie)
    assert stale.get("/runs").status_code == 303  # the old cookie no longer signs anyone in


def test_disabled_accounts_cannot_sign_in_and_lose_their_sessions(env):
    client = signed_in(env, "anyang")
    admin = signed_in(env, "admin")
    with env.ctx.db.session() as s:
        uid = s.scalar(select(User.id).where(User.username == "anyang"))
    token = csrf_of(admin.get("/admin/users").text)
    assert admin.post(f"/admin/users/{uid}/disable", data={"csrf_token": token}).status_code == 200
    assert client.get("/runs").status_code == 303
    assert sign_in(env.client(), "anyang").status_code == 401


def test_only_admins_see_the_user_pages(env):
    assert signed_in(env, "reviewer").get("/admin/users").status_code == 404
    assert signed_in(env, "admin").get("/admin/users").status_code == 200


def test_next_parameter_cannot_redirect_off_site(env):
    client = env.client()
    page = client.get("/login?next=//evil.example/x")
    token = csrf_of(page.text)
    r = client.post("/login", data={"username": "anyang", "password": PASSWORD, "csrf_token": token,
                                    "next": "//evil.example/x"})
    assert r.headers["location"] == "/runs"


def test_security_headers(env):
    r = env.client().get("/login")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_users_cannot_be_created_with_a_bad_binding(env):
    from screening.web.auth import UserError
    import pytest

    with env.ctx.db.session() as s:
        with pytest.raises(UserError):
            env.ctx.auth.create_user(s, "x1", PASSWORD, "official")  # no region
        with pytest.raises(UserError):
            env.ctx.auth.create_user(s, "x2", PASSWORD, "reviewer", city="安阳市")
        with pytest.raises(UserError):
            env.ctx.auth.create_user(s, "x3", "short", "reviewer")
        with pytest.raises(UserError):
            env.ctx.auth.create_user(s, "anyang", PASSWORD, "reviewer")


def test_session_table_is_not_an_audit_table(env):
    # Sessions are deleted on logout; the audit tables refuse it (see test_audit.py).
    with env.ctx.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM sessions"))
