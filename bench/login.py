"""Benchmark of logging in under a burst: the server's peak memory and the login latency.

Starts a real ``couloir serve`` on 127.0.0.1 with the demo data, then sends ``--parallel`` logins
at the same instant with unknown e-mails (what an attacker without an account can do), and as
many with the demo accounts' right passwords, and prints:

- the growth of the server's peak RSS (VmHWM in /proc/<pid>/status) over each burst;
- the latency p50/p95 of the logins, and how many were answered 200/401/503.

Each argon2 check takes 64 MiB; with at most 2 at once per process the peak growth stays near
130 MiB (it was 1.6–2.7 GB with 40 unbounded). Target: growth < 300 MiB, and no 5xx but 503
(a 429 means more than 5 logins at once for one account: the throttle).
Everything is bounded (one burst of each kind, 60 s timeouts) and stops by itself.

    .venv/bin/python bench/login.py [--parallel 40]
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import LiveServer  # noqa: E402

TARGET_GROWTH_MIB = 300
TIMEOUT_S = 60


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident memory so far, in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert match, status
    return int(match[1]) / 1024


def burst(server: LiveServer, logins: list[tuple[str, str]]) -> list[tuple[int, float]]:
    """Send every login at once; return (status, seconds) for each."""
    start = threading.Barrier(len(logins))

    def one(login: tuple[str, str]) -> tuple[int, float]:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT_S) as client:
            start.wait(timeout=TIMEOUT_S)
            began = time.perf_counter()
            response = client.post(
                "/api/v1/auth/token", json={"email": login[0], "password": login[1]}
            )
            return response.status_code, time.perf_counter() - began

    with ThreadPoolExecutor(max_workers=len(logins)) as pool:
        return list(pool.map(one, logins))


def report(label: str, pid: int, server: LiveServer, logins: list[tuple[str, str]]) -> bool:
    before = peak_rss_mib(pid)
    results = burst(server, logins)
    growth = peak_rss_mib(pid) - before
    times = sorted(seconds * 1000 for _, seconds in results)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    statuses = dict(sorted(Counter(status for status, _ in results).items()))
    ok = growth < TARGET_GROWTH_MIB and all(s in (200, 401, 429, 503) for s in statuses)
    print(
        f"{label:28} peak RSS +{growth:6.0f} MiB (target < {TARGET_GROWTH_MIB})  "
        f"latency p50 {statistics.median(times):6.0f} ms  p95 {p95:6.0f} ms  "
        f"statuses {statuses}  {'OK' if ok else 'FAIL'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=40, help="logins per burst (≤ 200)")
    args = parser.parse_args()
    parallel = max(2, min(args.parallel, 200))
    with tempfile.TemporaryDirectory(prefix="couloir-bench-login-") as tmp:
        server = LiveServer(Path(tmp))
        server.start()
        try:
            assert server._process is not None
            pid = server._process.pid
            print(f"server pid {pid}, peak RSS at start {peak_rss_mib(pid):.0f} MiB")
            unknown = [
                (f"inconnu.{i}.{secrets.token_hex(3)}@example.fr", "devine")
                for i in range(parallel)
            ]
            accounts = list(server.accounts.values())
            known = [accounts[i % len(accounts)] for i in range(parallel)]
            good = report(f"{parallel} unknown e-mails", pid, server, unknown)
            good &= report(f"{parallel} right passwords", pid, server, known)
        finally:
            server.close()
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
