"""Database engine and sessions. SQLite gets WAL and foreign keys; PostgreSQL is used as is."""

from __future__ import annotations

import asyncio
import errno
import os
from contextlib import suppress
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from api.settings import Settings

_engines: dict[str, Engine] = {}

# A request holds its connection until its response is sent, and FastAPI runs sync routes and
# dependencies on a pool of 40 threads. With fewer connections than requests in flight, threads
# wait for a connection while the requests that hold one wait for a thread to finish: the server
# stalls for the whole pool timeout (30 s) under a few dozen concurrent screens. So SQLite
# connections (file handles) are never rationed; on PostgreSQL, requests hold at most the
# connections the pool keeps open (``session_permits``), and the overflow serves the snapshot
# builders and background work. More concurrent requests would not answer sooner: a burst
# beyond them waits in the event loop, and opening a PostgreSQL connection per request of a
# burst (a new server process each, then its catalogue caches) cost more than the requests.
POOL_SIZE = 20
POSTGRES_MAX_OVERFLOW = 10


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_private_file(path: Path) -> None:
    """Create an empty database file readable by its owner only.

    SQLite would create it 0644, and gives its -wal and -shm files the mode of the main file:
    an empty file made here first keeps all three private.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# A request that cannot get a connection within this answers 503 rather than waiting on.
POOL_TIMEOUT_S = 10
# A PostgreSQL host gone from the network answers nothing: give up opening a connection after
# this (else the operating system's TCP timeout, minutes) and answer 503.
CONNECT_TIMEOUT_S = 5


def session_permits(settings: Settings) -> asyncio.Semaphore | None:
    """How many requests may hold a session at once: as many as the pool keeps connections
    open (None for SQLite, whose pool has no limit). See ``api.deps.get_db``."""
    if settings.resolved_database_url.startswith("sqlite"):
        return None
    return asyncio.Semaphore(settings.db_pool_size)


def make_engine(
    url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = POSTGRES_MAX_OVERFLOW
) -> Engine:
    """Create an engine for ``url`` with the pragmas Couloir relies on."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            _create_private_file(Path(path))
        engine = create_engine(
            url, connect_args={"check_same_thread": False}, pool_size=pool_size, max_overflow=-1
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )


_WRITES = ("INSERT", "UPDATE", "DELETE")


def _refuse_writes(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
    if statement.lstrip()[:6].upper() in _WRITES:
        raise RuntimeError("a reading session must not write: each statement would commit alone")


def reading_engine(engine: Engine) -> Engine:
    """``engine`` for sessions that only read (snapshot builds, screen tokens): on PostgreSQL,
    outside any transaction block.

    Under READ COMMITTED each statement reads what was committed when it starts, in a
    transaction or not, so a reading session loses nothing without one; and PostgreSQL spends
    about half as much on each statement outside a transaction block, with no BEGIN and
    ROLLBACK to send (``bench/unit_costs.py``: 5.0–5.5 → 1.4–2.3 ms of its CPU per agency
    build). The connections are the pool's: the mode is set when one is lent and undone when
    it comes back. A statement that would write is refused, since it would commit alone.
    """
    if engine.dialect.name == "postgresql":
        reading = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        reading = engine.execution_options()  # SQLite's driver begins nothing before a read
    event.listen(reading, "before_cursor_execute", _refuse_writes)
    return reading


def get_engine(settings: Settings) -> Engine:
    """The process-wide engine for these settings (one per URL)."""
    url = settings.resolved_database_url
    if url not in _engines:
        _engines[url] = make_engine(
            url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
        )
    return _engines[url]


_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
POSTGRES_DISK_FULL = "53100"


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says a write failed for lack of space.

    SQLite says « database or disk is full », PostgreSQL raises DiskFull (SQLSTATE 53100), a
    file write raises OSError ENOSPC (or EDQUOT, over quota).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _DISK_FULL_ERRNOS:
            return True
        if getattr(current, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        if type(current).__module__ == "sqlite3" and "disk is full" in str(current):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


# PostgreSQL refusing connections (too many clients, shutting down, starting up) or a
# connection broken on the way: "try again in a moment", not an internal error.
_UNAVAILABLE_SQLSTATES = {"53300", "57P01", "57P02", "57P03"}


def is_unavailable(exc: BaseException) -> bool:
    """True when the database could not be reached or refused a connection for now."""
    if isinstance(exc, PoolTimeout):
        return True
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None) or ""
    if state in _UNAVAILABLE_SQLSTATES or state.startswith("08"):
        return True
    # psycopg reports a refused or timed-out connection without an SQLSTATE, by these messages.
    return type(orig).__module__.startswith("psycopg") and str(orig).startswith(
        ("connection failed", "connection timeout expired")
    )


def serialize_on(db: Session, key: int) -> None:
    """Start a fresh transaction that runs one at a time with every other one naming ``key``.

    PostgreSQL: a transaction-scoped advisory lock on ``key``, across processes and hosts.
    SQLite: the caller's first write takes the file's single writer lock until commit or
    rollback; starting afresh means no older read snapshot has to be upgraded to it.
    """
    db.commit()
    if db.get_bind().dialect.name == "postgresql":
        db.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
