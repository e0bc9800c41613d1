"""What every scene shares: the Canvas it draws on and the Scene interface.

A scene is handed a snapshot and draws one "view" (a page of offers, one hire, one
announcement…) onto a Canvas. It never does I/O and never reaches into the renderer:
everything it needs is on the canvas (theme, text, QR and photo caches).

    >>> class Hello(Scene):
    ...     name = "hello"
    ...     def draw(self, canvas, snapshot, view, now):
    ...         canvas.text("Bonjour", canvas.bounds, px=canvas.theme.min_px)
    >>> Hello.name, Hello.in_playlist, Hello().photo_size(None, None)
    ('hello', True, None)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import pygame

from api.contract import Snapshot
from display.assets import Assets
from display.qr import QrCache
from display.text import Layout, TextBox, TextRenderer
from display.theme import Colour, Theme


@dataclass(frozen=True)
class Region:
    """A non-text element worth finding in tests (urgency band, QR code, photo, gauge)."""

    rect: pygame.Rect
    role: str
    data: Any = None


@dataclass
class Canvas:
    """A surface plus everything needed to draw on it, recording text boxes and regions.

    ``origin`` is where the surface will be shown on the screen, so recorded rects are in
    screen coordinates.
    """

    surface: pygame.Surface
    theme: Theme
    texts: TextRenderer
    qrs: QrCache
    photos: dict[int, pygame.Surface] = field(default_factory=dict)
    origin: tuple[int, int] = (0, 0)
    boxes: list[TextBox] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)

    @property
    def bounds(self) -> pygame.Rect:
        return self.surface.get_rect()

    def _screen(self, rect: pygame.Rect) -> pygame.Rect:
        return pygame.Rect(rect).move(self.origin)

    # --- text ------------------------------------------------------------------------

    def fit(
        self,
        text: str,
        rect: pygame.Rect,
        *,
        px: int,
        face: str = "regular",
        min_px: int | None = None,
        max_lines: int = 1,
    ) -> Layout:
        """Lay out ``text`` for ``rect`` without drawing (to measure before placing)."""
        return self.texts.fit(
            text,
            width=rect.width,
            height=rect.height,
            face=face,
            px=px,
            min_px=px if min_px is None else min(px, min_px),
            max_lines=max_lines,
        )

    def text(
        self,
        text: str,
        rect: pygame.Rect,
        *,
        px: int,
        face: str = "regular",
        colour: Colour | None = None,
        min_px: int | None = None,
        max_lines: int = 1,
        align: str = "left",
        valign: str = "top",
        role: str = "text",
        layout: Layout | None = None,
    ) -> pygame.Rect:
        """Draw ``text`` inside ``rect`` (wrapping, shrinking to ``min_px``, "…").

        Returns the rect the lines occupy; records it as a TextBox of ``role``.
        """
        rect = pygame.Rect(rect)
        layout = layout or self.fit(
            text, rect, px=px, face=face, min_px=min_px, max_lines=max_lines
        )
        colour = colour or self.theme.palette.text
        height = layout.height
        if valign == "middle":
            top = rect.top + (rect.height - height) // 2
        elif valign == "bottom":
            top = rect.bottom - height
        else:
            top = rect.top
        used = pygame.Rect(rect.left, top, 0, 0)
        for i, (line, width) in enumerate(zip(layout.lines, layout.widths, strict=True)):
            if align == "center":
                left = rect.left + (rect.width - width) // 2
            elif align == "right":
                left = rect.right - width
            else:
                left = rect.left
            y = top + i * layout.line_h
            line_rect = pygame.Rect(left, y, width, layout.line_h)
            if line:
                self.surface.blit(self.texts.line(line, layout.face, layout.px, colour), line_rect)
            used = line_rect if i == 0 else used.union(line_rect)
        if layout.text:
            self.boxes.append(
                TextBox(self._screen(used), layout.text, layout.px, role, self._screen(rect))
            )
        return used

    def text_first(self, variants: Sequence[str], rect: pygame.Rect, **options: Any) -> pygame.Rect:
        """Draw the first of ``variants`` (longest first) that fits ``rect`` without "…"."""
        face = options.get("face", "regular")
        px = options["px"]
        max_lines = options.get("max_lines", 1)
        for variant in variants[:-1]:
            layout = self.fit(
                variant, rect, px=px, face=face, min_px=options.get("min_px"), max_lines=max_lines
            )
            if not layout.text.endswith("…"):
                return self.text(variant, rect, layout=layout, **options)
        return self.text(variants[-1], rect, **options)

    # --- shapes ----------------------------------------------------------------------

    def fill(
        self, rect: pygame.Rect, colour: Colour, radius: int = 0, **corners: int
    ) -> pygame.Rect:
        """Fill a (rounded) rectangle."""
        return pygame.draw.rect(self.surface, colour, rect, border_radius=radius, **corners)

    def region(self, rect: pygame.Rect, role: str, data: Any = None) -> None:
        """Record a non-text element for tests."""
        self.regions.append(Region(self._screen(rect), role, data))

    def icon(self, shape: str, rect: pygame.Rect, colour: Colour) -> None:
        """Draw an urgency shape (circle, triangle, diamond, octagon) filling ``rect``."""
        draw_shape(self.surface, shape, rect, colour)

    def qr(self, data: str, topleft: tuple[int, int], module_px: int) -> pygame.Rect:
        """Draw the QR code of ``data`` (with quiet zone) at ``topleft``."""
        surface = self.qrs.surface(data, module_px)
        rect = self.surface.blit(surface, topleft)
        self.region(rect, "qr", data)
        return rect


def draw_shape(surface: pygame.Surface, shape: str, rect: pygame.Rect, colour: Colour) -> None:
    """Filled geometric shape inside ``rect``: the non-colour cue of an urgency level."""
    cx, cy = rect.center
    r = min(rect.width, rect.height) / 2
    if shape == "circle":
        pygame.draw.circle(surface, colour, (cx, cy), round(r * 0.9))
    elif shape == "triangle":
        h = r * 1.8
        top = cy - h * 0.55
        points = [(cx, top), (cx + r, top + h), (cx - r, top + h)]
        pygame.draw.polygon(surface, colour, points)
    elif shape == "diamond":
        points = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
        pygame.draw.polygon(surface, colour, points)
    elif shape == "octagon":
        points = [
            (
                cx + r * math.cos(math.radians(22.5 + 45 * i)),
                cy + r * math.sin(math.radians(22.5 + 45 * i)),
            )
            for i in range(8)
        ]
        pygame.draw.polygon(surface, colour, points)
    elif shape == "check":
        w = max(3, round(r * 0.42))
        points = [
            (cx - r * 0.75, cy + r * 0.05),
            (cx - r * 0.2, cy + r * 0.6),
            (cx + r * 0.8, cy - r * 0.55),
        ]
        pygame.draw.lines(surface, colour, False, points, w)
        for p in points:  # round the joints and ends of the stroke
            pygame.draw.circle(surface, colour, p, w / 2)
    elif shape == "star":
        points = [
            (
                cx + (r if i % 2 == 0 else r * 0.45) * math.cos(math.radians(-90 + 36 * i)),
                cy + (r if i % 2 == 0 else r * 0.45) * math.sin(math.radians(-90 + 36 * i)),
            )
            for i in range(10)
        ]
        pygame.draw.polygon(surface, colour, points)
    else:
        pygame.draw.rect(surface, colour, rect.inflate(-rect.width // 5, -rect.height // 5))


class Scene:
    """One scene of the playlist. Subclasses set ``name`` and implement ``draw``."""

    # Playlist scenes set a member of ``api.contract.PlaylistScene`` (their name is
    # written there only); a takeover scene sets its own name and ``in_playlist = False``.
    name: ClassVar[str] = ""
    in_playlist: ClassVar[bool] = True
    # Takes the screen over, outside the playlist, whenever it has views (urgent news).
    takes_over: ClassVar[bool] = False
    # Shows hires' photos: it gives their size (``photo_size``), the feed crops them to
    # it, and the renderer redraws the scene when one arrives.
    shows_photos: ClassVar[bool] = False
    # The renderer jumps to this scene to play a challenge milestone's celebration.
    celebrates: ClassVar[bool] = False
    # Seconds each view stays before the next one (pages, hires, announcements).
    view_seconds: ClassVar[float] = 12.0

    def photo_size(self, theme: Theme, assets: Assets) -> tuple[int, int] | None:
        """Size (px) of the photos this scene shows on ``theme``; None: it shows none."""
        return None

    def views(self, snapshot: Snapshot, theme: Theme, assets: Assets, now: datetime) -> int:
        """How many views this scene has now; 0 means "nothing to show, skip me"."""
        return 1

    def draw(self, canvas: Canvas, snapshot: Snapshot, view: int, now: datetime) -> None:
        """Draw view number ``view`` (already bounded by ``views``) onto ``canvas``."""
        raise NotImplementedError


def heading(canvas: Canvas, title: str, aside: str | Sequence[str] | None = None) -> int:
    """Draw a scene title with an accent rule and a right-aligned note; return its bottom.

    ``aside`` may list variants from longest to shortest: the first that fits is shown.
    """
    theme = canvas.theme
    px = theme.heading_px
    bounds = canvas.bounds
    line_h = canvas.texts.assets.font("bold", px).get_linesize()
    bar = pygame.Rect(0, theme.u(8), theme.u(10), line_h - theme.u(16))
    canvas.fill(bar, theme.palette.accent, radius=theme.u(4))
    left = bar.right + theme.u(22)
    title_rect = pygame.Rect(left, 0, bounds.width - left, line_h)
    title_layout = canvas.fit(title, title_rect, px=px, face="bold", min_px=theme.min_px)
    variants = [aside] if isinstance(aside, str) else list(aside or ())
    room = bounds.width - left - title_layout.width - theme.gap * 2
    # On a narrow screen the title shrinks (down to the minimum size, then to the condensed
    # face) before the note goes: a page indicator matters more than a big title.
    face = "bold"
    for i, variant in enumerate(variants):
        layout = canvas.fit(variant, pygame.Rect(0, 0, bounds.width, line_h), px=theme.min_px)
        fits = layout.width <= room
        if not fits and i == len(variants) - 1:
            for squeezed_face in ("bold", "condensed_bold"):
                small = canvas.fit(title, title_rect, px=theme.min_px, face=squeezed_face)
                if layout.width <= bounds.width - left - small.width - theme.gap:
                    fits, face = True, squeezed_face
                    break
        if fits:
            rect = pygame.Rect(bounds.right - layout.width, 0, layout.width, line_h)
            canvas.text(
                variant,
                rect,
                px=theme.min_px,
                colour=theme.palette.muted,
                valign="middle",
                align="right",
                role="aside",
                layout=layout,
            )
            title_rect.width = rect.left - theme.gap - left
            break
    canvas.text(title, title_rect, px=px, face=face, min_px=theme.min_px, role="heading")
    return line_h + theme.u(18)


def centred_message(canvas: Canvas, title: str, body: str, shape: str = "circle") -> None:
    """A friendly empty state: a soft emblem, a title and one sentence, centred."""
    theme = canvas.theme
    bounds = canvas.bounds
    emblem = theme.u(150)
    title_px = theme.text_px(1.6)
    title_h = canvas.texts.assets.font("bold", title_px).get_linesize() * 2
    body_h = canvas.texts.assets.font("regular", theme.min_px).get_linesize() * 3
    total = emblem + theme.u(36) + title_h + theme.u(16) + body_h
    top = max(0, (bounds.height - total) // 2)
    circle = pygame.Rect(0, 0, emblem, emblem)
    circle.midtop = (bounds.centerx, top)
    pygame.draw.circle(canvas.surface, theme.palette.card, circle.center, emblem // 2)
    draw_shape(
        canvas.surface, shape, circle.inflate(-emblem // 2, -emblem // 2), theme.palette.accent
    )
    width = min(bounds.width, theme.u(1500))
    rect = pygame.Rect(0, circle.bottom + theme.u(36), width, title_h)
    rect.centerx = bounds.centerx
    used = canvas.text(
        title, rect, px=title_px, face="bold", max_lines=2, align="center", role="empty-title"
    )
    rect = pygame.Rect(0, used.bottom + theme.u(16), width, body_h)
    rect.centerx = bounds.centerx
    canvas.text(
        body,
        rect,
        px=theme.min_px,
        colour=theme.palette.muted,
        max_lines=3,
        align="center",
        role="empty-body",
    )
