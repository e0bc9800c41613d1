"""Databases stopped at an older migration, with rows written as that schema had them, for the
tests that check what a migration does to existing data (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.db import make_engine
from api.migrate import upgrade
from tests.support.databases import create_database, drop_database

AGENCY_CODES = ("avignon", "carpentras")


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of this run's engine, dropped after the test."""
    url = create_database(tmp_path)
    yield url
    drop_database(url)


def two_agencies_at(url: str, revision: str) -> Engine:
    """The database at ``revision`` with the agencies ``AGENCY_CODES``, each with one CDE."""
    engine = make_engine(url)
    upgrade(engine, revision)
    with engine.begin() as db:
        for code in AGENCY_CODES:
            db.execute(
                text(
                    "INSERT INTO agency (code, name, timezone, opening_hours, urgency_thresholds,"
                    " created_at, revision) VALUES (:c, :c, 'Europe/Paris', '[]', '{}',"
                    " CURRENT_TIMESTAMP, 0)"
                ),
                {"c": code},
            )
            db.execute(
                text(
                    "INSERT INTO staff (agency_id, name, email, role, password_hash, active,"
                    " created_at, version) SELECT id, 'Claire', :e, 'cde', 'x', true,"
                    " CURRENT_TIMESTAMP, 1 FROM agency WHERE code = :c"
                ),
                {"c": code, "e": f"claire@{code}.test"},
            )
    return engine
