"""Alembic, driven from code: upgrade to head, and read the current and head revisions."""

from __future__ import annotations

import functools
from contextlib import suppress
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The PostgreSQL advisory lock migrations hold ("Couloir" in ASCII): one migrator at a time.
MIGRATION_LOCK_KEY = int.from_bytes(b"Couloir")


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head", *, data_dir: Path | None = None) -> None:
    """Bring the database schema to ``revision``.

    ``data_dir`` (COULOIR_DATA_DIR) is where photos and screenshots were kept before they moved
    into the database (migration 0005). The files moved in are deleted once the upgrade has
    committed: a failed upgrade leaves them all where they were.
    """
    config = alembic_config(engine)
    config.attributes["data_dir"] = data_dir
    moved: list[Path] = []  # files, then the folders they were in
    config.attributes["moved_files"] = moved
    command.upgrade(config, revision)
    _remove_moved(moved)


def _remove_moved(paths: list[Path]) -> None:
    """Delete files now held by the database, then the folders listed if nothing is left."""
    for path in paths:
        if not path.is_dir():
            path.unlink(missing_ok=True)
    for path in paths:
        if path.is_dir():
            with suppress(OSError):  # not empty: what is left there was never referenced
                path.rmdir()


# Read once: the shipped scripts do not change while the process runs, and reading them cost
# 6.6 ms of CPU, three times all the rest of a /healthz.
@functools.cache
def head_revision() -> str:
    """The newest migration shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
