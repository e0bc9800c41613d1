"""Speed and memory of the corridor screen, on SDL's dummy driver. Prints figures.

    .venv/bin/python bench/display.py                  # full run (~20 min)
    .venv/bin/python bench/display.py --seconds 10 --soak-seconds 60   # quick look
    .venv/bin/python bench/display.py --soak-only      # the 10-minute soak alone

For 1080p and 4K, each in its own process (so peak RSS is that size's own):
- frame time p50/p95 of each scene in steady state and during transitions, with the demo
  (or sample) and stress snapshots, rendered with simulated time as fast as possible;
- CPU seconds used by the real loop over ``--seconds`` of steady display (only the clock
  changing), as % of one core;
- the same for ``Renderer(naive=True)`` ("redraw everything every frame"), as a ratio;
- peak RSS; and a soak of the real program: ``couloir display`` fed by ``couloir serve``
  on loopback, with a change made through the API every second for ``--soak-seconds``
  (its peak RSS and drift read from /proc).

Targets (issue 3): steady CPU <= 0.5 % of one core; transition p95 <= 6 ms at 1080p;
RSS <= 80 MiB (met at 1080p; at 4K the screen's own frame is 33 MB and one scene
surface 26 MB, so the 4K figure is printed against it for information); RSS drift
within +-5 % over the soak.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = {"1080p": (1920, 1080), "4K": (3840, 2160)}
FIXTURES = ROOT / "tests" / "fixtures" / "snapshots"
TARGETS = {"cpu_pct": 0.5, "transition_p95_ms_1080p": 6.0, "rss_mib": 80.0, "drift_pct": 5.0}


# -- data ---------------------------------------------------------------------------------

TITLES = ["Boulanger·ère", "Aide à domicile", "Mécanicien auto", "Serveur·euse", "Maçon VRD"]
COMMUNES = ["Avignon", "Le Pontet", "Morières-lès-Avignon", "Sorgues", "Châteaurenard"]


def sample_document(now: datetime, *, offers: int = 12, stress: bool = False) -> dict[str, Any]:
    """A realistic snapshot; ``stress``: 80 offers, 120-character names, long stories, emoji."""
    rng = random.Random(offers * 31 + stress)
    long_name = "Société coopérative d'intérêt collectif des maraîchers réunis 🍅 " * 3
    story = (
        "Après huit mois de recherche, elle a rencontré l'employeur lors du job dating "
        "organisé par l'agence ; la CDDE avait repéré ses compétences en logistique. "
    )
    count = 80 if stress else offers
    return {
        "schema_version": 1,
        "generated_at": now.isoformat(),
        "agency": {"code": "avignon-joly-jean", "name": "Agence d'Avignon Joly Jean"},
        "screen": {
            "name": "Couloir",
            "playlist": [
                {"scene": "offers", "duration_s": 20},
                {"scene": "hires", "duration_s": 15},
                {"scene": "challenge", "duration_s": 15},
                {"scene": "announcements", "duration_s": 10},
            ],
        },
        "offers": [
            {
                "code": f"Q{i:05d}",
                "title": (TITLES[i % 5] + " polyvalent·e en restauration collective")
                if stress
                else TITLES[i % 5],
                "employer": long_name[:120] if stress else f"Entreprise {i} SARL",
                "contract": ["CDI", "CDD", "intérim", "saisonnier", "alternance"][i % 5],
                "commune": COMMUNES[i % 5],
                "positions": 1 + i % 3,
                "start_date": (now.date() + timedelta(days=rng.randint(-5, 40))).isoformat(),
                "opened_at": (now - timedelta(days=rng.randint(0, 60))).isoformat(),
                "days_open": rng.randint(0, 60),
                "candidates_count": rng.randint(0, 4),
                "tags": ["#embaucheenor", "#sansdiplome"],
                "urgency": {
                    "level": i % 4,
                    "label": ["à pourvoir", "à surveiller", "urgent", "très urgent"][i % 4],
                },
                "qr_url": f"http://localhost:8000/o/Q{i:05d}",
                "is_new": i % 7 == 0,
            }
            for i in range(count)
        ],
        "hires": [
            {
                "id": i + 1,
                "employer": long_name[:120] if stress else "Garage de la Durance",
                "title": "Mécanicienne poids lourds",
                "story": story * (6 if stress else 1),
                "cde_name": "Nadia Benali",
                "cdde_name": "Paul Martin",
                "hired_on": (now.date() - timedelta(days=3 * i)).isoformat(),
                "photo_path": None,
            }
            for i in range(6 if stress else 3)
        ],
        "challenge": {
            "id": 1,
            "title": "30 offres TPE pourvues en novembre"
            + (" 🎯 défi collectif" if stress else ""),
            "unit": "offres",
            "goal": 30,
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-30",
            "days_left": 8,
            "total": 17,
            "by_service": {"cde": 10, "cdde": 7},
            "recent": [
                {
                    "service": "cde" if i % 2 else "cdde",
                    "amount": 1,
                    "label": "Offre pourvue chez "
                    + "un très long employeur " * (3 if stress else 1),
                    "at": (now - timedelta(hours=5 * i)).isoformat(),
                }
                for i in range(5)
            ],
        },
        "announcements": [
            {
                "id": 1,
                "message": "Réunion d'équipe jeudi 9 h en salle Ventoux"
                + (" — ordre du jour : " + "bilan du défi, " * 10 if stress else ""),
                "urgent": False,
                "starts_at": (now - timedelta(days=1)).isoformat(),
                "ends_at": (now + timedelta(days=3)).isoformat(),
            }
        ],
    }


def datasets(now: datetime) -> dict[str, dict[str, Any]]:
    """Named snapshot documents: demo (fixture) or sample, and stress."""
    out: dict[str, dict[str, Any]] = {}
    demo = FIXTURES / "demo.json"
    out["demo" if demo.exists() else "sample"] = (
        json.loads(demo.read_text("utf-8")) if demo.exists() else sample_document(now)
    )
    stress = FIXTURES / "stress.json"
    out["stress"] = (
        json.loads(stress.read_text("utf-8"))
        if stress.exists()
        else sample_document(now, stress=True)
    )
    return out


def only_scene(document: dict[str, Any], scenes: list[str], duration_s: int) -> dict[str, Any]:
    """The same snapshot with a playlist of ``scenes``."""
    copy = json.loads(json.dumps(document))
    copy["screen"]["playlist"] = [{"scene": s, "duration_s": duration_s} for s in scenes]
    copy["screen"]["schedule"] = []
    copy["screen"]["rotation"] = 0
    return copy


# -- measuring ----------------------------------------------------------------------------


def rss_mib() -> float:
    from display.health import rss_bytes

    return rss_bytes() / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def frame_series(
    size: tuple[int, int], document: dict[str, Any], scene: str, naive: bool, fps: int = 30
) -> list[tuple[float, int]]:
    """(frame time in ms, changed pixels) of ~9 s of ``scene`` at a simulated 30 fps.

    The playlist is ``scene`` then another for 4 s each, so the run holds steady frames
    and two transitions.
    """
    import pygame

    from api.contract import SCENE_NAMES, Snapshot
    from display.renderer import Renderer, ScreenStatus

    other = next(s for s in SCENE_NAMES if s != scene)
    snapshot = Snapshot.model_validate(only_scene(document, [scene, other], 4))
    screen = pygame.display.get_surface()
    renderer = Renderer(size, naive=naive)
    renderer.set_status(ScreenStatus.READY)
    renderer.set_snapshot(snapshot)
    now = datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)
    dt = 1 / fps
    # Warm-up: the first frames fill the caches, like a screen just switched on.
    for _ in range(fps // 2):
        renderer.update(dt, now)
        pygame.display.update(renderer.draw(screen))
        now += timedelta(seconds=dt)
    series = []
    for _ in range(9 * fps):
        start = time.perf_counter()
        renderer.update(dt, now)
        rects = renderer.draw(screen)
        if rects:
            pygame.display.update(rects)
        elapsed = (time.perf_counter() - start) * 1000
        series.append((elapsed, sum(r.w * r.h for r in rects)))
        now += timedelta(seconds=dt)
    return series


def split(series: list[tuple[float, int]], moving: list[bool]) -> tuple[list[float], list[float]]:
    """Frame times of steady frames and of frames where much of the picture moves."""
    steady = [t for (t, _), m in zip(series, moving, strict=True) if not m]
    transition = [t for (t, _), m in zip(series, moving, strict=True) if m]
    return steady, transition


def loop_cpu(size: tuple[int, int], document: dict[str, Any], seconds: float, naive: bool):
    """CPU % of one core used by the real loop showing one scene for ``seconds``."""
    import pygame

    from api.contract import Snapshot
    from display.app import DisplayApp
    from display.renderer import Renderer
    from display.settings import DisplaySettings
    from display.workers import LoopOptions, WorkerFactory, Workers

    snapshot = Snapshot.model_validate(only_scene(document, ["offers"], 600))
    # Only the clock changes: one page of offers, no page rotation, no transition.
    snapshot = snapshot.model_copy(update={"offers": snapshot.offers[:4]})
    settings = DisplaySettings(cache_dir=Path("/nonexistent"))
    app = DisplayApp(
        settings,
        pygame.display.get_surface(),
        Workers(WorkerFactory(settings)),
        options=LoopOptions(orientation=0),
        renderer_factory=lambda s: Renderer(s, naive=naive),
    )
    app.snapshot = snapshot
    app.renderer.set_snapshot(snapshot)
    for _ in range(30):  # settle: first full frame, caches
        app.step(1 / 30)
    before_cpu, before_wall, frames = cpu_seconds(), time.monotonic(), app.frames
    while time.monotonic() - before_wall < seconds:
        dt = app.clock.tick(app.target_fps()) / 1000
        app.step(dt)
    wall = time.monotonic() - before_wall
    used = cpu_seconds() - before_cpu
    return {
        "cpu_s": used,
        "wall_s": wall,
        "cpu_pct": 100 * used / wall,
        "fps": (app.frames - frames) / wall,
    }


class _Staff:
    """Staff at work through the API: one change a second, as from their phones.

    Most seconds rename an offer with new words (so the screen meets text it has never
    drawn); every tenth second a burst of 20 offers with 120-character employer names and
    emoji arrives and the previous burst is deleted; every tenth second, five seconds on,
    the announcement is replaced.
    """

    def __init__(self, server: Any) -> None:
        self.api = server.client("manager")
        self.rng = random.Random(3)
        offers = self.api.get("/api/v1/offers", params={"status": "open"}).json()
        self.versions: dict[int, int] = {o["id"]: o["version"] for o in offers}
        self.burst: list[int] = []
        self.announcement: int | None = None
        self.changes = 0

    def _words(self) -> str:
        return f"n°{self.rng.randint(0, 10**6)} {self.rng.choice(TITLES)}"

    def _rename(self) -> None:
        offer_id = self.rng.choice(list(self.versions))
        title = f"{self.rng.choice(TITLES)} {self._words()}"
        done = self.api.patch(
            f"/api/v1/offers/{offer_id}",
            json={"title": title[:80]},
            headers={"If-Match": f'"{self.versions[offer_id]}"'},
        )
        done.raise_for_status()
        self.versions[offer_id] = done.json()["version"]

    def _burst(self) -> None:
        for offer_id in self.burst:
            self.api.delete(f"/api/v1/offers/{offer_id}").raise_for_status()
            self.versions.pop(offer_id, None)
        long_name = "Société coopérative d'intérêt collectif des maraîchers réunis 🍅 " * 3
        self.burst = []
        for i in range(20):
            done = self.api.post(
                "/api/v1/offers",
                json={
                    "employer": f"{i} {self._words()} {long_name}"[:120],
                    "title": f"{self.rng.choice(TITLES)} polyvalent·e {self._words()}",
                    "contract": "CDD",
                    "commune": self.rng.choice(COMMUNES),
                    "tags": ["#embaucheenor"],
                },
            )
            done.raise_for_status()
            self.burst.append(done.json()["id"])
            self.versions[done.json()["id"]] = done.json()["version"]

    def _announce(self) -> None:
        if self.announcement is not None:
            self.api.post(f"/api/v1/announcements/{self.announcement}/end").raise_for_status()
        now = datetime.now(UTC)
        done = self.api.post(
            "/api/v1/announcements",
            json={
                "message": f"Réunion d'équipe jeudi 9 h en salle Ventoux — {self._words()}",
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(days=1)).isoformat(),
            },
        )
        done.raise_for_status()
        self.announcement = done.json()["id"]

    def change(self) -> None:
        """Make this second's change."""
        step = self.changes % 10
        if step == 0:
            self._burst()
        elif step == 5:
            self._announce()
        else:
            self._rename()
        self.changes += 1


def _proc_status(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of process ``pid``, in MiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            figures[key] = int(value.split()[0]) / 1024
    return figures


def soak(size: tuple[int, int], seconds: float) -> dict[str, float]:
    """The real screen program, fed by a real server that changes every second.

    ``couloir display`` runs as it does on the Pi (its own process, its feed and health
    threads, the disk cache, photos), against ``couloir serve`` on loopback with the demo
    agency; a 3-second playlist makes it change scene often. RSS is read from /proc.
    """
    import tempfile

    from tests.support.server import LiveServer

    with tempfile.TemporaryDirectory(prefix="couloir-bench-") as tmp:
        server = LiveServer(Path(tmp))
        server.start()
        display = None
        log = open(Path(tmp) / "display.log", "wb")  # noqa: SIM115 - closed below
        try:
            staff = _Staff(server)
            screen = staff.api.get("/api/v1/screens").json()[0]
            staff.api.patch(
                f"/api/v1/screens/{screen['id']}",
                json={
                    "playlist": [
                        {"scene": s, "duration_s": 3}
                        for s in ("offers", "hires", "challenge", "announcements")
                    ],
                    "version": screen["version"],
                },
            ).raise_for_status()
            display = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "api.cli",
                    "display",
                    "--windowed",
                    "--size",
                    f"{size[0]}x{size[1]}",
                    "--api",
                    server.url,
                    "--token",
                    server.screen_token,
                    "--cache-dir",
                    str(Path(tmp) / "cache"),
                ],
                cwd=ROOT,
                env={
                    **os.environ,
                    "SDL_VIDEODRIVER": "dummy",
                    "COULOIR_SCREENSHOT_INTERVAL_S": "30",
                },
                stdout=log,
                stderr=subprocess.STDOUT,
            )

            def run_for(duration: float) -> None:
                began = time.monotonic()
                while time.monotonic() - began < duration:
                    if display.poll() is not None:
                        raise RuntimeError(f"display exited: {_tail(Path(tmp) / 'display.log')}")
                    tick = time.monotonic()
                    staff.change()
                    time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

            # Warm-up: caches fill to their working size first.
            run_for(min(60.0, max(10.0, seconds / 10)))
            start = _proc_status(display.pid)["VmRSS"]
            samples = [start]
            remaining = seconds
            while remaining > 0:
                chunk = min(30.0, remaining)
                run_for(chunk)
                samples.append(_proc_status(display.pid)["VmRSS"])
                remaining -= chunk
            figures = _proc_status(display.pid)
            time.sleep(2.0)  # let the last change reach the screen before comparing
            followed = _cached_etag(Path(tmp) / "cache") == server.screen_client().get(
                "/api/v1/display/snapshot"
            ).headers.get("ETag")
        finally:
            if display is not None and display.poll() is None:
                display.terminate()
                display.wait(timeout=20)
            log.close()
            server.close()
    return {
        "start_mib": start,
        "end_mib": figures["VmRSS"],
        "max_mib": max(samples),
        "peak_mib": figures["VmHWM"],
        "drift_pct": 100 * (figures["VmRSS"] - start) / start,
        "changes": staff.changes,
        "followed": followed,
    }


def _tail(path: Path) -> str:
    return path.read_text("utf-8", "replace")[-3000:]


def _cached_etag(cache_dir: Path) -> str | None:
    from display.cache import DisplayCache

    cached = DisplayCache(cache_dir).load_snapshot()
    return cached.etag if cached else None


def child(args: argparse.Namespace) -> None:
    """Run one measurement in this process and print JSON on the last line."""
    import pygame

    size = SIZES[args.size]
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode(size)
    from api.contract import SCENE_NAMES

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    data = datasets(now)
    result: dict[str, Any] = {"rss_start_mib": rss_mib()}
    if args.child == "frames":
        area = size[0] * size[1]
        frames = {}
        for name, document in data.items():
            for scene in SCENE_NAMES:
                smart = frame_series(size, document, scene, naive=False)
                # A frame "in transition" changes a quarter of the screen or more; the naive
                # renderer redraws everything, so its frames are classed by the same instants.
                moving = [changed >= area / 4 for _, changed in smart]
                # Every naive frame redraws everything, so it costs the same whatever the
                # time step: sample it at 10 fps (the same instants) to keep the run short.
                naive = frame_series(size, document, scene, naive=True, fps=10)
                naive_moving = moving[::3]
                for mode, series, mask in (
                    ("smart", smart, moving),
                    ("naive", naive, naive_moving),
                ):
                    steady, transition = split(series, mask)
                    frames[f"{mode}/{name}/{scene}"] = {
                        "steady_p50": percentile(steady, 50),
                        "steady_p95": percentile(steady, 95),
                        "transition_p50": percentile(transition, 50),
                        "transition_p95": percentile(transition, 95),
                        "transition_frames": len(transition),
                    }
        result["frames"] = frames
    elif args.child in ("cpu", "cpu-naive"):
        document = data[next(iter(data))]
        result["cpu"] = loop_cpu(size, document, args.seconds, naive=args.child == "cpu-naive")
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


# -- report -------------------------------------------------------------------------------


def report(size: str, r: dict[str, Any]) -> None:
    """Print one size's figures against the targets."""
    print(f"\n== {size} ==")
    frames = r["frames"]
    print(f"{'frame time (ms)':36} {'steady p50':>10} {'p95':>7} {'trans p50':>10} {'p95':>7}")
    for key, f in frames.items():
        print(
            f"{key:36} {f['steady_p50']:10.2f} {f['steady_p95']:7.2f} "
            f"{f['transition_p50']:10.2f} {f['transition_p95']:7.2f}"
        )
    smart = [f for k, f in frames.items() if k.startswith("smart/")]
    naive = [f for k, f in frames.items() if k.startswith("naive/")]
    worst = max(f["transition_p95"] for f in smart)
    median_trans = statistics.median(f["transition_p95"] for f in smart)
    verdict = ""
    if size == "1080p":
        target = TARGETS["transition_p95_ms_1080p"]
        verdict = f"  (target <= {target} ms: {'OK' if worst <= target else 'MISSED'})"
    print(
        f"transition p95: worst scene {worst:.2f} ms, median scene {median_trans:.2f} ms{verdict}"
    )
    steady_smart = statistics.mean(f["steady_p50"] for f in smart)
    steady_naive = statistics.mean(f["steady_p50"] for f in naive)
    print(
        f"steady frame p50 (mean of scenes): {steady_smart:.3f} ms; naive {steady_naive:.2f} ms "
        f"(naive/smart x{steady_naive / max(steady_smart, 1e-6):.0f})"
    )
    cpu, cpu_n = r["cpu"]["cpu"], r["cpu-naive"]["cpu"]
    ok = cpu["cpu_pct"] <= TARGETS["cpu_pct"]
    print(
        f"steady CPU: {cpu['cpu_s']:.2f} s over {cpu['wall_s']:.0f} s = {cpu['cpu_pct']:.2f} % "
        f"of one core at {cpu['fps']:.1f} fps (target <= {TARGETS['cpu_pct']} %: "
        f"{'OK' if ok else 'MISSED'})"
    )
    print(
        f"naive CPU:  {cpu_n['cpu_s']:.2f} s = {cpu_n['cpu_pct']:.2f} % "
        f"at {cpu_n['fps']:.1f} fps "
        f"(naive/smart x{cpu_n['cpu_pct'] / max(cpu['cpu_pct'], 1e-6):.0f})"
    )
    steady = r["cpu"]["peak_rss_mib"]
    ok = steady <= TARGETS["rss_mib"]
    print(
        f"peak RSS, steady display in-process: {steady:.1f} MiB "
        f"(after imports {r['cpu']['rss_start_mib']:.1f}; target <= {TARGETS['rss_mib']:.0f} MiB: "
        f"{'OK' if ok else 'MISSED'}); naive {r['cpu-naive']['peak_rss_mib']:.1f} MiB"
    )


def report_soak(size: str, s: dict[str, Any]) -> None:
    """Print the soak's figures against the targets."""
    print(f"\n== {size} soak ==")
    ok = s["peak_mib"] <= TARGETS["rss_mib"]
    print(
        f"`couloir display` fed by `couloir serve`: {s['changes']} changes, "
        f"screen followed: {'yes' if s['followed'] else 'NO'}; peak RSS {s['peak_mib']:.1f} "
        f"MiB (target <= {TARGETS['rss_mib']:.0f} MiB: {'OK' if ok else 'MISSED'})"
    )
    ok = abs(s["drift_pct"]) <= TARGETS["drift_pct"]
    print(
        f"RSS {s['start_mib']:.1f} -> {s['end_mib']:.1f} MiB (max sample "
        f"{s['max_mib']:.1f}), drift {s['drift_pct']:+.2f} % "
        f"(target +-{TARGETS['drift_pct']:.0f} %: {'OK' if ok else 'MISSED'})"
    )


def _run_child(kind: str, size: str, args: argparse.Namespace) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--size",
            size,
            "--seconds",
            str(args.seconds),
            "--soak-seconds",
            str(args.soak_seconds),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} {size} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="steady CPU window")
    parser.add_argument(
        "--soak-seconds", type=float, default=600.0, help="RSS soak length (0: no soak)"
    )
    parser.add_argument("--sizes", default="1080p,4K", help="comma-separated: 1080p,4K")
    parser.add_argument("--soak-sizes", default="1080p", help="sizes soaked (comma-separated)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    parser.add_argument("--soak-only", action="store_true", help="only the soak")
    parser.add_argument("--json", action="store_true", help="print raw JSON too")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    everything = {}
    for size in args.sizes.split(","):
        results: dict[str, Any] = {}
        # One process per measurement: each peak RSS is that measurement's own.
        for kind in () if args.soak_only else ("frames", "cpu", "cpu-naive"):
            print(f"measuring {size} {kind}...", file=sys.stderr, flush=True)
            results[kind] = _run_child(kind, size, args)
        if args.soak_seconds > 0 and size in args.soak_sizes.split(","):
            print(f"measuring {size} soak...", file=sys.stderr, flush=True)
            results["soak"] = soak(SIZES[size], args.soak_seconds)
        everything[size] = results
        if "frames" in results:
            results["frames"] = results["frames"]["frames"]
            report(size, results)
        if "soak" in results:
            report_soak(size, results["soak"])
    if args.json:
        print(json.dumps(everything, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
