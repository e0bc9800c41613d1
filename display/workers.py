"""What the loop is handed: its workers (the threads around it), options and clocks.

The wiring (:mod:`display.wiring`) builds the first :class:`Workers` for the loop; when
a worker must start later (the feed once paired, a new pairing once revoked) the
:class:`~display.link.ServiceLink` asks the :class:`WorkerFactory` it was handed, so
that the loop itself never reads settings to build a worker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from display.cache import DisplayCache
from display.feed import Feed
from display.health import Health
from display.notify import Notifier
from display.pairing import Pairing
from display.schedule import ScreenPower
from display.settings import DisplaySettings
from display.timekeeping import Clocks

__all__ = ["Clocks", "LoopOptions", "WorkerFactory", "Workers"]


class WorkerFactory:
    """Builds the feed, health reports, pairing and power switch from the settings.

    ``health_overrides`` replace health settings (the demo's preview sends screenshots
    more often). ``clocks``: the one set of clocks the loop and its workers share.
    """

    def __init__(
        self,
        settings: DisplaySettings,
        health_overrides: dict[str, float] | None = None,
        clocks: Clocks | None = None,
    ) -> None:
        self.settings = settings
        self.health_overrides = health_overrides or {}
        self.clocks = clocks or Clocks()

    @property
    def cache(self) -> DisplayCache:
        """The screen's cache folder (token, last snapshot, photos)."""
        return DisplayCache(self.settings.cache_dir)

    def feed(self, token: str, photo_cover: tuple[int, int] | None) -> Feed:
        """A feed (not started) reading the service with ``token``."""
        s = self.settings
        return Feed(
            s.api_url,
            token,
            self.cache,
            poll_interval_s=s.poll_interval_s,
            photo_cover=photo_cover,
            clocks=self.clocks,
        )

    def health(self, token: str) -> Health:
        """Health reports (not started) sent with ``token``."""
        s, overrides = self.settings, self.health_overrides
        return Health(
            s.api_url,
            token,
            heartbeat_interval_s=overrides.get("heartbeat_interval_s", s.heartbeat_interval_s),
            screenshot_interval_s=overrides.get("screenshot_interval_s", s.screenshot_interval_s),
            screenshot_width=s.screenshot_width,
            clocks=self.clocks,
        )

    def pairing(self) -> Pairing:
        """A pairing (not started) asking the service for a code."""
        return Pairing(self.settings.api_url, self.cache)

    def power(self) -> ScreenPower:
        """The switch running the screen's on and off commands."""
        return ScreenPower(self.settings.screen_on_command, self.settings.screen_off_command)


@dataclass
class Workers:
    """What the loop is handed besides the screen: its workers and their factory.

    ``feed`` and ``pairing`` exclude each other in practice: a screen with a token reads
    the feed, one without asks for a pairing code until it gets one.
    """

    make: WorkerFactory
    feed: Feed | None = None
    pairing: Pairing | None = None
    health: Health | None = None
    notifier: Notifier = field(default_factory=lambda: Notifier(None))
    power: ScreenPower | None = None  # None: the factory's, from the settings

    def __post_init__(self) -> None:
        if self.power is None:
            self.power = self.make.power()

    def start(self) -> None:
        """Start the threads present."""
        for worker in (self.feed, self.health, self.pairing):
            if worker is not None:
                worker.start()

    def stop(self, timeout: float) -> None:
        """Stop the threads present, waiting up to ``timeout`` seconds for each."""
        for worker in (self.feed, self.pairing, self.health):
            if worker is not None:
                worker.stop(timeout=timeout)


@dataclass
class LoopOptions:
    """How the loop behaves, beside its settings."""

    orientation: int | None = None  # clockwise degrees; None: as the service sets it
    windowed: bool = False  # Escape or Q quits
    present: bool = True  # flip to the display (False: tests draw off screen only)
    screenshot_on_change: bool = False  # a preview screenshot after each new snapshot
    pair_again_when_refused: bool = False  # the token came from an earlier pairing
    stop: threading.Event = field(default_factory=threading.Event)  # set: leave the loop
