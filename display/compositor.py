"""Turns what the renderer decided into pixels: layer pictures, then dirty areas copied.

The :class:`~display.renderer.Renderer` says what the screen shows (a :class:`Scenery`)
and which layers need rendering; the Compositor has the :class:`~display.painter.Painter`
render those layers off screen, copies the dirty ones onto the target, plays the slide
(:mod:`display.transition`) and returns the rectangles that changed. Once a view is on
the target its picture is let go (the target holds its pixels): at most one scene-sized
picture is alive besides the target, either the view being slid in or the one rendered
ahead of its transition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pygame

from api.contract import Snapshot
from display.assets import Assets
from display.layers import RENDERED, ClockFace, Dirty, Layer, Picture, ScreenStatus
from display.painter import Painter
from display.scenes import Region
from display.scenes.challenge import Celebration
from display.surfaces import crop_to_fill, prepare
from display.text import TextBox
from display.theme import Theme
from display.transition import Slide

ViewKey = tuple[str, int]  # (scene name, view number)


@dataclass
class Scenery:
    """What the screen shows at this frame, as the renderer decided it."""

    status: ScreenStatus
    pairing_code: str | None
    snapshot: Snapshot | None
    now: datetime
    stale_text: str | None  # « données du HH:MM » when the data is old
    ticker_item: Callable[[], str]  # asked only when the ticker is rendered
    view: ViewKey
    ticker_offset: int = 0  # px a long ticker item has scrolled

    @property
    def shows_scenes(self) -> bool:
        """True when the scenes are on (not black, not a status page)."""
        return self.status is ScreenStatus.READY and self.snapshot is not None


@dataclass
class Upcoming:
    """A view rendered ahead of its transition."""

    key: ViewKey
    picture: Picture


class Compositor:
    """The layer pictures of one screen and how they reach the target.

    ``naive=True`` renders every layer again at every frame, without caches (the
    benchmark's comparison).
    """

    def __init__(
        self,
        theme: Theme,
        assets: Assets,
        *,
        naive: bool = False,
    ) -> None:
        self.theme = theme
        self.painter = Painter(theme, assets, naive=naive)
        self.areas = self.painter.areas
        self.photos = self.painter.photos  # the scenes find them on the painter's canvases
        self.naive = naive
        self.pictures: dict[Layer, Picture] = {}  # header, ticker, status, the view
        self.upcoming: Upcoming | None = None
        # What the view on the target holds: its boxes and regions stay after its picture
        # is let go.
        self.view_boxes: list[TextBox] = []
        self.view_regions: list[Region] = []
        self.celebration: Celebration | None = None  # confetti over the view, for a while
        self.banner: pygame.Surface | None = None  # the celebration's message
        self.clock = ClockFace()
        self.slide = Slide()
        self.shift = (0, 0)
        self.needs_render: set[Layer] = set(RENDERED)
        self.dirty = Dirty()
        self._target: int | None = None
        self.text_boxes: list[TextBox] = []
        self.regions: list[Region] = []

    @property
    def view(self) -> Picture | None:
        """The view being drawn in (kept during a slide or a celebration only)."""
        return self.pictures.get(Layer.CONTENT)

    # --- views ---------------------------------------------------------------------------

    def prerender(self, key: ViewKey, snapshot: Snapshot, now: datetime) -> None:
        """Render view ``key`` ahead of its transition, unless already done."""
        if self.naive or (self.upcoming is not None and self.upcoming.key == key):
            return
        if self.view is not None:
            return  # a view is still drawn from its picture: one such picture at a time
        self.upcoming = None  # let an outdated one go before drawing the new one
        self.upcoming = Upcoming(key, self.painter.view(*key, snapshot, now))

    def enter(self, name: str, view: int, transition: bool) -> None:
        """Bring view ``view`` of scene ``name`` on (sliding in over the current one)."""
        key = (name, view)
        if transition and not self.naive:
            self.slide.begin()  # the old view stays on the target and is pushed out
        self.pictures.pop(Layer.CONTENT, None)
        if self.upcoming is not None and self.upcoming.key == key:
            self._show_view(self.upcoming.picture)
        else:
            self.needs_render.add(Layer.CONTENT)
        self.upcoming = None
        self.dirty.mark(Layer.CONTENT)

    def _show_view(self, picture: Picture) -> None:
        self.pictures[Layer.CONTENT] = picture
        self.view_boxes, self.view_regions = picture.boxes, picture.regions

    def celebrate(self, milestone: int) -> None:
        """Play a challenge milestone's celebration over the view from now on."""
        self.celebration = Celebration(milestone, self.areas.content.size)
        self.banner = None

    def advance_celebration(self, dt: float, *, still_on: bool) -> None:
        """Move the confetti on; the celebration ends when done or when ``still_on`` fails
        (its scene has gone)."""
        if self.celebration is None:
            return
        self.celebration.update(dt)
        self.dirty.mark(Layer.CONTENT)
        if self.celebration.done or not still_on:
            self.celebration = self.banner = None

    def set_photo(
        self, hire_id: int, image: pygame.Surface, size: tuple[int, int] | None, *, shown: bool
    ) -> None:
        """Keep a hire's photo, cropped to fill ``size``; ``shown``: the view shows photos."""
        fitted = image if size is None or image.get_size() == size else crop_to_fill(image, size)
        self.photos[hire_id] = prepare(fitted)
        self.upcoming = None
        if shown:
            self.refresh(Layer.CONTENT)

    def keep_photos(self, hire_ids: set[int]) -> None:
        """Let go of the photos of hires no longer shown (their memory with them)."""
        for hire_id in set(self.photos) - hire_ids:
            del self.photos[hire_id]

    def drop_photo(self, hire_id: int) -> None:
        """Forget a hire's photo (the view is rendered again when next needed)."""
        if self.photos.pop(hire_id, None) is not None:
            self.needs_render.add(Layer.CONTENT)

    def refresh(self, *layers: Layer) -> None:
        """Render ``layers`` again and copy their areas at the next frame."""
        self.needs_render.update(layers)
        for layer in layers:
            self.dirty.mark(layer)

    def refresh_all(self, *layers: Layer) -> None:
        """Render ``layers`` again and draw the whole frame at the next frame."""
        self.needs_render.update(layers)
        self.dirty.mark_all()

    # --- rendering -----------------------------------------------------------------------

    def _render_status(self, scenery: Scenery) -> None:
        if Layer.STATUS in self.needs_render or Layer.STATUS not in self.pictures:
            picture = self.painter.status(scenery.status, scenery.pairing_code, self.shift)
            self.pictures[Layer.STATUS] = picture
            self.needs_render.discard(Layer.STATUS)

    def _render_frame(self, scenery: Scenery) -> None:
        """Render whichever layers of the scenes need it."""
        snap, now = scenery.snapshot, scenery.now
        assert snap is not None
        if Layer.HEADER in self.needs_render or Layer.HEADER not in self.pictures:
            self.pictures.pop(Layer.HEADER, None)
            picture, self.clock.rect = self.painter.header(
                snap.agency.name, now.date(), scenery.stale_text, self.shift
            )
            self._rendered(Layer.HEADER, picture)
        if Layer.TICKER in self.needs_render or Layer.TICKER not in self.pictures:
            self._rendered(
                Layer.TICKER,
                self.painter.ticker(scenery.ticker_item(), self.shift, scenery.ticker_offset),
            )
        # The view is drawn again when it changed, or when a frame needs it and it was let go.
        if Layer.CONTENT in self.needs_render or (
            self.view is None and (self.dirty.full or Layer.CONTENT in self.dirty)
        ):
            # Let the old picture go before drawing the new one, and the view rendered
            # ahead too: it is drawn again in a later frame, after this one is on screen.
            self.pictures.pop(Layer.CONTENT, None)
            self.upcoming = None
            self._show_view(self.painter.view(*scenery.view, snap, now))
            self.needs_render.discard(Layer.CONTENT)
            self.dirty.mark(Layer.CONTENT)
        if self.celebration is not None and self.banner is None:
            self.banner = self.painter.banner(self.celebration.message)

    def _rendered(self, layer: Layer, picture: Picture) -> None:
        self.pictures[layer] = picture
        self.needs_render.discard(layer)
        self.dirty.mark(layer)

    # --- drawing onto the target ---------------------------------------------------------

    def draw(self, target: pygame.Surface, scenery: Scenery) -> list[pygame.Rect]:
        """Draw what is dirty onto ``target``; return the rectangles that changed.

        A different target surface than last time gets a full frame.
        """
        if self.naive:
            self.refresh_all(*RENDERED)
        if id(target) != self._target or target.get_size() != self.areas.screen.size:
            self._target = id(target)
            self.dirty.mark_all()
        if scenery.status is ScreenStatus.OFF or not scenery.shows_scenes:
            return self._draw_whole_page(target, scenery)
        self._render_frame(scenery)
        rects = self._draw_layers(target)
        if rects:
            self._collect(scenery)
        self.dirty.clear()
        if not self.slide.active and self.celebration is None:
            self.pictures.pop(Layer.CONTENT, None)  # on the target now; drawn again if needed
        return rects

    def _draw_whole_page(self, target: pygame.Surface, scenery: Scenery) -> list[pygame.Rect]:
        """Black, or the pairing or waiting page."""
        if scenery.status is not ScreenStatus.OFF:
            self._render_status(scenery)
        if not self.dirty.full:
            self.dirty.clear()
            return []
        if scenery.status is ScreenStatus.OFF:
            target.fill((0, 0, 0))
        else:
            target.blit(self.pictures[Layer.STATUS].surface, (0, 0))
        self.slide.cleared()
        self.dirty.clear()
        self._collect(scenery)
        return [self.areas.screen.copy()]

    def _draw_layers(self, target: pygame.Surface) -> list[pygame.Rect]:
        areas, dirty = self.areas, self.dirty
        header, ticker = self.pictures[Layer.HEADER], self.pictures[Layer.TICKER]
        if dirty.full:
            target.fill(self.theme.palette.background)
            target.blit(header.surface, (0, 0))
            target.blit(ticker.surface, areas.ticker)
            self._compose_content(target, full=True)
            self.painter.clock(target, self.clock)
            return [areas.screen.copy()]
        rects: list[pygame.Rect] = []
        if Layer.HEADER in dirty:
            target.blit(header.surface, (0, 0))
            self.painter.clock(target, self.clock)
            rects.append(areas.header.copy())
        elif Layer.CLOCK in dirty:
            rects.append(self.painter.clock(target, self.clock))
        if Layer.TICKER in dirty:
            target.blit(ticker.surface, areas.ticker)
            rects.append(areas.ticker.copy())
        if Layer.CONTENT in dirty:
            rects.append(self._compose_content(target))
        return rects

    def _compose_content(self, target: pygame.Surface, *, full: bool = False) -> pygame.Rect:
        area = self.areas.content.move(self.shift)
        view = self.view
        assert view is not None
        celebration = self.celebration
        self.slide.compose(target, area, view.surface, cut=full or celebration is not None)
        if celebration is not None:
            celebration.draw(target, area.topleft, self.theme, self.banner)
        return area

    def _collect(self, scenery: Scenery) -> None:
        """Gather the text boxes and regions of the frame as drawn."""
        if not scenery.shows_scenes:
            status = self.pictures.get(Layer.STATUS)
            shown = scenery.status is not ScreenStatus.OFF and status is not None
            self.text_boxes = list(status.boxes) if shown else []
            self.regions = []
            return
        dx, dy = self.areas.content.move(self.shift).topleft

        def moved(box: TextBox) -> TextBox:
            return TextBox(
                box.rect.move(dx, dy), box.text, box.font_px, box.role, box.container.move(dx, dy)
            )

        boxes = [
            *self.pictures[Layer.HEADER].boxes,
            *self.pictures[Layer.TICKER].boxes,
            *map(moved, self.view_boxes),
        ]
        if self.clock.box is not None:
            boxes.append(self.clock.box)
        self.text_boxes = boxes
        self.regions = [Region(r.rect.move(dx, dy), r.role, r.data) for r in self.view_regions]
