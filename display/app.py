"""The screen program's one loop: events, update, draw, flip, tick.

Everything else feeds it: the :class:`~display.feed.Feed` thread brings snapshots and
photos (read between frames), :class:`~display.schedule.ScreenPower` turns the screen off
outside opening hours, :class:`~display.health.Health` reports to the service and
:class:`~display.notify.Notifier` tells systemd the loop is alive. Drawing belongs to the
:class:`~display.renderer.Renderer`, which draws the logical (already rotated) picture and
says which rectangles changed; only those are copied to the screen.

    >>> run_display(DisplaySettings(), token=token, size=(1280, 720), windowed=True)
    0
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pygame

from api.contract import Snapshot
from display.cache import DisplayCache
from display.feed import AuthRefused, Feed, PhotoUpdate, SnapshotUpdate
from display.health import Health
from display.notify import Notifier
from display.pairing import Pairing
from display.renderer import Renderer, ScreenStatus
from display.schedule import ScreenPower, agency_zone
from display.settings import DisplaySettings
from display.surfaces import give_back_free_memory

log = logging.getLogger(__name__)

ROTATIONS = (0, 90, 180, 270)


class ScreenUnavailable(RuntimeError):
    """The display could not be opened after every retry."""


# -- geometry -----------------------------------------------------------------------------


def logical_size(physical: tuple[int, int], rotation: int) -> tuple[int, int]:
    """Size the renderer draws at for a screen of ``physical`` size turned by ``rotation``."""
    width, height = physical
    return (height, width) if rotation in (90, 270) else (width, height)


def rotate_rect(rect: pygame.Rect, logical: tuple[int, int], rotation: int) -> pygame.Rect:
    """Where a rectangle of the logical picture lands on the physical screen.

    ``rotation`` is clockwise: with 90 the top of the picture is on the screen's right edge
    (for a TV hung a quarter-turn counter-clockwise, its right side up; 270 for the other way).
    """
    x, y, w, h = rect
    width, height = logical
    if rotation == 90:
        return pygame.Rect(height - y - h, x, h, w)
    if rotation == 180:
        return pygame.Rect(width - x - w, height - y - h, w, h)
    if rotation == 270:
        return pygame.Rect(y, width - x - w, h, w)
    return pygame.Rect(x, y, w, h)


class Presenter:
    """Copies the logical picture to the screen, turned by ``rotation``.

    The renderer draws into :attr:`logical`; :meth:`present` copies only the changed
    rectangles (rotated where needed) and returns the screen rectangles to flip. Without
    rotation the renderer draws straight onto the screen and nothing is copied.
    """

    def __init__(self, screen: pygame.Surface, rotation: int = 0) -> None:
        if rotation not in ROTATIONS:
            raise ValueError(f"rotation must be one of {ROTATIONS}, not {rotation}")
        self.screen = screen
        self.rotation = rotation
        if rotation == 0:
            self.logical = screen
        else:
            size = logical_size(screen.get_size(), rotation)
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
            # pygame turns counter-clockwise; our rotation is clockwise.
            piece = pygame.transform.rotate(self.logical.subsurface(rect), -self.rotation)
            target = rotate_rect(rect, size, self.rotation)
            self.screen.blit(piece, target)
            out.append(target)
        return out


# -- opening the screen ---------------------------------------------------------------------


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


# -- the loop -------------------------------------------------------------------------------


@dataclass
class _Stale:
    since: datetime | None = None


class DisplayApp:
    """The render loop and the state it owns (snapshot, photos, status, staleness)."""

    def __init__(
        self,
        settings: DisplaySettings,
        screen: pygame.Surface,
        *,
        rotation: int | None = None,
        feed: Feed | None = None,
        pairing: Pairing | None = None,
        health: Health | None = None,
        notifier: Notifier | None = None,
        power: ScreenPower | None = None,
        windowed: bool = False,
        present: bool = True,
        renderer_factory: Callable[[tuple[int, int]], Renderer] | None = None,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        stop_event: threading.Event | None = None,
        screenshot_on_change: bool = False,
    ) -> None:
        self.settings = settings
        self.screen = screen
        #: None: follow the rotation the service sets for this screen.
        self.fixed_rotation = rotation
        self.feed = feed
        self.pairing = pairing
        self.health = health
        self.notifier = notifier or Notifier(None)
        self.power = power or ScreenPower(settings.screen_on_command, settings.screen_off_command)
        self.windowed = windowed
        self.present_to_display = present
        self._renderer_factory = renderer_factory or (lambda size: Renderer(size))
        self._now = now or (lambda: datetime.now(UTC))
        self._monotonic = monotonic
        self.stop_event = stop_event or threading.Event()
        self.screenshot_on_change = screenshot_on_change
        #: True when the token came from pairing: if it is refused, pair again.
        self.pair_again_when_refused = pairing is not None

        self.snapshot: Snapshot | None = None
        self._new_data = False  # a snapshot arrived this frame
        self.status: ScreenStatus | None = None
        self.pairing_code: str | None = None
        self.stale = _Stale()
        self.started_at = self._now()
        self.frames = 0
        self.clock = pygame.time.Clock()
        self._last_dirty = -1.0
        self._next_power_check = 0.0
        self._ready_sent = False
        self.presenter: Presenter
        self.renderer: Renderer
        self._build(rotation or 0)

    # -- construction -------------------------------------------------------------------

    def _build(self, rotation: int) -> None:
        self.presenter = Presenter(self.screen, rotation)
        self.renderer = self._renderer_factory(self.presenter.logical.get_size())
        # A new renderer knows nothing: hand it everything again.
        self.renderer.set_snapshot(self.snapshot)
        if self.feed is not None:
            box = photo_box(self.renderer)
            if box != self.feed.photo_cover:
                self.feed.photo_cover = box
                if self.snapshot is not None:
                    # Photos are cropped for one size: the feed prepares them again.
                    self.feed.resend_photos()
        if self.status is not None:
            self.renderer.set_status(self.status, self.pairing_code)
        self.renderer.set_stale_since(self.stale.since)
        self._full_present = True

    @property
    def rotation(self) -> int:
        """The rotation in use (clockwise degrees)."""
        return self.presenter.rotation

    # -- one frame ----------------------------------------------------------------------

    def step(self, dt: float) -> bool:
        """Run one frame; return False when the program should stop."""
        if self.stop_event.is_set():
            return False
        if not self._handle_events():
            return False
        now = self._now()
        # The header clock and "données du HH:MM" read in the agency's own time.
        local_now = now.astimezone(agency_zone(self.snapshot))
        self._read_feed()
        self._check_pairing()
        self._check_staleness(now)
        self._check_power(now)
        self._set_status(self._wanted_status())

        self.renderer.update(dt, local_now)
        dirty = self.renderer.draw(self.presenter.logical)
        if self._new_data:
            # The old snapshot and the pictures drawn from it are gone: their pages too.
            self._new_data = False
            give_back_free_memory()
        full, self._full_present = self._full_present, False
        flip = self.presenter.present(dirty, full=full)
        if flip:
            self._last_dirty = self._monotonic()
            if self.present_to_display and pygame.display.get_surface() is not None:
                pygame.display.update(flip)
        self.frames += 1

        if not self._ready_sent:
            self._ready_sent = True
            self.notifier.ready()
        self.notifier.tick()
        if self.health is not None:
            self.health.tick(
                frame=self.presenter.logical,
                fps=self.clock.get_fps(),
                etag=self.feed.etag if self.feed else None,
                resolution=self.screen.get_size(),
            )
        return True

    @property
    def animating(self) -> bool:
        """True if something changed on screen in the last half second."""
        return self._monotonic() - self._last_dirty < 0.5

    def target_fps(self) -> int:
        """Full frame rate while things move, a low one when the picture is still or off."""
        if self.status is ScreenStatus.OFF:
            return 1
        return self.settings.fps if self.animating else self.settings.idle_fps

    def run(self) -> int:
        """Run until asked to stop; return the exit status."""
        try:
            while True:
                dt = self.clock.tick(self.target_fps()) / 1000.0
                if not self.step(dt):
                    return 0
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker threads and tell systemd."""
        self.notifier.stopping()
        for worker in (self.feed, self.pairing, self.health):
            if worker is not None:
                worker.stop(timeout=2.0)
        self.power.wait(timeout=2.0)
        self.notifier.close()

    # -- the pieces of a frame ----------------------------------------------------------

    def _handle_events(self) -> bool:
        if not pygame.display.get_init():
            return True
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return False
            if (
                event.type == pygame.KEYDOWN
                and self.windowed
                and event.key in (pygame.K_ESCAPE, pygame.K_q)
            ):
                return False
            if event.type in (pygame.WINDOWEXPOSED, pygame.VIDEOEXPOSE):
                self._full_present = True
        return True

    def _read_feed(self) -> None:
        if self.feed is None:
            return
        for message in self.feed.drain():
            if isinstance(message, SnapshotUpdate):
                self.snapshot = message.snapshot
                self.renderer.set_snapshot(message.snapshot)
                self._follow_rotation(message.snapshot)
                if self.health is not None and self.screenshot_on_change:
                    self.health.screenshot_soon()
                self._new_data = True
            elif isinstance(message, PhotoUpdate):
                self.renderer.set_photo(message.hire_id, message.image)
            elif isinstance(message, AuthRefused):
                if self.pair_again_when_refused:
                    self._pair_again()
                    return
                log.warning("screen: token refused by the service; showing the last data")

    def _pair_again(self) -> None:
        """The paired token was revoked: forget it and the agency's data, show a new code."""
        log.warning("screen: the stored token was refused (revoked?); pairing again")
        DisplayCache(self.settings.cache_dir).forget()
        for worker in (self.feed, self.health):
            if worker is not None:
                worker.stop(timeout=0.5)
        self.feed = self.health = None
        self.snapshot = None
        self.renderer.set_snapshot(None)
        self.stale.since = None
        self.renderer.set_stale_since(None)
        self.pairing_code = None
        self.pairing = Pairing(self.settings.api_url, DisplayCache(self.settings.cache_dir))
        self.pairing.start()

    def _follow_rotation(self, snapshot: Snapshot) -> None:
        if self.fixed_rotation is None and snapshot.screen.rotation != self.rotation:
            log.info("screen: rotation %d° set by the service", snapshot.screen.rotation)
            self._build(snapshot.screen.rotation)

    def _check_pairing(self) -> None:
        pairing = self.pairing
        if pairing is None:
            return
        if pairing.code != self.pairing_code:
            self.pairing_code = pairing.code
            self.status = None  # re-send the status with its new code
        if pairing.token and self.feed is None:
            self.on_paired(pairing.token)

    def on_paired(self, token: str) -> None:
        """Start the feed and the health reports once a token is known."""
        cache = DisplayCache(self.settings.cache_dir)
        self.feed = Feed(
            self.settings.api_url,
            token,
            cache,
            poll_interval_s=self.settings.poll_interval_s,
            photo_cover=photo_box(self.renderer),
        )
        self.feed.start()
        if self.health is None:
            self.health = _make_health(self.settings, token)
            self.health.start()
        if self.pairing is not None:
            self.pairing.stop(timeout=0.1)
            self.pairing = None

    def _check_staleness(self, now: datetime) -> None:
        if self.feed is None or self.snapshot is None:
            return
        contact = self.feed.last_contact
        reference = max(contact, self.started_at) if contact else self.started_at
        stale = (now - reference).total_seconds() > self.settings.stale_after_s
        since = (contact or self.started_at) if stale else None
        if since != self.stale.since:
            self.stale.since = since
            self.renderer.set_stale_since(since)
            if since is None:
                log.info("screen: service back, data current again")
            else:
                log.warning("screen: no contact with the service since %s", since.isoformat())

    def _check_power(self, now: datetime) -> None:
        # The schedule has minute precision; once a second is plenty.
        tick = self._monotonic()
        if tick < self._next_power_check:
            return
        self._next_power_check = tick + 1.0
        self.power.update(self.snapshot, now)

    def _wanted_status(self) -> ScreenStatus:
        if self.power.is_on is False:
            return ScreenStatus.OFF
        if self.snapshot is not None:
            return ScreenStatus.READY
        if self.pairing is not None:
            return ScreenStatus.PAIRING
        return ScreenStatus.WAITING

    def _set_status(self, status: ScreenStatus) -> None:
        if status is self.status:
            return
        self.status = status
        code = self.pairing_code if status is ScreenStatus.PAIRING else None
        self.renderer.set_status(status, code)


# -- putting it together ------------------------------------------------------------------


def photo_box(renderer: Renderer) -> tuple[int, int] | None:
    """Size hire photos are shown at, so the feed thread can crop them beforehand."""
    try:
        from display.scenes.hires import HiresScene

        return tuple(HiresScene.photo_rect(renderer.theme, renderer.assets).size)
    except (ImportError, AttributeError):
        return None


def _make_health(settings: DisplaySettings, token: str, **overrides: float) -> Health:
    return Health(
        settings.api_url,
        token,
        heartbeat_interval_s=overrides.get("heartbeat_interval_s", settings.heartbeat_interval_s),
        screenshot_interval_s=overrides.get(
            "screenshot_interval_s", settings.screenshot_interval_s
        ),
        screenshot_width=settings.screenshot_width,
    )


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
    rotation: int | None = None,
    windowed: bool = False,
    stop_event: threading.Event | None = None,
    screenshot_on_change: bool = False,
    health_overrides: dict[str, float] | None = None,
) -> DisplayApp:
    """Wire the loop to its workers for ``screen`` (started, ready to :meth:`run`).

    ``paired``: the token is the one stored by an earlier pairing, so a refusal of it
    means the screen was revoked and should offer a new pairing code.
    """
    cache = DisplayCache(settings.cache_dir)
    logical = logical_size(screen.get_size(), rotation or 0)
    feed = health = pairing = None
    if token:
        feed = Feed(
            settings.api_url,
            token,
            cache,
            poll_interval_s=settings.poll_interval_s,
            photo_cover=logical,
        )
        health = _make_health(settings, token, **(health_overrides or {}))
    else:
        log.info("screen: no token yet, asking %s for a pairing code", settings.api_url)
        pairing = Pairing(settings.api_url, cache)
    app = DisplayApp(
        settings,
        screen,
        rotation=rotation,
        feed=feed,
        pairing=pairing,
        health=health,
        notifier=Notifier.from_environment(),
        windowed=windowed,
        stop_event=stop_event,
        screenshot_on_change=screenshot_on_change,
    )
    app.pair_again_when_refused = pairing is not None or paired
    for worker in (feed, health, pairing):
        if worker is not None:
            worker.start()
    return app


def run_display(
    settings: DisplaySettings,
    *,
    token: str | None,
    paired: bool = False,
    size: tuple[int, int] | None = None,
    rotation: int | None = None,
    windowed: bool = False,
) -> int:
    """Open the screen and run the loop; return the exit status (1: no screen)."""
    try:
        screen = open_screen(size, windowed=windowed, retries=settings.open_retries)
    except ScreenUnavailable as exc:
        log.error("screen: giving up, no display could be opened: %s", exc)
        return 1
    log.info(
        "screen: %dx%d via %s, rotation %s",
        *screen.get_size(),
        pygame.display.get_driver(),
        "from the service" if rotation is None else f"{rotation}°",
    )
    stop = threading.Event()
    # systemd stops the unit with SIGTERM: finish the frame, say STOPPING=1, exit 0.
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    app = build_app(
        settings,
        screen,
        token=token,
        paired=paired,
        rotation=rotation,
        windowed=windowed,
        stop_event=stop,
    )
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
    app = build_app(
        settings,
        screen,
        token=token,
        rotation=0,
        windowed=True,
        stop_event=stop_event,
        screenshot_on_change=True,
        health_overrides={"screenshot_interval_s": screenshot_interval_s},
    )
    return app.run()
