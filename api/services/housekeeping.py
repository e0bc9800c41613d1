"""Housekeeping: delete the rows nobody needs any more, so that no table grows without bound.

- pairings past their expiry (plus a grace for a paired screen to collect its token);
- login failures older than the throttle's window (they no longer count);
- staff sessions expired, or revoked, for longer than a grace period;
- photos kept from a refused hire form past their life (``hires.PENDING_PHOTO_LIFE``);
- CSV files checked on a phone and never confirmed (``offer_import.PENDING_LIFE``).

``sweep`` is a plain function run at ``couloir serve`` start and every ``INTERVAL_S`` by the
application's lifespan (``run_periodically``). Several processes may run it at once: deleting
what is already deleted does nothing, and on PostgreSQL an advisory lock lets one of them do it.

``sweep(engine)`` returns what it deleted, for instance
``Swept(pairings=3, login_failures=12, sessions=1, pending_photos=0, pending_imports=0)``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, and_, col, delete, or_

from api.clock import utcnow
from api.models import LoginFailure, PendingImport, ScreenPairing, StaffSession
from api.models.image import PendingPhoto
from api.security.throttle import WINDOW as LOGIN_FAILURE_WINDOW
from api.services.hires import PENDING_PHOTO_LIFE
from api.services.offer_import import PENDING_LIFE as PENDING_IMPORT_LIFE

log = logging.getLogger("couloir.housekeeping")

INTERVAL_S = 300.0
PAIRING_GRACE = timedelta(minutes=5)  # a paired screen polls every few seconds
SESSION_GRACE = timedelta(days=1)
SWEEP_LOCK_KEY = 0x636F756C_68736B70  # PostgreSQL advisory lock: one sweeper at a time


@dataclass(frozen=True)
class Swept:
    """How many rows one sweep deleted, per table."""

    pairings: int = 0
    login_failures: int = 0
    sessions: int = 0
    pending_photos: int = 0
    pending_imports: int = 0


def sweep(engine: Engine, now: datetime | None = None) -> Swept:
    """Delete expired pairings, old login failures, dead sessions and stale kept photos."""
    now = now or utcnow()
    with Session(engine) as db:
        if engine.dialect.name == "postgresql":
            locked = db.connection().execute(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK_KEY}
            )
            if not locked.scalar():
                return Swept()  # another process is sweeping right now
        pairings = db.exec(
            delete(ScreenPairing).where(col(ScreenPairing.expires_at) < now - PAIRING_GRACE)
        )
        failures = db.exec(
            delete(LoginFailure).where(col(LoginFailure.at) < now - LOGIN_FAILURE_WINDOW)
        )
        sessions = db.exec(
            delete(StaffSession).where(
                or_(
                    col(StaffSession.expires_at) < now - SESSION_GRACE,
                    and_(
                        col(StaffSession.revoked),
                        col(StaffSession.created_at) < now - SESSION_GRACE,
                    ),
                )
            )
        )
        # Also deleted whenever someone keeps a photo; this covers a quiet agency.
        photos = db.exec(
            delete(PendingPhoto).where(col(PendingPhoto.created_at) < now - PENDING_PHOTO_LIFE)
        )
        imports = db.exec(
            delete(PendingImport).where(col(PendingImport.created_at) < now - PENDING_IMPORT_LIFE)
        )
        db.commit()
    return Swept(
        pairings.rowcount,
        failures.rowcount,
        sessions.rowcount,
        photos.rowcount,
        imports.rowcount,
    )


async def run_periodically(engine: Engine, interval_s: float = INTERVAL_S) -> None:
    """Sweep every ``interval_s`` seconds, in a worker thread, until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            swept = await asyncio.to_thread(sweep, engine)
        except Exception:  # a failed sweep (database away, disk full) waits for the next one
            log.warning("housekeeping sweep failed", exc_info=True)
        else:
            if swept != Swept():
                log.info("housekeeping: %s", swept)
