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
import json
import time
from collections import Counter
from dataclasses import dataclass, field

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
        """Stop every stream.

        Python 3.11's ``wait_for`` can lose a cancellation that lands as its read completes:
        such a stream goes on reading, so it is cancelled again, and also stops at its next
        read (a keep-alive comes every 15 s).
        """
        self._stopping = True
        for _ in range(5):
            pending = [task for task in self._tasks if not task.done()]
            if not pending:
                return
            for task in pending:
                task.cancel()
            await asyncio.wait(pending, timeout=5)

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
        while not self._stopping:
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


class HttpError(Exception):
    """A request that got no complete answer (refused, reset, timed out)."""


class _Stale(Exception):
    """A kept-alive connection the server had closed: the request can go on another."""


@dataclass
class Answer:
    """Status, lower-cased headers and body of one HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes


class LeanHttp:
    """HTTP/1.1 over bare asyncio connections kept alive, for one server.

    The phones of a real network are not on the server's machine; here the client shares the
    two cores with both instances and PostgreSQL, so it must cost little: a request is one
    write and a parse of the status line and headers (about a tenth of a general-purpose
    client's CPU per request).
    """

    def __init__(self, url: str, keep: int = 64, timeout: float = 30.0) -> None:
        host_port = url.removeprefix("http://").rstrip("/")
        self._host, _, port = host_port.partition(":")
        self._port = int(port or 80)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._keep, self._timeout = keep, timeout

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes = b"",
        timeout: float | None = None,
    ) -> Answer:
        """Send one request and read its answer within ``timeout`` (the client's by default;
        raises HttpError)."""
        try:
            exchange = self._exchange(method, path, headers, body)
            return await asyncio.wait_for(exchange, timeout or self._timeout)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as exc:
            raise HttpError(type(exc).__name__) from exc

    async def _exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Answer:
        while self._idle:
            connection = self._idle.pop()
            try:
                return await self._over(connection, method, path, headers, body)
            except _Stale:
                continue  # the server closed it while idle (its keep-alive timeout): next one
        connection = await asyncio.open_connection(self._host, self._port)
        return await self._over(connection, method, path, headers, body, fresh=True)

    async def _over(
        self,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        fresh: bool = False,
    ) -> Answer:
        reader, writer = connection
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines.append(f"Content-Length: {len(body)}")
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            head = await reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError) as exc:
            writer.close()
            # Nothing came back on a connection that sat idle: the request never reached the
            # application (what browsers retry too). On a fresh connection it is a real error.
            if not fresh and (isinstance(exc, OSError) or not exc.partial):
                raise _Stale from exc
            raise
        try:
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            answer_headers = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                if name:
                    answer_headers[name.strip().lower()] = value.strip()
            length = int(answer_headers.get("content-length", "0"))
            answer_body = await reader.readexactly(length) if length else b""
        except BaseException:
            writer.close()
            raise
        if answer_headers.get("connection") == "close" or len(self._idle) >= self._keep:
            writer.close()
        else:
            self._idle.append((reader, writer))
        return Answer(int(status_line.split(" ", 2)[1]), answer_headers, answer_body)

    async def close(self) -> None:
        """Close the idle connections."""
        for _, writer in self._idle:
            writer.close()
        self._idle.clear()


class Editor:
    """PATCHes offers through either instance, with If-Match and each agency's editor token."""

    def __init__(self, urls: list[str], max_connections: int = 256) -> None:
        self._clients = [LeanHttp(url, keep=min(64, max_connections)) for url in urls]
        self._versions: dict[int, int] = {}
        self.statuses: Counter[int] = Counter()

    async def patch(self, via: int, token: str, agency_id: int, offer_id: int, title: str) -> Edit:
        """Change the title of ``offer_id`` (on every screen of its agency) through ``via``."""
        version = self._versions.get(offer_id, 1)
        edit = Edit(agency_id=agency_id, offer_id=offer_id, via=via, sent=time.monotonic())
        headers = {
            "Authorization": f"Bearer {token}",
            "If-Match": f'"{version}"',
            "Content-Type": "application/json",
        }
        try:
            body = json.dumps({"title": title}).encode()
            answer = await self._clients[via].request(
                "PATCH", f"/api/v1/offers/{offer_id}", headers, body
            )
        except HttpError as exc:
            edit.answered, edit.error = time.monotonic(), str(exc)
            return edit
        edit.answered, edit.status = time.monotonic(), answer.status
        self.statuses[answer.status] += 1
        if answer.status == 200:
            self._versions[offer_id] = int(answer.headers["etag"].strip('W/"'))
        elif answer.status == 409:
            current = json.loads(answer.body).get("current", {})
            self._versions[offer_id] = current.get("version", version)
        return edit

    async def get(self, via: int, path: str, token: str | None = None) -> tuple[int, float]:
        """Status and milliseconds of a GET (health checks, warm-up); 0 when no answer came."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        began = time.monotonic()
        try:
            answer = await self._clients[via].request("GET", path, headers, timeout=10)
        except HttpError:
            return 0, (time.monotonic() - began) * 1000
        return answer.status, (time.monotonic() - began) * 1000

    async def close(self) -> None:
        """Close the connections."""
        for client in self._clients:
            await client.close()


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
