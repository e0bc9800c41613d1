"""Open event streams hold no database resource: a waiting screen costs a socket, not a
connection (issue 10, first step)."""

from __future__ import annotations

import io
import os
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.changes import draining
from api.db import POOL_SIZE
from tests.support.databases import engine_name
from tests.support.server import LiveServer
from tests.support.streams import open_screens

STREAMS = 2 * POOL_SIZE


@contextmanager
def open_streams(server: LiveServer, count: int) -> Iterator[None]:
    """``count`` event streams of the demo screen, each past its first ``snapshot`` event."""
    with ExitStack() as stack:
        open_screens(stack, server.url, server.screen_token, count)
        yield


def _descriptors(server: LiveServer) -> tuple[int, int]:
    """The server's open sockets and open database files (SQLite's file, WAL and shared memory)."""
    assert server._process is not None
    folder = f"/proc/{server._process.pid}/fd"
    database = server.database_url.removeprefix("sqlite:///")
    sockets = files = 0
    for name in os.listdir(folder):
        with suppress(FileNotFoundError):  # closed while listing
            target = os.readlink(f"{folder}/{name}")
            sockets += target.startswith("socket:")
            files += target.startswith(database)
    return sockets, files


def _sessions(server: LiveServer) -> dict[str, int]:
    """This server's database connections by state, as PostgreSQL sees them."""
    url = make_url(server.database_url)
    engine = create_engine(url.set(database="postgres"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT state, count(*) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid() GROUP BY state"
                ),
                {"name": url.database},
            )
            return {str(state): count for state, count in rows}
    finally:
        engine.dispose()


def test_waiting_streams_hold_no_database_connection(live_server: LiveServer) -> None:
    with open_streams(live_server, 1):  # warm the snapshot cache
        sockets_before, _ = _descriptors(live_server)
    with open_streams(live_server, STREAMS):
        sockets_during, files_during = _descriptors(live_server)
        sessions = _sessions(live_server) if engine_name() == "postgresql" else {}
    # One socket per stream, plus a little slack.
    assert sockets_during - sockets_before <= STREAMS + 4, (sockets_before, sockets_during)
    # The pool keeps at most POOL_SIZE connections at rest (three files each on SQLite): a
    # stream holding its connection would keep STREAMS of them open (twice as many).
    assert files_during <= 3 * POOL_SIZE, files_during
    assert sessions.get("idle in transaction", 0) == 0, sessions
    assert sum(sessions.values()) <= POOL_SIZE, sessions


def test_a_change_still_wakes_every_open_stream(live_server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {live_server.screen_token}"}
    with ExitStack() as stack:
        streams = []
        for _ in range(3):
            client = stack.enter_context(httpx.Client(base_url=live_server.url, timeout=30))
            response = stack.enter_context(
                client.stream("GET", "/api/v1/display/events", headers=headers)
            )
            lines = response.iter_lines()
            while not next(lines).startswith("event: snapshot"):
                pass
            streams.append(lines)
        with live_server.client("cde") as cde:
            offer = cde.get("/api/v1/offers").json()[0]
            cde.patch(
                f"/api/v1/offers/{offer['id']}", json={"title": "Boulanger de nuit"}
            ).raise_for_status()
        for lines in streams:
            while not (line := next(lines)).startswith("event: "):
                pass
            assert line == "event: snapshot"


@pytest.mark.skipif(
    engine_name() != "sqlite", reason="holds SQLite's writer lock from outside the server"
)
def test_a_screenshot_waiting_for_the_database_does_not_stop_the_server(
    live_server: LiveServer,
) -> None:
    """A commit waiting for the database runs off the event loop: every stream goes on."""
    lock = sqlite3.connect(live_server.database_url.removeprefix("sqlite:///"), timeout=1)
    lock.isolation_level = None
    lock.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        with ThreadPoolExecutor(max_workers=1) as pool, live_server.screen_client() as screen:
            upload = pool.submit(
                lambda: screen.put("/api/v1/display/screenshot", content=_png()).status_code
            )
            # The upload waits for the lock (up to SQLite's 5 s busy timeout), and would hold
            # the event loop all along were it on it: the server answers throughout.
            answered = 0
            window_ends = time.monotonic() + 1.5
            while time.monotonic() < window_ends:
                assert httpx.get(f"{live_server.url}/healthz", timeout=3).status_code == 200
                answered += 1
            assert answered > 1
            assert not upload.done()  # it was waiting for the lock the whole time
            lock.execute("ROLLBACK")
            assert upload.result(timeout=10) == 204
    finally:
        lock.close()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), (10, 120, 110)).save(out, "PNG")
    return out.getvalue()


def test_a_stopping_server_spreads_its_screens_return_over_half_a_minute(
    live_server: LiveServer,
) -> None:
    """SIGTERM ends every stream at once with its own ``retry:`` between 1 and 28 s."""
    with ExitStack() as stack:
        screens = open_screens(stack, live_server.url, live_server.screen_token, 6)
        stopping = time.monotonic()
        live_server.stop()  # SIGTERM, then waits for the process to exit
        stopped_in = time.monotonic() - stopping
        byes = [screen.wait_for(1, name="bye", timeout=5) for screen in screens]
    delays = [bye.retry_ms for bye in byes]
    low, high = draining.RECONNECT_MIN_S * 1000, draining.RECONNECT_MAX_S * 1000
    assert all(delay is not None and low <= delay <= high for delay in delays), delays
    assert len(set(delays)) > 1, delays  # drawn for each screen, not one value for all
    # The streams did not hold the server up until its graceful-shutdown timeout.
    assert stopped_in < 5, stopped_in
