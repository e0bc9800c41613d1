"""The screen's side of the service: the feed's news, the pairing, and how old the data is.

The loop asks the :class:`ServiceLink` between frames; the link starts and stops workers
(through the :class:`~display.workers.WorkerFactory` it was handed) as the screen pairs,
gets its token refused, or loses the service for a while. It never draws: it tells the
loop what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pygame

from display.feed import AuthRefused, Feed, PhotoUpdate, SnapshotUpdate
from display.pairing import Pairing
from display.timekeeping import Clocks
from display.workers import Workers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unpaired:
    """The paired token was refused: the agency's data is forgotten, a new code comes."""


News = SnapshotUpdate | PhotoUpdate | Unpaired


class ServiceLink:
    """The workers that talk to the service, and what the loop must know of them.

    ``stale_after_s``: the data counts as old after this long without contact, measured on
    the monotonic clock of ``clocks`` (a clock set days forward or an hour back changes
    nothing to it).
    ``pair_again_when_refused``: the token came from an earlier pairing, so a refusal
    means the screen was revoked (a screen pairing now is in that case too).
    """

    def __init__(
        self,
        workers: Workers,
        stale_after_s: float,
        clocks: Clocks,
        *,
        pair_again_when_refused: bool = False,
    ) -> None:
        self.workers = workers
        self.stale_after_s = stale_after_s
        self.clocks = clocks
        self.started_mono = clocks.monotonic()
        self.pair_again_when_refused = pair_again_when_refused or workers.pairing is not None
        self.pairing_code: str | None = None
        self.stale_since: datetime | None = None  # None: the data is current

    @property
    def feed(self) -> Feed | None:
        """The feed in use (None until the screen has a token)."""
        return self.workers.feed

    @property
    def pairing(self) -> Pairing | None:
        """The pairing under way (None once the screen has a token)."""
        return self.workers.pairing

    def crop_photos(self, size: tuple[int, int] | None, *, again: bool) -> None:
        """Have the feed crop hires' photos to ``size`` from now on; ``again``: prepare the
        photos it already handed over once more (they were cropped for another size)."""
        feed = self.feed
        if feed is not None and size != feed.photo_cover:
            feed.photo_cover = size
            if again:
                feed.resend_photos()

    def news(self) -> list[News]:
        """What the feed brought since the last frame, oldest first."""
        if self.feed is None:
            return []
        out: list[News] = []
        for message in self.feed.drain():
            if not isinstance(message, AuthRefused):
                out.append(message)
            elif self.pair_again_when_refused:
                self._pair_again()
                out.append(Unpaired())
                break
            else:
                log.warning("screen: token refused by the service; showing the last data")
        return out

    def _pair_again(self) -> None:
        """Forget the revoked token and the agency's data; ask for a new code."""
        log.warning("screen: the stored token was refused (revoked?); pairing again")
        workers = self.workers
        workers.make.cache.forget()
        for worker in (workers.feed, workers.health):
            if worker is not None:
                worker.stop(timeout=0.5)
        workers.feed = workers.health = None
        self.stale_since = self.pairing_code = None
        workers.pairing = workers.make.pairing()
        workers.pairing.start()

    def check_pairing(self, photo_cover: Callable[[], tuple[int, int] | None]) -> bool:
        """Follow the pairing; True when its code changed (the page must show the new one).

        Once paired, the feed starts (cropping photos to ``photo_cover()``).
        """
        pairing = self.pairing
        if pairing is None:
            return False
        changed = pairing.code != self.pairing_code
        self.pairing_code = pairing.code
        if pairing.token and self.feed is None:
            self.on_paired(pairing.token, photo_cover())
        return changed

    def on_paired(self, token: str, photo_cover: tuple[int, int] | None) -> None:
        """Start the feed and the health reports once a token is known."""
        workers = self.workers
        workers.feed = workers.make.feed(token, photo_cover)
        workers.feed.start()
        if workers.health is None:
            workers.health = workers.make.health(token)
            workers.health.start()
        if workers.pairing is not None:
            workers.pairing.stop(timeout=0.1)
            workers.pairing = None

    def check_data_age(self, now: datetime, showing_data: bool) -> bool:
        """Mark the data old after ``stale_after_s`` without contact; True on a change.

        ``now`` is the wall time shown: « données du » gives the last contact by it (or, with
        no contact since start, when the cache was stored).
        """
        feed = self.feed
        if feed is None or not showing_data:
            return False
        contact = feed.last_contact_mono
        age = self.clocks.monotonic() - (contact if contact is not None else self.started_mono)
        since: datetime | None = None
        if age > self.stale_after_s:
            if contact is None and feed.last_contact is not None:
                since = feed.last_contact  # the cache's, stored in an earlier run
            else:
                since = now - timedelta(seconds=age)
        current = self.stale_since
        if since == current or (
            # The same moment seen through a wall clock that moved a little: no change.
            since is not None
            and current is not None
            and abs((since - current).total_seconds()) < 60
        ):
            return False
        self.stale_since = since
        if since is None:
            log.info("screen: service back, data current again")
        else:
            log.warning("screen: no contact with the service since %s", since.isoformat())
        return True

    def report(self, frame: pygame.Surface, fps: float, resolution: tuple[int, int]) -> None:
        """Hand the frame just drawn to the health reports (heartbeats, screenshots)."""
        health = self.workers.health
        if health is not None:
            etag = self.feed.etag if self.feed is not None else None
            health.tick(frame=frame, fps=fps, etag=etag, resolution=resolution)
