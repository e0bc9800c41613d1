"""Staff pages benchmark: server time (p50/p95) and page weight with 80 open offers.

Starts a real demo server on 127.0.0.1 (fresh data dir), tops it up to 80 open offers through
the JSON API, logs in through the login form, then requests each page sequentially.
Targets (issue 4): p95 < 50 ms, each page < 100 KB without photos (HTML + CSS + JS).
Server time is the app's own ``Server-Timing: app;dur=…`` header (request in → response
start); the client-seen p95 adds HTTP and the benchmark client's own share of the CPU.

    .venv/bin/python bench/admin.py [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import LiveServer  # noqa: E402

TARGET_OFFERS = 80
P95_TARGET_MS = 50.0
WEIGHT_TARGET_KB = 100.0
ASSETS = ("/static/admin.css", "/static/admin.js", "/admin/urgence.css")


def _top_up(server: LiveServer) -> int:
    """Create offers until the agency has TARGET_OFFERS open ones; return the count."""
    with server.client("cde") as client:
        open_now = len(client.get("/api/v1/offers", params={"status": "open"}).json())
        for index in range(TARGET_OFFERS - open_now):
            client.post(
                "/api/v1/offers",
                json={
                    "employer": f"Boulangerie du Rempart Saint-Michel n°{index}",
                    "title": "Boulanger·ère tourier·ère (pâte feuilletée, viennoiserie)",
                    "contract": "CDI",
                    "commune": "Villeneuve-lès-Avignon",
                    "tags": ["#embaucheenor", "#antiplome"],
                    "description": "Travail de nuit, 35 h, week-end par roulement.",
                },
            ).raise_for_status()
        return len(client.get("/api/v1/offers", params={"status": "open"}).json())


def _logged_in(server: LiveServer) -> httpx.Client:
    email, password = server.accounts["cde"]
    client = httpx.Client(base_url=server.url, timeout=10)
    page = client.get("/admin/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the login page"
    answer = client.post(
        "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert answer.status_code == 303, answer.text[:200]
    return client


def _p50_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _measure(client: httpx.Client, path: str, count: int) -> tuple[float, float, float, int]:
    """Server p50/p95 (Server-Timing), client-seen p95 in ms, and the HTML size in bytes."""
    client.get(path)  # warm-up (templates compiled, caches filled)
    seen, server = [], []
    size = 0
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        seen.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        timing = re.search(r"app;dur=([0-9.]+)", response.headers.get("server-timing", ""))
        server.append(float(timing[1]) if timing else seen[-1])
        size = len(response.content)
    p50, p95 = _p50_p95(server)
    return p50, p95, _p50_p95(seen)[1], size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per page (≤ 2000)")
    args = parser.parse_args()
    count = max(20, min(args.requests, 2000))
    with tempfile.TemporaryDirectory(prefix="couloir-bench-admin-") as tmp:
        server = LiveServer(Path(tmp))
        server.start()
        try:
            offers = _top_up(server)
            client = _logged_in(server)
            with server.client("cde") as api:
                first = api.get("/api/v1/offers", params={"status": "open"}).json()[0]
            assets = sum(len(client.get(path).content) for path in ASSETS)
            pages = {
                "Offres (toutes)": "/admin/offres",
                "Accueil": "/admin/",
                f"/o/{first['code']}": f"/o/{first['code']}",
                "Nouvelle offre": "/admin/offres/nouvelle",
                "Modifier": f"/admin/offres/{first['id']}/modifier",
                "Défi": "/admin/defi",
                "Embauches": "/admin/embauches",
            }
            print(f"open offers: {offers}; {count} sequential requests per page, 127.0.0.1")
            print(f"shared CSS+JS: {assets / 1000:.1f} KB")
            print(
                f"{'page':<22}{'server p50':>11}{'server p95':>11}{'client p95':>11}"
                f"{'HTML KB':>9}{'total KB':>9}"
            )
            worst_p95, worst_kb = 0.0, 0.0
            for label, path in pages.items():
                p50, p95, seen_p95, size = _measure(client, path, count)
                total_kb = (size + assets) / 1000
                worst_p95, worst_kb = max(worst_p95, p95), max(worst_kb, total_kb)
                print(
                    f"{label:<22}{p50:>11.1f}{p95:>11.1f}{seen_p95:>11.1f}"
                    f"{size / 1000:>9.1f}{total_kb:>9.1f}"
                )
            client.close()
        finally:
            server.close()
    ok = worst_p95 < P95_TARGET_MS and worst_kb < WEIGHT_TARGET_KB
    load = os.getloadavg()[0]
    print(f"load average while measuring: {load:.1f} on {os.cpu_count()} CPUs")
    print(
        f"worst server p95 {worst_p95:.1f} ms (target < {P95_TARGET_MS:.0f}); "
        f"heaviest page {worst_kb:.1f} KB (target < {WEIGHT_TARGET_KB:.0f}): "
        + ("OK" if ok else "MISSED")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
