"""The screen program's one loop: events, update, draw, flip, tick.

The wiring (:mod:`display.wiring`) hands it its workers; the
:class:`~display.link.ServiceLink` tells it what the service sent (read between frames),
:class:`~display.schedule.ScreenPower` turns the screen off outside opening hours and
:class:`~display.notify.Notifier` tells systemd the loop is alive. The
:class:`~display.renderer.Renderer` draws the logical (upright) picture and says which
rectangles changed; the :class:`~display.presenter.Presenter` copies only those to the
screen, turned to its orientation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import pygame

from api.contract import Snapshot
from display.feed import PhotoUpdate, SnapshotUpdate
from display.layers import ScreenStatus
from display.link import ServiceLink, Unpaired
from display.presenter import Presenter
from display.renderer import Renderer
from display.scenes import photo_size
from display.screen import poll_events
from display.settings import DisplaySettings
from display.surfaces import give_back_free_memory
from display.workers import Clocks, LoopOptions, Workers

log = logging.getLogger(__name__)


class DisplayApp:
    """The render loop and the state it owns (snapshot, status, picture on screen).

    It is handed its workers (feed or pairing, health reports, power switch) by the wiring;
    ``renderer_factory`` builds a renderer for a logical size (the benchmark's naive one).
    """

    def __init__(
        self,
        settings: DisplaySettings,
        screen: pygame.Surface,
        workers: Workers,
        *,
        options: LoopOptions | None = None,
        clocks: Clocks | None = None,
        renderer_factory: Callable[[tuple[int, int]], Renderer] = Renderer,
    ) -> None:
        self.settings = settings
        self.screen = screen
        self.workers = workers
        self.options = options or LoopOptions()
        self.clocks = clocks or workers.make.clocks
        if self.clocks.before_release():
            log.warning(
                "clock: the screen's clock says %s, before this version's release (%s): "
                "not set yet (no NTP?); the service's time will be shown once it answers",
                self.clocks.system_now().date(),
                self.clocks.released_on,
            )
        self._renderer_factory = renderer_factory
        self.link = ServiceLink(
            workers,
            settings.stale_after_s,
            self.clocks,
            pair_again_when_refused=self.options.pair_again_when_refused,
        )
        self.snapshot: Snapshot | None = None
        self._new_data = False  # a snapshot arrived this frame
        self.status: ScreenStatus | None = None
        self.frames = 0
        self.clock = pygame.time.Clock()
        self._last_dirty = -1.0
        self._next_power_check = 0.0
        self._ready_sent = False
        self.presenter: Presenter
        self.renderer: Renderer
        self._build(self.options.orientation or 0)

    @property
    def orientation(self) -> int:
        """The screen's orientation in use (clockwise degrees)."""
        return self.presenter.orientation

    def _build(self, orientation: int) -> None:
        self.presenter = Presenter(self.screen, orientation)
        self.renderer = self._renderer_factory(self.presenter.logical.get_size())
        # A new renderer knows nothing: hand it everything again.
        self.renderer.set_snapshot(self.snapshot)
        self.link.crop_photos(photo_box(self.renderer), again=self.snapshot is not None)
        if self.status is not None:
            self.renderer.set_status(self.status, self.link.pairing_code)
        self.renderer.set_stale_since(self.link.stale_since)
        self._full_present = True

    # -- one frame ----------------------------------------------------------------------

    def step(self, dt: float) -> bool:
        """Run one frame; return False when the program should stop."""
        if self.options.stop.is_set():
            return False
        events = poll_events(windowed=self.options.windowed)
        if events.quit:
            return False
        self._full_present |= events.exposed
        now = self.clocks.now()
        self._read_news()
        if self.link.check_pairing(lambda: photo_box(self.renderer)):
            self.status = None  # re-send the status with its new code
        if self.link.check_data_age(now, self.snapshot is not None):
            self.renderer.set_stale_since(self.link.stale_since)
        self._check_power(now)
        self._set_status(self._wanted_status())
        self.renderer.update(dt, now)  # shown in the agency's own time zone
        dirty = self.renderer.draw(self.presenter.logical)
        if self._new_data:
            # The old snapshot and the pictures drawn from it are gone: their pages too.
            self._new_data = False
            give_back_free_memory()
        full, self._full_present = self._full_present, False
        flip = self.presenter.present(dirty, full=full)
        if flip:
            self._last_dirty = self.clocks.monotonic()
            if self.options.present and pygame.display.get_surface() is not None:
                pygame.display.update(flip)
        self.frames += 1
        if not self._ready_sent:
            self._ready_sent = True
            self.workers.notifier.ready()
        self.workers.notifier.tick()
        self.link.report(self.presenter.logical, self.clock.get_fps(), self.screen.get_size())
        return True

    def target_fps(self) -> int:
        """Full frame rate while things move (a change in the last half second), a low
        one when the picture is still or off."""
        if self.status is ScreenStatus.OFF:
            return 1
        moving = self.clocks.monotonic() - self._last_dirty < 0.5
        return self.settings.fps if moving else self.settings.idle_fps

    def run(self) -> int:
        """Run until asked to stop; return the exit status."""
        try:
            while self.step(self.clock.tick(self.target_fps()) / 1000.0):
                pass
            return 0
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker threads and tell systemd."""
        self.workers.notifier.stopping()
        self.workers.stop(timeout=2.0)
        self.workers.power.wait(timeout=2.0)
        self.workers.notifier.close()

    def _read_news(self) -> None:
        for news in self.link.news():
            if isinstance(news, SnapshotUpdate):
                self.snapshot = news.snapshot
                self.renderer.set_snapshot(news.snapshot)
                self._follow_orientation(news.snapshot)
                if self.workers.health is not None and self.options.screenshot_on_change:
                    self.workers.health.screenshot_soon()
                self._new_data = True
            elif isinstance(news, PhotoUpdate):
                self.renderer.set_photo(news.hire_id, news.image)
            elif isinstance(news, Unpaired):
                self.snapshot = None
                self.renderer.set_snapshot(None)
                self.renderer.set_stale_since(None)

    def _follow_orientation(self, snapshot: Snapshot) -> None:
        # The contract calls the screen's orientation ``rotation``.
        wanted = snapshot.screen.rotation
        if self.options.orientation is None and wanted != self.orientation:
            log.info("screen: orientation %d° set by the service", wanted)
            self._build(wanted)

    def _check_power(self, now: datetime) -> None:
        # The schedule has minute precision; once a second is plenty.
        tick = self.clocks.monotonic()
        if tick >= self._next_power_check:
            self._next_power_check = tick + 1.0
            self.workers.power.update(self.snapshot, now)

    def _wanted_status(self) -> ScreenStatus:
        if self.workers.power.is_on is False:
            return ScreenStatus.OFF
        if self.snapshot is not None:
            return ScreenStatus.READY
        return ScreenStatus.PAIRING if self.link.pairing is not None else ScreenStatus.WAITING

    def _set_status(self, status: ScreenStatus) -> None:
        if status is not self.status:
            self.status = status
            code = self.link.pairing_code if status is ScreenStatus.PAIRING else None
            self.renderer.set_status(status, code)


def photo_box(renderer: Renderer) -> tuple[int, int] | None:
    """Size hire photos are shown at, so the feed thread can crop them beforehand."""
    return photo_size(renderer.theme, renderer.assets)
