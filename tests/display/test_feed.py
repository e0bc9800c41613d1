"""The feed worker: protocol edge cases against a scripted service (``httpx.MockTransport``).

The same feed against the real service is in ``test_live.py``.
"""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
import random
import threading
import time
from collections.abc import Iterator

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import httpx
import pygame
import pytest
from runtime_support import ScriptedService, hire_dict, snapshot_dict, wait_for

from display.cache import DisplayCache
from display.feed import AuthRefused, Feed, PhotoUpdate, SnapshotUpdate


def make_feed(service: ScriptedService, cache: DisplayCache | None = None, **kwargs) -> Feed:
    return Feed(
        "http://screen.test",
        "token-123",
        cache,
        transport=httpx.MockTransport(service),
        **kwargs,
    )


def snapshots(messages: list) -> list[SnapshotUpdate]:
    return [m for m in messages if isinstance(m, SnapshotUpdate)]


def png_bytes(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    image = pygame.Surface(size)
    image.fill(colour)
    buffer = io.BytesIO()
    pygame.image.save(image, buffer, "photo.png")
    return buffer.getvalue()


def test_fetch_delivers_snapshot_then_304_costs_nothing():
    service = ScriptedService()
    feed = make_feed(service)
    assert feed.fetch()
    [update] = snapshots(feed.drain())
    assert update.snapshot.offers[0].title == "Boulanger"
    assert update.etag == '"v1"'
    first_contact = feed.last_contact

    assert feed.fetch()  # unchanged: the service answers 304
    assert feed.drain() == []
    assert service.requests[-1].headers["If-None-Match"] == '"v1"'
    assert service.requests[-1].headers["Authorization"] == "Bearer token-123"
    assert feed.last_contact >= first_contact


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (json.dumps({**snapshot_dict(), "schema_version": 2}).encode(), "schema_version 2"),
        (json.dumps({**snapshot_dict(), "offers": [{"title": 3}]}).encode(), "bad data at offers"),
        (b"[1, 2]", "not a JSON object"),
    ],
)
def test_bad_snapshot_is_logged_and_previous_one_kept(body, reason, caplog, tmp_path):
    service = ScriptedService()
    cache = DisplayCache(tmp_path)
    feed = make_feed(service, cache)
    feed.fetch()
    assert len(snapshots(feed.drain())) == 1

    service.set_body(body, '"v2"')
    with caplog.at_level(logging.WARNING, logger="display.feed"):
        feed.fetch()
    assert snapshots(feed.drain()) == []
    assert feed.snapshot.offers[0].title == "Boulanger"
    assert reason in caplog.text and "keeping the previous one" in caplog.text
    # The cache still holds the good snapshot for the next start.
    assert cache.load_snapshot().snapshot.offers[0].title == "Boulanger"


def test_refused_token_is_reported(caplog):
    service = ScriptedService()
    service.snapshot_status = 401
    feed = make_feed(service)
    with caplog.at_level(logging.WARNING, logger="display.feed"):
        assert not feed.fetch()
    assert feed.drain() == [AuthRefused("jeton inconnu")]
    assert "refused the screen token" in caplog.text


class EventStream:
    """An event-stream body the test feeds line by line; open until closed."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.ready = threading.Condition()
        self.closed = False
        self.opened = 0
        self.drops = 0

    def send(self, text: str) -> None:
        with self.ready:
            self.chunks.append(text.encode())
            self.ready.notify_all()

    def close(self) -> None:
        with self.ready:
            self.closed = True
            self.ready.notify_all()

    def drop(self) -> None:
        """End the connection now open; the next one stays open."""
        with self.ready:
            self.drops += 1
            self.ready.notify_all()

    def __call__(self) -> Iterator[bytes]:
        self.opened += 1
        generation = self.drops
        sent = 0
        while True:
            with self.ready:
                self.ready.wait_for(
                    lambda sent=sent: (
                        self.closed or self.drops > generation or len(self.chunks) > sent
                    ),
                    timeout=5,
                )
                if len(self.chunks) > sent:
                    chunk = self.chunks[sent]
                    sent += 1
                elif self.closed or self.drops > generation:
                    return
                else:
                    continue
            yield chunk


def test_event_triggers_fetch_and_known_etag_does_not():
    service = ScriptedService()
    stream = EventStream()
    service.events = stream
    feed = make_feed(service)
    feed.start()
    try:
        # Connecting fetches at once (changes made while away sent no event).
        wait_for(lambda: feed.snapshot is not None)
        assert feed.mode == "live"
        fetches = service.paths().count("/api/v1/display/snapshot")

        stream.send('event: snapshot\ndata: {"etag": "\\"v1\\""}\n\n')  # what we have
        stream.send(": keep-alive\n\n")
        service.set_body(snapshot_dict(title="Couvreur"), '"v2"')
        stream.send('event: snapshot\ndata: {"etag": "\\"v2\\""}\n\n')
        wait_for(lambda: feed.snapshot.offers[0].title == "Couvreur")
        assert service.paths().count("/api/v1/display/snapshot") == fetches + 1
        titles = [u.snapshot.offers[0].title for u in snapshots(feed.drain())]
        assert titles == ["Boulanger", "Couvreur"]
    finally:
        stream.close()
        feed.stop()


@pytest.mark.parametrize(
    ("farewell", "earliest_s", "latest_s"),
    [
        (None, 0.0, 1.0),  # dropped without a word: back at once (10 ms backoff here)
        # What a server says when it stops: come back in 1.5 s (it draws 1–30 s per screen).
        ("retry: 1500\nevent: bye\ndata: {}\n\n", 1.4, 5.0),
    ],
)
def test_ended_stream_is_reopened_when_the_service_said(farewell, earliest_s, latest_s):
    service = ScriptedService()
    stream = EventStream()
    service.events = stream
    feed = make_feed(service, backoff_base_s=0.01)
    feed.start()
    try:
        wait_for(lambda: stream.opened == 1 and feed.mode == "live")
        if farewell:
            stream.send(farewell)
        ended_at = time.monotonic()
        stream.drop()  # the server ends the response
        wait_for(lambda: stream.opened >= 2, timeout=latest_s)
        assert time.monotonic() - ended_at >= earliest_s
    finally:
        stream.close()
        feed.stop()


def test_without_event_stream_it_polls():
    service = ScriptedService()
    service.events = 404
    feed = make_feed(service, poll_interval_s=0.05, retry_stream_after_s=60)
    feed.start()
    try:
        wait_for(lambda: feed.mode == "polling" and feed.snapshot is not None)
        service.set_body(snapshot_dict(title="Couvreur"), '"v2"')
        wait_for(lambda: feed.snapshot.offers[0].title == "Couvreur")
        # The stream is not retried on every poll.
        assert service.paths().count("/api/v1/display/events") == 1
    finally:
        feed.stop()


def test_backoff_grows_with_jitter_and_is_capped():
    service = ScriptedService()
    feed = make_feed(service, backoff_base_s=1, backoff_max_s=30, rng=random.Random(7))
    delays = [[feed._backoff(n) for _ in range(50)] for n in range(1, 8)]
    for n, values in enumerate(delays, start=1):
        ceiling = min(30, 2 ** (n - 1))
        assert all(ceiling / 2 <= v <= ceiling for v in values)
        assert len({round(v, 6) for v in values}) > 40  # screens do not retry in lockstep
    assert max(delays[-1]) <= 30


def test_unreachable_service_backs_off(tmp_path):
    attempts: list[float] = []

    def down(request: httpx.Request) -> httpx.Response:
        import time

        attempts.append(time.monotonic())
        raise httpx.ConnectError("connection refused", request=request)

    feed = Feed(
        "http://screen.test",
        "t",
        DisplayCache(tmp_path),
        transport=httpx.MockTransport(down),
        backoff_base_s=0.05,
        backoff_max_s=0.4,
    )
    feed.start()
    try:
        wait_for(lambda: len(attempts) >= 5)
    finally:
        feed.stop()
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert feed.mode == "unreachable"
    assert gaps[-1] > gaps[0]


def test_photos_downloaded_shrunk_cached_and_bad_one_skipped(tmp_path, caplog):
    pygame.init()
    service = ScriptedService()
    service.photos["/api/v1/display/photos/1"] = png_bytes((800, 600), (200, 30, 30))
    service.photos["/api/v1/display/photos/2"] = b"\xff\xd8 this is no jpeg"
    service.photos["/api/v1/display/photos/3"] = png_bytes((100, 50), (30, 200, 30))
    hires = [
        hire_dict(1, "api/v1/display/photos/1"),
        hire_dict(2, "/api/v1/display/photos/2"),
        hire_dict(3, "/api/v1/display/photos/3"),
        hire_dict(4, None),
    ]
    service.set_body(snapshot_dict(hires=hires), '"p1"')
    cache = DisplayCache(tmp_path)
    feed = make_feed(service, cache, photo_cover=(200, 100))
    with caplog.at_level(logging.WARNING, logger="display.feed"):
        feed.fetch()
    photos = {m.hire_id: m.image for m in feed.drain() if isinstance(m, PhotoUpdate)}
    assert set(photos) == {1, 2, 3}
    # Cropped to the photo box in the feed thread, whatever the original size.
    assert photos[1].get_size() == (200, 100)
    assert photos[1].get_at((10, 10))[:3] == (200, 30, 30)
    assert photos[3].get_size() == (200, 100)
    assert photos[3].get_at((199, 99))[:3] == (30, 200, 30)
    assert photos[2] is None and "could not be decoded" in caplog.text

    # Offline restart: photos come back from the disk cache, without the network.
    offline = Feed("http://screen.test", "t", cache, transport=httpx.MockTransport(_refuse))
    assert offline.load_cache()
    again = {m.hire_id for m in offline.drain() if isinstance(m, PhotoUpdate)}
    assert again == {1, 2, 3}

    # A hire leaving the snapshot: its photo is released and removed from disk.
    service.set_body(snapshot_dict(hires=hires[2:]), '"p2"')
    feed.fetch()
    released = [m for m in feed.drain() if isinstance(m, PhotoUpdate)]
    assert {(m.hire_id, m.image) for m in released} == {(1, None), (2, None)}
    assert cache.load_photo(1, "api/v1/display/photos/1") is None
    assert cache.load_photo(3, "/api/v1/display/photos/3") is not None


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("offline", request=request)
