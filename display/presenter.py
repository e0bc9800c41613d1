"""Copies the logical picture to the physical screen, turned by the screen's orientation.

The renderer draws an upright picture of the *logical* size; a TV hung in portrait shows
it turned by its orientation (clockwise degrees, as the service sets it for the screen).

    >>> logical_size((1920, 1080), 90)
    (1080, 1920)
    >>> physical_rect(pygame.Rect(0, 0, 10, 20), (1080, 1920), 90)
    Rect(1900, 0, 20, 10)
"""

from __future__ import annotations

import pygame

ORIENTATIONS = (0, 90, 180, 270)


def logical_size(physical: tuple[int, int], orientation: int) -> tuple[int, int]:
    """Size the renderer draws at for a screen of ``physical`` size in ``orientation``."""
    width, height = physical
    return (height, width) if orientation in (90, 270) else (width, height)


def physical_rect(rect: pygame.Rect, logical: tuple[int, int], orientation: int) -> pygame.Rect:
    """Where a rectangle of the logical picture lands on the physical screen.

    ``orientation`` is clockwise: with 90 the top of the picture is on the screen's right
    edge (for a TV hung a quarter-turn counter-clockwise, its right side up; 270 for the
    other way).
    """
    x, y, w, h = rect
    width, height = logical
    if orientation == 90:
        return pygame.Rect(height - y - h, x, h, w)
    if orientation == 180:
        return pygame.Rect(width - x - w, height - y - h, w, h)
    if orientation == 270:
        return pygame.Rect(y, width - x - w, h, w)
    return pygame.Rect(x, y, w, h)


class Presenter:
    """Copies the logical picture to the screen, turned to the screen's ``orientation``.

    The renderer draws into :attr:`logical`; :meth:`present` copies only the changed
    rectangles (turned where needed) and returns the screen rectangles to flip. Upright
    (orientation 0), the renderer draws straight onto the screen and nothing is copied.
    """

    def __init__(self, screen: pygame.Surface, orientation: int = 0) -> None:
        if orientation not in ORIENTATIONS:
            raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation}")
        self.screen = screen
        self.orientation = orientation
        if orientation == 0:
            self.logical = screen
        else:
            size = logical_size(screen.get_size(), orientation)
            self.logical = pygame.Surface(size, 0, screen)

    @property
    def direct(self) -> bool:
        """True when the renderer draws straight onto the screen."""
        return self.logical is self.screen

    def present(self, rects: list[pygame.Rect], full: bool = False) -> list[pygame.Rect]:
        """Copy ``rects`` of the logical picture to the screen; return screen rects."""
        if full:
            rects = [self.logical.get_rect()]
        if self.direct:
            return [pygame.Rect(rect) for rect in rects]
        out: list[pygame.Rect] = []
        bounds = self.logical.get_rect()
        size = self.logical.get_size()
        for rect in rects:
            rect = pygame.Rect(rect).clip(bounds)
            if not rect.w or not rect.h:
                continue
            # pygame turns counter-clockwise; an orientation is clockwise.
            piece = pygame.transform.rotate(self.logical.subsurface(rect), -self.orientation)
            target = physical_rect(rect, size, self.orientation)
            self.screen.blit(piece, target)
            out.append(target)
        return out
