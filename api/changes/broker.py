"""What this process knows of each agency's revision, and the event streams waiting on it.

Revisions live in the database (``agency.revision``); a broker only remembers the highest one
it has heard of, from this process's commits or (PostgreSQL) from the LISTEN connection. Hearing
the same revision twice, or an older one late, wakes nobody.

    broker = broker_for(engine)
    revision = broker.revision(agency_id)
    revision = await broker.wait(agency_id, revision, timeout=15)
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import weakref
from collections import defaultdict

from sqlalchemy.engine import Engine


class ChangeBroker:
    """In-process broker: the backend for SQLite, and the base of the PostgreSQL one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revisions: dict[int, int] = defaultdict(int)
        self._waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = (
            defaultdict(set)
        )
        self._closing = False

    # -- what streams use --------------------------------------------------------------

    def revision(self, agency_id: int) -> int:
        """The highest revision of ``agency_id`` heard of (0 before any)."""
        return self._revisions.get(agency_id, 0)

    @property
    def closing(self) -> bool:
        """True once the server is shutting down: streams should end."""
        return self._closing

    @property
    def stream_count(self) -> int:
        """How many streams wait on this broker right now."""
        with self._lock:
            return sum(len(waiters) for waiters in self._waiters.values())

    async def wait(self, agency_id: int, since: int, timeout: float) -> int:
        """Wait until the revision moves past ``since``, the server closes, or ``timeout``."""
        flag = asyncio.Event()
        entry = (asyncio.get_running_loop(), flag)
        with self._lock:
            self._waiters[agency_id].add(entry)
        try:
            if self.revision(agency_id) == since and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(flag.wait(), timeout)
            return self.revision(agency_id)
        finally:
            with self._lock:
                waiters = self._waiters[agency_id]
                waiters.discard(entry)
                if not waiters:
                    del self._waiters[agency_id]

    # -- what tells it ------------------------------------------------------------------

    def publish(self, agency_id: int, revision: int) -> None:
        """``agency_id`` reached ``revision``: wake its streams if that is news (any thread)."""
        with self._lock:
            if revision <= self._revisions.get(agency_id, 0):
                return
            self._revisions[agency_id] = revision
            waiters = list(self._waiters.get(agency_id, ()))
        self._wake(waiters)

    def reset(self, agency_id: int, revision: int) -> None:
        """The database says ``agency_id`` is at ``revision``, lower or higher than heard
        (a database restored from a backup goes back): believe it, and wake its streams."""
        with self._lock:
            if revision == self._revisions.get(agency_id, 0):
                return
            self._revisions[agency_id] = revision
            waiters = list(self._waiters.get(agency_id, ()))
        self._wake(waiters)

    def close(self) -> None:
        """The server is stopping: wake every stream so that it ends."""
        self._closing = True
        with self._lock:
            waiters = [entry for entries in self._waiters.values() for entry in entries]
        self._wake(waiters)

    @staticmethod
    def _wake(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
        for loop, flag in waiters:
            with contextlib.suppress(RuntimeError):  # that stream's loop is already closed
                loop.call_soon_threadsafe(flag.set)

    # -- lifecycle (the PostgreSQL backend listens) ---------------------------------------

    async def start(self) -> None:
        """Begin hearing changes from other processes (nothing to do in-process)."""

    async def stop(self) -> None:
        """Stop hearing them."""

    @property
    def listening(self) -> bool | None:
        """Whether changes from other processes are heard now (None: not applicable)."""
        return None


_brokers: weakref.WeakKeyDictionary[Engine, ChangeBroker] = weakref.WeakKeyDictionary()
_brokers_lock = threading.Lock()


def broker_for(engine: Engine) -> ChangeBroker:
    """The broker of ``engine``'s database in this process (one per engine).

    One per database, not per process: tests run several databases side by side, and an
    agency id means a different agency in each.
    """
    with _brokers_lock:
        broker = _brokers.get(engine)
        if broker is None:
            if engine.dialect.name == "postgresql":
                from api.changes.listener import PostgresBroker

                broker = PostgresBroker(engine.url)
            else:
                broker = ChangeBroker()
            _brokers[engine] = broker
        return broker
