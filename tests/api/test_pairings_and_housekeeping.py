"""Tables anyone can grow stay bounded: pairing requests are throttled, dead rows are swept.

The throttle is seen over HTTP on a real server (429, Retry-After, French reason); the bounds
and the sweep are checked in-process against real SQLite and PostgreSQL databases.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.clock import utcnow
from api.db import make_engine
from api.errors import NotFound, Throttled
from api.migrate import upgrade
from api.models import Agency, LoginFailure, ScreenPairing, Staff, StaffSession
from api.security.throttle import WINDOW as LOGIN_FAILURE_WINDOW
from api.services import housekeeping, screens
from tests.support.databases import create_database, drop_database
from tests.support.server import LiveServer


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated database (SQLite file or a new PostgreSQL database)."""
    url = create_database(tmp_path)
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    drop_database(url)


def pairing_rows(engine: Engine) -> int:
    with Session(engine) as db:
        return db.exec(select(func.count()).select_from(ScreenPairing)).one()


def test_a_loop_of_pairing_requests_is_refused_and_the_table_stays_small(
    module_server: LiveServer,
) -> None:
    engine = make_engine(module_server.database_url)
    before = pairing_rows(engine)
    statuses: Counter[int] = Counter()
    # The server trusts the loopback proxy's X-Forwarded-For: each test is its own address.
    headers = {"X-Forwarded-For": "203.0.113.10"}
    with httpx.Client(base_url=module_server.url, headers=headers, timeout=10) as anonymous:
        for _ in range(300):
            response = anonymous.post("/api/v1/display/pairings")
            statuses[response.status_code] += 1
            if response.status_code == 429:
                refused = response
    assert statuses == {201: screens.PAIRINGS_PER_CLIENT, 429: 300 - screens.PAIRINGS_PER_CLIENT}
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert "Trop de demandes d'appairage" in refused.json()["detail"]
    try:
        assert pairing_rows(engine) == before + screens.PAIRINGS_PER_CLIENT
    finally:
        engine.dispose()


def test_concurrent_pairing_requests_cannot_pass_the_bound(module_server: LiveServer) -> None:
    def ask(_: int) -> int:
        return httpx.post(
            f"{module_server.url}/api/v1/display/pairings",
            headers={"X-Forwarded-For": "203.0.113.20"},
            timeout=20,
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = Counter(pool.map(ask, range(20)))
    assert statuses == {201: screens.PAIRINGS_PER_CLIENT, 429: 20 - screens.PAIRINGS_PER_CLIENT}


def test_waiting_codes_are_capped_whatever_the_number_of_addresses(engine: Engine) -> None:
    accepted, refused = 0, []
    with Session(engine, expire_on_commit=False) as db:
        for n in range(screens.MAX_PENDING_PAIRINGS + 100):
            try:
                screens.start_pairing(db, f"10.0.{n // 250}.{n % 250}")
                accepted += 1
            except Throttled as exc:
                refused.append(exc)
    assert accepted == screens.MAX_PENDING_PAIRINGS
    assert len(refused) == 100
    assert "Trop d'écrans attendent" in refused[0].message
    assert 1 <= refused[0].retry_after <= screens.PAIRING_MINUTES * 60 + 1
    assert pairing_rows(engine) == screens.MAX_PENDING_PAIRINGS


def test_an_expired_pairing_answers_404_on_poll(engine: Engine) -> None:
    with Session(engine, expire_on_commit=False) as db:
        pairing, secret = screens.start_pairing(db, "192.0.2.1")
        assert screens.poll_pairing(db, secret)["status"] == "pending"
        pairing.expires_at = utcnow() - timedelta(seconds=1)
        db.add(pairing)
        db.commit()
        with pytest.raises(NotFound, match="expiré"):
            screens.poll_pairing(db, secret)


def _person(db: Session) -> Staff:
    agency = Agency(code="menage", name="Agence du ménage")
    db.add(agency)
    db.flush()
    person = Staff(
        agency_id=agency.id, name="Lou", email="lou@example.fr", role="cde", password_hash="x"
    )
    db.add(person)
    db.flush()
    return person


def _fill(engine: Engine) -> dict[str, set[str]]:
    """Rows on both sides of every boundary; return the names of those that must stay."""
    now = utcnow()
    second = timedelta(seconds=5)
    keep: dict[str, set[str]] = {"pairing": set(), "failure": set(), "session": set()}
    with Session(engine) as db:
        person = _person(db)
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
                    staff_id=person.id,
                    expires_at=expires_at,
                    revoked=revoked,
                    created_at=created_at,
                )
            )
        keep["session"] = {"expired yesterday", "revoked today", "live"}
        db.commit()
    return keep


def _left(engine: Engine) -> dict[str, set[str]]:
    with Session(engine) as db:
        return {
            "pairing": set(db.exec(select(ScreenPairing.code)).all()),
            "failure": set(db.exec(select(LoginFailure.email)).all()),
            "session": set(db.exec(select(StaffSession.token_hash)).all()),
        }


def test_housekeeping_deletes_exactly_the_dead_rows(engine: Engine) -> None:
    keep = _fill(engine)
    swept = housekeeping.sweep(engine)
    assert swept == housekeeping.Swept(pairings=2, login_failures=1, sessions=2)
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
        *(sum(getattr(r, f) for r in results) for f in ("pairings", "login_failures", "sessions"))
    )
    assert total == housekeeping.Swept(pairings=2, login_failures=1, sessions=2)
    assert _left(engine) == keep


def test_couloir_serve_sweeps_when_it_starts(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, seed=False)
    try:
        engine = make_engine(server.database_url)
        try:
            upgrade(engine)
            with Session(engine) as db:
                expired = utcnow() - housekeeping.PAIRING_GRACE - timedelta(minutes=1)
                db.add(ScreenPairing(code="OLD", poll_secret_hash="old", expires_at=expired))
                db.add(LoginFailure(email="x@example.fr", at=utcnow() - timedelta(days=2)))
                db.commit()
            server.start()
            assert _left(engine)["pairing"] == set()
            assert _left(engine)["failure"] == set()
        finally:
            engine.dispose()
    finally:
        server.close()
