"""PostgreSQL restarted under load, on purpose (issue 17, point 2).

A private PostgreSQL (tests/support/postgres_cluster.py: the shared test server keeps running
for everyone else) is stopped for 5 s (``pg_ctl stop -m fast``, as an update's restart does)
while a colleague keeps writing through the API and the staff form and 20 screens follow their
event stream (the real display ``Feed``). During the outage: every write is answered 503 in
French with ``Retry-After``, never a 500, never slower than the request timeout; ``/healthz``
says 503. After it: the service recovers by itself (its pooled connections were all broken and
are replaced), ``/healthz`` says 200 again, and every screen ends up with the latest data.
The 30 s and 2 min outages with 200 screens are in ``bench/faults.py --only postgres-restart``.

A service started while PostgreSQL is down exits at once with one French line and a non-zero
status, for systemd to start it again (``Restart=on-failure``, no start limit).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from api import cli, db
from api.main import UNAVAILABLE_MESSAGE
from display.feed import Feed
from tests.faults.test_kill9 import demo_server, staff_browser
from tests.support.postgres_cluster import PostgresCluster, unavailable_reason
from tests.support.server import ROOT, LiveServer

SCREENS = 20
OUTAGE_S = 5.0
REQUEST_TIMEOUT_S = 10.0  # the clients' timeout, and the service's pool timeout
RECOVERY_BOUND_S = 20.0  # a bound for a loaded machine, not a wait
OFFER = {"title": "Soudeur", "contract": "CDI", "commune": "Avignon"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server of this module's own, which its tests stop and start."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with PostgresCluster() as made:
        yield made


@pytest.fixture
def server(cluster: PostgresCluster, tmp_path: Path) -> Iterator[LiveServer]:
    """The demo service on the private PostgreSQL, started."""
    live = demo_server("postgresql", tmp_path / "data", cluster.url())
    live.start()
    try:
        yield live
    finally:
        if not cluster.running:
            cluster.start()
        live.close()


def _employers(feed: Feed) -> set[str]:
    return {o.employer for o in feed.snapshot.offers} if feed.snapshot else set()


def _until(condition, bound: float = RECOVERY_BOUND_S) -> float:  # type: ignore[no-untyped-def]
    """Poll ``condition`` until true; return the seconds it took (AssertionError past ``bound``)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < bound, f"not within {bound} s"
        time.sleep(0.05)  # polling other processes, not hiding a race
    return time.monotonic() - started


def assert_unavailable(answer: httpx.Response, took: float) -> None:
    """A 503 in French with Retry-After, answered within the request timeout."""
    assert answer.status_code == 503, (answer.status_code, answer.text[:300])
    assert int(answer.headers["Retry-After"]) > 0
    assert took < REQUEST_TIMEOUT_S
    if answer.headers["content-type"].startswith("application/json"):
        assert answer.json()["detail"] == UNAVAILABLE_MESSAGE
    else:
        assert "momentanément indisponible" in answer.text


@dataclass(frozen=True)
class OutageFigures:
    """What one outage under load measured (bench/faults.py prints them)."""

    refused: int  # writes answered 503 during the outage (API and form)
    slowest_s: float  # the slowest of those answers
    health_during: frozenset[int]
    back_s: float  # from PostgreSQL accepting connections to the first saved write
    streamed_s: float  # from that write to every screen showing it


def outage_under_load(
    cluster: PostgresCluster,
    server: LiveServer,
    outage_s: float,
    screens: int,
    *,
    backoff: tuple[float, float] = (0.2, 1.0),
    bound: float = RECOVERY_BOUND_S,
) -> OutageFigures:
    """Stop PostgreSQL for ``outage_s`` while a colleague writes and ``screens`` screens follow
    their stream; check every answer on the way, then the recovery; return the figures.

    ``backoff`` is the screens' reconnection delay (first, longest): short in CI, the screen's
    own (1 s, 30 s) in the bench.
    """
    feeds = [
        Feed(
            server.url,
            server.screen_token,
            None,
            backoff_base_s=backoff[0],
            backoff_max_s=backoff[1],
        )
        for _ in range(screens)
    ]
    with contextlib.ExitStack() as stack:
        for feed in feeds:
            feed.start()
            stack.callback(feed.stop)
        api = stack.enter_context(server.client("cde"))
        browser = stack.enter_context(staff_browser(server))
        token = browser.csrf
        _until(lambda: all(f.mode == "live" and f.snapshot for f in feeds), bound)
        assert api.post("/api/v1/offers", json={**OFFER, "employer": "Avant"}).status_code == 201

        log_start = server.log_path.stat().st_size
        cluster.stop()
        stopped, answers, slowest, health = time.monotonic(), 0, 0.0, set()
        while time.monotonic() - stopped < outage_s:
            began = time.monotonic()
            answer = api.post("/api/v1/offers", json={**OFFER, "employer": f"Pendant {answers}"})
            took = time.monotonic() - began
            assert_unavailable(answer, took)
            began = time.monotonic()
            form = {**OFFER, "employer": f"Formulaire {answers}", "csrf_token": token}
            answer = browser.post("/admin/offres/nouvelle", data=form)
            slowest = max(slowest, took, time.monotonic() - began)
            assert_unavailable(answer, time.monotonic() - began)
            health.add(httpx.get(f"{server.url}/healthz", timeout=REQUEST_TIMEOUT_S).status_code)
            answers += 2
        assert health == {503}
        cluster.start()

        back = _until(
            lambda: (
                api.post("/api/v1/offers", json={**OFFER, "employer": "Après"}).status_code == 201
            ),
            bound,
        )
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        form = {**OFFER, "employer": "Formulaire après", "csrf_token": token}
        assert browser.post("/admin/offres/nouvelle", data=form).status_code == 303
        streamed = _until(
            lambda: all({"Après", "Formulaire après"} <= _employers(f) for f in feeds), bound
        )
        # A quiet restart (no request meanwhile): the pooled connections are all stale, and
        # the very first write after it is saved (each is checked before use and replaced).
        cluster.stop()
        cluster.start()
        quiet = api.post("/api/v1/offers", json={**OFFER, "employer": "Après le calme"})
        assert quiet.status_code == 201, quiet.text
        form = {**OFFER, "employer": "Formulaire après le calme", "csrf_token": token}
        assert browser.post("/admin/offres/nouvelle", data=form).status_code == 303
        latest = {"Après le calme", "Formulaire après le calme"}
        _until(lambda: all(latest <= _employers(f) for f in feeds), bound)
        # Nothing failed as a bug would: no 500, and no event stream broken by an exception.
        log = server.log_path.read_bytes()[log_start:].decode(errors="replace")
        assert "unexpected error" not in log and "Traceback" not in log, log[-3000:]
        # A 503 said « rien n'a été modifié »: nothing of the outage was saved.
        refused = {e for e in _employers(feeds[0]) if e.startswith(("Pendant", "Formulaire "))}
        assert refused == {"Formulaire après", "Formulaire après le calme"}
    assert answers > 0
    return OutageFigures(answers, slowest, frozenset(health), back, streamed)


def test_a_5_s_restart_under_load_answers_503_then_recovers_by_itself(
    cluster: PostgresCluster, server: LiveServer
) -> None:
    figures = outage_under_load(cluster, server, OUTAGE_S, SCREENS)
    print(figures)


def test_a_service_started_while_postgresql_is_down_exits_for_systemd_to_retry(
    cluster: PostgresCluster,
    server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.stop()
    cluster.stop()
    for key, value in server.env.items():
        if key.startswith("COULOIR_"):
            monkeypatch.setenv(key, value)
    capsys.readouterr()
    began = time.monotonic()
    code = cli.main(["serve", "--port", str(server.port)])  # returns before serving anything
    took = time.monotonic() - began
    lines = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"couloir: PostgreSQL injoignable sur 127.0.0.1:{cluster.port}")
    assert took < REQUEST_TIMEOUT_S
    cluster.start()
    server.start()  # what systemd's next try does
    assert httpx.get(f"{server.url}/healthz").status_code == 200
    unit = (ROOT / "deploy/server/systemd/couloir-server@.service.in").read_text().splitlines()
    assert "Restart=on-failure" in unit and "StartLimitIntervalSec=0" in unit


def test_a_silent_postgresql_host_is_unavailable_within_the_request_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host gone from the network (it accepts nothing, answers nothing): a new connection
    gives up after ``CONNECT_TIMEOUT_S`` and is told apart as « unavailable » (503), not 500."""
    monkeypatch.setattr(db, "CONNECT_TIMEOUT_S", 2)  # libpq's smallest useful value
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections wait in the backlog, and nothing ever answers
        engine = db.make_engine(f"postgresql+psycopg://u:p@127.0.0.1:{silent.getsockname()[1]}/x")
        failures: list[BaseException] = []

        def connect() -> None:
            try:
                engine.connect()
            except BaseException as exc:  # handed to the test
                failures.append(exc)

        attempt = threading.Thread(target=connect, daemon=True)
        attempt.start()
        attempt.join(REQUEST_TIMEOUT_S)  # a hang fails the test rather than blocking it
        assert not attempt.is_alive(), f"still connecting after {REQUEST_TIMEOUT_S} s"
        engine.dispose()
    assert len(failures) == 1 and isinstance(failures[0], DBAPIError), failures
    assert db.is_unavailable(failures[0])
