"""Command-line entry points of the web workspace, as click objects.

`screening.cli` registers them with a lazy import; importing this module starts nothing (no
database, no server) until a command runs.
"""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click


def _database(url: str | None):
    from .db import Database

    db = Database(url or os.environ.get("DATABASE_URL") or "sqlite:///var/screening.db")
    db.migrate()
    return db


def _settings(url: str | None):
    from .config import Settings

    settings = Settings()
    if url:
        settings.database_url = url
    return settings


db_option = click.option("--database-url", envvar="DATABASE_URL", default=None,
                         help="SQLAlchemy URL (default sqlite:///var/screening.db; env DATABASE_URL).")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@db_option
@click.option("--max-upload-mb", type=float, default=None, help="Upload size limit (default 20, env SCREENING_MAX_UPLOAD_MB).")
@click.option("--secure-cookies/--no-secure-cookies", default=None, help="Mark cookies Secure (behind HTTPS).")
@click.option("--workers", type=int, default=None, help="Screening worker threads (default 1).")
def serve(host, port, database_url, max_upload_mb, secure_cookies, workers):
    """Start the web workspace (creates the database and a demo account on first start)."""
    import uvicorn

    from .app import create_app

    settings = _settings(database_url)
    if max_upload_mb is not None:
        settings.max_upload_bytes = int(max_upload_mb * 1024 * 1024)
    if secure_cookies is not None:
        settings.secure_cookies = secure_cookies
    if workers is not None:
        settings.workers = workers
    settings.create_demo_account = True
    app = create_app(settings)
    demo = app.state.demo_accounts
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(f"两高项目筛查工作台 / Screening workspace: http://{shown}:{port}/")
    click.echo(f"数据库 / Database: {settings.database_url}")
    for username, password, role in demo:
        label = {"reviewer": "省级审核 provincial reviewer", "official": "县级用户 county official (安阳市)"}[role]
        click.echo(f"已创建演示账户 / Demo account created — 用户名 user: {username}  密码 password: {password}  ({label})")
    if demo:
        click.echo("用 `screening users add` 添加正式账户 / add real accounts with `screening users add`")
    uvicorn.run(app, host=host, port=port, log_level="info")


@click.group("users")
def users():
    """Manage accounts: county officials, provincial reviewers, admins."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["official", "reviewer", "admin"]), required=True,
              help="official = 县级用户 (one region), reviewer = 省级审核, admin = 管理员")
@click.option("--city", help="The official's city (省辖市), e.g. 安阳市.")
@click.option("--county", help="The official's county (县/市/区), if bound to one county.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--password", help="Password (default: prompt; --generate for a random one).")
@click.option("--generate", is_flag=True, help="Generate a random password and print it.")
@db_option
def users_add(username, role, city, county, display_name, password, generate, database_url):
    """Add an account."""
    from .auth import Auth, UserError

    if generate:
        password = secrets.token_urlsafe(12)
    elif not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _database(database_url)
    try:
        with db.session() as s:
            user = Auth(_settings(database_url)).create_user(s, username, password, role, city, county, display_name)
            where = " ".join(x for x in (user.city, user.county) if x) or "all regions"
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {username} ({role}, {where})")
    if generate:
        click.echo(f"password: {password}")


@users.command("list")
@db_option
def users_list(database_url):
    """List accounts."""
    from sqlalchemy import select

    from .models import User

    db = _database(database_url)
    with db.session() as s:
        rows = list(s.scalars(select(User).order_by(User.id)))
    for u in rows:
        where = " ".join(x for x in (u.city, u.county) if x) or "全省"
        state = "active" if u.active else "disabled"
        click.echo(f"{u.username}\t{u.role}\t{where}\t{state}\t{u.display_name}")


@users.command("disable")
@click.argument("username")
@db_option
def users_disable(username, database_url):
    """Disable an account and end its sessions (its runs and disputes stay in the record)."""
    from sqlalchemy import select

    from .auth import Auth
    from .models import User

    db = _database(database_url)
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username}")
        user.active = False
        Auth.close_all_sessions(s, user)
    click.echo(f"disabled {username}")


@users.command("password")
@click.argument("username")
@click.option("--password", help="New password (default: prompt).")
@db_option
def users_password(username, password, database_url):
    """Set a new password (also unlocks the account)."""
    from sqlalchemy import select

    from .auth import Auth, UserError
    from .models import User

    password = password or click.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _database(database_url)
    try:
        with db.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                raise click.ClickException(f"no user {username}")
            Auth(_settings(database_url)).set_password(user, password)
            user.failed_logins, user.locked_until = 0, None
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password set for {username}")


@click.group("disputes")
def disputes():
    """Disputed findings."""


@disputes.command("export")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=Path("disputes"),
              show_default=True, help="Directory for disputes-<ruleset>.yaml files.")
@click.option("--ruleset", help="Only disputes of runs under this ruleset id.")
@click.option("--run", "run_id", type=int, help="Only disputes of this run.")
@db_option
def disputes_export(output, ruleset, run_id, database_url):
    """Write disputed findings as ruleset test cases (YAML), one file per ruleset."""
    from . import disputes as disputes_mod

    db = _database(database_url)
    with db.session() as s:
        written = disputes_mod.export(s, output, ruleset, run_id)
        count = sum(len(c) for c in disputes_mod.collect(s, ruleset, run_id).values())
    if not written:
        click.echo("no disputes to export", err=True)
        return
    for path in written:
        click.echo(str(path))
    click.echo(f"{count} dispute(s) exported", err=True)


__all__ = ["serve", "users", "disputes"]

if __name__ == "__main__":  # pragma: no cover - handy while the main CLI is being written
    cli = click.Group(commands=[serve, users, disputes])
    cli(prog_name="screening", args=sys.argv[1:])
