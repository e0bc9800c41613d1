"""Housekeeping in-process: a sweep deletes exactly the dead rows, once, whoever runs it.

(That ``couloir serve`` sweeps when it starts is seen on a real server, in
tests/api/test_pairings_and_housekeeping.py.)
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.clock import utcnow
from api.models import LoginFailure, PendingImport, ScreenPairing, StaffSession
from api.models.image import PendingPhoto
from api.security.throttle import WINDOW as LOGIN_FAILURE_WINDOW
from api.services import hires, housekeeping, offer_import
from tests import factories

EVERYTHING = housekeeping.Swept(
    pairings=2, login_failures=1, sessions=2, pending_photos=1, pending_imports=1
)


def _fill(engine: Engine) -> dict[str, set[str]]:
    """Rows on both sides of every boundary; return the names of those that must stay."""
    now = utcnow()
    second = timedelta(seconds=5)
    keep: dict[str, set[str]] = {
        "pairing": set(),
        "failure": set(),
        "session": set(),
        "photo": set(),
        "import": set(),
    }
    with Session(engine) as db:
        person = factories.staff(db, factories.agency(db), "cde")
        pairings = {
            "long expired": now - housekeeping.PAIRING_GRACE - timedelta(hours=1),
            "just past the grace": now - housekeeping.PAIRING_GRACE - second,
            "expired within the grace": now - housekeeping.PAIRING_GRACE + second,
            "live": now + timedelta(minutes=10),
        }
        for name, expires_at in pairings.items():
            db.add(ScreenPairing(code=name[:12], poll_secret_hash=name, expires_at=expires_at))
        keep["pairing"] = {"expired within the grace"[:12], "live"}
        failures = {
            "old": now - LOGIN_FAILURE_WINDOW - second,
            "recent": now - LOGIN_FAILURE_WINDOW + second,
        }
        for name, at in failures.items():
            db.add(LoginFailure(email=name, at=at))
        keep["failure"] = {"recent"}
        grace = housekeeping.SESSION_GRACE
        sessions = {
            "expired long ago": (now - grace - second, False, now - timedelta(days=20)),
            "expired yesterday": (now - grace + second, False, now - timedelta(days=14)),
            "revoked long ago": (now + timedelta(days=5), True, now - grace - second),
            "revoked today": (now + timedelta(days=13), True, now - grace + second),
            "live": (now + timedelta(days=13), False, now - timedelta(days=20)),
        }
        for name, (expires_at, revoked, created_at) in sessions.items():
            db.add(
                StaffSession(
                    token_hash=name,
                    staff_id=person.id,  # type: ignore[arg-type]
                    expires_at=expires_at,
                    revoked=revoked,
                    created_at=created_at,
                )
            )
        keep["session"] = {"expired yesterday", "revoked today", "live"}
        photos = {
            "past its life": now - hires.PENDING_PHOTO_LIFE - second,
            "still kept": now - hires.PENDING_PHOTO_LIFE + second,
        }
        for name, created_at in photos.items():
            db.add(
                PendingPhoto(
                    key=name,
                    staff_id=person.id,  # type: ignore[arg-type]
                    data=b"jpeg",
                    media_type="image/jpeg",
                    size=4,
                    sha256="0" * 64,
                    created_at=created_at,
                )
            )
        keep["photo"] = {"still kept"}
        imports = {
            "past its life": now - offer_import.PENDING_LIFE - second,
            "still kept": now - offer_import.PENDING_LIFE + second,
        }
        for name, created_at in imports.items():
            db.add(
                PendingImport(
                    key=name,
                    staff_id=person.id,  # type: ignore[arg-type]
                    data=b"Employeur;Intitul\xc3\xa9",
                    created_at=created_at,
                )
            )
        keep["import"] = {"still kept"}
        db.commit()
    return keep


def _left(engine: Engine) -> dict[str, set[str]]:
    with Session(engine) as db:
        return {
            "pairing": set(db.exec(select(ScreenPairing.code)).all()),
            "failure": set(db.exec(select(LoginFailure.email)).all()),
            "session": set(db.exec(select(StaffSession.token_hash)).all()),
            "photo": set(db.exec(select(PendingPhoto.key)).all()),
            "import": set(db.exec(select(PendingImport.key)).all()),
        }


def test_housekeeping_deletes_exactly_the_dead_rows(engine: Engine) -> None:
    keep = _fill(engine)
    assert housekeeping.sweep(engine) == EVERYTHING
    assert _left(engine) == keep
    assert housekeeping.sweep(engine) == housekeeping.Swept()


def test_two_processes_sweeping_at_once_delete_each_row_once(engine: Engine) -> None:
    keep = _fill(engine)
    start = threading.Barrier(2)

    def sweep(_: int) -> housekeeping.Swept:
        start.wait(timeout=10)
        return housekeeping.sweep(engine)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(sweep, range(2)))
    total = housekeeping.Swept(
        *(sum(getattr(r, f.name) for r in results) for f in dataclasses.fields(housekeeping.Swept))
    )
    assert total == EVERYTHING
    assert _left(engine) == keep
