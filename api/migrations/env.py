"""Alembic environment: the engine comes from ``api.migrate`` (config.attributes)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import api.models  # noqa: F401 - registers every table on SQLModel.metadata
from api.migrate import MIGRATION_LOCK_KEY

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # Several server processes or hosts may start at once: the first one migrates, the
        # others wait here, then find the schema current. Held until this transaction ends.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
