"""The light client of bench/scale.py: thousands of SSE streams in one asyncio process, and edits.

A stream is a bare ``asyncio.open_connection`` with a hand-written GET and a line parser (no
HTTP library: 2,000 and more of them must cost the client little). Each records when every
``event: snapshot`` arrives, honours ``retry:`` when its connection ends (EventSource does the
same), and reconnects until told to stop. Times are ``time.monotonic()``, comparable across
processes on Linux.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

EVENTS = "/api/v1/display/events"
CONNECT_TIMEOUT_S = 10.0
HEAD_TIMEOUT_S = 30.0
READ_TIMEOUT_S = 50.0  # three keep-alives (15 s) missed: the connection is dead
DEFAULT_RETRY_S = 3.0  # the SSE default when the server never sent ``retry:``


@dataclass
class Connection:
    """One connection of a stream: when it was opened, got its first snapshot, ended."""

    opened: float
    first_snapshot: float | None = None
    ended: float | None = None
    status: int | None = None


@dataclass
class Stream:
    """One screen's event stream (one screen may hold several in --find-limit)."""

    token: str
    agency_id: int
    instance: int  # index of the server instance it connects to
    snapshots: list[float] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    retry_s: float = DEFAULT_RETRY_S
    keepalives: int = 0
    revoked: bool = False

    def first_snapshot_after(self, moment: float) -> float | None:
        """When the first snapshot event after ``moment`` arrived, if one did."""
        i = bisect.bisect_left(self.snapshots, moment)
        return self.snapshots[i] if i < len(self.snapshots) else None

    def back_after(self, moment: float) -> float | None:
        """The first snapshot on a connection opened after ``moment`` (back after a restart)."""
        times = [
            c.first_snapshot
            for c in self.connections
            if c.opened >= moment and c.first_snapshot is not None
        ]
        return min(times) if times else None

    @property
    def connected(self) -> bool:
        """Has a connection that got its first snapshot and has not ended."""
        last = self.connections[-1] if self.connections else None
        return last is not None and last.first_snapshot is not None and last.ended is None


class StreamPool:
    """Holds every stream as an asyncio task; counts statuses and transport errors."""

    def __init__(self, addresses: list[tuple[str, int]]) -> None:
        self.addresses = addresses
        self.streams: list[Stream] = []
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    def open(self, stream: Stream) -> None:
        """Start holding ``stream`` (returns at once)."""
        self.streams.append(stream)
        task = asyncio.create_task(self._hold(stream))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def open_at_rate(self, streams: list[Stream], per_second: float) -> None:
        """Open ``streams`` at ``per_second``, on schedule (not drifting with the loop's load)."""
        start = time.monotonic()
        for i, stream in enumerate(streams):
            delay = start + i / per_second - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.open(stream)

    def connected(self, instance: int | None = None) -> int:
        """Streams currently connected (first snapshot received), on one instance or all."""
        return sum(
            1 for s in self.streams if s.connected and (instance is None or s.instance == instance)
        )

    async def wait_connected(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` streams are connected; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.connected() < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.2)
        return True

    async def close(self) -> None:
        """Stop every stream."""
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _hold(self, stream: Stream) -> None:
        host, port = self.addresses[stream.instance]
        request = (
            f"GET {EVENTS} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {stream.token}\r\nAccept: text/event-stream\r\n\r\n"
        ).encode()
        while not self._stopping and not stream.revoked:
            connection = Connection(opened=time.monotonic())
            stream.connections.append(connection)
            writer = None
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), CONNECT_TIMEOUT_S
                )
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT_S)
                connection.status = int(head[9:12])
                self.statuses[connection.status] += 1
                if connection.status == 200:
                    chunked = b"transfer-encoding: chunked" in head.lower()
                    await self._read_events(stream, connection, reader, chunked)
                    self.errors["stream ended by the server"] += 1
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                self.errors[type(exc).__name__] += 1
            except TimeoutError:
                self.errors["timeout"] += 1
            except ValueError:
                self.errors["unparsable response"] += 1
            finally:
                connection.ended = time.monotonic()
                if writer is not None:
                    writer.close()
            if not self._stopping and not stream.revoked:
                await asyncio.sleep(stream.retry_s)

    async def _read_events(
        self,
        stream: Stream,
        connection: Connection,
        reader: asyncio.StreamReader,
        chunked: bool,
    ) -> None:
        event = ""
        pending = b""
        while True:
            if chunked:
                size_line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_S)
                if not size_line:
                    return
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    return
                data = (await asyncio.wait_for(reader.readexactly(size + 2), READ_TIMEOUT_S))[:-2]
            else:
                data = await asyncio.wait_for(reader.read(65536), READ_TIMEOUT_S)
                if not data:
                    return
            now = time.monotonic()
            *lines, pending = (pending + data).split(b"\n")
            for raw in lines:
                line = raw.rstrip(b"\r")
                if not line:  # blank line: dispatch
                    if event == "snapshot":
                        stream.snapshots.append(now)
                        if connection.first_snapshot is None:
                            connection.first_snapshot = now
                    elif event == "revoked":
                        stream.revoked = True
                        return
                    event = ""
                elif line.startswith(b"event:"):
                    event = line[6:].strip().decode()
                elif line.startswith(b"retry:"):
                    value = line[6:].strip()
                    if value.isdigit():
                        stream.retry_s = int(value) / 1000
                elif line.startswith(b":"):
                    stream.keepalives += 1


@dataclass
class Edit:
    """One PATCH of an offer: sent through one instance, watched on the other's streams."""

    agency_id: int
    offer_id: int
    via: int
    sent: float
    answered: float | None = None
    status: int | None = None
    error: str | None = None

    @property
    def write_ms(self) -> float | None:
        """Milliseconds until the answer, None before it."""
        return None if self.answered is None else (self.answered - self.sent) * 1000


class Editor:
    """PATCHes offers through either instance, with If-Match and each agency's editor token."""

    def __init__(self, urls: list[str], max_connections: int = 256) -> None:
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=64)
        timeout = httpx.Timeout(30.0)
        self._clients = [
            httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) for url in urls
        ]
        self._versions: dict[int, int] = {}
        self.statuses: Counter[int] = Counter()

    async def patch(self, via: int, token: str, agency_id: int, offer_id: int, title: str) -> Edit:
        """Change the title of ``offer_id`` (on every screen of its agency) through ``via``."""
        version = self._versions.get(offer_id, 1)
        edit = Edit(agency_id=agency_id, offer_id=offer_id, via=via, sent=time.monotonic())
        try:
            response = await self._clients[via].patch(
                f"/api/v1/offers/{offer_id}",
                json={"title": title},
                headers={"Authorization": f"Bearer {token}", "If-Match": f'"{version}"'},
            )
        except httpx.HTTPError as exc:
            edit.answered, edit.error = time.monotonic(), type(exc).__name__
            return edit
        edit.answered, edit.status = time.monotonic(), response.status_code
        self.statuses[response.status_code] += 1
        if response.status_code == 200:
            self._versions[offer_id] = int(response.headers["etag"].strip('W/"'))
        elif response.status_code == 409:
            self._versions[offer_id] = response.json().get("current", {}).get("version", version)
        return edit

    async def get(self, via: int, path: str, token: str | None = None) -> tuple[int, float]:
        """Status and milliseconds of a GET (health checks, warm-up)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        began = time.monotonic()
        try:
            response = await self._clients[via].get(path, headers=headers, timeout=10)
        except httpx.HTTPError:
            return 0, (time.monotonic() - began) * 1000
        return response.status_code, (time.monotonic() - began) * 1000

    async def close(self) -> None:
        """Close the HTTP clients."""
        for client in self._clients:
            await client.aclose()


def event_delays(
    edits: list[Edit], by_agency: dict[int, list[Stream]], window_s: float
) -> tuple[list[float], int, int]:
    """Milliseconds from each successful edit to the event on each of its agency's streams.

    Returns (delays, missed, expected): an event later than ``window_s`` counts as missed.
    """
    delays: list[float] = []
    missed = expected = 0
    for edit in edits:
        if edit.status != 200:
            continue
        for stream in by_agency.get(edit.agency_id, []):
            expected += 1
            arrival = stream.first_snapshot_after(edit.sent)
            if arrival is None or arrival - edit.sent > window_s:
                missed += 1
            else:
                delays.append((arrival - edit.sent) * 1000)
    return delays, missed, expected
