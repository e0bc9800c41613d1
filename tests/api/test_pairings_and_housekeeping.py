"""Tables anyone can grow stay bounded: pairing requests are throttled, dead rows are swept.

The throttle is seen over HTTP on a real server (429, Retry-After, French reason), and so is
the sweep ``couloir serve`` runs when it starts; the bounds and the sweep themselves are checked
in-process in tests/services (test_screens.py, test_housekeeping.py).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.clock import utcnow
from api.db import make_engine
from api.migrate import upgrade
from api.models import LoginFailure, ScreenPairing, StaffSession
from api.services import housekeeping, screens
from tests.support.server import LiveServer


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


def _left(engine: Engine) -> dict[str, set[str]]:
    with Session(engine) as db:
        return {
            "pairing": set(db.exec(select(ScreenPairing.code)).all()),
            "failure": set(db.exec(select(LoginFailure.email)).all()),
            "session": set(db.exec(select(StaffSession.token_hash)).all()),
        }


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
