"""Health reports: a heartbeat every minute and a small screenshot every five.

The render loop calls :meth:`Health.tick` each frame; it only decides what is due, and
for a screenshot shrinks a copy of the frame (cheap). Encoding the PNG and talking to the
service happen in a worker thread, so a slow network never stalls the picture.

In outline (``token``, ``surface``, ``clock`` and ``feed`` being the loop's)::

    health = Health("http://127.0.0.1:8000", token)
    health.tick(frame=surface, fps=clock.get_fps(), etag=feed.etag)
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import queue
import resource
import threading
from dataclasses import dataclass
from importlib import metadata

import pygame

from api.contract import HEARTBEAT_PATH, SCREENSHOT_PATH
from display.libraries import httpx, service_client
from display.timekeeping import Clocks

log = logging.getLogger(__name__)

MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024


def program_version() -> str:
    """The installed Couloir version (``0+unknown`` when run from a bare checkout)."""
    try:
        return metadata.version("couloir")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def rss_bytes() -> int:
    """Resident memory of this process now (peak resident size where /proc is missing)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            resident_pages = int(handle.read().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def shrink(frame: pygame.Surface, width: int) -> pygame.Surface:
    """Return a copy of ``frame`` scaled to ``width`` pixels wide (never enlarged).

    Scaled a band of rows at a time: smoothing a whole 1080p frame at once would take
    6 MiB of scratch memory for a moment, a band takes a few hundred KiB.
    """
    w, h = frame.get_size()
    if w <= width:
        return frame.copy()
    height = max(1, round(h * width / w))
    out = pygame.Surface((width, height), 0, frame)
    top = 0
    for bottom in range(_BAND_ROWS, height + _BAND_ROWS, _BAND_ROWS):
        bottom = min(bottom, height)
        source_top, source_bottom = round(top * h / height), round(bottom * h / height)
        band = frame.subsurface((0, source_top, w, source_bottom - source_top))
        out.blit(pygame.transform.smoothscale(band, (width, bottom - top)), (0, top))
        top = bottom
    return out


_BAND_ROWS = 60  # rows of the scaled picture made at a time


def encode_png(image: pygame.Surface) -> bytes:
    """PNG bytes of ``image``."""
    buffer = io.BytesIO()
    pygame.image.save(image, buffer, "screen.png")
    return buffer.getvalue()


@dataclass(frozen=True)
class _Heartbeat:
    body: dict[str, object]


@dataclass(frozen=True)
class _Screenshot:
    image: pygame.Surface


class Health:
    """Decides when to report and sends reports from its own thread.

    ``clocks``: the screen's (the heartbeat tells how far its own clock is from the service's,
    or that it reads a day before this version's release).
    """

    def __init__(
        self,
        api_url: str,
        token: str | None,
        *,
        heartbeat_interval_s: float = 60.0,
        screenshot_interval_s: float = 300.0,
        screenshot_width: int = 960,
        first_screenshot_after_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        clocks: Clocks | None = None,
    ) -> None:
        self.clocks = clocks or Clocks()
        clock = self.clocks.monotonic
        self.heartbeat_interval_s = heartbeat_interval_s
        self.screenshot_interval_s = screenshot_interval_s
        self.screenshot_width = screenshot_width
        self.version = program_version()
        self._clock = clock
        self._started = clock()
        self._next_heartbeat = self._started
        self._next_screenshot = self._started + first_screenshot_after_s
        self._client = service_client(api_url, token, timeout=15.0, transport=transport)
        # Small and lossy on purpose: if the service is slow, old reports are worth nothing.
        self._jobs: queue.Queue[_Heartbeat | _Screenshot | None] = queue.Queue(maxsize=4)
        self._thread: threading.Thread | None = None
        #: Counts of reports the service accepted, for tests and the log.
        self.sent_heartbeats = 0
        self.sent_screenshots = 0

    def start(self) -> None:
        """Start the sending thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="couloir-health", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the sending thread once the queued reports are out (or ``timeout``)."""
        if self._thread is not None:
            with contextlib.suppress(queue.Full):
                self._jobs.put(None, timeout=timeout)
            self._thread.join(timeout)
        self._client.close()

    def screenshot_soon(self, delay_s: float = 2.0) -> None:
        """Take the next screenshot within ``delay_s`` (e.g. after new data is shown)."""
        self._next_screenshot = min(self._next_screenshot, self._clock() + delay_s)

    def tick(
        self,
        *,
        frame: pygame.Surface,
        fps: float,
        etag: str | None,
        resolution: tuple[int, int] | None = None,
    ) -> None:
        """Queue what is due. ``frame`` is the logical picture as people see it."""
        now = self._clock()
        if now >= self._next_heartbeat:
            self._next_heartbeat = now + self.heartbeat_interval_s
            width, height = resolution or frame.get_size()
            body = {
                "version": self.version,
                "resolution": f"{width}x{height}",
                "fps": round(float(fps), 1),
                "uptime_s": int(now - self._started),
                "memory_mb": round(rss_bytes() / 2**20, 1),
                "snapshot_etag": etag,
            }
            self._offer(_Heartbeat(body))
        if now >= self._next_screenshot:
            self._next_screenshot = now + self.screenshot_interval_s
            self._offer(_Screenshot(shrink(frame, self.screenshot_width)))

    def _offer(self, job: _Heartbeat | _Screenshot) -> None:
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            log.info("health: service slow, a report was dropped")

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                if isinstance(job, _Heartbeat):
                    self._send_heartbeat(job.body)
                else:
                    self._send_screenshot(job.image)
            except httpx.HTTPError as exc:
                log.info("health: report not sent: %s", exc)
            except Exception:  # pragma: no cover - a report must never kill the screen
                log.exception("health: report failed")

    def _send_heartbeat(self, body: dict[str, object]) -> None:
        # Read as it leaves, not when it was queued: the clock may have jumped in between.
        body = {
            **body,
            "clock_skew_s": self.clocks.skew_s(),
            "clock_before_release": self.clocks.before_release(),
        }
        response = self._client.post(HEARTBEAT_PATH, json=body)
        if response.status_code >= 400:
            log.warning("health: heartbeat answered HTTP %d", response.status_code)
        else:
            self.sent_heartbeats += 1

    def _send_screenshot(self, image: pygame.Surface) -> None:
        data = encode_png(image)
        while len(data) > MAX_SCREENSHOT_BYTES and image.get_width() > 160:
            image = shrink(image, image.get_width() // 2)
            data = encode_png(image)
        response = self._client.put(
            SCREENSHOT_PATH, content=data, headers={"Content-Type": "image/png"}
        )
        if response.status_code >= 400:
            log.warning("health: screenshot answered HTTP %d", response.status_code)
        else:
            self.sent_screenshots += 1
