"""Change notifications: committed writes bump an agency's revision and wake its screens' streams.

Hooked on SQLAlchemy sessions, so no service has to remember to publish. One process holds
the revisions in memory; screens of a multi-process deployment fall back on their ETag polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict

from sqlalchemy import event
from sqlalchemy.orm import Session

# Writes to these tables never change what a screen shows.
_SILENT_TABLES = {"staffsession", "loginfailure", "auditevent", "screenpairing"}
QUIET = "couloir_quiet"  # session.info flag: this commit must not wake screens (heartbeats)


class ChangeBroker:
    """Per-agency revision counters and the waiters to wake when one moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revisions: dict[int, int] = defaultdict(int)
        self._waiters: dict[int, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = (
            defaultdict(set)
        )

    def revision(self, agency_id: int) -> int:
        """The current revision of ``agency_id`` (0 at start)."""
        return self._revisions[agency_id]

    def publish(self, agency_id: int) -> None:
        """Bump the revision and wake every stream of this agency (any thread)."""
        with self._lock:
            self._revisions[agency_id] += 1
            waiters = list(self._waiters[agency_id])
        for loop, flag in waiters:
            loop.call_soon_threadsafe(flag.set)

    async def wait(self, agency_id: int, since: int, timeout: float) -> int:
        """Wait until the revision differs from ``since`` or ``timeout`` passes; return it."""
        flag = asyncio.Event()
        entry = (asyncio.get_running_loop(), flag)
        with self._lock:
            self._waiters[agency_id].add(entry)
        try:
            if self._revisions[agency_id] == since:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(flag.wait(), timeout)
            return self._revisions[agency_id]
        finally:
            with self._lock:
                self._waiters[agency_id].discard(entry)


broker = ChangeBroker()


def _touched_agencies(session: Session) -> set[int]:
    agencies: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", "") in _SILENT_TABLES:
            continue
        agency_id = getattr(obj, "agency_id", None)
        if agency_id is None and getattr(obj, "__tablename__", "") == "agency":
            agency_id = obj.id
        if agency_id is not None:
            agencies.add(agency_id)
    return agencies


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    if not session.info.get(QUIET):
        session.info.setdefault("couloir_touched", set()).update(_touched_agencies(session))


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    for agency_id in session.info.pop("couloir_touched", set()):
        broker.publish(agency_id)
    session.info.pop(QUIET, None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("couloir_touched", None)
