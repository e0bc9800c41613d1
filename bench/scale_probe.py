"""What bench/scale.py measures outside HTTP: processes (/proc) and PostgreSQL (pg_stat_activity).

Server instances are process trees (``couloir serve --workers N`` forks); their memory, CPU
and descriptors are summed over the tree. Database connections are attributed to an
instance by their client port: PostgreSQL reports it, /proc says which process owns the socket.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

LISTENER_NAME = "couloir-listener"
TICK = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants still alive."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        if Path(f"/proc/{current}").exists():
            tree.append(current)
            todo.extend(children.get(current, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def rss_kib(pids: list[int]) -> int:
    """Resident memory of these processes, in KiB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def fd_count(pids: list[int]) -> int:
    """Open file descriptors of these processes."""
    total = 0
    for pid in pids:
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue
    return total


def fd_limit(pid: int) -> int | None:
    """The soft RLIMIT_NOFILE of a process."""
    try:
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
    except (OSError, ValueError):
        pass
    return None


def _socket_inodes(pids: list[int]) -> set[int]:
    inodes = set()
    for pid in pids:
        try:
            names = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for name in names:
            try:
                target = os.readlink(f"/proc/{pid}/fd/{name}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def _tcp_ports_by_inode() -> dict[int, int]:
    ports = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            ports[int(parts[9])] = int(parts[1].rsplit(":", 1)[1], 16)
    return ports


def local_ports(pids: list[int]) -> set[int]:
    """Local TCP ports of the sockets these processes hold."""
    by_inode = _tcp_ports_by_inode()
    return {by_inode[i] for i in _socket_inodes(pids) if i in by_inode}


def admin_engine(url: str) -> Engine:
    """An autocommit engine on the bench's database, for pg_stat_activity and termination."""
    return create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1, max_overflow=1)


@dataclass
class Backend:
    pid: int
    client_port: int | None
    state: str | None
    application_name: str
    query: str
    in_state_s: float

    @property
    def is_listener(self) -> bool:
        """The LISTEN connection of a server process (by its name, or its last query)."""
        return self.application_name == LISTENER_NAME or self.query.lstrip().upper().startswith(
            "LISTEN"
        )


def backends(engine: Engine) -> list[Backend]:
    """Client backends on the bench's database (this connection left out)."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT pid, client_port, state, application_name, left(query, 80),"
                " coalesce(extract(epoch FROM now() - state_change), 0)"
                " FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
        ).all()
    return [Backend(r[0], r[1], r[2], r[3] or "", r[4] or "", float(r[5])) for r in rows]


def terminate_listeners(engine: Engine) -> list[Backend]:
    """``pg_terminate_backend`` on every listening connection; the ones terminated."""
    found = [b for b in backends(engine) if b.is_listener]
    with engine.connect() as connection:
        for backend in found:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend.pid})
    return found


@dataclass
class InstanceSeries:
    """Per-second samples of one instance."""

    connections_max: int = 0
    listeners_max: int = 0
    rss_kib_max: int = 0
    fds_max: int = 0
    states: Counter[str] = field(default_factory=Counter)


class Sampler:
    """Every second, in a thread: database connections per instance, idle transactions, RSS, fds."""

    def __init__(self, engine: Engine, pids: list[int | None]) -> None:
        self._engine = engine
        self.pids = pids  # root pid of each instance, updated on restart (None while down)
        self.series = [InstanceSeries() for _ in pids]
        self.idle_in_tx_over_1s_max = 0
        self.idle_in_tx_samples = 0
        self.unattributed_max = 0
        self.server_connections_max = 0  # every database of the PostgreSQL server
        self.max_connections = 0  # for ordinary roles: superuser slots left out
        self.samples = 0
        self.errors: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="scale-sampler")

    def start(self) -> None:
        """Sample every second from now on."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling (nothing to stop when an instance failed before it started)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            try:
                self.sample()
            except Exception as exc:  # a bench keeps measuring; errors are reported at the end
                self.errors[type(exc).__name__] += 1

    def sample(self) -> None:
        """One sample of everything."""
        found = backends(self._engine)
        with self._engine.connect() as connection:
            in_use, limit = connection.execute(
                text(
                    "SELECT count(*), current_setting('max_connections')::int"
                    " - current_setting('superuser_reserved_connections')::int"
                    " FROM pg_stat_activity WHERE backend_type = 'client backend'"
                )
            ).one()
        self.server_connections_max = max(self.server_connections_max, in_use)
        self.max_connections = limit
        stuck = sum(1 for b in found if b.state == "idle in transaction" and b.in_state_s > 1.0)
        self.idle_in_tx_over_1s_max = max(self.idle_in_tx_over_1s_max, stuck)
        self.idle_in_tx_samples += 1 if stuck else 0
        by_port = {b.client_port: b for b in found if b.client_port}
        attributed = 0
        for index, root in enumerate(list(self.pids)):
            if root is None:
                continue
            tree = process_tree(root)
            mine = [by_port[p] for p in local_ports(tree) if p in by_port]
            attributed += len(mine)
            series = self.series[index]
            series.connections_max = max(series.connections_max, len(mine))
            series.listeners_max = max(series.listeners_max, sum(1 for b in mine if b.is_listener))
            series.states.update(b.state or "?" for b in mine)
            series.rss_kib_max = max(series.rss_kib_max, rss_kib(tree))
            series.fds_max = max(series.fds_max, fd_count(tree))
        self.unattributed_max = max(self.unattributed_max, len(found) - attributed)
        self.samples += 1


def wait_for_listeners(engine: Engine, gone: list[Backend], timeout: float) -> float | None:
    """``time.monotonic()`` when as many new listening connections as ``gone`` exist, or None."""
    old = {b.pid for b in gone}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for b in backends(engine) if b.is_listener and b.pid not in old) >= len(old):
            return time.monotonic()
        time.sleep(0.05)
    return None


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on the machine (other users' databases too)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                    pids.append(int(entry))
            except OSError:
                continue
    return pids


def postgres_seconds() -> float:
    """CPU time of the PostgreSQL server: its processes alive, plus the backends that ended.

    An ended backend's time moves into its parent's (the postmaster's) cutime and cstime.
    """
    pids = postgres_pids()
    total = cpu_seconds(pids)
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) not in pids:  # the postmaster: its parent is not PostgreSQL
            total += (int(fields[13]) + int(fields[14])) / TICK
    return total


def python_loop_seconds(steps: int = 10_000_000, tries: int = 3) -> float:
    """CPU seconds a ``steps``-step Python loop takes here, lowest of ``tries``.

    Machines of one kind differ from day to day, even within an hour (0.37–0.55 s on one): the
    benches print it so that figures from two runs or two machines can be set side by side.
    """
    best = float("inf")
    for _ in range(tries):
        began, total = time.process_time(), 0
        for step in range(steps):
            total += step
        best = min(best, time.process_time() - began)
    return best


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (every process, other users' too)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK


class CpuWatch:
    """CPU used over a phase by each instance, this client and the whole machine."""

    def __init__(self, trees: list[list[int]]) -> None:
        self._trees = trees
        self._began = time.monotonic()
        self._instances = [cpu_seconds(tree) for tree in trees]
        self._client = time.process_time()
        self._postgres = postgres_seconds()
        self._machine = machine_busy_seconds()

    def summary(self, names: list[str], trees: list[list[int]] | None = None) -> str:
        """One line: seconds of CPU per instance and the client, machine busy share."""
        wall = time.monotonic() - self._began
        trees = trees or self._trees
        parts = [
            f"{name} {cpu_seconds(tree) - before:.1f} s"
            for name, tree, before in zip(names, trees, self._instances, strict=True)
        ]
        parts.append(f"client {time.process_time() - self._client:.1f} s")
        parts.append(f"PostgreSQL {postgres_seconds() - self._postgres:.1f} s")
        busy = (machine_busy_seconds() - self._machine) / wall / (os.cpu_count() or 1)
        return (
            f"CPU over {wall:.1f} s: {', '.join(parts)}; machine {busy:.0%} busy "
            "(all processes, other users' too)"
        )
