"""In-process service tests: a fresh, migrated database per test and a session on it.

No server and no demo: each test builds the rows it needs with ``tests.factories``. The schema
is migrated once per run into a template (``api.migrate.upgrade``, as ``couloir serve`` does);
each test gets a copy of it (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL when COULOIR_TEST_DATABASE_URL is set, as ``tests.support.databases`` does).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.db import make_engine
from api.migrate import upgrade
from tests.support.databases import create_database, drop_database


@cache
def _template_url() -> str:
    """An empty database at the newest migration, made once per test run."""
    folder = Path(tempfile.mkdtemp(prefix="couloir-services-template-"))
    url = create_database(folder)
    engine = make_engine(url)
    try:
        upgrade(engine)
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:  # everything in the main file, to copy it
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()  # a PostgreSQL template must have no connection when copied
    atexit.register(shutil.rmtree, folder, True)
    atexit.register(drop_database, url)
    return url


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh database of this test's own, at the newest migration."""
    url = create_database(tmp_path, template=_template_url())
    engine = make_engine(url, pool_size=2)
    yield engine
    engine.dispose()
    drop_database(url)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session as a request gets one (services commit; objects stay readable after)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
