"""The corridor screen's drawing: scenes in rotation inside a header and a ticker.

The app loop owns events, timing and the display; it hands data to the Renderer and
asks it to draw. The renderer does no I/O of its own (fonts come from ``display.assets``).

    renderer = Renderer((1920, 1080))
    renderer.set_snapshot(snapshot)
    while running:
        renderer.update(dt, now)
        rects = renderer.draw(screen)   # [] when nothing changed
        pygame.display.update(rects)

Scenes are pre-rendered into a surface when their content changes; a steady frame only
redraws the clock (once a minute) and the ticker (every few seconds); a transition pushes
the view on screen out while the pre-rendered next one slides in. Once a view is on screen
its surface is let go (the screen holds its pixels): at most one scene-sized surface is
alive besides the screen, and a full redraw (the anti burn-in shift every few minutes)
renders the view again. Which scene comes when is ``display.rotation``'s business.
"""

from __future__ import annotations

import enum
import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pygame

from api.clock import zone
from api.contract import Snapshot
from display.assets import Assets
from display.frame import CLOCK_SAMPLE, draw_header, draw_ticker, ticker_items
from display.french import clock
from display.qr import QrCache
from display.rotation import Rotation
from display.scenes import CELEBRATION_SCENE, SCENES, Canvas, Region
from display.scenes.challenge import Celebration, milestones_crossed
from display.scenes.hires import HiresScene
from display.scenes.status import draw_pairing, draw_waiting
from display.surfaces import crop_to_fill, display_ready, prepare, tune_heap
from display.text import TextBox, TextRenderer
from display.theme import theme_for

TRANSITION_S = 0.8  # slide between two views
TICKER_S = 8.0  # each ticker item stays this long
SHIFT_PERIOD_S = 180  # anti burn-in: move everything a few pixels every 3 minutes
SHIFT_STEPS = ((0, 0), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))


class ScreenStatus(enum.Enum):
    """What the screen shows overall."""

    READY = "ready"  # the scenes (or "waiting" until a snapshot arrives)
    PAIRING = "pairing"  # no token yet: the pairing code
    WAITING = "waiting"  # token but no data yet
    OFF = "off"  # outside opening hours: black


def _ease(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, t)))


class Renderer:
    """Draws one screen of ``size`` (logical, already rotated) from the data it is given.

    ``naive=True`` redraws everything from scratch every frame, without caches: only for
    the benchmark's comparison.
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
        self.naive = naive
        # Caches sized to the screen: about a quarter of a screenful of text lines, and
        # a page or two of QR codes (their matrices, the slow part, are all kept).
        area = self.size[0] * self.size[1]
        self.texts = TextRenderer(self.assets, cached=not naive, budget_bytes=area)
        self.qrs = QrCache(cached=not naive, budget_bytes=area // 4)
        t = self.theme
        w, h = self.size
        self._screen_rect = pygame.Rect(0, 0, w, h)
        self._header_rect = pygame.Rect(0, 0, w, t.header_h)
        self._ticker_rect = pygame.Rect(0, h - t.ticker_h, w, t.ticker_h)
        self._content_rect = pygame.Rect(t.content_rect)

        self.status = ScreenStatus.READY
        self.pairing_code: str | None = None
        self._snapshot: Snapshot | None = None
        self._stale_since: datetime | None = None
        self._photos: dict[int, pygame.Surface] = {}
        self._now: datetime | None = None
        self._zones: dict[str, ZoneInfo] = {}
        self._rotation = Rotation(
            self.theme, self.assets, enter=self._enter, prerender=self._prerender
        )

        # Pre-rendered layers and what they hold. ``_content`` is the view being drawn in
        # (kept during a slide or a celebration only); its boxes and regions stay.
        self._content: pygame.Surface | None = None
        self._view_on_target = False  # the target shows a whole view (a slide can start)
        self._content_boxes: list[TextBox] = []
        self._content_regions: list[Region] = []
        self._sliding = False  # a new view is sliding in over the old one on the target
        self._slid = 0  # how far (px) the slide has been drawn
        self._upcoming: tuple | None = None  # ((scene, view), surface, boxes, regions)
        self._transition = 0.0
        self._header: pygame.Surface | None = None
        self._header_boxes: list[TextBox] = []
        self._clock_rect = pygame.Rect(0, 0, 0, 0)
        self._clock_text = ""
        self._clock_box: TextBox | None = None
        self._date = None
        self._stale_text: str | None = None
        self._ticker: pygame.Surface | None = None
        self._ticker_boxes: list[TextBox] = []
        self._ticker_items: list[str] = []
        self._ticker_index = 0
        self._ticker_elapsed = 0.0
        self._status_surface: pygame.Surface | None = None
        self._status_boxes: list[TextBox] = []
        self._shift = (0, 0)
        self._celebration: Celebration | None = None
        self._banner: pygame.Surface | None = None

        self._stale: set[str] = {"header", "ticker", "content", "status"}
        self._dirty: set[str] = {"all"}
        self._target: int | None = None
        self.text_boxes: list[TextBox] = []
        self.regions: list[Region] = []

    @property
    def current_scene(self) -> str:
        """Name of the scene on screen ("" before the first frame)."""
        return self._rotation.current_scene

    # --- inputs from the app ---------------------------------------------------------

    def set_snapshot(self, snapshot: Snapshot | None) -> None:
        """Show ``snapshot`` from the next frame; cheap when it has not changed."""
        old = self._snapshot
        if snapshot is old or (snapshot is not None and snapshot == old):
            return
        self._snapshot = snapshot
        self._upcoming = None
        # A first snapshot (after none) starts the rotation afresh.
        self._rotation.set_snapshot(snapshot, restart=old is None)
        self._stale |= {"header", "ticker", "content"}
        self._dirty.add("all")
        if snapshot is None:
            return
        self._ticker_items = []
        # Photos of hires no longer shown are dropped (their memory with them).
        keep = {h.id for h in snapshot.hires}
        for hire_id in [i for i in self._photos if i not in keep]:
            del self._photos[hire_id]
        if old is None:
            return
        milestone = milestones_crossed(old.challenge, snapshot.challenge)
        if milestone:
            self._celebrate(milestone)

    def set_stale_since(self, when: datetime | None) -> None:
        """``None``: data is fresh. Otherwise show « données du HH:MM » in the header."""
        if when != self._stale_since:
            self._stale_since = when
            self._stale.add("header")
            self._dirty.add("header")

    def set_status(self, status: ScreenStatus, pairing_code: str | None = None) -> None:
        """Switch between the scenes, the pairing or waiting page, and black."""
        if status != self.status or pairing_code != self.pairing_code:
            self.status = status
            self.pairing_code = pairing_code
            self._stale.add("status")
            self._dirty.add("all")

    def set_photo(self, hire_id: int, image: pygame.Surface | None) -> None:
        """Give the decoded photo of a hire (None removes it). Cropped to fill once here."""
        if image is None:
            if self._photos.pop(hire_id, None) is not None:
                self._stale.add("content")
            return
        box = HiresScene.photo_rect(self.theme, self.assets).size
        fitted = image if image.get_size() == box else crop_to_fill(image, box)
        self._photos[hire_id] = prepare(fitted)
        self._upcoming = None
        if self._current_shows_photos():
            self._stale.add("content")
            self._dirty.add("content")

    def show(self, scene: str, view: int = 0) -> None:
        """Pin the rotation on ``scene`` (screenshots, tests). Unknown names raise KeyError."""
        if scene not in SCENES:
            raise KeyError(f"scène inconnue : {scene} (connues : {', '.join(SCENES)})")
        self._rotation.pin(scene, view, self._now or _fallback_now(self._snapshot))

    # --- time ------------------------------------------------------------------------

    def update(self, dt: float, now: datetime) -> None:
        """Advance clock, rotation, transitions and animations to ``now`` (tz-aware).

        The clock shows the agency's time zone when the snapshot names one.
        """
        now = self._local(now)
        self._now = now
        step = SHIFT_STEPS[int(now.timestamp() // SHIFT_PERIOD_S) % len(SHIFT_STEPS)]
        shift = (step[0] * self.theme.shift, step[1] * self.theme.shift)
        if shift != self._shift:
            self._shift = shift
            self._stale |= {"header", "ticker", "status"}
            self._dirty.add("all")
        if self.status is not ScreenStatus.READY or self._snapshot is None:
            return
        if now.date() != self._date:
            self._date = now.date()
            self._upcoming = None
            self._stale |= {"header", "ticker", "content"}
            self._dirty.add("all")
        text = clock(now)
        if text != self._clock_text:
            self._clock_text = text
            self._dirty.add("clock")
        stale = None
        if self._stale_since is not None:
            stale = f"données du {clock(self._stale_since.astimezone(now.tzinfo))}"
        if stale != self._stale_text:
            self._stale_text = stale
            self._stale.add("header")
            self._dirty.add("header")

        self._ticker_elapsed += dt
        if not self._ticker_items:
            self._ticker_items = ticker_items(self._snapshot, now)
            self._ticker_index %= len(self._ticker_items)
            self._stale.add("ticker")
            self._dirty.add("ticker")
        elif self._ticker_elapsed >= TICKER_S and not self._sliding:
            # (Never during a slide: the ticker waits for the scene to settle.)
            self._ticker_elapsed = 0.0
            shown = self._ticker_items[self._ticker_index % len(self._ticker_items)]
            self._ticker_items = ticker_items(self._snapshot, now)
            self._ticker_index = (self._ticker_index + 1) % len(self._ticker_items)
            if self._ticker_items[self._ticker_index] != shown:  # one item: nothing to redo
                self._stale.add("ticker")
                self._dirty.add("ticker")

        self._rotation.advance(dt, now)

        if self._sliding:
            self._transition += dt
            self._dirty.add("content")
        if self._celebration is not None:
            self._celebration.update(dt)
            self._dirty.add("content")
            if self._celebration.done or self.current_scene != CELEBRATION_SCENE:
                self._celebration = None
                self._banner = None

    def _local(self, now: datetime) -> datetime:
        """``now`` in the agency's zone, with the one fallback of both faces (api.clock.zone)."""
        name = self._snapshot.agency.timezone if self._snapshot else ""
        if name not in self._zones:  # looked up once: an unknown name warns once, not per frame
            self._zones[name] = zone(name)
        return now.astimezone(self._zones[name])

    def _prerender(self, name: str, view: int, now: datetime) -> None:
        """Render view ``view`` of ``name`` ahead of its transition, unless already done."""
        key = (name, view)
        if self.naive or (self._upcoming is not None and self._upcoming[0] == key):
            return
        if self._content is not None:
            return  # a view is still drawn from its surface: one such surface at a time
        self._upcoming = None  # let a stale one go before drawing the new one
        self._upcoming = (key, *self._render_view(name, view, now))

    def _enter(self, name: str, view: int, transition: bool) -> None:
        """Bring view ``view`` of ``name`` on (sliding in over the current one)."""
        if transition and self._view_on_target and not self.naive:
            # The old view stays on the target surface and is pushed out from there.
            self._sliding = True
            self._slid = 0
            self._transition = 0.0
        self._content = None
        if self._upcoming is not None and self._upcoming[0] == (name, view):
            _, self._content, self._content_boxes, self._content_regions = self._upcoming
        else:
            self._stale.add("content")
        self._upcoming = None
        self._dirty.add("content")

    def _current_shows_photos(self) -> bool:
        scene = SCENES.get(self.current_scene)
        return scene is not None and scene.shows_photos

    def _celebrate(self, milestone: int) -> None:
        self._celebration = Celebration(milestone, self._content_rect.size)
        self._banner = None
        self._rotation.jump(CELEBRATION_SCENE, self._now or _fallback_now(self._snapshot))

    # --- rendering of layers ------------------------------------------------------------

    def _canvas(self, size: tuple[int, int], origin: tuple[int, int]) -> Canvas:
        # Made in the display's pixel format when there is one: blits need no conversion.
        if display_ready():
            surface = pygame.Surface(size, 0, pygame.display.get_surface())
        else:
            surface = pygame.Surface(size)
        surface.fill(self.theme.palette.background)
        return Canvas(surface, self.theme, self.texts, self.qrs, self._photos, origin)

    def _render_view(
        self, name: str, view: int, now: datetime
    ) -> tuple[pygame.Surface, list[TextBox], list[Region]]:
        """Draw one view of a scene into a new content-sized surface."""
        assert self._snapshot is not None
        canvas = self._canvas(self._content_rect.size, (0, 0))
        SCENES[name].draw(canvas, self._snapshot, view, now)
        return canvas.surface, canvas.boxes, canvas.regions

    def _render(self) -> None:
        """Re-render whichever layers went stale."""
        now = self._now or _fallback_now(self._snapshot)
        if self.status in (ScreenStatus.PAIRING, ScreenStatus.WAITING) or (
            self.status is ScreenStatus.READY and self._snapshot is None
        ):
            if "status" in self._stale or self._status_surface is None:
                canvas = self._canvas(self.size, self._shift)
                if self.status is ScreenStatus.PAIRING:
                    draw_pairing(canvas, self.pairing_code)
                else:
                    draw_waiting(canvas)
                self._status_surface = canvas.surface
                self._status_boxes = canvas.boxes
                self._stale.discard("status")
            return
        if self.status is not ScreenStatus.READY or self._snapshot is None:
            return
        snap = self._snapshot
        if not self.current_scene:
            self._rotation.advance(0.0, now)
        if "header" in self._stale or self._header is None:
            self._header = None
            canvas = self._canvas(self._header_rect.size, (0, 0))
            self._clock_rect = draw_header(
                canvas, snap.agency.name, now.date(), self._stale_text, self._shift
            )
            self._header = canvas.surface
            self._header_boxes = canvas.boxes
            self._stale.discard("header")
            self._dirty.add("header")
        if "ticker" in self._stale or self._ticker is None:
            items = self._ticker_items or ticker_items(snap, now)
            canvas = self._canvas(self._ticker_rect.size, self._ticker_rect.topleft)
            draw_ticker(canvas, items[self._ticker_index % len(items)], self._shift)
            self._ticker = canvas.surface
            self._ticker_boxes = canvas.boxes
            self._stale.discard("ticker")
            self._dirty.add("ticker")
        # The view is drawn again when it changed, or when a frame needs it and it was let go.
        if "content" in self._stale or (self._content is None and self._dirty & {"all", "content"}):
            # Let the old picture go before drawing the new one, and the view rendered
            # ahead too: it is drawn again in a later frame, after this one is on screen.
            self._content = self._upcoming = None
            self._content, self._content_boxes, self._content_regions = self._render_view(
                self.current_scene, self._rotation.view, now
            )
            self._stale.discard("content")
            self._dirty.add("content")
        if self._celebration is not None and self._banner is None:
            self._banner = self._render_banner(self._celebration.message)

    def _render_banner(self, message: str) -> pygame.Surface:
        t = self.theme
        px = t.text_px(1.8)
        width = min(self._content_rect.width, t.u(1400))
        height = self.assets.font("bold", px).get_linesize() * 2 + 2 * t.u(40)
        canvas = self._canvas((width, height), (0, 0))
        canvas.fill(canvas.bounds, t.palette.accent, radius=t.radius)
        canvas.text(
            message,
            canvas.bounds.inflate(-2 * t.u(40), -2 * t.u(40)),
            px=px,
            face="bold",
            colour=t.palette.accent_ink,
            min_px=t.min_px,
            max_lines=2,
            align="center",
            valign="middle",
            role="celebration",
        )
        return canvas.surface

    def _clock(self, target: pygame.Surface) -> pygame.Rect:
        px = self.theme.text_px(1.2 if self.theme.portrait else 1.6)
        line = self.texts.line(self._clock_text, "bold", px, self.theme.palette.text)
        rect = self._clock_rect
        target.fill(self.theme.palette.header, rect)
        drawn = target.blit(line, line.get_rect(topright=rect.topright))
        self._clock_box = TextBox(drawn, self._clock_text, px, "clock", rect.copy())
        return rect.copy()

    def _compose_content(self, target: pygame.Surface, *, full: bool = False) -> pygame.Rect:
        pos = self._content_rect.move(self._shift).topleft
        area = pygame.Rect(pos, self._content_rect.size)
        assert self._content is not None
        if self._sliding and not full and self._celebration is None:
            # A push: the old view (already on the target) scrolls left in place and the
            # new one's next strip is copied in at the right. No copy of the old view is
            # kept, and each frame moves the area once: cheap even at 4K.
            w, h = area.size
            t = self._transition / TRANSITION_S
            offset = w if t >= 1 else round(w * _ease(t))
            delta = offset - self._slid
            if delta > 0:
                clip = target.get_clip()
                target.set_clip(area)
                target.scroll(-delta, 0)
                target.set_clip(clip)
                strip = pygame.Rect(offset - delta, 0, delta, h)
                target.blit(self._content, (area.right - delta, area.top), strip)
                self._slid = offset
            self._sliding = offset < w
        else:
            # A full frame cannot show the old view any more: the slide ends here.
            self._sliding = False
            target.blit(self._content, pos)
        if self._celebration is not None:
            self._celebration.draw(target, pos, self.theme, self._banner)
        self._view_on_target = True
        return area

    def _collect(self) -> None:
        """Gather the text boxes and regions of the frame as drawn."""
        if self._snapshot is None or self.status is not ScreenStatus.READY:
            self.text_boxes = (
                list(self._status_boxes) if self.status is not ScreenStatus.OFF else []
            )
            self.regions = []
            return
        dx, dy = self._content_rect.move(self._shift).topleft

        def moved(box: TextBox) -> TextBox:
            return TextBox(
                box.rect.move(dx, dy), box.text, box.font_px, box.role, box.container.move(dx, dy)
            )

        boxes = [*self._header_boxes, *self._ticker_boxes, *map(moved, self._content_boxes)]
        if self._clock_box is not None:
            boxes.append(self._clock_box)
        self.text_boxes = boxes
        self.regions = [Region(r.rect.move(dx, dy), r.role, r.data) for r in self._content_regions]

    # --- drawing -----------------------------------------------------------------------

    def draw(self, surface: pygame.Surface) -> list[pygame.Rect]:
        """Draw what changed since the last call onto ``surface``; return the dirty rects.

        A different target surface than last time gets a full frame.
        """
        if self.naive:
            self._stale |= {"header", "ticker", "content", "status"}
            self._dirty.add("all")
        if id(surface) != self._target or surface.get_size() != self.size:
            self._target = id(surface)
            self._dirty.add("all")
        if self.status is ScreenStatus.OFF:
            if "all" not in self._dirty:
                return []
            surface.fill((0, 0, 0))
            self._view_on_target = False
            self._dirty.clear()
            self._collect()
            return [self._screen_rect.copy()]
        self._render()
        if self._snapshot is None or self.status is not ScreenStatus.READY:
            if "all" not in self._dirty or self._status_surface is None:
                self._dirty.clear()
                return []
            surface.blit(self._status_surface, (0, 0))
            self._view_on_target = False
            self._dirty.clear()
            self._collect()
            return [self._screen_rect.copy()]
        if not self._clock_text and self._now is not None:
            self._clock_text = clock(self._now)
        rects: list[pygame.Rect] = []
        if "all" in self._dirty:
            surface.fill(self.theme.palette.background)
            surface.blit(self._header, (0, 0))
            surface.blit(self._ticker, self._ticker_rect)
            self._compose_content(surface, full=True)
            self._clock(surface)
            rects.append(self._screen_rect.copy())
        else:
            if "header" in self._dirty:
                surface.blit(self._header, (0, 0))
                self._clock(surface)
                rects.append(self._header_rect.copy())
            elif "clock" in self._dirty:
                rects.append(self._clock(surface))
            if "ticker" in self._dirty:
                surface.blit(self._ticker, self._ticker_rect)
                rects.append(self._ticker_rect.copy())
            if "content" in self._dirty:
                rects.append(self._compose_content(surface))
        if rects:
            self._collect()
        self._dirty.clear()
        if not self._sliding and self._celebration is None:
            self._content = None  # on screen now; drawn again only if a full frame needs it
        return rects


def _fallback_now(snapshot: Snapshot | None) -> datetime:
    if snapshot is not None and snapshot.generated_at.tzinfo is not None:
        return snapshot.generated_at
    return datetime.now().astimezone()


__all__ = ["CLOCK_SAMPLE", "Renderer", "ScreenStatus", "crop_to_fill"]
