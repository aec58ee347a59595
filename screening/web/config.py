"""Settings of the web workspace, read from the environment once at start.

Everything has a default that works from a fresh clone (SQLite under ./var), so
`screening serve` needs no configuration; production sets DATABASE_URL and friends.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def default_database_url() -> str:
    # A relative SQLite file keeps a fresh clone self-contained; var/ is created on demand.
    return os.environ.get("DATABASE_URL") or "sqlite:///var/screening.db"


@dataclass
class Settings:
    database_url: str = field(default_factory=default_database_url)
    # Uploads above this are refused before the body is read to the end.
    max_upload_bytes: int = field(
        default_factory=lambda: int(float(os.environ.get("SCREENING_MAX_UPLOAD_MB", "20")) * 1024 * 1024))
    # Secure cookies need HTTPS; off by default so http://127.0.0.1 works, on behind TLS.
    secure_cookies: bool = field(default_factory=lambda: _flag("SCREENING_SECURE_COOKIES"))
    # None: a key is generated once and kept in the database, so sessions survive restarts.
    secret_key: str | None = field(default_factory=lambda: os.environ.get("SCREENING_SECRET_KEY"))
    session_hours: float = field(default_factory=lambda: float(os.environ.get("SCREENING_SESSION_HOURS", "12")))
    token_hours: float = field(default_factory=lambda: float(os.environ.get("SCREENING_TOKEN_HOURS", "24")))
    # Lockout: this many failures in a row lock the account for lock_minutes.
    max_failed_logins: int = field(default_factory=lambda: int(os.environ.get("SCREENING_MAX_FAILED_LOGINS", "5")))
    lock_minutes: float = field(default_factory=lambda: float(os.environ.get("SCREENING_LOCK_MINUTES", "15")))
    # One worker by default: screening is CPU-bound and the rules engine keeps global state.
    workers: int = field(default_factory=lambda: int(os.environ.get("SCREENING_WORKERS", "1")))
    # argon2 cost; tests lower it so a suite of logins stays fast.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    default_ruleset: str = "henan-2021"
    # Create the demo account when the user table is empty (serve turns it on).
    create_demo_account: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        tail = self.database_url.split("///", 1)[-1]
        if not tail or tail == ":memory:":
            return None
        return Path(tail)
