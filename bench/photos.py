"""Benchmark: how long ``/healthz`` waits while large photos are being re-encoded.

Starts a real ``couloir serve`` on 127.0.0.1 with the demo data, then probes ``/healthz`` one
request after another, first with nothing else going on, then while ``--uploads`` concurrent
uploads of a 6000×6000 WebP are processed (``--rounds`` times), and prints the probes' latency
p50 / max for both phases, and how long the uploads took.

Target: the p50 during uploads stays within a few ms of the idle one, and the max well under the
time of one decode (photos are decoded on the photo workers, never on the event loop; before
that, four uploads stalled every request for about 1.6 s). Bounded: a few rounds, timeouts.

    .venv/bin/python bench/photos.py [--uploads 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.api.test_photo_concurrency import big_webp  # noqa: E402
from tests.support.server import LiveServer  # noqa: E402

IDLE_PROBES = 50
TIMEOUT_S = 120.0


def _probe(url: str, stop: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(timeout=TIMEOUT_S) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(f"{url}/healthz").raise_for_status()
            latencies.append(time.perf_counter() - started)


def _figures(label: str, latencies: list[float]) -> str:
    ms = [s * 1000 for s in latencies]
    return (
        f"{label:<24} probes {len(ms):>4}   p50 {statistics.median(ms):7.1f} ms"
        f"   max {max(ms):7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=4, help="concurrent uploads per round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    webp = big_webp()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp))
        server.start()
        try:
            with server.client("manager") as manager:
                body = {"employer": "Banc d'essai", "title": "Photo", "hired_on": str(date.today())}
                hire_ids = [
                    manager.post("/api/v1/hires", json=body).json()["id"]
                    for _ in range(args.uploads)
                ]
            idle: list[float] = []
            with httpx.Client(timeout=TIMEOUT_S) as client:
                for _ in range(IDLE_PROBES):
                    started = time.perf_counter()
                    client.get(f"{server.url}/healthz").raise_for_status()
                    idle.append(time.perf_counter() - started)

            busy: list[float] = []
            upload_s: list[float] = []
            token = server.token("manager")

            def upload(hire_id: int) -> float:
                started = time.perf_counter()
                httpx.put(
                    f"{server.url}/api/v1/hires/{hire_id}/photo",
                    content=webp,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "image/webp"},
                    timeout=TIMEOUT_S,
                ).raise_for_status()
                return time.perf_counter() - started

            for _ in range(args.rounds):
                stop = threading.Event()
                prober = threading.Thread(target=_probe, args=(server.url, stop, busy))
                prober.start()
                with ThreadPoolExecutor(max_workers=args.uploads) as pool:
                    upload_s.extend(pool.map(upload, hire_ids))
                stop.set()
                prober.join(TIMEOUT_S)
        finally:
            server.close()

    print(
        f"{args.uploads} concurrent uploads of a {len(webp) // 1000} kB 6000×6000 WebP, "
        f"{args.rounds} rounds"
    )
    print(_figures("/healthz idle", idle))
    print(_figures("/healthz during uploads", busy))
    print(
        f"{'upload':<24} count {len(upload_s):>5}   p50 "
        f"{statistics.median(upload_s) * 1000:7.0f} ms   max {max(upload_s) * 1000:7.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
