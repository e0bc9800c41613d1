"""Benchmark of a central Couloir: 2,000 screens' event streams on two instances, one PostgreSQL.

Creates a fresh PostgreSQL database (from ``scripts/postgres-test-server``, or the URL given),
bulk-seeds 900 agencies, 2,000 screens, 20,000 staff and 36,000 open offers (40 per agency on
average, 200 at most), starts two ``couloir serve`` on two loopback ports standing in for two
hosts, and holds every screen's ``GET /api/v1/display/events`` from one asyncio client: an
agency's screens all on one instance, its edits sent through the other. Phases:

1. connect at 200 streams/s;
2. 60 s idle (CPU, memory per stream);
3. 60 s at 10 edits/s (change → event latency across instances, missed events);
4. a burst of 200 concurrent PATCHes;
5. SIGTERM one instance and restart it: every stream back within 30 s;
6. ``pg_terminate_backend`` on the listening connections, an edit at once: events within 5 s.

Database connections per instance and transactions left ``idle in transaction`` are sampled
every second throughout. A table of figures with their targets (PASS/FAIL) ends the run.
``--find-limit`` instead ramps the streams on one instance (2,000, 5,000, 10,000, 15,000),
prints the figures of each step, the first target missed and the hard limit met (streams
refused, descriptors, the instance lost) or the ceiling. Everything is bounded in time and stops
by itself; only 127.0.0.1 is used.

    .venv/bin/python bench/scale.py                 # the full run (about 6 minutes)
    .venv/bin/python bench/scale.py --quick         # about 2 minutes, smaller data
    .venv/bin/python bench/scale.py --agencies 50 --screens 200 --staff 500 --phase-seconds 10
    .venv/bin/python bench/scale.py --find-limit [--ceiling 18000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale_client import Edit, Editor, Stream, StreamPool, event_delays  # noqa: E402
from bench.scale_probe import (  # noqa: E402
    CpuWatch,
    Sampler,
    admin_engine,
    cpu_seconds,
    fd_count,
    fd_limit,
    process_tree,
    python_loop_seconds,
    rss_kib,
    terminate_listeners,
    wait_for_listeners,
)
from bench.scale_seed import AgencySeed, seed  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402

HOST = "127.0.0.1"
START_TIMEOUT_S = 60.0
EVENT_WINDOW_S = 5.0  # an event later than this after its edit counts as missed
BURST_WINDOW_S = 10.0
TARGET_RSS_KIB = 100
TARGET_IDLE_CPU = 0.05
TARGET_P95_MS = 250
TARGET_P99_MS = 1000
TARGET_BURST_WRITE_P95_MS = 1000
TARGET_BURST_EVENT_P95_MS = 2000
TARGET_RECONNECT_S = 30.0
TARGET_LISTENER_S = 5.0
TARGET_HEALTHZ_P95_MS = 200
LISTENER_EDITS = 10


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (nearest rank), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ms(value: float | None) -> str:
    """Milliseconds for the table, a dash for none."""
    return "—" if value is None else f"{value:,.0f} ms"


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def serve_supports(option: str) -> bool:
    """Whether this checkout's ``couloir serve`` knows ``option`` (``--workers`` is new)."""
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return option in result.stdout


def worker_options(args: argparse.Namespace) -> list[str]:
    """``--workers N`` when this checkout's ``couloir serve`` has it (refused if N > 1 without)."""
    if serve_supports("--workers"):
        return ["--workers", str(args.workers)]
    if args.workers > 1:
        raise SystemExit("couloir serve has no --workers option in this checkout")
    return []


@dataclass
class Instance:
    """One ``couloir serve`` standing in for one host (its own data folder and port)."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    extra_args: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL of the instance."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """The root process id while it runs."""
        return self.process.pid if self.process and self.process.poll() is None else None

    def tree(self) -> list[int]:
        """The root process and its workers."""
        return process_tree(self.pid) if self.pid else []

    def start(self) -> None:
        """Start the process (returns at once; see ``ready``)."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                *(sys.executable, "-m", "api.cli", "serve", "--host", HOST),
                *("--port", str(self.port), "--log-level", "warning", *self.extra_args),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    async def ready(self, editor: Editor, index: int, timeout: float = START_TIMEOUT_S) -> float:
        """Seconds until /healthz answers 200; raises when the process dies or never answers."""
        began = time.monotonic()
        while time.monotonic() - began < timeout:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"instance {self.name} exited:\n{self.log_tail()}")
            status, _ = await editor.get(index, "/healthz")
            if status == 200:
                return time.monotonic() - began
            await asyncio.sleep(0.1)  # polling for start-up
        raise RuntimeError(f"instance {self.name} did not start:\n{self.log_tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> float:
        """Send ``sig``, wait for the exit (kill after ``timeout``); seconds it took."""
        began = time.monotonic()
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.monotonic() - began

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_counts(self) -> Counter[str]:
        """How often the log says something worth reporting."""
        counts: Counter[str] = Counter()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return counts
        for needle in ("Traceback", "ERROR", "QueuePool limit", "Too many open files"):
            counts[needle] = text.count(needle)
        return counts


def keep_logs(args: argparse.Namespace, instances: list[Instance]) -> None:
    """Copy the instances' logs to --keep-logs, if asked."""
    if not args.keep_logs:
        return
    folder = Path(args.keep_logs)
    folder.mkdir(parents=True, exist_ok=True)
    for instance in instances:
        shutil.copy(instance.log_path, folder / f"{instance.name}.log")
    print(f"logs kept in {folder}")


# --- database -------------------------------------------------------------------------------


def base_database_url(given: str | None) -> str:
    """The PostgreSQL server to use: given, from the environment, or the test server script."""
    for url in (
        given,
        os.environ.get("COULOIR_TEST_DATABASE_URL"),
        os.environ.get("POSTGRES_TEST_URL"),
    ):
        if url:
            return url
    result = subprocess.run(
        [str(ROOT / "scripts" / "postgres-test-server")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("export POSTGRES_TEST_URL="):
            return line.split("=", 1)[1].strip().strip("'\"")
    raise RuntimeError(f"scripts/postgres-test-server printed no URL: {result.stdout!r}")


def seed_database(url: str, args: argparse.Namespace) -> list[AgencySeed]:
    """Migrate and bulk-seed; print what went in and how long it took."""
    from api.db import make_engine
    from api.migrate import upgrade

    engine = make_engine(url)
    try:
        began = time.monotonic()
        upgrade(engine)
        migrated = time.monotonic() - began
        seeds = seed(
            engine,
            agencies=args.agencies,
            screens=args.screens,
            staff=args.staff,
            offers_mean=args.offers_mean,
            offers_max=args.offers_max,
        )
    finally:
        engine.dispose()
    counts = sorted(a.open_offers for a in seeds)
    print(
        f"seeded in {time.monotonic() - began:.1f} s (migrations {migrated:.1f} s): "
        f"{len(seeds)} agencies, {sum(len(a.screen_tokens) for a in seeds)} screens, "
        f"{max(args.staff, args.agencies)} staff, {sum(counts)} open offers "
        f"(per agency: mean {sum(counts) / len(counts):.1f}, median {counts[len(counts) // 2]}, "
        f"max {counts[-1]})"
    )
    return seeds


def raise_fd_limit() -> tuple[int, int]:
    """Raise this process's RLIMIT_NOFILE to its hard limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


# --- report ---------------------------------------------------------------------------------


class Report:
    """Rows of figure, measured value, target and PASS/FAIL (none: information), with details."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, bool | None, str]] = []

    def add(
        self, figure: str, measured: str, target: str = "", ok: bool | None = None, detail: str = ""
    ) -> None:
        """Record a row and print it at once (the run shows its progress)."""
        self.rows.append((figure, measured, target, ok, detail))
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"  · {figure}: {measured}  {target}  {verdict}".rstrip())
        if detail:
            print(f"      {detail}")

    def print(self) -> bool:
        """Print the table; True when no target failed."""
        print()
        width = max(len(row[0]) for row in self.rows) + 2
        value_width = max(len(row[1]) for row in self.rows) + 2
        target_width = max(len(row[2]) for row in self.rows) + 2
        print(f"{'figure':{width}}{'measured':{value_width}}{'target':{target_width}}result")
        for figure, measured, target, ok, detail in self.rows:
            verdict = "" if ok is None else ("PASS" if ok else "FAIL")
            print(f"{figure:{width}}{measured:{value_width}}{target:{target_width}}{verdict}")
            if detail:
                print(f"{'':{width}}  {detail}")
        failed = sum(1 for *_, ok, _ in self.rows if ok is False)
        print(f"\n{'all targets met' if not failed else f'{failed} target(s) missed'}")
        return not failed


# --- the scenario ---------------------------------------------------------------------------


@dataclass
class Bench:
    """Everything the phases share."""

    args: argparse.Namespace
    seeds: list[AgencySeed]
    instances: list[Instance]
    editor: Editor
    pool: StreamPool
    admin: object  # sqlalchemy Engine
    sampler: Sampler
    report: Report
    home: dict[int, int] = field(default_factory=dict)  # agency id → instance its screens use
    by_agency: dict[int, list[Stream]] = field(default_factory=dict)
    order: list[AgencySeed] = field(default_factory=list)  # agencies to edit, in turn
    next_agency: int = 0
    edit_count: int = 0
    healthz: list[list[float]] = field(default_factory=list)
    healthz_statuses: Counter[int] = field(default_factory=Counter)

    @property
    def names(self) -> list[str]:
        """The instances' names, in order."""
        return [instance.name for instance in self.instances]

    def take_agencies(self, count: int) -> list[AgencySeed]:
        """The next ``count`` agencies to edit (each edited once before any is edited again)."""
        taken = []
        for _ in range(count):
            taken.append(self.order[self.next_agency % len(self.order)])
            self.next_agency += 1
        return taken

    async def edit(self, agency: AgencySeed, via: int | None = None) -> Edit:
        """Change an offer's title of ``agency`` through the instance its screens do not use."""
        self.edit_count += 1
        if via is None:
            home = self.home[agency.id]
            via = home if self.args.edit_via == "same" or len(self.instances) == 1 else 1 - home
        offer_id = agency.offer_ids[self.edit_count % len(agency.offer_ids)]
        title = f"Poste modifié {self.edit_count} (H/F)"
        return await self.editor.patch(via, agency.editor_token, agency.id, offer_id, title)

    async def watch_health(self, stop: asyncio.Event) -> None:
        """GET /healthz on each instance every second while the bench runs."""
        while not stop.is_set():
            for index, instance in enumerate(self.instances):
                if instance.pid is None:
                    continue
                status, took = await self.editor.get(index, "/healthz")
                if status:
                    self.healthz_statuses[status] += 1
                    self.healthz[index].append(took)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)


def assign_homes(seeds: list[AgencySeed], instances: int) -> dict[int, int]:
    """Each agency's screens on one instance, balancing the number of screens."""
    load = [0] * instances
    home = {}
    for agency in sorted(seeds, key=lambda a: -len(a.screen_tokens)):
        target = load.index(min(load))
        home[agency.id] = target
        load[target] += len(agency.screen_tokens)
    return home


async def idle_without_streams(bench: Bench) -> None:
    """CPU of each instance doing nothing, as a base for the idle phase."""
    seconds = min(10.0, bench.args.phase_seconds)
    trees = [instance.tree() for instance in bench.instances]
    before = [cpu_seconds(tree) for tree in trees]
    await asyncio.sleep(seconds)
    used = [f"{(cpu_seconds(t) - b) / seconds:.1%}" for t, b in zip(trees, before, strict=True)]
    bench.report.add(
        "idle CPU without streams",
        " / ".join(used),
        detail=f"instances {' / '.join(bench.names)}, over {seconds:.0f} s before connecting",
    )


async def phase_connect(bench: Bench) -> None:
    """Open every stream at --connect-rate; count those that got their first snapshot."""
    args, pool, report = bench.args, bench.pool, bench.report
    streams = [s for streams in bench.by_agency.values() for s in streams]
    random.Random(1).shuffle(streams)
    print(f"\n[1] connect {len(streams)} streams at {args.connect_rate:.0f}/s")
    began = time.monotonic()
    cpu = CpuWatch([instance.tree() for instance in bench.instances])
    await pool.open_at_rate(streams, args.connect_rate)
    opened = time.monotonic() - began
    await pool.wait_connected(len(streams), timeout=60 + len(streams) / args.connect_rate)
    took = time.monotonic() - began
    cpu_used = cpu.summary(bench.names)
    connected = pool.connected()
    first = [
        (s.connections[0].first_snapshot - s.connections[0].opened) * 1000
        for s in streams
        if s.connections and s.connections[0].first_snapshot is not None
    ]
    per_instance = " + ".join(str(pool.connected(i)) for i in range(len(bench.instances)))
    report.add(
        "streams connected",
        f"{connected} / {len(streams)}",
        f"all {len(streams)}",
        connected == len(streams),
        f"per instance {per_instance}",
    )
    report.add(
        "connect: first snapshot",
        f"p50 {ms(percentile(first, 50))}, p95 {ms(percentile(first, 95))}",
        detail=f"all opened in {opened:.1f} s, all connected after {took:.1f} s; {cpu_used}",
    )


async def phase_idle(bench: Bench, rss_before: list[int]) -> None:
    """Nothing happens: CPU of each instance, and its memory per stream."""
    args, report = bench.args, bench.report
    print(f"\n[2] idle {args.phase_seconds:.0f} s")
    trees = [instance.tree() for instance in bench.instances]
    cpu_before = [cpu_seconds(tree) for tree in trees]
    began = time.monotonic()
    watch = CpuWatch(trees)
    await asyncio.sleep(args.phase_seconds)
    wall = time.monotonic() - began
    print(f"      {watch.summary(bench.names)}")
    for index, instance in enumerate(bench.instances):
        tree = instance.tree()
        cpu = (cpu_seconds(tree) - cpu_before[index]) / wall
        rss = rss_kib(tree)
        streams = bench.pool.connected(index)
        per_stream = (rss - rss_before[index]) / streams if streams else None
        report.add(
            f"idle CPU, instance {instance.name}",
            f"{cpu:.1%} of a core",
            f"≤ {TARGET_IDLE_CPU:.0%}",
            cpu <= TARGET_IDLE_CPU,
        )
        report.add(
            f"RSS per stream, instance {instance.name}",
            "—" if per_stream is None else f"{per_stream:.1f} KiB",
            f"≤ {TARGET_RSS_KIB} KiB",
            per_stream is not None and per_stream <= TARGET_RSS_KIB,
            f"RSS {rss_before[index] / 1024:.0f} → {rss / 1024:.0f} MiB with {streams} streams, "
            f"{fd_count(tree)} fds",
        )


async def phase_edits(bench: Bench) -> None:
    """Edits at --edit-rate, each through the other instance: change→event latency."""
    args, report = bench.args, bench.report
    count = round(args.phase_seconds * args.edit_rate)
    print(
        f"\n[3] {count} edits at {args.edit_rate:.0f}/s, each through the {args.edit_via} instance"
    )
    agencies = bench.take_agencies(count)
    tasks = []
    began = time.monotonic()
    cpu = CpuWatch([instance.tree() for instance in bench.instances])
    for i, agency in enumerate(agencies):
        delay = began + i / args.edit_rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(bench.edit(agency)))
    edits = await asyncio.gather(*tasks)
    cpu_used = cpu.summary(bench.names)
    await asyncio.sleep(EVENT_WINDOW_S)
    delays, missed, expected = event_delays(edits, bench.by_agency, EVENT_WINDOW_S)
    late = _late(edits, bench.by_agency, EVENT_WINDOW_S)
    writes = [e.write_ms for e in edits if e.write_ms is not None]
    failed = Counter(e.status or e.error for e in edits if e.status != 200)
    report.add(
        "edits answered 200",
        f"{sum(1 for e in edits if e.status == 200)} / {len(edits)}",
        f"all {len(edits)}",
        not failed,
        f"others: {dict(failed)}" if failed else "",
    )
    report.add(
        "edit write time",
        f"p50 {ms(percentile(writes, 50))}, p95 {ms(percentile(writes, 95))}",
        detail=cpu_used,
    )
    p95, p99 = percentile(delays, 95), percentile(delays, 99)
    report.add(
        "change→event p50 / p95 / p99",
        f"{ms(percentile(delays, 50))} / {ms(p95)} / {ms(p99)}",
        f"p95 ≤ {TARGET_P95_MS}, p99 ≤ {TARGET_P99_MS}",
        p95 is not None and p99 is not None and p95 <= TARGET_P95_MS and p99 <= TARGET_P99_MS,
    )
    report.add(
        "missed events (> 5 s)",
        f"{missed} of {expected}",
        "0",
        missed == 0 and expected > 0,
        f"{late} of them came later (before the end of the phase)" if late else "",
    )


def _late(edits: list[Edit], by_agency: dict[int, list[Stream]], window: float) -> int:
    """Events that came after ``window`` (missed by the target, but not lost)."""
    late = 0
    for edit in edits:
        if edit.status != 200:
            continue
        for stream in by_agency.get(edit.agency_id, []):
            arrival = stream.first_snapshot_after(edit.sent)
            late += arrival is not None and arrival - edit.sent > window
    return late


async def phase_burst(bench: Bench) -> None:
    """--burst PATCHes at once: write time and event latency."""
    args, report = bench.args, bench.report
    print(f"\n[4] burst of {args.burst} concurrent edits")
    agencies = bench.take_agencies(args.burst)
    cpu = CpuWatch([instance.tree() for instance in bench.instances])
    edits = await asyncio.gather(*(bench.edit(agency) for agency in agencies))
    cpu_used = cpu.summary(bench.names)
    # Then until the last event (the builds of the agencies edited), to tell where time goes.
    answered, cpu = time.monotonic(), CpuWatch([instance.tree() for instance in bench.instances])
    while time.monotonic() - answered < BURST_WINDOW_S:
        if event_delays(edits, bench.by_agency, BURST_WINDOW_S)[1] == 0:
            break
        await asyncio.sleep(0.1)
    cpu_events = cpu.summary(bench.names)
    await asyncio.sleep(max(0.0, answered + BURST_WINDOW_S - time.monotonic()))
    delays, missed, expected = event_delays(edits, bench.by_agency, BURST_WINDOW_S)
    writes = [e.write_ms for e in edits if e.write_ms is not None]
    failed = Counter(e.status or e.error for e in edits if e.status != 200)
    write_p95, event_p95 = percentile(writes, 95), percentile(delays, 95)
    report.add(
        "burst: write p95",
        ms(write_p95),
        f"≤ {TARGET_BURST_WRITE_P95_MS} ms",
        write_p95 is not None and write_p95 <= TARGET_BURST_WRITE_P95_MS and not failed,
        f"{len(edits)} PATCHes, max {ms(max(writes, default=None))}"
        + (f", not 200: {dict(failed)}" if failed else "")
        + f"; until the last answer: {cpu_used}",
    )
    report.add(
        "burst: event p95",
        f"{ms(event_p95)}, {missed} missed",
        f"≤ {TARGET_BURST_EVENT_P95_MS} ms, 0 missed",
        event_p95 is not None and event_p95 <= TARGET_BURST_EVENT_P95_MS and missed == 0,
        f"{expected} events expected within {BURST_WINDOW_S:.0f} s; "
        f"p50 {ms(percentile(delays, 50))}, max {ms(max(delays, default=None))}; "
        f"from the last answer to the last event: {cpu_events}",
    )


async def phase_sigterm(bench: Bench, victim: int = 0) -> None:
    """SIGTERM one instance, restart it: when each of its streams is back."""
    report, instance = bench.report, bench.instances[victim]
    mine = [s for s in bench.pool.streams if s.instance == victim]
    others = [s for s in bench.pool.streams if s.instance != victim]
    print(f"\n[5] SIGTERM instance {instance.name} ({len(mine)} streams), then restart it")
    killed = time.monotonic()
    bench.sampler.pids[victim] = None
    exit_s = await asyncio.to_thread(instance.stop, signal.SIGTERM)
    instance.start()
    ready_s = await instance.ready(bench.editor, victim)
    bench.sampler.pids[victim] = instance.pid
    deadline = killed + TARGET_RECONNECT_S + 10
    while time.monotonic() < deadline:
        if all(s.back_after(killed) is not None for s in mine):
            break
        await asyncio.sleep(0.5)
    back = [b - killed for s in mine if (b := s.back_after(killed)) is not None]
    retries = [s.retry_s for s in mine]
    late = sorted(
        (round(b - killed, 1), s.retry_s)
        for s in mine
        if (b := s.back_after(killed)) is not None and b - killed > TARGET_RECONNECT_S
    )
    within = sum(1 for b in back if b <= TARGET_RECONNECT_S)
    per_second = Counter(int(b) for b in back)
    dropped_elsewhere = sum(1 for s in others if any(c.opened >= killed for c in s.connections))
    report.add(
        "back after SIGTERM (≤ 30 s)",
        f"{within} / {len(mine)}",
        f"all {len(mine)}",
        within == len(mine) and bool(mine),
        f"p50 {percentile(back, 50) or 0:.1f} s, max {max(back, default=0):.1f} s; exit took "
        f"{exit_s:.1f} s, ready {ready_s:.1f} s later; busiest second "
        f"{max(per_second.values(), default=0)} reconnects; {dropped_elsewhere} streams of the "
        f"other instance dropped; retry: received {min(retries):.1f}–{max(retries):.1f} s"
        + (f"; late (back at, retry): {late[:5]}" if late else ""),
    )


async def phase_listener(bench: Bench) -> None:
    """Kill the LISTEN connections, edit at once: when the events arrive."""
    report = bench.report
    print("\n[6] pg_terminate_backend on the listening connections, then edits at once")
    killed = time.monotonic()
    terminated = await asyncio.to_thread(terminate_listeners, bench.admin)
    relistening = asyncio.create_task(
        asyncio.to_thread(wait_for_listeners, bench.admin, terminated, TARGET_LISTENER_S * 2)
    )
    edits = await asyncio.gather(
        *(bench.edit(agency) for agency in bench.take_agencies(LISTENER_EDITS))
    )
    relisten_at = await relistening
    relisten = None if relisten_at is None else relisten_at - killed
    meanwhile = sum(
        1 for e in edits if e.answered and (relisten_at is None or e.answered < relisten_at)
    )
    await asyncio.sleep(max(0.0, killed + TARGET_LISTENER_S + 1 - time.monotonic()))
    arrivals = []
    expected = 0
    for edit in edits:
        if edit.status != 200:
            continue
        for stream in bench.by_agency.get(edit.agency_id, []):
            expected += 1
            arrival = stream.first_snapshot_after(edit.sent)
            if arrival is not None:
                arrivals.append(arrival - killed)
    within = sum(1 for a in arrivals if a <= TARGET_LISTENER_S)
    report.add(
        "events after listener kill",
        f"{within} / {expected} within 5 s",
        "all",
        bool(terminated) and expected > 0 and within == expected,
        f"{len(terminated)} listening connections killed, "
        + ("none back" if relisten is None or not terminated else f"back in {relisten:.1f} s")
        + f"; {meanwhile} of {len(edits)} edits committed before"
        + (f"; latest event {max(arrivals):.1f} s after the kill" if arrivals else ""),
    )
    if not terminated:
        print("  no listening connection found: no LISTEN/NOTIFY broker on this checkout")


def report_database(bench: Bench, workers: int) -> None:
    """Connections per instance and on the server, idle transactions (sampled every second)."""
    from api.db import POOL_SIZE, POSTGRES_MAX_OVERFLOW

    sampler, report = bench.sampler, bench.report
    limit = workers * (POOL_SIZE + POSTGRES_MAX_OVERFLOW + 1)
    for index, instance in enumerate(bench.instances):
        series = sampler.series[index]
        states = ", ".join(f"{k} {v}" for k, v in series.states.most_common(3))
        report.add(
            f"DB connections, instance {instance.name}",
            f"max {series.connections_max}",
            f"≤ {limit}",
            series.connections_max <= limit,
            f"pool {POOL_SIZE}+{POSTGRES_MAX_OVERFLOW} + 1 listener, per process, × {workers}; "
            f"listeners seen {series.listeners_max}; states sampled: {states}",
        )
    report.add(
        "PostgreSQL connections, all databases",
        f"max {sampler.server_connections_max}",
        f"< {sampler.max_connections}",
        sampler.server_connections_max < sampler.max_connections,
        "the whole server (other users' databases too); the limit is max_connections less "
        "the superuser slots",
    )
    report.add(
        "idle in transaction > 1 s",
        f"max {sampler.idle_in_tx_over_1s_max}",
        "0",
        sampler.idle_in_tx_over_1s_max == 0 and sampler.samples > 0,
        f"in {sampler.idle_in_tx_samples} of {sampler.samples} one-second samples"
        + (f"; sampler errors {dict(sampler.errors)}" if sampler.errors else ""),
    )


def report_health(bench: Bench) -> None:
    """/healthz latency, 5xx answers, how streams ended, what the logs say."""
    report = bench.report
    for index, instance in enumerate(bench.instances):
        p95 = percentile(bench.healthz[index], 95)
        report.add(
            f"/healthz p95, instance {instance.name}",
            ms(p95),
            f"≤ {TARGET_HEALTHZ_P95_MS} ms",
            p95 is not None and p95 <= TARGET_HEALTHZ_P95_MS,
            f"{len(bench.healthz[index])} checks, one a second; "
            f"max {ms(max(bench.healthz[index], default=None))}",
        )
    statuses = bench.pool.statuses + bench.editor.statuses + bench.healthz_statuses
    errors = sum(n for status, n in statuses.items() if status >= 500)
    report.add(
        "5xx answers",
        str(errors),
        "0",
        errors == 0,
        f"streams {dict(bench.pool.statuses)}, edits {dict(bench.editor.statuses)}, "
        f"/healthz {dict(bench.healthz_statuses)}",
    )
    transport = ", ".join(f"{k} {v}" for k, v in bench.pool.errors.most_common(4)) or "none"
    report.add("stream endings", str(sum(bench.pool.errors.values())), detail=transport)
    for instance in bench.instances:
        counts = instance.log_counts()
        report.add(
            f"log of instance {instance.name}",
            "clean" if not any(counts.values()) else "see detail",
            detail=", ".join(f"{k} {v}" for k, v in counts.items() if v),
        )


async def scenario(args: argparse.Namespace, url: str, tmp: Path) -> bool:
    """The six phases against two instances; True when every target is met."""
    seeds = seed_database(url, args)
    workers_args = worker_options(args)
    secret = secrets.token_urlsafe(40)
    ports = [free_port(), free_port()]
    instances = []
    for name, port in zip("AB", ports, strict=False):
        data = tmp / f"host-{name.lower()}"
        data.mkdir()
        env = dict(
            os.environ,
            COULOIR_DATA_DIR=str(data),
            COULOIR_DATABASE_URL=url,
            COULOIR_SECRET_KEY=secret,
            COULOIR_PUBLIC_URL=f"http://{HOST}:{ports[0]}",  # one public URL for both hosts
            COULOIR_ENV="development",
        )
        instances.append(Instance(name, port, env, tmp / f"{name}.log", workers_args))
    editor = Editor([i.url for i in instances], max_connections=args.burst + 16)
    pool = StreamPool([(HOST, p) for p in ports])
    admin = admin_engine(url)
    report = Report()
    bench = Bench(args, seeds, instances, editor, pool, admin, Sampler(admin, [None, None]), report)
    bench.healthz = [[] for _ in instances]
    bench.home = assign_homes(seeds, len(instances))
    bench.order = list(seeds)
    random.Random(2).shuffle(bench.order)
    for agency in seeds:
        bench.by_agency[agency.id] = [
            Stream(token, agency.id, bench.home[agency.id]) for token in agency.screen_tokens
        ]
    stop_health = asyncio.Event()
    health_task = None
    try:
        for instance in instances:
            instance.start()
        for index, instance in enumerate(instances):
            took = await instance.ready(editor, index)
            print(
                f"instance {instance.name}: pid {instance.pid}, port {instance.port}, ready in "
                f"{took:.1f} s, fd limit {fd_limit(instance.pid or 0)}"
                + (f" ({' '.join(workers_args)})" if workers_args else " (no --workers option)")
            )
        # Warm both (imports done on first use) before the memory baseline.
        for index in range(len(instances)):
            await editor.get(index, "/api/v1/display/snapshot", seeds[index].screen_tokens[0])
        rss_before = [rss_kib(instance.tree()) for instance in instances]
        await idle_without_streams(bench)
        bench.sampler.pids = [instance.pid for instance in instances]
        bench.sampler.start()
        health_task = asyncio.create_task(bench.watch_health(stop_health))
        await phase_connect(bench)
        await phase_idle(bench, rss_before)
        await phase_edits(bench)
        await phase_burst(bench)
        await phase_sigterm(bench)
        await phase_listener(bench)
        stop_health.set()
        await health_task
        report_database(bench, args.workers)
        report_health(bench)
    finally:
        stop_health.set()
        if health_task is not None and not health_task.done():
            health_task.cancel()
        bench.sampler.stop()
        await pool.close()
        await editor.close()
        for instance in instances:
            await asyncio.to_thread(instance.stop, signal.SIGTERM, 10.0)
        admin.dispose()  # type: ignore[attr-defined]
        keep_logs(args, instances)
        if any(n for i in instances for n in i.log_counts().values()):
            for instance in instances:
                print(f"\n--- end of instance {instance.name}'s log ---\n{instance.log_tail(15)}")
    return report.print()


# --- --find-limit ---------------------------------------------------------------------------


async def find_limit(args: argparse.Namespace, url: str, tmp: Path) -> bool:
    """Ramp the streams on one instance; print each step, the first target missed, the limit.

    The ramp goes on past a missed target (latency, CPU, memory per stream) and stops at a
    hard limit (streams not all connected, descriptors near the limit, the instance gone).

    Each stream is a screen of its own (as many screens are seeded as the last step needs),
    so per-screen costs show; the agencies stay as many, with more screens each.
    """
    steps = [n for n in args.steps if n <= args.ceiling] or [args.ceiling]
    args.screens = max(args.screens, steps[-1])
    seeds = seed_database(url, args)
    workers_args = worker_options(args)
    port = free_port()
    data = tmp / "host-a"
    data.mkdir()
    env = dict(
        os.environ,
        COULOIR_DATA_DIR=str(data),
        COULOIR_DATABASE_URL=url,
        COULOIR_SECRET_KEY=secrets.token_urlsafe(40),
        COULOIR_PUBLIC_URL=f"http://{HOST}:{port}",
        COULOIR_ENV="development",
    )
    instance = Instance("A", port, env, tmp / "A.log", workers_args)
    editor = Editor([instance.url], max_connections=64)
    pool = StreamPool([(HOST, port)])
    tokens = [(a, t) for a in seeds for t in a.screen_tokens]
    by_agency: dict[int, list[Stream]] = {}
    print(f"\nramp on one instance: {', '.join(map(str, steps))} streams (ceiling {args.ceiling})")
    print(
        f"{'streams':>8} {'connected':>9} {'took':>6} {'RSS MiB':>8} {'KiB/str':>8} "
        f"{'idle CPU':>8} {'fds':>6} {'ev p95':>8} {'ev p99':>8} {'missed':>6} "
        f"{'healthz':>8}  verdict"
    )
    order = list(seeds)
    random.Random(3).shuffle(order)
    edits_done = 0
    limit_reason = f"none up to {steps[-1]} streams (ceiling {args.ceiling})"
    first_miss: str | None = None
    ok_all = True
    try:
        instance.start()
        await instance.ready(editor, 0)
        await editor.get(0, "/api/v1/display/snapshot", seeds[0].screen_tokens[0])
        rss_before = rss_kib(instance.tree())
        limit = fd_limit(instance.pid or 0) or 0
        for target in steps:
            new = []
            for i in range(len(pool.streams), target):
                agency, token = tokens[i % len(tokens)]
                stream = Stream(token, agency.id, 0)
                new.append(stream)
                by_agency.setdefault(agency.id, []).append(stream)
            began = time.monotonic()
            await pool.open_at_rate(new, args.connect_rate)
            await pool.wait_connected(target, timeout=60 + len(new) / args.connect_rate)
            took = time.monotonic() - began
            connected = pool.connected()
            tree = instance.tree()
            if not tree:
                limit_reason = f"the instance died at {target} streams"
                ok_all = False
                print(instance.log_tail())
                break
            cpu_before = cpu_seconds(tree)
            idle_began = time.monotonic()
            health = []
            while time.monotonic() - idle_began < args.limit_idle_seconds:
                health.append((await editor.get(0, "/healthz"))[1])
                await asyncio.sleep(1.0)
            cpu = (cpu_seconds(tree) - cpu_before) / (time.monotonic() - idle_began)
            rss, fds = rss_kib(tree), fd_count(tree)
            per_stream = (rss - rss_before) / max(connected, 1)
            edits = []
            for agency in (order[(edits_done + k) % len(order)] for k in range(20)):
                edits.append(
                    await editor.patch(
                        0,
                        agency.editor_token,
                        agency.id,
                        agency.offer_ids[0],
                        f"Poste rampe {edits_done} (H/F)",
                    )
                )
                edits_done += 1
                await asyncio.sleep(0.5)
            await asyncio.sleep(EVENT_WINDOW_S)
            delays, missed, _ = event_delays(edits, by_agency, EVENT_WINDOW_S)
            p95, p99 = percentile(delays, 95), percentile(delays, 99)
            healthz_p95 = percentile(health, 95)
            reasons, hard = [], []
            if connected < target:
                hard.append(f"only {connected} connected ({dict(pool.errors)})")
            if limit and fds > 0.9 * limit:
                hard.append(f"{fds} fds of {limit}")
            if per_stream > TARGET_RSS_KIB:
                reasons.append(f"RSS {per_stream:.0f} KiB per stream")
            if cpu > TARGET_IDLE_CPU:
                reasons.append(f"idle CPU {cpu:.0%} of a core")
            if p95 is None or p95 > TARGET_P95_MS or (p99 or 0) > TARGET_P99_MS or missed:
                reasons.append(f"events p95 {ms(p95)}, p99 {ms(p99)}, {missed} missed")
            if healthz_p95 is None or healthz_p95 > TARGET_HEALTHZ_P95_MS:
                reasons.append(f"/healthz p95 {ms(healthz_p95)}")
            print(
                f"{target:>8} {connected:>9} {took:>5.0f}s {rss / 1024:>8.0f} {per_stream:>8.1f} "
                f"{cpu:>8.1%} {fds:>6} {ms(p95):>8} {ms(p99):>8} {missed:>6} "
                f"{ms(healthz_p95):>8}  {'; '.join(hard + reasons) or 'PASS'}"
            )
            if (hard or reasons) and first_miss is None:
                first_miss = f"at {target} streams: {'; '.join(hard + reasons)}"
                ok_all = target > steps[0]
            if hard:  # more streams would only fail to connect
                limit_reason = f"at {target} streams: {'; '.join(hard)}"
                break
    finally:
        await pool.close()
        await editor.close()
        await asyncio.to_thread(instance.stop, signal.SIGTERM, 10.0)
        keep_logs(args, [instance])
        counts = instance.log_counts()
        if any(counts.values()):
            print(f"log: {dict(counts)}\n{instance.log_tail(15)}")
    print(f"\nfirst target missed: {first_miss or 'none'}")
    print(f"hard limit (streams refused, descriptors, instance lost): {limit_reason}")
    print(f"stream endings: {dict(pool.errors)}; statuses: {dict(pool.statuses)}")
    return ok_all


# --- entry point ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Options, with the --quick preset applied and every figure bounded."""
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--database-url", help="PostgreSQL server (default: the test server)")
    parser.add_argument("--agencies", type=int, default=900)
    parser.add_argument("--screens", type=int, default=2000)
    parser.add_argument("--staff", type=int, default=20000)
    parser.add_argument("--offers-mean", type=int, default=40, help="open offers per agency")
    parser.add_argument("--offers-max", type=int, default=200)
    parser.add_argument("--connect-rate", type=float, default=200.0, help="new streams per second")
    parser.add_argument(
        "--phase-seconds",
        type=float,
        default=60.0,
        help="idle and edit phases (idle CPU needs a minute: each stream re-reads its snapshot "
        "once a minute)",
    )
    parser.add_argument("--edit-rate", type=float, default=10.0, help="edits per second")
    parser.add_argument("--burst", type=int, default=200, help="concurrent PATCHes")
    parser.add_argument(
        "--edit-via",
        choices=["other", "same"],
        default="other",
        help="send each edit through the instance the agency's screens do not use (other), "
        "or through theirs (same: a control run without cross-instance delivery)",
    )
    parser.add_argument("--workers", type=int, default=1, help="processes per instance")
    parser.add_argument("--quick", action="store_true", help="a 2-minute run on smaller data")
    parser.add_argument("--find-limit", action="store_true", help="ramp one instance instead")
    parser.add_argument(
        "--steps",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[2000, 5000, 10000, 15000],
        help="--find-limit: stream counts to try, in order",
    )
    parser.add_argument("--ceiling", type=int, default=18000, help="--find-limit: at most")
    parser.add_argument(
        "--limit-idle-seconds",
        type=float,
        default=60.0,
        help="--find-limit: idle per step (a minute at least: each stream re-reads its "
        "snapshot once a minute)",
    )
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the servers' logs there")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="the whole run, at most")
    args = parser.parse_args(argv)
    if args.quick:
        args.agencies, args.screens, args.staff = 120, 400, 2000
        args.phase_seconds, args.burst = 15.0, 60
    args.agencies = max(2, min(args.agencies, 5000))
    args.screens = max(args.agencies, min(args.screens, 20000))
    args.phase_seconds = max(2.0, min(args.phase_seconds, 600.0))
    args.edit_rate = max(0.5, min(args.edit_rate, 100.0))
    args.connect_rate = max(1.0, min(args.connect_rate, 2000.0))
    args.burst = max(1, min(args.burst, 1000))
    args.workers = max(1, min(args.workers, 8))
    return args


async def amain(args: argparse.Namespace) -> int:
    """Raise the fd limit, make a database, run the scenario or the ramp, drop it."""
    soft, hard = raise_fd_limit()
    # Each stream is one socket here and one on the server, plus the server's other files.
    args.ceiling = min(args.ceiling, soft - 1000)
    print(
        f"Couloir scale benchmark — {os.cpu_count()} CPU, load average {os.getloadavg()[0]:.1f}, "
        f"RLIMIT_NOFILE {soft}/{hard} (client and servers); a 10-million-step Python loop: "
        f"{python_loop_seconds():.2f} s of CPU"
    )
    base = await asyncio.to_thread(base_database_url, args.database_url)
    url = await asyncio.to_thread(create_database, Path(tempfile.gettempdir()), base=base)
    cpu_before = time.process_time()
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="couloir-scale-") as tmp:
            run = find_limit if args.find_limit else scenario
            ok = await asyncio.wait_for(run(args, url, Path(tmp)), args.max_minutes * 60)
    finally:
        await asyncio.to_thread(drop_database, url)
    wall = time.monotonic() - began
    print(
        f"\nrun took {wall:.0f} s; the client used {(time.process_time() - cpu_before) / wall:.0%} "
        f"of a core on average"
    )
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every target is met."""
    return asyncio.run(amain(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
