"""Screens' event streams for tests: each read in a thread, every event kept with its time.

with EventRecorder(server.url, server.screen_token) as stream:
    stream.wait_for(1)          # the first ``snapshot`` event
    t0 = time.monotonic(); edit(); stream.wait_for(2)
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Event:
    at: float  # time.monotonic() of its arrival
    name: str
    data: str
    retry_ms: int | None


class EventRecorder:
    """``GET /api/v1/display/events`` over a plain socket (HTTP/1.0: the body is the stream as
    sent, without chunk framing; one descriptor, no client library)."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._token = token
        self.events: list[Event] = []
        self.ended = threading.Event()
        self._changed = threading.Condition()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> EventRecorder:
        self._sock = socket.create_connection(self._address, timeout=30)
        request = (
            f"GET /api/v1/display/events HTTP/1.0\r\nHost: {self._address[0]}\r\n"
            f"Authorization: Bearer {self._token}\r\nAccept: text/event-stream\r\n\r\n"
        )
        self._sock.sendall(request.encode())
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Hang up."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        if self._thread is not None:
            self._thread.join(5)

    def snapshots(self) -> list[Event]:
        """The ``snapshot`` events so far."""
        with self._changed:
            return [e for e in self.events if e.name == "snapshot"]

    def wait_for(self, count: int, name: str = "snapshot", timeout: float = 10.0) -> Event:
        """Wait for the ``count``-th event called ``name``; return it (AssertionError if late)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                named = [e for e in self.events if e.name == name]
                if len(named) >= count:
                    return named[count - 1]
                left = deadline - time.monotonic()
                if left <= 0 or self.ended.is_set():
                    raise AssertionError(f"{count} « {name} » attendus, reçus : {self.events}")
                self._changed.wait(left)

    def _read(self) -> None:
        assert self._sock is not None
        buffer = b""
        name, data, retry = "", "", None
        try:
            while True:
                chunk = self._sock.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                while b"\n" in buffer:
                    raw, buffer = buffer.split(b"\n", 1)
                    line = raw.decode().rstrip("\r")
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        data = line[5:].strip()
                    elif line.startswith("retry:"):
                        retry = int(line[6:].strip())
                    elif line == "" and name:
                        with self._changed:
                            self.events.append(Event(time.monotonic(), name, data, retry))
                            self._changed.notify_all()
                        name, data, retry = "", "", None
        except OSError:
            pass
        finally:
            self.ended.set()
            with self._changed:
                self._changed.notify_all()


def open_screens(
    stack: contextlib.ExitStack, url: str, token: str, count: int, timeout: float = 10.0
) -> list[EventRecorder]:
    """``count`` streams of the screen ``token``, each past its first ``snapshot`` event,
    closed with ``stack``."""
    screens = [stack.enter_context(EventRecorder(url, token)) for _ in range(count)]
    for screen in screens:
        screen.wait_for(1, timeout=timeout)
    return screens
