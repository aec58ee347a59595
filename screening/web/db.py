"""Engine, sessions and migrations. One `Database` per app (tests make their own)."""
from __future__ import annotations

import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from .models import AppSetting

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// (as hosting services write them) → the psycopg 3 driver the
    project installs; SQLAlchemy would otherwise look for psycopg2."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        if not memory:
            path = Path(url.split("///", 1)[1])
            path.parent.mkdir(parents=True, exist_ok=True)
        # The worker thread and the request threads share the file: allow that, and let
        # a writer wait for the lock instead of failing at once.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if memory else None)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the worker
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str, connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (run at every start; a no-op when current)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(engine.url.render_as_string(hide_password=False), conn), "head")


class Database:
    def __init__(self, url: str):
        self.url = normalise_url(url)
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[OrmSession]:
        """A unit of work: committed when the block ends, rolled back when it raises."""
        s = self.sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def secret_key(self, configured: str | None = None) -> str:
        """The key that signs CSRF tokens: configured, else generated once and stored."""
        if configured:
            return configured
        with self.session() as s:
            row = s.get(AppSetting, "secret_key")
            if row is None:
                row = AppSetting(key="secret_key", value=secrets.token_hex(32))
                s.add(row)
            return row.value

    def dispose(self) -> None:
        self.engine.dispose()


__all__ = ["Database", "migrate", "alembic_config", "normalise_url"]
