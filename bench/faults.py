"""Faults on purpose: break a real installation, print what the user saw, what was kept, and
how long until the service was whole again (issue 17; the CI versions are in tests/faults/).

Each case is a function registered in ``CASES``; it builds what it needs in a temporary folder
(a demo database, a backup), breaks it with the real ``couloir`` command run as a subprocess,
and returns one row. PostgreSQL cases run when a test server is known
(``eval "$(scripts/postgres-test-server)"`` exports POSTGRES_TEST_URL), else say « skipped ».

    .venv/bin/python bench/faults.py [--only restore]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests" / "display"))  # the screen's scripted service and clocks

from sqlmodel import Session  # noqa: E402

from api.db import make_engine  # noqa: E402
from api.demo import seed_demo  # noqa: E402
from api.migrate import upgrade  # noqa: E402
from display.cache import DisplayCache  # noqa: E402
from display.feed import Feed  # noqa: E402
from tests.api.test_full_disk import DISK_MB, SmallDisk  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

TIMEOUT_S = 300


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    fault: str
    user_sees: str
    kept: str
    recovery: str


def _couloir(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=TIMEOUT_S,
        check=False,
    )
    return result, time.perf_counter() - started


def _demo(folder: Path, base: str) -> tuple[str, dict[str, str]]:
    """A demo database (SQLite when ``base`` is empty) and the environment to reach it."""
    url = create_database(folder, base=base)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as db:
            seed_demo(db)
    finally:
        engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    return url, env | {"COULOIR_DATA_DIR": str(folder), "COULOIR_DATABASE_URL": url}


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout).strip().splitlines()
    return lines[-1] if lines else ""


def restore_nightly(backend: str, base: str) -> list[Row]:
    """Restore last night's backup over a database changed since; then bad backups."""
    if backend == "postgresql" and not base:
        return [Row("restore (PostgreSQL)", "skipped: no PostgreSQL test server", "", "")]
    folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
    url, env = _demo(folder / "data", base)
    rows: list[Row] = []
    try:
        backup = folder / ("nightly.db" if backend == "sqlite" else "nightly.dump")
        made, took = _couloir(env, "backup", str(backup))
        assert made.returncode == 0, made.stderr
        restored, restore_s = _couloir(env, "restore", "--yes", str(backup))
        assert restored.returncode == 0, restored.stderr
        size = backup.stat().st_size // 1024
        rows.append(
            Row(
                f"restore last night's backup ({backend}, {size} KiB)",
                "« base restaurée depuis … » ; pages and screens after a service restart",
                "every row and photo of the backup; the replaced database in restore-copies/",
                f"{restore_s:.1f} s (+ restart); backup took {took:.1f} s",
            )
        )
        truncated = folder / f"truncated{backup.suffix}"
        truncated.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
        refused, refuse_s = _couloir(env, "restore", "--yes", str(truncated))
        assert refused.returncode != 0
        rows.append(
            Row(
                f"restore a truncated backup ({backend})",
                f"« {_last_line(refused).removeprefix('couloir: ').replace(str(truncated), 'F')} »",
                "the live database, untouched",
                f"nothing to recover (refused in {refuse_s:.1f} s)",
            )
        )
    finally:
        drop_database(url)
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def restore_sqlite() -> list[Row]:
    """Restore cases on SQLite."""
    return restore_nightly("sqlite", "")


def restore_postgresql() -> list[Row]:
    """Restore cases on PostgreSQL (when a test server is known)."""
    base = os.environ.get("COULOIR_TEST_DATABASE_URL") or os.environ.get("POSTGRES_TEST_URL", "")
    return restore_nightly("postgresql", base)


@contextmanager
def _small_disk(folder: Path, size_mb: int) -> Iterator[SmallDisk | None]:
    """A tmpfs of ``size_mb`` at ``folder`` (None when mounting is not permitted)."""
    folder.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        yield None
        return
    try:
        yield SmallDisk(folder)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def full_data_disk() -> list[Row]:
    """The service's data folder fills up (SQLite), then room is made again."""
    folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
    try:
        with _small_disk(folder / "disk", DISK_MB) as disk:
            if disk is None:
                return [Row("full data disk", "skipped: mounting a tmpfs needs root", "", "")]
            server = LiveServer(disk.root / "data")
            server.log_path = folder / "server.log"
            server.start()
            try:
                with server.client("cde") as api:
                    offer = {"employer": "Banc", "title": "Essai", "contract": "CDI"}
                    disk.fill()
                    refused = api.post("/api/v1/offers", json={**offer, "commune": "Apt"})
                    health = httpx.get(f"{server.url}/healthz").status_code
                    disk.empty()
                    started = time.perf_counter()
                    while api.post("/api/v1/offers", json={**offer, "commune": "Apt"}).is_error:
                        time.sleep(0.05)  # measuring recovery, not hiding a race
                    recovered = time.perf_counter() - started
            finally:
                server.close()
            with sqlite3.connect(disk.root / "data" / "couloir.db") as db:
                check = db.execute("PRAGMA integrity_check").fetchone()[0]
            db.close()
        return [
            Row(
                "full data disk (SQLite, tmpfs filled to the last byte)",
                f"{refused.status_code} « {refused.json()['detail']} » ; /healthz {health}",
                f"every acknowledged write; integrity_check {check}; no temporary file left",
                f"{recovered * 1000:.0f} ms after space is freed, no restart",
            )
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def full_cache_disk() -> list[Row]:
    """The screen's cache disk fills up while the service keeps sending new data."""
    folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
    try:
        with _small_disk(folder / "cache", 1) as disk:
            if disk is None:
                return [Row("full screen cache disk", "skipped: mounting needs root", "", "")]
            server = LiveServer(folder / "data")
            server.start()
            cache = DisplayCache(disk.root / "screen")
            feed = Feed(server.url, server.screen_token, cache)
            try:
                feed.fetch()
                disk.fill()
                with server.client("cde") as api:
                    body = {"employer": "Banc", "title": "Essai", "contract": "CDI"}
                    api.post("/api/v1/offers", json={**body, "commune": "Apt"}).raise_for_status()
                feed.fetch()
                assert feed.snapshot is not None
                shown = any(o.employer == "Banc" for o in feed.snapshot.offers)
                disk.empty()
                started = time.perf_counter()
                feed.fetch()  # the service's next answer (an event, or the poll)
                stored = cache.load_snapshot()
                took = time.perf_counter() - started
                caught_up = stored is not None and stored.snapshot == feed.snapshot
            finally:
                feed.stop()
                server.close()
        return [
            Row(
                "full screen cache disk (tmpfs filled)",
                f"the newest data ({'shown' if shown else 'NOT shown'}), no error on screen",
                "the previous whole snapshot on disk; no temporary file",
                f"stored at the service's next answer ({took * 1000:.0f} ms; "
                f"{'ok' if caught_up else 'NOT stored'})",
            )
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def clock_jump() -> list[Row]:
    """A Pi boots three days behind, NTP sets it right, then someone sets it an hour back."""
    from datetime import timedelta

    import httpx
    import pygame
    from runtime_support import ManualClock, ScriptedService, display_app

    from display.settings import DisplaySettings

    pygame.init()
    folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
    try:
        right = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        pi = ManualClock(right - timedelta(days=3))
        clocks = pi.clocks()
        service = ScriptedService()
        start = pi.mono
        service.clock = lambda: right + timedelta(seconds=pi.mono - start)
        feed = Feed(
            "http://bench.test",
            "t",
            DisplayCache(folder),
            transport=httpx.MockTransport(service),
            clocks=clocks,
        )
        app = display_app(DisplaySettings(cache_dir=folder), pygame.Surface((640, 360)), feed=feed)
        shown, marks = [], []
        feed.fetch()
        skew_days = (clocks.skew_s() or 0) / 86_400
        for jump in (timedelta(0), timedelta(days=3), timedelta(hours=-1)):
            pi.jump(jump)
            pi.advance(30)
            feed.fetch()
            for _ in range(3):
                app.step(0.03)
            shown.append(app.renderer.now.strftime("%a %d %H:%M"))
            marks.append(app.link.stale_since is not None)
        feed.stop(timeout=1)
        return [
            Row(
                "screen clock 3 days behind at boot, then NTP (+3 days), then an hour back",
                f"the service's time on screen throughout ({' → '.join(shown)}); stale mark "
                f"{'WRONGLY shown' if any(marks) else 'never shown'}; managers' « Écrans » page: "
                f"« L'horloge de cet écran retarde de {skew_days:.0f} jours »",
                "everything (durations on the monotonic clock)",
                "at the first answer carrying a Date header",
            )
        ]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def service_away_8h() -> list[Row]:
    """The service away for 8 hours (simulated on hand-moved clocks), then back; 2,000 screens'
    return spread."""
    import pygame
    from outage_support import return_spread, simulate_outage

    pygame.init()
    folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
    try:
        started = time.perf_counter()
        outage = simulate_outage(folder, hours=8)
        took = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    back = sorted(return_spread(2000, seed=17))
    per_second = max(sum(1 for t in back if int(t) == s) for s in range(int(back[-1]) + 1))
    blocks = outage.blocks
    return [
        Row(
            f"service away 8 h (simulated in {took:.0f} s), one screen",
            f"the last frame, marked « données du … » for {outage.marked_hours}/8 hours",
            f"snapshot on the card; cache writes per hour: {max(outage.writes_per_hour)}; "
            f"log lines per hour ≤ {max(outage.log_lines_per_hour)} for "
            f"{min(outage.attempts_per_hour)}–{max(outage.attempts_per_hour)} attempts; "
            f"memory blocks in use hour 1 → 8: {blocks[0]} → {blocks[-1]}, Python objects "
            f"{min(outage.objects)}–{max(outage.objects)}",
            f"caught up {outage.catch_up_s:.1f} s after the service's return (cap 30 s)",
        ),
        Row(
            "2,000 screens cut off together, service back after 8 h (seed 17)",
            "each screen back on its own, retries capped at 30 s with jitter",
            "—",
            f"all back in {back[-1]:.0f} s, median {back[len(back) // 2]:.1f} s, first "
            f"{back[0]:.1f} s; at most {per_second} screens in one second",
        ),
    ]


KILL9_ROUNDS = 10  # kills per backend in the bench (2 in CI)


def kill9_bursts(backend: str) -> list[Row]:
    """SIGKILL the service ``KILL9_ROUNDS`` times under bursts of API and staff-form writes."""
    from tests.faults import test_kill9 as k9

    base = os.environ.get("COULOIR_TEST_DATABASE_URL") or os.environ.get("POSTGRES_TEST_URL", "")
    if backend == "postgresql" and not base:
        return [Row("kill -9 (PostgreSQL)", "skipped: no PostgreSQL test server", "", "")]
    folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
    server = k9.demo_server(backend, folder / "data", base or None)
    server.start()
    rng = random.Random(f"{k9.SEED}-{backend}")
    acks, restarts = k9.Acks(), []
    feed = Feed(server.url, server.screen_token, DisplayCache(folder / "screen"))
    try:
        feed.fetch()
        for round_ in range(KILL9_ROUNDS):
            k9.burst_and_kill(server, acks, f"r{round_}", rng.randint(*k9.KILL_AFTER_ACKS))
            started = time.perf_counter()
            server.start()
            restarts.append(time.perf_counter() - started)
        k9.check_whole(server, acks)
        k9.check_screen(server, feed)
    finally:
        feed.stop()
        server.close()
        shutil.rmtree(folder, ignore_errors=True)
    return [
        Row(
            f"kill -9 under bursts of API and staff-form writes, {backend} "
            f"({KILL9_ROUNDS} kills at seeded moments, {acks.count} writes acknowledged)",
            "requests in flight get no answer (the form is sent again); the screen keeps its "
            "last frame",
            "every acknowledged offer, hire and photo; no offer without its audit entry, no hire "
            "without the photo sent with it, no photo row without its bytes; the screen's "
            "snapshot is the database's",
            f"the restart: {statistics.median(restarts):.1f} s (median, up to "
            f"{max(restarts):.1f} s)",
        )
    ]


def kill9_sqlite() -> list[Row]:
    """kill -9 cases on SQLite."""
    return kill9_bursts("sqlite")


def kill9_postgresql() -> list[Row]:
    """kill -9 cases on PostgreSQL (when a test server is known)."""
    return kill9_bursts("postgresql")


PG_OUTAGES_S = (5.0, 30.0, 120.0)
PG_SCREENS = 200


def postgres_restarts() -> list[Row]:
    """A private PostgreSQL stopped 5 s, 30 s and 2 min while a colleague writes and 200
    screens stream (the screens' own reconnection delays)."""
    from api.main import UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER_S
    from tests.faults.test_kill9 import demo_server
    from tests.faults.test_postgres_restart import outage_under_load
    from tests.support.postgres_cluster import PostgresCluster, unavailable_reason

    reason = unavailable_reason()
    if reason:
        return [Row("PostgreSQL restart", f"skipped: {reason}", "", "")]
    rows = []
    with PostgresCluster() as cluster:
        for outage in PG_OUTAGES_S:
            folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
            server = demo_server("postgresql", folder / "data", cluster.url())
            server.start()
            try:
                got = outage_under_load(
                    cluster, server, outage, PG_SCREENS, backoff=(1.0, 30.0), bound=120.0
                )
            finally:
                server.close()
                shutil.rmtree(folder, ignore_errors=True)
            rows.append(
                Row(
                    f"PostgreSQL stopped {outage:.0f} s (`pg_ctl stop -m fast`) while staff "
                    f"write and {PG_SCREENS} screens stream",
                    f"503 « {UNAVAILABLE_MESSAGE} », Retry-After {UNAVAILABLE_RETRY_AFTER_S} "
                    f"({got.refused} writes, slowest answer {got.slowest_s:.2f} s); /healthz "
                    f"{'/'.join(map(str, sorted(got.health_during)))}; screens keep their frame",
                    "every acknowledged write; nothing of a refused one",
                    f"{got.back_s:.1f} s to the first saved write, no restart; every screen "
                    f"current {got.streamed_s:.1f} s later",
                )
            )
    return rows


def postgres_down_at_start() -> list[Row]:
    """``couloir serve`` started while its PostgreSQL is down."""
    from tests.faults.test_kill9 import demo_server
    from tests.support.postgres_cluster import PostgresCluster, unavailable_reason

    reason = unavailable_reason()
    if reason:
        return [Row("PostgreSQL down at start", f"skipped: {reason}", "", "")]
    folder = Path(tempfile.mkdtemp(prefix="couloir-bench-faults-"))
    with PostgresCluster() as cluster:
        server = demo_server("postgresql", folder / "data", cluster.url())
        try:
            cluster.stop()
            started, took = _couloir(server.env, "serve", "--port", str(server.port))
            cluster.start()
        finally:
            server.close()
            shutil.rmtree(folder, ignore_errors=True)
    return [
        Row(
            "service started while PostgreSQL is down",
            f"exit {started.returncode} after {took:.1f} s: "
            f"« {_last_line(started).removeprefix('couloir: ')} »",
            "nothing to keep",
            "systemd starts it again every 2 s (`Restart=on-failure`, no start limit): up at "
            "the first try after PostgreSQL is",
        )
    ]


CASES: dict[str, list[Callable[[], list[Row]]]] = {
    "restore": [restore_sqlite, restore_postgresql],
    "full-disk": [full_data_disk, full_cache_disk],
    "clock": [clock_jump],
    "outage": [service_away_8h],
    "kill9": [kill9_sqlite, kill9_postgresql],
    "postgres-restart": [postgres_restarts, postgres_down_at_start],
}


def print_table(rows: list[Row]) -> None:
    """The rows as a Markdown table (pasted into README.md, « Pannes »)."""
    print("| Fault | What the user sees | What is kept | Time to recover |")
    print("|---|---|---|---|")
    for row in rows:
        print(f"| {row.fault} | {row.user_sees} | {row.kept} | {row.recovery} |")


def main() -> int:
    """Run the chosen fault cases and print their table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CASES), help="one family of cases")
    args = parser.parse_args()
    rows: list[Row] = []
    for name, cases in CASES.items():
        if args.only and name != args.only:
            continue
        for case in cases:
            rows.extend(case())
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
