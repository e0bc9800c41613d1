"""The feed: the only part of the screen program that talks to the service.

A worker thread keeps the snapshot current and hands what it learns to the render loop
through a queue, read between frames with :meth:`Feed.drain`; the loop never waits on
the network.

- ``GET /api/v1/display/snapshot`` with ``If-None-Match`` (a 304 costs nothing);
- ``GET /api/v1/display/events`` (server-sent events): each ``snapshot`` event triggers a
  fetch, so a change posted from a phone is on screen within a second; a stream the service
  ended is reopened after the ``retry:`` delay it gave, a dropped one with exponential backoff
  capped at ``backoff_max_s`` with jitter (:func:`retry_delay`: screens that lost the service
  together do not come back together); a service without the stream is polled every
  ``poll_interval_s``;
- every answer's ``Date`` header tells the shared :class:`~display.timekeeping.Clocks` the
  service's time; how long since the last answer is measured on the monotonic clock;
- a snapshot that is not JSON, has an unknown ``schema_version`` or bad data is logged and
  dropped: the previous one stays on screen;
- hire photos are downloaded, cached and decoded (and shrunk) here, off the render thread.

The render loop's side of it, in outline (``token`` and ``path`` being the screen's)::

    feed = Feed("http://127.0.0.1:8000", token, DisplayCache(path))
    feed.start()
    for message in feed.drain():   # between two frames
        ...
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import queue
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pygame
from pydantic import ValidationError

from api.contract import EVENTS_PATH, SCENE_NAMES, SCHEMA_VERSION, SNAPSHOT_PATH, Snapshot
from display.cache import DisplayCache
from display.libraries import httpx, service_client
from display.timekeeping import Clocks, service_time

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotUpdate:
    """A new valid snapshot, from the service or from the disk cache."""

    snapshot: Snapshot
    etag: str | None
    from_cache: bool = False


@dataclass(frozen=True)
class PhotoUpdate:
    """A decoded hire photo, or None when it is gone or could not be decoded."""

    hire_id: int
    image: pygame.Surface | None


@dataclass(frozen=True)
class AuthRefused:
    """The service refused the screen token (missing, invalid or revoked)."""

    detail: str


FeedMessage = SnapshotUpdate | PhotoUpdate | AuthRefused
#: While the service stays unreachable, one line in the log this often (seconds), not one
#: per attempt: the journal (on the SD card or in RAM) must not fill during a long outage.
QUIET_FAILURES_S = 600.0


def retry_delay(failures: int, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Seconds before attempt ``failures + 1``: doubling from ``base_s`` up to ``cap_s``, of
    which the second half is random, so screens cut off together come back spread out.

    >>> 4.0 <= retry_delay(4, 1.0, 30.0, random.Random(1)) <= 8.0
    True
    """
    # The exponent stops growing long before the cap: 2 ** 1024 (some nine hours of
    # failures) is beyond a float, and the worker would die of it.
    delay = min(cap_s, base_s * (2 ** min(max(0, failures - 1), 30)))
    return delay / 2 + rng.uniform(0, delay / 2)


def _drop_unknown_scenes(data: dict[str, Any]) -> None:
    """Leave out playlist entries naming a scene this screen does not know.

    A newer server may offer scenes an older screen lacks: the screen plays the others rather
    than refusing the whole snapshot (and showing stale data until it is updated).
    """
    screen = data.get("screen")
    playlist = screen.get("playlist") if isinstance(screen, dict) else None
    if not isinstance(playlist, list):
        return
    unknown = {
        str(e.get("scene"))
        for e in playlist
        if isinstance(e, dict) and isinstance(e.get("scene"), str) and e["scene"] not in SCENE_NAMES
    }
    if unknown:
        log.warning("feed: playlist scenes unknown to this screen left out: %s", sorted(unknown))
        screen["playlist"] = [
            e for e in playlist if not (isinstance(e, dict) and e.get("scene") in unknown)
        ]


def parse_snapshot(body: bytes | str) -> Snapshot | None:
    """Return the snapshot in ``body``, or None after logging why it was rejected."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        log.warning("feed: snapshot rejected, not JSON (%s); keeping the previous one", exc)
        return None
    if not isinstance(data, dict):
        log.warning("feed: snapshot rejected, not a JSON object; keeping the previous one")
        return None
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        log.warning(
            "feed: snapshot rejected, unknown schema_version %r (this screen reads %d); "
            "keeping the previous one",
            version,
            SCHEMA_VERSION,
        )
        return None
    _drop_unknown_scenes(data)
    try:
        return Snapshot.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        log.warning(
            "feed: snapshot rejected, bad data at %s: %s (%d error(s)); keeping the previous one",
            where or "?",
            first.get("msg"),
            exc.error_count(),
        )
        return None


def decode_photo(data: bytes, box: tuple[int, int] | None) -> pygame.Surface | None:
    """Decode image bytes and crop them to fill ``box`` (w, h). None if undecodable.

    Done here, in the feed thread, so the render loop only blits a ready picture (a
    12-megapixel camera photo would also cost ~48 MB of RAM if kept whole).
    """
    try:
        image = pygame.image.load(io.BytesIO(data))
    except (pygame.error, ValueError, OSError) as exc:
        log.warning("feed: photo could not be decoded (%s); skipped", exc)
        return None
    if box is None:
        return image
    from display.surfaces import crop_to_fill

    return crop_to_fill(image, box)


class Feed:
    """Worker thread keeping the screen's snapshot and photos current.

    ``transport`` replaces the network in unit tests; ``clocks`` are the screen's (shared with
    the loop); ``wait(seconds)`` pauses the worker and
    returns True once stopped (tests pass one that moves their clocks instead of sleeping).
    """

    def __init__(
        self,
        api_url: str,
        token: str | None,
        cache: DisplayCache | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        poll_interval_s: float = 30.0,
        photo_cover: tuple[int, int] | None = None,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 30.0,
        stream_read_timeout_s: float = 45.0,
        retry_stream_after_s: float = 300.0,
        rng: random.Random | None = None,
        clocks: Clocks | None = None,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.cache = cache
        self.poll_interval_s = poll_interval_s
        #: Size hire photos are cropped to (the renderer's photo box); None: kept whole.
        self.photo_cover = photo_cover
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.retry_stream_after_s = retry_stream_after_s
        self.clocks = clocks or Clocks()
        self._rng = rng or random.Random()
        self._client = service_client(
            self.api_url,
            token,
            # Keep-alive comments arrive every 15 s: three missed ones mean a dead stream.
            timeout=httpx.Timeout(10.0, read=stream_read_timeout_s),
            transport=transport,
        )
        self._queue: queue.Queue[FeedMessage] = queue.Queue()
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._photo_lock = threading.Lock()
        self._delivered_photos: dict[int, str] = {}
        self._stream_socket: socket.socket | None = None
        # The delay the service asked for (SSE ``retry:``) before reopening its stream.
        self._server_retry_s: float | None = None
        self.etag: str | None = None
        self.snapshot: Snapshot | None = None
        # The last snapshot received but not yet stored in the cache (its disk full).
        self._unsaved: tuple[bytes, str | None, datetime] | None = None
        #: Wall-clock time of the last answer from the service (None: never yet); the one the
        #: cache was stored at after a restart, until the service answers.
        self.last_contact: datetime | None = None
        #: Monotonic time of the last answer in this run (None: none yet): for durations.
        self.last_contact_mono: float | None = None
        #: Attempts to reach the service that failed in a row, and when the log last said so.
        self.failures = 0
        self._failure_logged_at: float | None = None
        #: "connecting", "live" (event stream open), "polling" or "unreachable".
        self.mode = "connecting"

    # -- the render loop's side -------------------------------------------------------

    def drain(self) -> list[FeedMessage]:
        """Return (without waiting) every message queued since the last call."""
        messages: list[FeedMessage] = []
        while True:
            try:
                messages.append(self._queue.get_nowait())
            except queue.Empty:
                return messages

    def start(self) -> None:
        """Load the cache, then keep the snapshot current in a daemon thread."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="couloir-feed", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker and close connections (an open event stream is cut)."""
        self._stop.set()
        # Shutting the socket down wakes a read blocked on the event stream at once.
        stream_socket = self._stream_socket
        if stream_socket is not None:
            with contextlib.suppress(OSError):
                stream_socket.shutdown(socket.SHUT_RDWR)
        self._client.close()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stop.is_set()

    # -- one-shot operations (also used by ``--screenshot``) -------------------------

    def load_cache(self) -> bool:
        """Queue the cached snapshot and its photos; return True if there was one."""
        if self.cache is None:
            return False
        cached = self.cache.load_snapshot()
        if cached is None:
            return False
        with self._lock:
            self.snapshot = cached.snapshot
            self.etag = cached.etag
        if self.last_contact is None:
            # The cached data was current when stored: that is what "données du" shows.
            self.last_contact = cached.saved_at
        log.info("feed: starting from the snapshot cached at %s", cached.saved_at.isoformat())
        self._queue.put(SnapshotUpdate(cached.snapshot, cached.etag, from_cache=True))
        self._sync_photos(cached.snapshot, offline=True)
        return True

    def fetch(self) -> bool:
        """GET the snapshot once; return True if the service answered usefully."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        try:
            response = self._client.get(SNAPSHOT_PATH, headers=headers)
        except httpx.HTTPError as exc:
            self._log_failure("feed: snapshot fetch failed: %s", _describe(exc))
            return False
        self.clocks.learn_service_time(service_time(response.headers.get("Date")))
        if response.status_code == 304:
            self._mark_contact()
            self._store_unsaved()
            return True
        if response.status_code in (401, 403):
            self._refused(response)
            return False
        if response.status_code != 200:
            log.warning("feed: snapshot fetch answered HTTP %d", response.status_code)
            return False
        self._mark_contact()
        snapshot = parse_snapshot(response.content)
        if snapshot is None:
            return True
        etag = response.headers.get("ETag")
        with self._lock:
            self.snapshot = snapshot
            self.etag = etag
        # The screen first, the disk after: the fsync must not delay the picture.
        self._queue.put(SnapshotUpdate(snapshot, etag))
        if self.cache is not None:
            self._unsaved = (response.content, etag, self.clocks.now())
            self._store_unsaved()
        self._sync_photos(snapshot)
        return True

    def _store_unsaved(self) -> None:
        """Write the snapshot shown to the disk cache if it is not there yet (after a full or
        read-only disk, at the next answer: a restart then shows it, not an older one)."""
        if self.cache is not None and self._unsaved is not None:
            body, etag, received_at = self._unsaved
            if self.cache.save_snapshot(body, etag, saved_at=received_at):
                self._unsaved = None

    # -- the worker -----------------------------------------------------------------

    def _run(self) -> None:
        try:
            self.load_cache()
            self._loop()
        except Exception:  # pragma: no cover - last resort, the loop must not die silently
            log.exception("feed: worker crashed")

    def _loop(self) -> None:
        stream_retry_at = 0.0
        clock = self.clocks.monotonic
        while not self._stop.is_set():
            # Without an event stream, try it again only every ``retry_stream_after_s``.
            outcome = self._listen() if clock() >= stream_retry_at else "unavailable"
            if self._stop.is_set():
                return
            if outcome == "ended":
                # The stream was up: reconnect when the service said (a server stopping spreads
                # its screens over half a minute), else soon, but never in a tight loop.
                self.failures = 0
                self.mode = "connecting"
                asked, self._server_retry_s = self._server_retry_s, None
                self._wait(asked if asked is not None else self._backoff(0))
            elif outcome == "unreachable":
                self.failures += 1
                self.mode = "unreachable"
                self._wait(self._backoff(self.failures))
            elif outcome == "refused":
                self.failures += 1
                self.mode = "unreachable"
                self._wait(max(self._backoff(self.failures), self.poll_interval_s))
            else:  # the service has no event stream: poll it
                if stream_retry_at <= clock():
                    stream_retry_at = clock() + self.retry_stream_after_s
                    log.info("feed: no event stream, polling every %.0f s", self.poll_interval_s)
                self.mode = "polling"
                self.fetch()
                self._wait(self.poll_interval_s)

    def _backoff(self, failures: int) -> float:
        """Exponential delay with jitter (half fixed, half random) so screens spread out."""
        return retry_delay(failures, self.backoff_base_s, self.backoff_max_s, self._rng)

    def _log_failure(self, message: str, *args: object) -> None:
        """Log a failed attempt: the first of a run, then one every ``QUIET_FAILURES_S``."""
        tick = self.clocks.monotonic()
        last = self._failure_logged_at
        if self.failures == 0 or last is None or tick - last >= QUIET_FAILURES_S:
            self._failure_logged_at = tick
            log.info(message + " (%d attempt(s) in a row)", *args, self.failures + 1)

    def _listen(self) -> str:
        """Follow the event stream until it ends; return how it ended."""
        connected = False
        try:
            with self._client.stream(
                "GET", EVENTS_PATH, headers={"Accept": "text/event-stream"}
            ) as response:
                status = response.status_code
                self.clocks.learn_service_time(service_time(response.headers.get("Date")))
                if status in (401, 403):
                    response.read()
                    self._refused(response)
                    return "refused"
                kind = response.headers.get("Content-Type", "")
                if status in (404, 405, 501) or (
                    status == 200 and not kind.startswith("text/event-stream")
                ):
                    return "unavailable"
                if status != 200:
                    self._log_failure("feed: event stream answered HTTP %d", status)
                    return "unreachable"
                connected = True
                self._stream_socket = _socket_of(response)
                self.mode = "live"
                self._mark_contact()
                # Catch up at once: changes made while we were away sent no event to us.
                self.fetch()
                self._follow(response)
                return "ended"
        except httpx.HTTPError as exc:
            if connected and not self._stop.is_set():
                log.info("feed: event stream lost: %s", _describe(exc))
            elif not self._stop.is_set():
                self._log_failure("feed: event stream down: %s", _describe(exc))
            return "ended" if connected else "unreachable"
        except (OSError, RuntimeError) as exc:
            # A stop() closing the client under a blocked read lands here.
            if not self._stop.is_set():
                log.info("feed: event stream closed: %s", exc)
            return "ended" if connected else "unreachable"
        finally:
            self._stream_socket = None

    def _follow(self, response: httpx.Response) -> None:
        event = ""
        data: list[str] = []
        for line in response.iter_lines():
            if self._stop.is_set():
                return
            self._mark_contact()
            if line.startswith(":"):
                continue  # keep-alive comment
            if line == "":
                if event in ("", "snapshot"):
                    self._on_event("\n".join(data))
                event, data = "", []
            elif line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
            elif line.startswith("retry:") and line[6:].strip().isdigit():
                self._server_retry_s = min(int(line[6:].strip()) / 1000, self.backoff_max_s)

    def _on_event(self, data: str) -> None:
        try:
            etag = json.loads(data).get("etag") if data else None
        except (ValueError, AttributeError):
            etag = None
        if etag is not None and etag == self.etag:
            return  # we already have that snapshot
        self.fetch()

    def _mark_contact(self) -> None:
        if self.failures and self._failure_logged_at is not None:
            log.info("feed: the service answers again after %d failed attempt(s)", self.failures)
        self._failure_logged_at = None
        self.failures = 0
        self.last_contact = self.clocks.now()
        self.last_contact_mono = self.clocks.monotonic()

    def _refused(self, response: httpx.Response) -> None:
        try:
            detail = str(response.json().get("detail", ""))
        except (ValueError, AttributeError):
            detail = ""
        log.warning("feed: the service refused the screen token (%s)", detail or "401")
        self._queue.put(AuthRefused(detail))

    # -- photos ---------------------------------------------------------------------

    def resend_photos(self) -> None:
        """Prepare every photo again (at ``photo_cover``) from the disk cache, in a thread."""
        snapshot = self.snapshot

        def again() -> None:
            with self._photo_lock:
                self._delivered_photos.clear()
            if snapshot is not None:
                self._sync_photos(snapshot, offline=True)

        threading.Thread(target=again, name="couloir-photos", daemon=True).start()

    def _sync_photos(self, snapshot: Snapshot, offline: bool = False) -> None:
        with self._photo_lock:
            self._sync_photos_locked(snapshot, offline)

    def _sync_photos_locked(self, snapshot: Snapshot, offline: bool) -> None:
        wanted = {hire.id: hire.photo_path for hire in snapshot.hires if hire.photo_path}
        for hire_id in list(self._delivered_photos):
            if hire_id not in wanted:
                # Tell the renderer to let go of it, so memory does not grow with time.
                del self._delivered_photos[hire_id]
                self._queue.put(PhotoUpdate(hire_id, None))
        for hire_id, source in wanted.items():
            if self._stop.is_set():
                return
            if self._delivered_photos.get(hire_id) == source:
                continue
            data = self.cache.load_photo(hire_id, source) if self.cache else None
            if data is None and not offline:
                data = self._download(source)
                if data is not None and self.cache is not None:
                    self.cache.save_photo(hire_id, source, data)
            if data is None:
                continue  # try again with the next snapshot
            self._delivered_photos[hire_id] = source
            self._queue.put(PhotoUpdate(hire_id, decode_photo(data, self.photo_cover)))
        if self.cache is not None and not offline:
            self.cache.prune_photos(wanted)

    def _download(self, source: str) -> bytes | None:
        url = source if source.startswith(("http://", "https://")) else "/" + source.lstrip("/")
        try:
            response = self._client.get(url)
        except httpx.HTTPError as exc:
            log.info("feed: photo %s not downloaded: %s", source, _describe(exc))
            return None
        if response.status_code != 200:
            log.warning("feed: photo %s answered HTTP %d", source, response.status_code)
            return None
        return response.content


def _socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        return stream.get_extra_info("socket")
    except Exception:  # the transport may not expose it (tests' mock transport)
        return None


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
