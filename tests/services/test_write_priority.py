"""Writes first: a snapshot build waits while writes are being answered, within a bound."""

from __future__ import annotations

import asyncio
import threading
from functools import partial

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from api.changes import broker_for
from api.changes.priority import WriteGauge, WriteGaugeMiddleware
from api.services import snapshot
from tests import factories


def test_only_writing_requests_are_counted_while_they_are_answered() -> None:
    gauge = WriteGauge()
    seen: dict[str, int] = {}

    async def app(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen[scope["method"]] = gauge.in_flight

    async def nothing() -> dict[str, object]:
        return {"type": "http.request"}

    async def ignore(_message: object) -> None:
        return None

    middleware = WriteGaugeMiddleware(app, gauge)
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        asyncio.run(middleware({"type": "http", "method": method}, nothing, ignore))
    assert seen == {"GET": 0, "HEAD": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 1}
    assert gauge.in_flight == 0  # each counted only while it was answered


def test_a_write_that_fails_is_no_longer_counted() -> None:
    gauge = WriteGauge()

    async def broken(_scope: Scope, _receive: Receive, _send: Send) -> None:
        raise RuntimeError("boom")

    async def nothing() -> dict[str, object]:
        return {"type": "http.request"}

    async def ignore(_message: object) -> None:
        return None

    middleware = WriteGaugeMiddleware(broken, gauge)
    with pytest.raises(RuntimeError):
        asyncio.run(middleware({"type": "http", "method": "PATCH"}, nothing, ignore))
    assert gauge.in_flight == 0
    assert gauge.wait_for_quiet(5) < 1  # nobody waits on a write that is over


def test_a_build_waits_for_the_write_in_flight_then_goes(db: Session, engine: Engine) -> None:
    agency = factories.agency(db)
    factories.offer(db, factories.staff(db, agency, "cde"), title="Boulanger")
    screen = factories.screen(db, agency)
    gauge = WriteGauge()
    cache = snapshot.SnapshotCache(
        broker_for(engine), before_build=partial(gauge.wait_for_quiet, 30)
    )
    built: list[bytes] = []

    def build() -> None:
        with Session(engine) as own:
            entry = cache.get(own, screen, "https://couloir.test")
            assert entry is not None
            built.append(entry.body)

    gauge.enter()  # a colleague's save is being answered
    builder = threading.Thread(target=build)
    builder.start()
    builder.join(0.5)
    assert builder.is_alive() and not built  # the screen's build waits for it
    gauge.leave()
    builder.join(10)
    assert not builder.is_alive() and b"Boulanger" in built[0]


def test_a_build_waits_no_longer_than_its_bound_under_endless_writes() -> None:
    gauge = WriteGauge()
    gauge.enter()  # writes never stop
    waited = gauge.wait_for_quiet(0.3)
    assert 0.3 <= waited < 5
