"""Opening the screen: SDL's video and fonts, fullscreen with vsync, retried.

The TV or the KMS driver may still be waking up when the program starts: opening is
retried a few times before :class:`ScreenUnavailable` lets systemd restart the program.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import pygame

log = logging.getLogger(__name__)


class ScreenUnavailable(RuntimeError):
    """The display could not be opened after every retry."""


def init_pygame() -> None:
    """Initialise only what the screen needs: video and fonts (no audio, no joystick)."""
    pygame.display.init()
    pygame.font.init()


# Drivers that draw into memory only: no refresh to sync to.
_NO_SCREEN_DRIVERS = frozenset({"dummy", "offscreen"})


def _vsync() -> int:
    """1 to sync flips to the refresh, 0 where there is no refresh.

    Without a screen SDL would honour vsync with a software renderer that keeps two more
    copies of the frame (16 MiB at 1080p) for nothing.
    """
    return 0 if pygame.display.get_driver() in _NO_SCREEN_DRIVERS else 1


def open_screen(
    size: tuple[int, int] | None,
    *,
    windowed: bool,
    retries: int = 5,
    retry_delay_s: float = 2.0,
) -> pygame.Surface:
    """Open the display (fullscreen, vsync, hidden cursor unless ``windowed``).

    Retries a few times (the TV or the KMS driver may still be waking up) and raises
    :class:`ScreenUnavailable` if it never opens; systemd then restarts the program.
    """
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            init_pygame()
            flags = 0 if windowed else pygame.FULLSCREEN
            wanted = size or ((1280, 720) if windowed else (0, 0))
            try:
                screen = pygame.display.set_mode(wanted, flags, vsync=_vsync())
            except pygame.error:
                # Some drivers cannot sync to the refresh; tearing beats no picture.
                screen = pygame.display.set_mode(wanted, flags)
            pygame.display.set_caption("Couloir")
            if not windowed:
                pygame.mouse.set_visible(False)
            return screen
        except pygame.error as exc:
            last_error = exc
            log.warning(
                "screen: cannot open the display (attempt %d/%d): %s", attempt, retries, exc
            )
            pygame.display.quit()
            if attempt < retries:
                time.sleep(retry_delay_s)
    raise ScreenUnavailable(str(last_error))


@dataclass(frozen=True)
class Events:
    """What the window's events ask of the loop."""

    quit: bool = False  # leave the loop
    exposed: bool = False  # the window was uncovered: copy the whole picture again


def poll_events(*, windowed: bool) -> Events:
    """Read the pending events; in a window, Escape or Q quits too."""
    if not pygame.display.get_init():
        return Events()
    quit_keys = (pygame.K_ESCAPE, pygame.K_q) if windowed else ()
    exposed = False
    for event in pygame.event.get():
        if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key in quit_keys):
            return Events(quit=True, exposed=exposed)
        if event.type in (pygame.WINDOWEXPOSED, pygame.VIDEOEXPOSE):
            exposed = True
    return Events(exposed=exposed)
