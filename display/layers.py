"""The pieces a frame is made of, and the words for what must be done to them.

A frame is composed from layers (header, clock, ticker, content, or a full-screen status
page). Two different things can be due for a layer, and they have two names:

- it **needs rendering**: its picture (a pre-rendered surface) no longer matches the data
  and must be drawn again off screen;
- it is **dirty**: its area of the target must be copied again at the next frame.

"Stale" is kept for old data (« données du HH:MM »), never for either of these.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

import pygame

from display.scenes.base import Canvas, Region
from display.text import TextBox
from display.theme import Theme

SHIFT_PERIOD_S = 180  # anti burn-in: move everything a few pixels every 3 minutes
SHIFT_STEPS = ((0, 0), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))


def burn_in_shift(now: datetime, amplitude: int) -> tuple[int, int]:
    """How far (px) everything is moved at ``now``: a step around a small square.

    >>> from datetime import UTC, datetime
    >>> burn_in_shift(datetime(2026, 11, 28, 9, 0, tzinfo=UTC), 2)
    (0, 2)
    """
    step = SHIFT_STEPS[int(now.timestamp() // SHIFT_PERIOD_S) % len(SHIFT_STEPS)]
    return step[0] * amplitude, step[1] * amplitude


class ScreenStatus(enum.Enum):
    """What the screen shows overall."""

    READY = "ready"  # the scenes (or "waiting" until a snapshot arrives)
    PAIRING = "pairing"  # no token yet: the pairing code
    WAITING = "waiting"  # token but no data yet
    OFF = "off"  # outside opening hours: black


class Layer(enum.Enum):
    """One piece of the frame, pre-rendered or drawn straight onto the target."""

    HEADER = "header"  # agency, date, stale mark (the clock is drawn over it)
    CLOCK = "clock"  # drawn straight onto the target, once a minute
    TICKER = "ticker"
    CONTENT = "content"  # the scene's view
    STATUS = "status"  # the pairing or waiting page, over the whole screen


# The layers rendered off screen into a picture of their own.
RENDERED = frozenset({Layer.HEADER, Layer.TICKER, Layer.CONTENT, Layer.STATUS})


@dataclass
class Dirty:
    """What of the target must be drawn again: everything, or some layers' areas.

    A fresh ``Dirty()`` asks for a full frame.
    """

    full: bool = True
    layers: set[Layer] = field(default_factory=set)

    def mark(self, layer: Layer) -> None:
        """Copy ``layer``'s area again at the next frame."""
        self.layers.add(layer)

    def mark_all(self) -> None:
        """Draw the whole frame again at the next frame."""
        self.full = True

    def clear(self) -> None:
        """Nothing left to draw (the frame was drawn)."""
        self.full = False
        self.layers.clear()

    def __contains__(self, layer: Layer) -> bool:
        return layer in self.layers


@dataclass
class Picture:
    """A rendered layer: its surface, and the text boxes and regions drawn on it."""

    surface: pygame.Surface
    boxes: list[TextBox] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)

    @classmethod
    def of(cls, canvas: Canvas) -> Picture:
        """What was drawn on ``canvas``."""
        return cls(canvas.surface, canvas.boxes, canvas.regions)


@dataclass(frozen=True)
class Areas:
    """Where each layer sits on a screen (before the anti burn-in shift)."""

    screen: pygame.Rect
    header: pygame.Rect
    ticker: pygame.Rect
    content: pygame.Rect

    @classmethod
    def of(cls, theme: Theme) -> Areas:
        """The areas of the logical screen ``theme`` is made for."""
        w, h = theme.width, theme.height
        return cls(
            screen=pygame.Rect(0, 0, w, h),
            header=pygame.Rect(0, 0, w, theme.header_h),
            ticker=pygame.Rect(0, h - theme.ticker_h, w, theme.ticker_h),
            content=pygame.Rect(theme.content_rect),
        )


@dataclass
class ClockFace:
    """The header clock: drawn straight onto the target, in the box the header left."""

    text: str = ""
    rect: pygame.Rect | None = None
    box: TextBox | None = None  # where it was drawn last
