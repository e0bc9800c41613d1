"""Schema migrations: an old database upgrades to head with its data, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import api.models  # noqa: F401 - registers the tables
from api.db import make_engine
from api.migrate import current_revision, head_revision, upgrade
from tests.support.databases import create_database, drop_database


@pytest.fixture
def database_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = create_database(tmp_path)
    yield url
    drop_database(url)


def test_upgrade_from_the_first_migration_keeps_the_data(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        assert "screenpairing" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agency (code, name, timezone, opening_hours, urgency_thresholds, created_at)"
                    " VALUES ('ancienne', 'Agence ancienne', 'Europe/Paris', '[]', '{}', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO screen (agency_id, name, rotation, playlist, schedule, created_at, version)"
                    " SELECT id, 'Écran du hall', 0, '[]', '[]', CURRENT_TIMESTAMP, 1 FROM agency"
                )
            )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT name FROM screen")).scalar_one() == "Écran du hall"
            )
            assert connection.execute(text("SELECT memory_mb FROM screen")).scalar_one() is None
            assert not compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()


def test_the_cli_upgrades_an_old_database(database_url: str, tmp_path: Path) -> None:
    """`couloir migrate` (run by `couloir serve` before serving) brings 0001 to head."""
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    engine.dispose()
    env = dict(os.environ, COULOIR_DATA_DIR=str(tmp_path), COULOIR_DATABASE_URL=database_url)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert head_revision() in done.stdout
