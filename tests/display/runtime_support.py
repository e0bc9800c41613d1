"""Helpers for the display runtime tests: snapshot documents and a scripted HTTP service.

The scripted service (an ``httpx.MockTransport``) is only for protocol edge cases that a
real server does not produce on demand (a 304 race, bad JSON, an unknown schema). The
live tests run the real service.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pygame

from api.contract import SCHEMA_VERSION
from display.app import DisplayApp
from display.feed import Feed
from display.pairing import Pairing
from display.settings import DisplaySettings
from display.workers import Clocks, LoopOptions, WorkerFactory, Workers


def snapshot_dict(
    *,
    offers: int = 2,
    title: str = "Boulanger",
    hires: list[dict[str, Any]] | None = None,
    schedule: list[dict[str, Any]] | None = None,
    orientation: int = 0,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """A valid snapshot document (as the service sends it)."""
    now = generated_at or datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.isoformat(),
        "agency": {"code": "avignon-joly-jean", "name": "Avignon Joly Jean"},
        "screen": {
            "name": "Couloir 1er étage",
            "rotation": orientation,  # the contract's name for the screen's orientation
            "playlist": [{"scene": "offers", "duration_s": 20}],
            "schedule": schedule or [],
        },
        "offers": [
            {
                "code": f"OF{i:04d}",
                "title": f"{title} {i}" if i else title,
                "employer": "Fournil du Rempart",
                "contract": "CDI",
                "commune": "Avignon",
                "positions": 1,
                "start_date": (now.date() + timedelta(days=10)).isoformat(),
                "opened_at": (now - timedelta(days=3 * i)).isoformat(),
                "days_open": 3 * i,
                "candidates_count": i % 3,
                "tags": ["#embaucheenor"],
                "urgency": {"level": i % 4, "label": "à pourvoir"},
                "qr_url": f"http://localhost:8000/o/OF{i:04d}",
                "is_new": i == 0,
            }
            for i in range(offers)
        ],
        "hires": hires or [],
        "challenge": None,
        "announcements": [],
    }


def hire_dict(hire_id: int, photo_path: str | None) -> dict[str, Any]:
    """One remarkable hire, with or without a photo."""
    return {
        "id": hire_id,
        "employer": "Garage Durance",
        "title": "Mécanicienne",
        "story": "Reconvertie après douze ans de restauration.",
        "cde_name": "Nadia",
        "cdde_name": "Paul",
        "hired_on": date(2026, 11, 2).isoformat(),
        "photo_path": photo_path,
    }


class ScriptedService:
    """A programmable stand-in for the service, for ``httpx.MockTransport``.

    ``snapshots`` is served at the snapshot URL with ETags; ``events`` is an optional
    event-stream body (iterator of byte chunks) or an HTTP status; ``photos`` maps URL
    paths to bytes. Every request is recorded in ``requests``.
    """

    def __init__(self) -> None:
        self.body: bytes = json.dumps(snapshot_dict()).encode()
        self.etag = '"v1"'
        self.snapshot_status: int | None = None
        self.events: Callable[[], Iterator[bytes]] | int = 404
        self.photos: dict[str, bytes] = {}
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()
        #: The service's clock: each answer carries it as its Date header (None: no header).
        self.clock: Callable[[], datetime] | None = None
        #: True: the service is away (every request fails to connect).
        self.down = False

    def set_body(self, document: dict[str, Any] | bytes, etag: str) -> None:
        """Serve ``document`` from now on, under ``etag``."""
        with self.lock:
            self.body = document if isinstance(document, bytes) else json.dumps(document).encode()
            self.etag = etag

    def paths(self) -> list[str]:
        """Paths requested so far."""
        with self.lock:
            return [request.url.path for request in self.requests]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            body, etag = self.body, self.etag
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        response = self._answer(request, body, etag)
        if self.clock is not None:
            response.headers["Date"] = format_datetime(self.clock(), usegmt=True)
        return response

    def _answer(self, request: httpx.Request, body: bytes, etag: str) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/display/snapshot":
            if self.snapshot_status is not None:
                return httpx.Response(self.snapshot_status, json={"detail": "jeton inconnu"})
            if request.headers.get("If-None-Match") == etag:
                return httpx.Response(304, headers={"ETag": etag})
            return httpx.Response(
                200, content=body, headers={"ETag": etag, "Content-Type": "application/json"}
            )
        if path == "/api/v1/display/events":
            if isinstance(self.events, int):
                return httpx.Response(self.events, json={"detail": "Not Found"})
            return httpx.Response(
                200,
                headers={"Content-Type": "text/event-stream"},
                content=self.events(),
            )
        if path in self.photos:
            return httpx.Response(200, content=self.photos[path])
        return httpx.Response(404, json={"detail": "Not Found"})


def wait_for(predicate: Callable[[], Any], timeout: float = 3.0, step: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something truthy or ``timeout`` passes."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(step)


def display_app(
    settings: DisplaySettings,
    screen: pygame.Surface,
    *,
    feed: Feed | None = None,
    pairing: Pairing | None = None,
    orientation: int | None = None,
    now: Callable[[], datetime] | None = None,
    clocks: Clocks | None = None,
) -> DisplayApp:
    """The render loop handed ``feed`` or ``pairing``, drawing off screen (no flip).

    Its clocks: ``clocks``, else the feed's (they share them), else ``now`` for wall time.
    """
    if clocks is None:
        clocks = feed.clocks if feed is not None else Clocks(now=now) if now else Clocks()
    workers = Workers(WorkerFactory(settings, clocks=clocks), feed=feed, pairing=pairing)
    options = LoopOptions(orientation=orientation, present=False)
    return DisplayApp(settings, screen, workers, options=options, clocks=clocks)


class ManualClock:
    """The screen's two clocks, moved by hand: :meth:`advance` lets time pass (wall and
    monotonic alike), :meth:`jump` moves the wall clock only (NTP setting a Pi's clock).

    Called, it gives the wall time; ``now`` reads it too, and setting ``now`` lets the
    difference pass on both clocks.
    """

    def __init__(self, start: datetime) -> None:
        self.wall = start
        self.mono = 1000.0

    def __call__(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        """Seconds that never jump."""
        return self.mono

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass."""
        self.wall += timedelta(seconds=seconds)
        self.mono += seconds

    def jump(self, delta: timedelta) -> None:
        """Set the wall clock forward (or back, negative) by ``delta``; no time passes."""
        self.wall += delta

    @property
    def now(self) -> datetime:
        """The wall time."""
        return self.wall

    @now.setter
    def now(self, value: datetime) -> None:
        self.advance((value - self.wall).total_seconds())

    def clocks(self, **kwargs: Any) -> Clocks:
        """:class:`~display.timekeeping.Clocks` reading this clock."""
        return Clocks(now=self, monotonic=self.monotonic, **kwargs)
