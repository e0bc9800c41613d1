"""Several server processes and hosts on one PostgreSQL: a change made anywhere reaches every
screen, through LISTEN/NOTIFY, even across a lost listening connection (issue 10)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from api.changes.listener import APPLICATION_NAME
from api.db import POOL_SIZE, make_engine
from api.migrate import MIGRATION_LOCK_KEY, head_revision
from tests.support.databases import create_database, drop_database, engine_name
from tests.support.server import ROOT, LiveServer
from tests.support.streams import EventRecorder, open_screens

pytestmark = pytest.mark.skipif(
    engine_name() != "postgresql", reason="LISTEN/NOTIFY and advisory locks are PostgreSQL's"
)


@pytest.fixture
def two_hosts(live_server: LiveServer, tmp_path: Path) -> Iterator[tuple[LiveServer, LiveServer]]:
    """The demo server and a second one on the same database, as two hosts would be."""
    other = live_server.sibling(tmp_path / "host-b")
    other.start()
    yield live_server, other
    other.close()


def _edit_an_offer(server: LiveServer, title: str) -> float:
    """Rename the first open offer through ``server``; return when the answer came."""
    with server.client("cde") as cde:
        offer = cde.get("/api/v1/offers").json()[0]
        cde.patch(f"/api/v1/offers/{offer['id']}", json={"title": title}).raise_for_status()
    return time.monotonic()


def _etag_showing(server: LiveServer, title: str, timeout: float = 10.0) -> str:
    """The screen's snapshot ETag on ``server`` once it shows an offer titled ``title``."""
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {server.screen_token}"}
    while True:
        answer = httpx.get(f"{server.url}/api/v1/display/snapshot", headers=headers)
        if title in answer.text:
            return answer.headers["etag"].strip('"')
        assert time.monotonic() < deadline, f"{server.url} never showed {title!r}"
        time.sleep(0.05)  # polling the server until the change reached it


def _announced(screen: EventRecorder, etag: str, timeout: float = 10.0) -> int:
    """How many snapshot events ``screen`` got once one announced ``etag``."""
    deadline = time.monotonic() + timeout
    while not any(etag in event.data for event in screen.snapshots()):
        assert time.monotonic() < deadline, f"{etag} never announced: {screen.events}"
        time.sleep(0.05)  # polling the recorder's thread
    return len(screen.snapshots())


def _admin_engine(server: LiveServer) -> Engine:
    return create_engine(make_url(server.database_url), isolation_level="AUTOCOMMIT")


def _listeners(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            ).scalars()
        )


def _wait_for_listeners(engine: Engine, count: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(pids := _listeners(engine)) != count:
        assert time.monotonic() < deadline, f"{count} listening connections expected: {pids}"
        time.sleep(0.05)  # polling PostgreSQL's view, not hiding a race
    return pids


def test_an_edit_through_one_host_reaches_a_stream_on_the_other_within_a_second(
    two_hosts: tuple[LiveServer, LiveServer],
) -> None:
    host_a, host_b = two_hosts
    with EventRecorder(host_b.url, host_b.screen_token) as screen:
        first = screen.wait_for(1)
        for round_ in range(3):
            sent = _edit_an_offer(host_a, f"Boulanger de nuit {round_}")
            event = screen.wait_for(2 + round_, timeout=5)
            assert event.data != first.data
            assert event.at - sent < 1.0, f"event {event.at - sent:.3f} s after the edit"
    with host_b.screen_client() as screen_client:
        titles = [
            o["title"] for o in screen_client.get("/api/v1/display/snapshot").json()["offers"]
        ]
    assert "Boulanger de nuit 2" in titles


def test_a_killed_listening_connection_comes_back_and_misses_nothing(
    two_hosts: tuple[LiveServer, LiveServer],
) -> None:
    host_a, host_b = two_hosts
    engine = _admin_engine(host_a)
    try:
        _wait_for_listeners(engine, 2)
        with EventRecorder(host_b.url, host_b.screen_token) as screen:
            screen.wait_for(1)
            with engine.connect() as connection:
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :name AND datname = current_database()"
                    ),
                    {"name": APPLICATION_NAME},
                )
            # Made while nobody listens: its notification is lost, the catch-up must find it.
            sent = _edit_an_offer(host_a, "Édité pendant la coupure")
            assert screen.wait_for(2, timeout=5).at - sent < 5.0
            _wait_for_listeners(engine, 2)
            sent = _edit_an_offer(host_a, "Édité après la coupure")
            assert screen.wait_for(3, timeout=5).at - sent < 1.0
    finally:
        engine.dispose()


def test_open_streams_on_two_hosts_hold_no_transaction(
    two_hosts: tuple[LiveServer, LiveServer],
) -> None:
    engine = _admin_engine(two_hosts[0])
    try:
        with ExitStack() as stack:
            screens = [
                screen
                for host in two_hosts
                for screen in open_screens(stack, host.url, host.screen_token, 10)
            ]
            _edit_an_offer(two_hosts[0], "Boulanger de jour")
            for screen in screens:
                screen.wait_for(2)
            with engine.connect() as connection:
                states = dict(
                    connection.execute(
                        text(
                            "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                            "GROUP BY state"
                        )
                    ).all()
                )
        assert states.get("idle in transaction", 0) == 0, states
        # Each host: its pool, and one listening connection.
        assert sum(states.values()) <= 2 * (POOL_SIZE + 1), states
    finally:
        engine.dispose()


def test_workers_of_one_server_share_their_changes(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, workers=2)
    try:
        server.start()
        engine = _admin_engine(server)
        try:
            _wait_for_listeners(engine, 2)  # one per worker process
        finally:
            engine.dispose()
        with ExitStack() as stack:
            screens = open_screens(stack, server.url, server.screen_token, 8)
            for round_ in range(3):  # edits land on either worker; every stream hears each
                _edit_an_offer(server, f"Boulanger {round_}")
                for screen in screens:
                    screen.wait_for(2 + round_, timeout=5)
    finally:
        server.close()


def _migrate(url: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {"COULOIR_DATABASE_URL": url, "COULOIR_DATA_DIR": str(data_dir), "PATH": "/usr/bin"}
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "migrate"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_migrations_started_together_run_one_at_a_time(tmp_path: Path) -> None:
    url = create_database(tmp_path)
    holder = make_engine(url)
    try:
        with holder.connect() as lock:
            # The test plays the first migrator: it holds the lock the migrations take.
            lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            lock.commit()
            migrators = [_migrate(url, tmp_path / f"m{i}") for i in range(2)]
            deadline = time.monotonic() + 30
            while _waiting_for_lock(lock) < 2:
                assert all(m.poll() is None for m in migrators), "a migrator did not wait"
                assert time.monotonic() < deadline, "the migrators never asked for the lock"
                time.sleep(0.05)  # polling pg_locks, not hiding a race
            tables = lock.execute(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            )
            assert tables.scalar() == 0  # nothing touched while the lock is held
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
            lock.commit()
        outputs = [m.communicate(timeout=60)[0].decode() for m in migrators]
        assert [m.returncode for m in migrators] == [0, 0], outputs
        with holder.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()
    finally:
        holder.dispose()
        drop_database(url)


def _waiting_for_lock(connection) -> int:  # type: ignore[no-untyped-def]
    waiting = connection.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    ).scalar()
    connection.commit()
    return int(waiting)


def test_two_hundred_streams_leave_the_health_check_quick(live_server: LiveServer) -> None:
    with ExitStack() as stack:
        open_screens(stack, live_server.url, live_server.screen_token, 200, timeout=30)
        timings = []
        for _ in range(20):
            started = time.monotonic()
            assert httpx.get(f"{live_server.url}/healthz", timeout=5).status_code == 200
            timings.append(time.monotonic() - started)
    assert statistics.median(timings) < 0.2, timings


def test_a_screen_revoked_through_one_host_is_told_at_once_by_the_other(
    two_hosts: tuple[LiveServer, LiveServer],
) -> None:
    host_a, host_b = two_hosts
    with EventRecorder(host_b.url, host_b.screen_token) as screen:
        screen.wait_for(1)
        health = httpx.get(f"{host_b.url}/healthz", timeout=5).json()
        assert health["changes"] == "listening" and health["streams"] >= 1, health
        with host_a.client("manager") as manager:
            [hall] = manager.get("/api/v1/screens").json()
            revoked_at = time.monotonic()
            manager.post(f"/api/v1/screens/{hall['id']}/revoke").raise_for_status()
        told = screen.wait_for(1, name="revoked", timeout=5)
    assert told.at - revoked_at < 1.0


def test_a_database_refusing_connections_answers_503_and_the_server_recovers_by_itself(
    live_server: LiveServer,
) -> None:
    engine = _admin_engine(live_server)
    name = make_url(live_server.database_url).database
    with live_server.client("cde") as cde:
        offer = cde.get("/api/v1/offers").json()[0]
        try:
            with engine.connect() as connection:
                # PostgreSQL now refuses the server's new connections ("too many"), and its
                # open ones are gone, as after a restart with a full connection table.
                connection.execute(text(f'ALTER DATABASE "{name}" CONNECTION LIMIT 0'))
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            refused = cde.patch(f"/api/v1/offers/{offer['id']}", json={"title": "Jamais"})
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "5"
            assert "momentanément indisponible" in refused.json()["detail"]
        finally:
            with engine.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" CONNECTION LIMIT -1'))
            engine.dispose()
        again = cde.patch(f"/api/v1/offers/{offer['id']}", json={"title": "Boulanger revenu"})
    assert again.status_code == 200, again.text
    assert again.json()["title"] == "Boulanger revenu"


def test_after_a_restore_from_backup_the_revisions_going_back_still_reach_the_screens(
    two_hosts: tuple[LiveServer, LiveServer],
) -> None:
    host_a, host_b = two_hosts
    engine = _admin_engine(host_a)
    try:
        with EventRecorder(host_b.url, host_b.screen_token) as screen:
            screen.wait_for(1)
            for round_ in range(3):  # revisions well above what the "backup" holds
                _edit_an_offer(host_a, f"Avant la sauvegarde {round_}")
            # Edits close together may reach the screen as fewer events (one build showing
            # two of them): wait until it announced what host B serves with the last one.
            before = _announced(screen, _etag_showing(host_b, "Avant la sauvegarde 2"))
            with engine.connect() as connection:
                # What a restore does to the revisions: back to an earlier point. A restore
                # also drops every connection, the listeners' among them.
                connection.execute(text("UPDATE agency SET revision = 1"))
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            _wait_for_listeners(engine, 2)
            sent = _edit_an_offer(host_a, "Après la restauration")  # revision 2: "old" news
            event = screen.wait_for(before + 1, timeout=5)
        assert event.at - sent < 5.0
    finally:
        engine.dispose()
