"""Colours and sizes of the corridor screen, derived from the screen size.

Every size is a multiple of the screen height so a layout scales from 720p to 4K, and
no text is ever smaller than 1/30 of the height (1/40 for the ticker).

    >>> theme_for((1920, 1080)).min_px
    36
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from api.domain.urgency import describe

Colour = tuple[int, int, int]


def hex_colour(text: str) -> Colour:
    """'#1b9e8a' → (27, 158, 138)."""
    value = text.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


@dataclass(frozen=True)
class Palette:
    """A dark board with light text: high contrast, calm, like an airport board."""

    background: Colour = (11, 20, 36)
    header: Colour = (6, 12, 24)
    card: Colour = (24, 38, 62)
    card_edge: Colour = (40, 58, 88)
    text: Colour = (245, 247, 250)
    muted: Colour = (176, 192, 214)
    accent: Colour = (255, 196, 61)  # warm yellow: headings' rule, ticker label
    accent_ink: Colour = (20, 20, 20)
    cde: Colour = (86, 160, 255)  # employer side of the agency
    cdde: Colour = (255, 140, 190)  # job-seeker side: pink, apart from blue for every vision
    stale: Colour = (255, 196, 61)
    new_badge: Colour = (255, 255, 255)
    new_ink: Colour = (11, 20, 36)
    urgent_bg: Colour = (142, 27, 58)
    qr_light: Colour = (255, 255, 255)
    qr_dark: Colour = (0, 0, 0)
    gauge_track: Colour = (40, 58, 88)


@dataclass(frozen=True)
class UrgencyStyle:
    """How one urgency level is drawn: band colour, ink on it, shape and French label."""

    level: int
    label: str
    colour: Colour
    ink: Colour
    icon: str


def urgency_style(level: int) -> UrgencyStyle:
    """Style of an urgency level, taken from the single domain definition."""
    entry = describe(level)
    return UrgencyStyle(
        entry.level, entry.label, hex_colour(entry.colour), hex_colour(entry.ink), entry.icon
    )


@dataclass(frozen=True)
class Theme:
    """Sizes (px) for one logical screen size."""

    width: int
    height: int
    palette: Palette

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def unit(self) -> float:
        """One 'design pixel': 1 px on a 1080-high landscape screen."""
        return min(self.width, self.height) / 1080

    @property
    def min_px(self) -> int:
        """Smallest text anywhere but the ticker."""
        return math.ceil(self.height / 30)

    @property
    def ticker_px(self) -> int:
        # Larger than the 1/40 floor: the ticker is read while walking.
        return max(math.ceil(self.height / 40), math.ceil(self.min_px * 0.9))

    def text_px(self, scale: float) -> int:
        """A text size ``scale`` times the minimum (never below it)."""
        return max(self.min_px, round(self.min_px * scale))

    @property
    def heading_px(self) -> int:
        """A scene's title: smaller on a portrait screen, where width is short."""
        return self.text_px(1.2 if self.portrait else 1.45)

    def u(self, value: float) -> int:
        """Design pixels → screen pixels."""
        return max(1, round(value * self.unit))

    @property
    def shift(self) -> int:
        """Amplitude of the anti burn-in shift."""
        return self.u(5)

    @property
    def margin(self) -> int:
        return self.u(36) + self.shift

    @property
    def gap(self) -> int:
        return self.u(20)

    @property
    def radius(self) -> int:
        return self.u(14)

    @property
    def qr_module(self) -> int:
        """Pixels per QR module: 6 at 1080p, scaled with the short side."""
        return max(3, round(min(self.width, self.height) / 180))

    @property
    def header_h(self) -> int:
        if self.portrait:
            # Two rows (agency; date and clock), each one bold line of text_px(1.2).
            return round(self.text_px(1.2) * 2.35) + self.u(28)
        return round(self.min_px * 1.45) + self.u(40)

    @property
    def ticker_lines(self) -> int:
        # One line everywhere: an item longer than the line scrolls (see display.frame).
        return 1

    @property
    def ticker_h(self) -> int:
        # A portrait screen is short of height for its cards: a tighter band.
        return round(self.ticker_px * (1.25 * self.ticker_lines + (0.45 if self.portrait else 0.7)))

    @property
    def content_rect(self) -> tuple[int, int, int, int]:
        """(left, top, width, height) of the scene area between header and ticker."""
        top = self.header_h + self.gap
        return (
            self.margin,
            top,
            self.width - 2 * self.margin,
            self.height - top - self.ticker_h - self.gap,
        )

    @property
    def content_size(self) -> tuple[int, int]:
        return self.content_rect[2:]


def theme_for(size: tuple[int, int]) -> Theme:
    """Theme of a logical (upright, already turned to the orientation) screen size."""
    return Theme(size[0], size[1], Palette())
