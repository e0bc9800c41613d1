"""The PostgreSQL backend: one LISTEN connection per process hears every process and host.

The connection is dedicated (autocommit, opened straight to PostgreSQL: LISTEN needs a session
of its own, so a transaction-pooling PgBouncer cannot carry it). When it is lost, it is opened
again with backoff; once listening again, the current revision of every agency is read, and
those that moved during the gap wake their streams: nothing missed is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

import psycopg
from sqlalchemy.engine import URL

from api.changes.broker import ChangeBroker
from api.changes.revisions import CHANNEL, parse_payload

log = logging.getLogger("couloir.changes")

APPLICATION_NAME = "couloir-listener"
HEALTH_CHECK_S = 20.0  # a silent connection is probed this often, so a dead one is noticed
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 10.0
# TCP keepalives: a host that vanished without closing the connection is noticed in ~30 s.
_KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


def libpq_conninfo(url: URL) -> str:
    """A libpq connection string from the service's SQLAlchemy URL."""
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.conninfo.make_conninfo(
        plain, application_name=APPLICATION_NAME, connect_timeout=5, **_KEEPALIVES
    )


class PostgresBroker(ChangeBroker):
    """The in-process broker, plus a task that LISTENs for other processes' commits."""

    def __init__(self, url: URL) -> None:
        super().__init__()
        self._conninfo = libpq_conninfo(url)
        self._task: asyncio.Task[None] | None = None
        self._listening = False
        self.reconnections = 0

    @property
    def listening(self) -> bool:
        return self._listening

    async def start(self) -> None:
        """Start listening on the running loop (idempotent); returns once the first try ended."""
        if self._task is not None and not self._task.done():
            return
        first_attempt = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._listen_forever(first_attempt), name=APPLICATION_NAME)
        await first_attempt

    async def stop(self) -> None:
        """Close the listening connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._listening = False

    async def _listen_forever(self, first_attempt: asyncio.Future[None]) -> None:
        failures = 0
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    await self._catch_up(connection)
                    self._listening, failures = True, 0
                    _settle(first_attempt)
                    await self._hear(connection)
            except asyncio.CancelledError:
                raise
            except (psycopg.Error, OSError) as exc:
                failures += 1
                log.warning(
                    "change listener: connection lost or refused (%s); retrying (attempt %d)",
                    _describe(exc),
                    failures,
                )
            finally:
                self._listening = False
            _settle(first_attempt)
            self.reconnections += 1
            await asyncio.sleep(_backoff(failures))

    async def _catch_up(self, connection: psycopg.AsyncConnection) -> None:
        # After LISTEN: a commit from now on is heard; one from before is read here. The
        # database is believed even when it went back (restored from a backup).
        cursor = await connection.execute("SELECT id, revision FROM agency")
        for agency_id, revision in await cursor.fetchall():
            self.reset(agency_id, revision)

    async def _hear(self, connection: psycopg.AsyncConnection) -> None:
        while True:
            async for notification in connection.notifies(timeout=HEALTH_CHECK_S):
                parsed = parse_payload(notification.payload)
                if parsed is not None:
                    self.publish(*parsed)
            await connection.execute("SELECT 1")  # quiet for a while: is it still there?


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _backoff(failures: int) -> float:
    """Exponential, capped, with jitter so the processes of a fleet do not retry in step."""
    delay = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, failures - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def _describe(exc: BaseException) -> str:
    first_line = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first_line[0]}" if first_line else type(exc).__name__
