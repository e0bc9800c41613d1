"""Fresh databases for tests: a SQLite file, or a new PostgreSQL database per server.

Set COULOIR_TEST_DATABASE_URL (``postgresql+psycopg://user:pw@127.0.0.1:5432/db``) to run on
PostgreSQL; each test server then gets its own database, dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

POSTGRES_ENV = "COULOIR_TEST_DATABASE_URL"


def engine_name() -> str:
    """``postgresql`` or ``sqlite``: what this test run exercises."""
    return "postgresql" if os.environ.get(POSTGRES_ENV) else "sqlite"


def _admin_engine(url: str):  # type: ignore[no-untyped-def]
    admin_url = make_url(url).set(database="postgres")
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


def create_database(data_dir: Path, *, template: str | None = None, base: str | None = None) -> str:
    """A URL to a database for one test server: empty, or a copy of the ``template`` one.

    On the PostgreSQL server of ``base`` (default: COULOIR_TEST_DATABASE_URL), else SQLite.
    """
    base = base or os.environ.get(POSTGRES_ENV)
    if not base:
        path = data_dir / "couloir.db"
        if template:
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
            path.chmod(0o600)
        return f"sqlite:///{path}"
    name = f"couloir_t_{secrets.token_hex(6)}"
    copy_of = f' TEMPLATE "{make_url(template).database}"' if template else ""
    engine = _admin_engine(base)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    engine.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Remove a database made by ``create_database`` (SQLite files go with their folder)."""
    if not url.startswith("postgresql"):
        return
    name = make_url(url).database
    engine = _admin_engine(url)
    try:
        for attempt in range(5):
            try:
                with engine.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except DBAPIError:
                # A server process may still be leaving; a leftover test database harms nothing.
                time.sleep(0.2 * (attempt + 1))
    finally:
        engine.dispose()
