"""Tables of the web workspace (SQLAlchemy 2). The Alembic migrations create the same schema.

The audit trail is insert-only: an upload, a run, its result, its projects, its files and a
dispute are written once and never changed. `before_update` guards below refuse an UPDATE
from the ORM and the migration adds database triggers that refuse it from anywhere else.
Only `run_status` (queued → running → done/failed, with progress) and the account tables
change in place; they are bookkeeping, not evidence.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String,
                        Text, TypeDecorator, UniqueConstraint, event)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("official", "reviewer", "admin")
ROLE_LABELS = {"official": "县级用户", "reviewer": "省级审核", "admin": "管理员"}
RUN_STATES = ("queued", "running", "done", "failed")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp that always comes back timezone-aware (UTC). SQLite stores no zone and
    would hand back naive values, which the API would then print without an offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class AppSetting(Base):
    """Values the server generates once and keeps (the session signing key)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16))  # official | reviewer | admin
    # An official is bound to one city (county None) or one county of a city.
    city: Mapped[str | None] = mapped_column(String(64), nullable=True)
    county: Mapped[str | None] = mapped_column(String(64), nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    @property
    def region(self) -> str | None:
        """The name the official's region goes by: the county when bound to one, else the city."""
        return self.county or self.city

    @property
    def all_regions(self) -> bool:
        return self.role in ("reviewer", "admin")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class Session(Base):
    """A signed-in browser (kind cookie) or an API token (kind api). Only the hash is kept."""

    __tablename__ = "sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="cookie")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
    user: Mapped[User] = relationship(lazy="joined")


class Upload(Base):
    """An uploaded file's bytes, addressed by their SHA-256 (a repeated run shares them)."""

    __tablename__ = "uploads"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Run(Base):
    """What was asked: this file, by this person, under this ruleset, as of this date."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    uploader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The uploader's binding at upload time: it decides who may see the run later, even if
    # the account is moved to another region afterwards. Both None: a provincial upload.
    region_city: Mapped[str | None] = mapped_column(String(64), nullable=True)
    region_county: Mapped[str | None] = mapped_column(String(64), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(ForeignKey("uploads.sha256"))
    ruleset_id: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column(Date)
    repeat_of: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), nullable=True)

    uploader: Mapped[User] = relationship(lazy="joined")
    status: Mapped["RunStatus"] = relationship(lazy="joined", uselist=False, viewonly=True)
    result: Mapped["RunResult | None"] = relationship(lazy="select", uselist=False, viewonly=True)

    @property
    def region(self) -> str | None:
        return self.region_county or self.region_city


class RunStatus(Base):
    """Where a run's screening is: the one mutable table of a run (progress is not evidence)."""

    __tablename__ = "run_status"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class RunResult(Base):
    """What came out: the ruleset as it was applied and the full JSON document (SPEC §4)."""

    __tablename__ = "run_results"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    ruleset_id: Mapped[str] = mapped_column(String(64))
    ruleset_version: Mapped[str] = mapped_column(String(64))
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    ruleset_title: Mapped[str] = mapped_column(String(255), default="")
    sheet: Mapped[str | None] = mapped_column(String(255), nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column()
    document: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RunProject(Base):
    """One project of a run, with the columns the run page filters on and its full entry."""

    __tablename__ = "run_projects"
    __table_args__ = (UniqueConstraint("run_id", "pos"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    pos: Mapped[int] = mapped_column(Integer)  # 1-based, input order
    key: Mapped[str] = mapped_column(String(128))
    project_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    city: Mapped[str | None] = mapped_column(String(64), nullable=True)
    county: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stage: Mapped[str | None] = mapped_column(String(16), nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(16), nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    two_high: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # False when the project lies outside the uploader's region: flagged, and withheld from
    # county officials (they see only their region); reviewers see it with the flag.
    in_region: Mapped[bool] = mapped_column(Boolean, default=True)
    entry: Mapped[dict[str, Any]] = mapped_column()  # the SPEC §4 project entry
    facts: Mapped[dict[str, Any]] = mapped_column()  # values, cells, raw, region, undetermined…


class RunArtifact(Base):
    """A download produced at screening time, so it never depends on today's ruleset.

    scope "all" holds every project; scope "region" leaves out those outside the run's
    region and is what a county official downloads.
    """

    __tablename__ = "run_artifacts"
    __table_args__ = (UniqueConstraint("run_id", "kind", "scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # xlsx | html
    scope: Mapped[str] = mapped_column(String(8))  # all | region
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Dispute(Base):
    """A reviewer's objection to one finding. Insert-only; settling happens in the ruleset tests."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    project_pos: Mapped[int] = mapped_column(Integer)
    project_key: Mapped[str] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewer: Mapped[User] = relationship(lazy="joined")


class Event(Base):
    """Who did what when: sign-ins (and failures), uploads, repeats, disputes, downloads."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


#: Tables that are evidence: never updated (the migration adds matching database triggers).
IMMUTABLE = (Upload, Run, RunResult, RunProject, RunArtifact, Dispute, Event)


class ImmutableRecordError(RuntimeError):
    pass


def _refuse_update(mapper, connection, target):  # noqa: ARG001 - SQLAlchemy's signature
    raise ImmutableRecordError(f"{type(target).__tablename__} rows are never edited")


for _cls in IMMUTABLE:
    event.listen(_cls, "before_update", _refuse_update)
    event.listen(_cls, "before_delete", _refuse_update)
