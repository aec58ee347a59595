"""The audit trail is insert-only, and the Alembic migrations build exactly the models' schema."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from screening.web.db import Database, alembic_config
from screening.web.models import Base, ImmutableRecordError, Run, RunProject, RunResult, Upload

from .conftest import run_id_of, signed_in, upload


@pytest.fixture()
def done_run(env, sample_csv):
    """A finished run with a dispute, so every evidence table has rows for the triggers to guard."""
    client = signed_in(env, "reviewer")
    run_id = run_id_of(upload(client, sample_csv))
    env.wait(run_id)
    token = client.get("/api/v1/me").json()["csrf_token"]
    r = client.post(f"/api/v1/runs/{run_id}/projects/1/disputes", json={"rule": "ADM-4.2a", "comment": "x"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 201
    return run_id


@pytest.mark.parametrize("model", [Run, RunResult, Upload])
def test_the_orm_refuses_to_edit_or_delete_evidence(env, done_run, model):
    with env.ctx.db.sessions() as s:
        row = s.scalars(select(model)).first()
        if model is Run:
            row.as_of = row.as_of.replace(year=2000)
        elif model is RunResult:
            row.ruleset_version = "forged"
        else:
            row.size = 1
        with pytest.raises(ImmutableRecordError):
            s.flush()
        s.rollback()
        row = s.scalars(select(model)).first()
        s.delete(row)
        with pytest.raises(ImmutableRecordError):
            s.flush()


@pytest.mark.parametrize("statement", [
    "UPDATE runs SET as_of = '2000-01-01'",
    "UPDATE run_results SET document = '{}'",
    "UPDATE run_projects SET verdict = 'proceed'",
    "UPDATE uploads SET size = 1",
    "UPDATE disputes SET comment = 'x'",
    "DELETE FROM runs",
    "DELETE FROM run_projects",
    "DELETE FROM events",
])
def test_the_database_refuses_to_edit_evidence_too(env, done_run, statement):
    with pytest.raises(sa.exc.DatabaseError, match="never edited"):
        with env.ctx.db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    with env.ctx.db.session() as s:
        assert s.scalar(select(RunProject).where(RunProject.pos == 1)).verdict == "halt"


def test_migrations_match_the_models_and_run_both_ways(tmp_path):
    from alembic import command

    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    db.migrate()
    db.migrate()  # a no-op when current
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(db.url, conn), "base")
    with db.engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) == {"alembic_version"}
    db.migrate()
    with db.engine.connect() as conn:
        assert "runs" in sa.inspect(conn).get_table_names()


def test_postgres_urls_use_the_installed_driver():
    from screening.web.db import normalise_url

    assert normalise_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///var/screening.db") == "sqlite:///var/screening.db"
