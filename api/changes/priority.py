"""Writes first: snapshot builds wait while requests that write are in flight.

A person saving a form waits on the answer; a corridor screen does not notice its refresh
coming half a second later. Under a burst of saves, building the snapshots of the agencies
already saved would take the processor from the saves still to answer, so a build waits until
no write is in flight, and never longer than ``MAX_DEFERRAL_S``: the screens still follow.
"""

from __future__ import annotations

import threading
import time

from starlette.types import ASGIApp, Receive, Scope, Send

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_DEFERRAL_S = 1.0


class WriteGauge:
    """How many writing requests this process is answering; builds wait for none."""

    def __init__(self) -> None:
        self._in_flight = 0
        self._quiet = threading.Condition()

    @property
    def in_flight(self) -> int:
        """Writing requests being answered right now."""
        return self._in_flight

    def enter(self) -> None:
        """A writing request starts (event loop)."""
        with self._quiet:
            self._in_flight += 1

    def leave(self) -> None:
        """A writing request ended, answered or not (event loop)."""
        with self._quiet:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._quiet.notify_all()

    def wait_for_quiet(self, limit_s: float = MAX_DEFERRAL_S) -> float:
        """Block (a worker thread) until no write is in flight or ``limit_s`` passed; seconds
        waited."""
        began = time.monotonic()
        with self._quiet:
            self._quiet.wait_for(lambda: self._in_flight == 0, timeout=limit_s)
        return time.monotonic() - began


class WriteGaugeMiddleware:
    """Counts the writing HTTP requests in flight in ``gauge`` (pure ASGI, no body buffering)."""

    def __init__(self, app: ASGIApp, gauge: WriteGauge) -> None:
        self.app = app
        self.gauge = gauge

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        self.gauge.enter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.gauge.leave()
