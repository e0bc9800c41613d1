"""Renders the layers of a frame off screen: a scene's view, header, ticker, status pages.

Each call draws on a fresh surface (in the display's pixel format when there is one) and
returns a :class:`~display.layers.Picture`: the surface with the text boxes and regions
drawn on it. The painter holds the caches (text lines, QR codes) and the hires' photos
the scenes draw with; which layer to render, and when, is the compositor's business.
"""

from __future__ import annotations

from datetime import date, datetime

import pygame

from api.contract import Snapshot
from display.assets import Assets
from display.frame import draw_header, draw_ticker, draw_ticker_item, ticker_overflow
from display.layers import Areas, ClockFace, Picture, ScreenStatus
from display.qr import QrCache
from display.scenes import SCENES, Canvas
from display.scenes.status import draw_pairing, draw_waiting
from display.surfaces import display_ready
from display.text import TextBox, TextRenderer
from display.theme import Theme


class Painter:
    """Draws layer pictures for one screen's ``theme``.

    ``naive=True``: no caches (the benchmark's baseline).
    """

    def __init__(self, theme: Theme, assets: Assets, *, naive: bool = False) -> None:
        self.theme = theme
        self.areas = Areas.of(theme)
        # Caches sized to the screen: about a quarter of a screenful of text lines, and
        # a page or two of QR codes (their matrices, the slow part, are all kept).
        area = theme.width * theme.height
        self.texts = TextRenderer(assets, cached=not naive, budget_bytes=area)
        self.qrs = QrCache(cached=not naive, budget_bytes=area // 4)
        self.photos: dict[int, pygame.Surface] = {}  # hires' photos, cropped to their size
        self.naive = naive
        self._ticker: tuple[tuple[str, tuple[int, int]], Picture] | None = None  # the last band

    def canvas(self, size: tuple[int, int], origin: tuple[int, int] = (0, 0)) -> Canvas:
        """A blank canvas of ``size``, to be shown at ``origin`` on the screen."""
        # Made in the display's pixel format when there is one: blits need no conversion.
        if display_ready():
            surface = pygame.Surface(size, 0, pygame.display.get_surface())
        else:
            surface = pygame.Surface(size)
        surface.fill(self.theme.palette.background)
        return Canvas(surface, self.theme, self.texts, self.qrs, self.photos, origin)

    def view(self, scene: str, view: int, snapshot: Snapshot, now: datetime) -> Picture:
        """View ``view`` of ``scene``, content-sized."""
        canvas = self.canvas(self.areas.content.size)
        SCENES[scene].draw(canvas, snapshot, view, now)
        return Picture.of(canvas)

    def status(
        self, status: ScreenStatus, pairing_code: str | None, shift: tuple[int, int]
    ) -> Picture:
        """The pairing page (``status`` PAIRING) or the waiting one, screen-sized."""
        canvas = self.canvas(self.areas.screen.size, shift)
        if status is ScreenStatus.PAIRING:
            draw_pairing(canvas, pairing_code)
        else:
            draw_waiting(canvas)
        return Picture.of(canvas)

    def header(
        self, agency: str, today: date, stale: str | None, shift: tuple[int, int]
    ) -> tuple[Picture, pygame.Rect]:
        """The header band, and the box it leaves for the clock."""
        canvas = self.canvas(self.areas.header.size)
        clock_rect = draw_header(canvas, agency, today, stale, shift)
        return Picture.of(canvas), clock_rect

    def ticker(self, item: str, shift: tuple[int, int], offset: int = 0) -> Picture:
        """The ticker band showing ``item``, scrolled ``offset`` px when it is long.

        While an item scrolls, the last band is reused and only its line repainted.
        """
        last = self._ticker
        if last is not None and last[0] == (item, shift) and not self.naive:
            picture = last[1]
            canvas = Canvas(
                picture.surface, self.theme, self.texts, self.qrs, origin=self.areas.ticker.topleft
            )
            canvas.boxes = [b for b in picture.boxes if b.role != "ticker"]
            draw_ticker_item(canvas, item, shift, offset)
        else:
            canvas = self.canvas(self.areas.ticker.size, self.areas.ticker.topleft)
            draw_ticker(canvas, item, shift, offset)
        picture = Picture.of(canvas)
        self._ticker = ((item, shift), picture)
        return picture

    def ticker_overflow(self, item: str) -> int:
        """Pixels by which ``item`` is longer than the ticker's line (0: it fits)."""
        return ticker_overflow(self.texts, self.theme, self.areas.ticker.width, item)

    def banner(self, message: str) -> pygame.Surface:
        """A celebration's banner: ``message`` on the accent colour."""
        t = self.theme
        px = t.text_px(1.8)
        width = min(self.areas.content.width, t.u(1400))
        height = self.texts.assets.font("bold", px).get_linesize() * 2 + 2 * t.u(40)
        canvas = self.canvas((width, height))
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

    def clock(self, target: pygame.Surface, face: ClockFace) -> pygame.Rect:
        """Draw the clock straight onto ``target`` in its box; return the box."""
        theme = self.theme
        px = theme.text_px(1.2 if theme.portrait else 1.6)
        line = self.texts.line(face.text, "bold", px, theme.palette.text)
        rect = pygame.Rect(face.rect)
        target.fill(theme.palette.header, rect)
        drawn = target.blit(line, line.get_rect(topright=rect.topright))
        face.box = TextBox(drawn, face.text, px, "clock", rect.copy())
        return rect.copy()
