"""The service away for hours, simulated (issue 17, point 5): used by tests/display/test_outage.py
and printed by bench/faults.py.

The feed's real worker loop runs in the calling thread against a scripted service; its waits
move a :class:`~runtime_support.ManualClock` instead of sleeping, and each one draws a frame
of the real render loop. What is measured per simulated hour: writes to the cache folder, log
lines, attempts to reach the service, Python objects and memory blocks in use.
"""

from __future__ import annotations

import gc
import inspect
import logging
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pygame
from runtime_support import ManualClock, ScriptedService, display_app

import display.cache
from display.cache import DisplayCache
from display.feed import Feed, retry_delay
from display.settings import DisplaySettings

HOUR_S = 3600.0
FRAME_EVERY_S = 60.0  # simulated seconds between two frames drawn
#: Monday 23 November 2026, 08:00 UTC.
START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@dataclass
class Outage:
    """What the screen did during a simulated outage (see :func:`simulate_outage`)."""

    hours: float
    writes_per_hour: list[int] = field(default_factory=list)
    log_lines_per_hour: list[int] = field(default_factory=list)
    attempts_per_hour: list[int] = field(default_factory=list)
    blocks: list[int] = field(default_factory=list)  # memory blocks in use at each hour's end
    objects: list[int] = field(default_factory=list)  # Python objects alive, each hour's end
    marked_hours: int = 0  # hours whose end showed the stale mark over the last data
    frames: int = 0
    catch_up_s: float | None = None  # from the service's return to the screen's next contact
    mark_after_return: str | None = None  # the stale mark once caught up (None: gone)
    cache_files: list[str] = field(default_factory=list)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def simulate_outage(folder: Path, hours: float = 8.0, seed: int = 17) -> Outage:
    """Run a screen for a minute, cut its service for ``hours``, bring it back; return the
    measures. Takes a few seconds of real time (no sleeping)."""
    clock = ManualClock(START)
    clocks = clock.clocks()
    service = ScriptedService()
    service.clock = clock

    def one_keep_alive():
        yield b": ok\n\n"

    service.events = one_keep_alive
    cache_dir = folder / "cache"
    writes = [0]
    real_write = display.cache.atomic_write

    def counted_write(path: Path, data: bytes, mode: int = 0o644) -> None:
        writes[0] += 1
        real_write(path, data, mode)

    result = Outage(hours=hours)
    lines = _Lines()
    screen_log = logging.getLogger("display")
    screen_log.addHandler(lines)
    old_level, old_propagate = screen_log.level, screen_log.propagate
    screen_log.setLevel(logging.INFO)
    # Counted here only: a test runner keeping every record would grow, not the screen.
    screen_log.propagate = False
    display.cache.atomic_write = counted_write
    cut_at = 60.0
    back_at = cut_at + hours * HOUR_S
    state = {"next_hour": cut_at + HOUR_S, "writes": 0, "lines": 0, "attempts": 0, "frame_at": 0.0}
    app = None
    feed: Feed

    def measure_hour() -> None:
        assert app is not None
        result.writes_per_hour.append(writes[0] - state["writes"])
        result.log_lines_per_hour.append(lines.count - state["lines"])
        result.attempts_per_hour.append(len(service.requests) - state["attempts"])
        state["writes"], state["lines"] = writes[0], lines.count
        service.requests.clear()  # the stand-in's own memory is not the screen's
        state["attempts"] = 0
        gc.collect()
        result.blocks.append(sys.getallocatedblocks())
        result.objects.append(len(gc.get_objects()))
        texts = [box.text for box in app.renderer.text_boxes]
        if app.snapshot is not None and any(t.startswith("données du") for t in texts):
            result.marked_hours += 1

    def wait(seconds: float) -> bool:
        elapsed = clock.mono - 1000.0
        contact = feed.last_contact_mono
        if contact is not None and contact >= 1000.0 + back_at:
            # In touch again: how long it took, and what the screen shows now; then stop.
            result.catch_up_s = contact - (1000.0 + back_at)
            for _ in range(3):
                app.step(0.03)
            texts = [box.text for box in app.renderer.text_boxes]
            result.mark_after_return = next((t for t in texts if t.startswith("données du")), None)
            feed._stop.set()
            return True
        step = min(seconds, max(0.001, back_at - elapsed)) if elapsed < back_at else seconds
        clock.advance(step)
        elapsed += step
        if not service.down and cut_at <= elapsed < back_at:
            # The cut: what was done before it (the first snapshot stored) is not counted.
            state["writes"], state["lines"] = writes[0], lines.count
            service.requests.clear()
        service.down = cut_at <= elapsed < back_at
        if clock.mono - state["frame_at"] >= FRAME_EVERY_S:
            # A frame a simulated minute is enough to see the mark (and keeps this quick).
            state["frame_at"] = clock.mono
            app.step(1.0)
            result.frames += 1
        while cut_at < state["next_hour"] <= elapsed and len(result.writes_per_hour) < hours:
            measure_hour()
            state["next_hour"] += HOUR_S
        if step < seconds:  # the service came back during this wait: finish it
            clock.advance(seconds - step)
            app.step(0.03)
        return False

    try:
        feed = Feed(
            "http://screen.test",
            "t",
            DisplayCache(cache_dir),
            transport=httpx.MockTransport(service),
            clocks=clocks,
            rng=random.Random(seed),
            wait=wait,
        )
        app = display_app(
            DisplaySettings(cache_dir=cache_dir), pygame.Surface((640, 360)), feed=feed
        )
        feed._loop()
    finally:
        display.cache.atomic_write = real_write
        screen_log.removeHandler(lines)
        screen_log.setLevel(old_level)
        screen_log.propagate = old_propagate
    result.cache_files = sorted(p.name for p in cache_dir.rglob("*") if p.is_file())
    return result


def return_spread(screens: int = 2000, seed: int = 17, outage_s: float = 8 * HOUR_S) -> list[float]:
    """When each of ``screens`` screens that lost the service at the same moment reaches it
    again, in seconds after its return (each screen retrying as :class:`Feed` does)."""
    rng = random.Random(seed)
    defaults = inspect.signature(Feed).parameters
    base_s = defaults["backoff_base_s"].default
    cap_s = defaults["backoff_max_s"].default
    back: list[float] = []
    for _ in range(screens):
        own = random.Random(rng.random())
        t, failures = 0.0, 0
        while t < outage_s:
            failures += 1
            t += retry_delay(failures, base_s, cap_s, own)
        back.append(t - outage_s)
    return back
