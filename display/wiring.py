"""Putting the screen program together: settings and token in, a running loop out.

The command line (``display.cli``) calls :func:`run_display` or
:func:`run_headless_preview`; both open a screen, build the loop's workers from the
settings (:func:`build_app`) and run the :class:`~display.app.DisplayApp` they make.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path

import pygame

from display.app import DisplayApp
from display.cache import DisplayCache
from display.notify import Notifier
from display.presenter import logical_size
from display.screen import ScreenUnavailable, open_screen
from display.settings import DisplaySettings
from display.workers import LoopOptions, WorkerFactory, Workers

log = logging.getLogger(__name__)


def resolve_token(settings: DisplaySettings, explicit: str | None = None) -> str | None:
    """The screen token: given on the command line, in the environment, or paired before."""
    return explicit or settings.screen_token or DisplayCache(settings.cache_dir).load_token()


def token_is_paired(settings: DisplaySettings, explicit: str | None = None) -> bool:
    """True when the token in use is the one an earlier pairing stored."""
    return not (explicit or settings.screen_token) and resolve_token(settings) is not None


def build_app(
    settings: DisplaySettings,
    screen: pygame.Surface,
    *,
    token: str | None,
    paired: bool = False,
    options: LoopOptions | None = None,
    health_overrides: dict[str, float] | None = None,
) -> DisplayApp:
    """Wire the loop to its workers for ``screen`` (started, ready to :meth:`run`).

    With a token the loop reads the feed and reports its health; without one it shows a
    pairing code. ``paired``: the token is the one stored by an earlier pairing, so a
    refusal of it means the screen was revoked and should offer a new pairing code.
    """
    options = options or LoopOptions()
    make = WorkerFactory(settings, health_overrides)
    workers = Workers(make, notifier=Notifier.from_environment())
    if token:
        # Photos are cropped to the screen until the loop knows the scenes' photo size.
        workers.feed = make.feed(token, logical_size(screen.get_size(), options.orientation or 0))
        workers.health = make.health(token)
    else:
        log.info("screen: no token yet, asking %s for a pairing code", settings.api_url)
        workers.pairing = make.pairing()
    options.pair_again_when_refused = workers.pairing is not None or paired
    app = DisplayApp(settings, screen, workers, options=options)
    workers.start()
    return app


def run_display(
    settings: DisplaySettings,
    *,
    token: str | None,
    paired: bool = False,
    size: tuple[int, int] | None = None,
    orientation: int | None = None,
    windowed: bool = False,
) -> int:
    """Open the screen and run the loop; return the exit status (1: no screen)."""
    try:
        screen = open_screen(size, windowed=windowed, retries=settings.open_retries)
    except ScreenUnavailable as exc:
        log.error("screen: giving up, no display could be opened: %s", exc)
        return 1
    log.info(
        "screen: %dx%d via %s, orientation %s",
        *screen.get_size(),
        pygame.display.get_driver(),
        "from the service" if orientation is None else f"{orientation}°",
    )
    options = LoopOptions(orientation=orientation, windowed=windowed)
    # systemd stops the unit with SIGTERM: finish the frame, say STOPPING=1, exit 0.
    previous = signal.signal(signal.SIGTERM, lambda *_: options.stop.set())
    app = build_app(settings, screen, token=token, paired=paired, options=options)
    try:
        return app.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
        pygame.display.quit()


def run_headless_preview(
    api_url: str,
    token: str,
    stop_event: threading.Event,
    *,
    size: tuple[int, int] = (1920, 1080),
    cache_dir: Path | None = None,
    screenshot_interval_s: float = 30.0,
) -> int:
    """Run the screen offscreen (no window), uploading screenshots for the preview page.

    For ``couloir demo`` on a machine without a screen: the managers' preview shows what
    the corridor would show. A screenshot goes up shortly after each new snapshot and
    every ``screenshot_interval_s``. Returns when ``stop_event`` is set.
    """
    # The dummy driver draws into memory; it must be chosen before video starts.
    if not pygame.display.get_init():
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    overrides: dict[str, object] = {"api_url": api_url, "screen_token": token}
    if cache_dir is not None:
        overrides["cache_dir"] = cache_dir
    # A preview needs no smoothness: a gentle pace keeps the demo laptop cool.
    settings = DisplaySettings(**overrides, fps=10, idle_fps=2)
    screen = open_screen(size, windowed=True, retries=1)
    options = LoopOptions(orientation=0, windowed=True, stop=stop_event, screenshot_on_change=True)
    app = build_app(
        settings,
        screen,
        token=token,
        options=options,
        health_overrides={"screenshot_interval_s": screenshot_interval_s},
    )
    return app.run()
