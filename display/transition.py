"""The slide between two views: the new view pushes the one on screen out to the left.

The old view is never kept as a copy: it is already on the target surface, and each frame
scrolls that area once and copies in the next strip of the new view, cheap even at 4K.

    >>> slide = Slide()
    >>> slide.state
    <TargetView.EMPTY: 'empty'>
    >>> slide.begin()  # nothing on the target to push out: no slide
    >>> slide.active
    False
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import pygame

TRANSITION_S = 0.8  # how long a slide lasts


class TargetView(enum.Enum):
    """What the target surface shows in the content area."""

    EMPTY = "empty"  # no whole view (a status page, black, or nothing drawn yet)
    STILL = "still"  # one whole view
    SLIDING = "sliding"  # a new view sliding in over the old one


def ease(t: float) -> float:
    """Smooth start and stop: 0 at ``t <= 0``, 1 at ``t >= 1``.

    >>> ease(0.0), round(ease(0.5), 6), ease(1.0), ease(2.0)
    (0.0, 0.5, 1.0, 1.0)
    """
    return 0.5 - 0.5 * math.cos(math.pi * min(1.0, max(0.0, t)))


@dataclass
class Slide:
    """The content area's state on the target, and the progress of a slide."""

    state: TargetView = TargetView.EMPTY
    elapsed: float = 0.0  # seconds since the slide began
    slid: int = 0  # how far (px) the slide has been drawn

    @property
    def active(self) -> bool:
        """True while a new view slides in."""
        return self.state is TargetView.SLIDING

    def begin(self) -> None:
        """Start pushing the view on the target out; nothing when there is none."""
        if self.state is TargetView.EMPTY:
            return
        self.state = TargetView.SLIDING
        self.elapsed = 0.0
        self.slid = 0

    def advance(self, dt: float) -> bool:
        """Move the slide on by ``dt`` seconds; True when the area must be drawn again."""
        if self.active:
            self.elapsed += dt
        return self.active

    def cleared(self) -> None:
        """The target no longer shows a view (a status page or black was drawn)."""
        self.state = TargetView.EMPTY

    def compose(
        self, target: pygame.Surface, area: pygame.Rect, view: pygame.Surface, *, cut: bool
    ) -> None:
        """Bring ``view`` into ``area`` of ``target``: the slide's next step, or at once.

        ``cut``: show it whole now (a full frame cannot show the old view any more, and a
        celebration draws over a still view).
        """
        if self.active and not cut:
            w, h = area.size
            t = self.elapsed / TRANSITION_S
            offset = w if t >= 1 else round(w * ease(t))
            delta = offset - self.slid
            if delta > 0:
                clip = target.get_clip()
                target.set_clip(area)
                target.scroll(-delta, 0)
                target.set_clip(clip)
                strip = pygame.Rect(offset - delta, 0, delta, h)
                target.blit(view, (area.right - delta, area.top), strip)
                self.slid = offset
            self.state = TargetView.SLIDING if offset < w else TargetView.STILL
        else:
            target.blit(view, area.topleft)
            self.state = TargetView.STILL
