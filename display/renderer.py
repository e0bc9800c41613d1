"""The corridor screen's drawing: the playlist's scenes inside a header and a ticker.

The app loop hands data to the Renderer and asks it to draw; the renderer does no I/O of
its own (fonts come from ``display.assets``). A loop drives it this way::

    renderer = Renderer((1920, 1080))
    renderer.set_snapshot(snapshot)
    while running:
        renderer.update(dt, now)
        rects = renderer.draw(screen)   # [] when nothing changed
        pygame.display.update(rects)

It decides what the screen shows (status, clock, stale mark, ticker item, burn-in shift,
celebration); the :class:`~display.playlist.Playlist` decides which scene comes when, and
the :class:`~display.compositor.Compositor` turns it all into pixels.
"""

from __future__ import annotations

from datetime import date, datetime

import pygame

from api.contract import Snapshot
from display.assets import Assets
from display.compositor import Compositor, Scenery
from display.frame import Ticker, stale_mark
from display.french import clock
from display.layers import Layer, ScreenStatus, burn_in_shift
from display.playlist import Playlist
from display.scenes import CELEBRATION_SCENE, SCENES, Region, photo_size
from display.scenes.challenge import milestones_crossed
from display.schedule import agency_zone
from display.surfaces import tune_heap
from display.text import TextBox
from display.theme import theme_for


class Renderer:
    """Draws one screen of ``size`` (logical, already turned) from the data it is given.

    ``naive=True``: no caches, every layer rendered every frame (the benchmark's baseline).
    """

    def __init__(
        self, size: tuple[int, int], assets: Assets | None = None, *, naive: bool = False
    ) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        tune_heap()
        self.size = (int(size[0]), int(size[1]))
        self.theme = theme_for(self.size)
        self.assets = assets or Assets.load()
        self.status = ScreenStatus.READY
        self.pairing_code: str | None = None
        self.snapshot: Snapshot | None = None
        self.stale_since: datetime | None = None  # when the data shown was last current
        self.now: datetime | None = None  # in the agency's zone, from the last update
        self._stale_text: str | None = None
        self._date: date | None = None
        self.compositor = Compositor(self.theme, self.assets, naive=naive)
        self.ticker = Ticker(
            measure=self.compositor.painter.ticker_overflow, speed=self.theme.ticker_px * 3.0
        )
        self.playlist = Playlist(
            self.theme, self.assets, enter=self.compositor.enter, prerender=self._prerender
        )

    @property
    def current_scene(self) -> str:
        """Name of the scene on screen ("" before the first frame)."""
        return self.playlist.current_scene

    @property
    def text_boxes(self) -> list[TextBox]:
        """The text of the frame last drawn, where it is (for tests and checks)."""
        return self.compositor.text_boxes

    @property
    def regions(self) -> list[Region]:
        """The non-text elements of the frame last drawn (QR codes, bands, photos…)."""
        return self.compositor.regions

    # --- inputs from the app ---------------------------------------------------------

    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        """Show ``snapshot`` from the next frame; cheap when it has not changed."""
        old = self.snapshot
        if snapshot is old or (snapshot is not None and snapshot == old):
            return
        self.snapshot = snapshot
        self.compositor.upcoming = None
        # A first snapshot (after none) starts the playlist afresh.
        self.playlist.set_snapshot(snapshot, restart=old is None)
        self.compositor.refresh_all(Layer.HEADER, Layer.TICKER, Layer.CONTENT)
        if snapshot is None:
            return
        self.ticker.forget()
        self.compositor.keep_photos({h.id for h in snapshot.hires})
        milestone = milestones_crossed(old.challenge, snapshot.challenge) if old else None
        if milestone:
            self.compositor.celebrate(milestone)
            self.playlist.jump(CELEBRATION_SCENE, self.now or _fallback_now(self.snapshot))

    def set_stale_since(self, when: datetime | None) -> None:
        """``None``: data is fresh. Otherwise show « données du HH:MM » in the header."""
        if when != self.stale_since:
            self.stale_since = when
            self.compositor.refresh(Layer.HEADER)

    def set_status(self, status: ScreenStatus, pairing_code: str | None = None) -> None:
        """Switch between the scenes, the pairing or waiting page, and black."""
        if status != self.status or pairing_code != self.pairing_code:
            self.status = status
            self.pairing_code = pairing_code
            self.compositor.refresh_all(Layer.STATUS)

    def set_photo(self, hire_id: int, image: pygame.Surface | None) -> None:
        """Give the decoded photo of a hire (None removes it). Cropped to fill once here."""
        if image is None:
            self.compositor.drop_photo(hire_id)
            return
        scene = SCENES.get(self.current_scene)
        shown = scene is not None and scene.shows_photos
        self.compositor.set_photo(hire_id, image, photo_size(self.theme, self.assets), shown=shown)

    def show(self, scene: str, view: int = 0) -> None:
        """Pin the playlist on ``scene`` (screenshots, tests). Unknown names raise KeyError."""
        if scene not in SCENES:
            raise KeyError(f"scène inconnue : {scene} (connues : {', '.join(SCENES)})")
        self.playlist.pin(scene, view, self.now or _fallback_now(self.snapshot))

    # --- time ------------------------------------------------------------------------

    def update(self, dt: float, now: datetime) -> None:
        """Advance clock, playlist, slide and animations to ``now`` (tz-aware; the clock
        shows the time in the agency's zone)."""
        now = self.now = now.astimezone(agency_zone(self.snapshot))
        compositor = self.compositor
        shift = burn_in_shift(now, self.theme.shift)
        if shift != compositor.shift:
            compositor.shift = shift
            compositor.refresh_all(Layer.HEADER, Layer.TICKER, Layer.STATUS)
        if self.status is not ScreenStatus.READY or self.snapshot is None:
            return
        if now.date() != self._date:
            self._date = now.date()
            compositor.upcoming = None
            compositor.refresh_all(Layer.HEADER, Layer.TICKER, Layer.CONTENT)
        text = clock(now)
        if text != compositor.clock.text:
            compositor.clock.text = text
            compositor.dirty.mark(Layer.CLOCK)
        stale = stale_mark(self.stale_since, now)
        if stale != self._stale_text:
            self._stale_text = stale
            compositor.refresh(Layer.HEADER)
        if self.ticker.advance(dt, self.snapshot, now, hold=compositor.slide.active):
            compositor.refresh(Layer.TICKER)
        self.playlist.advance(dt, now)
        if compositor.slide.advance(dt):
            compositor.dirty.mark(Layer.CONTENT)
        compositor.advance_celebration(dt, still_on=self.current_scene == CELEBRATION_SCENE)

    def _prerender(self, name: str, view: int, now: datetime) -> None:
        assert self.snapshot is not None
        self.compositor.prerender((name, view), self.snapshot, now)

    # --- drawing -----------------------------------------------------------------------

    def draw(self, surface: pygame.Surface) -> list[pygame.Rect]:
        """Draw what changed since the last call onto ``surface``; return the dirty rects.

        A different target surface than last time gets a full frame.
        """
        now = self.now or _fallback_now(self.snapshot)
        if self.status is ScreenStatus.READY and self.snapshot is not None:
            if not self.current_scene:
                self.playlist.advance(0.0, now)
            if not self.compositor.clock.text and self.now is not None:
                self.compositor.clock.text = clock(self.now)
        scenery = Scenery(
            status=self.status,
            pairing_code=self.pairing_code,
            snapshot=self.snapshot,
            now=now,
            stale_text=self._stale_text,
            ticker_item=lambda: self.ticker.item(self.snapshot, now),
            ticker_offset=self.ticker.offset,
            view=(self.current_scene, self.playlist.view),
        )
        return self.compositor.draw(surface, scenery)


def _fallback_now(snapshot: Snapshot | None) -> datetime:
    if snapshot is not None and snapshot.generated_at.tzinfo is not None:
        return snapshot.generated_at
    return datetime.now().astimezone()


__all__ = ["Renderer", "ScreenStatus"]
