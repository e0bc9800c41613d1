"""Body size limits: a huge body is refused before any route or login check reads it.

The bodies go over a raw socket, the way an attacker would push them: the client keeps
sending until the server answers (or closes), so "refused early" is measured in bytes the
server let through, and its memory peak is read from /proc (VmHWM).
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from api.security.limits import DEFAULT_BODY_LIMIT, MIB
from tests.support.server import LiveServer

HUGE = 200 * MIB


def peak_rss_mib(server: LiveServer) -> float:
    """The server process's peak resident memory so far, in MiB."""
    assert server._process is not None
    status = Path(f"/proc/{server._process.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def push(
    server: LiveServer, method: str, path: str, headers: dict[str, str], body: Iterator[bytes]
) -> tuple[int, dict[str, str], bytes, int]:
    """Send ``body`` until the server answers; return status, headers, body, bytes sent."""
    parts = urlsplit(server.url)
    head = f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sent = 0
    raw = b""
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(head.encode())
        for chunk in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer is already there: an attacker would stop here too
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        try:
            while data := sock.recv(65536):
                raw += data
        except ConnectionResetError:
            pass  # the server closed on a body it did not read; its answer came first
    head_bytes, _, content = raw.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    answer_headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    return status, answer_headers, content, sent


def megabytes(total: int, piece: bytes = b" " * MIB) -> Iterator[bytes]:
    for _ in range(total // len(piece)):
        yield piece


def chunked(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """HTTP/1.1 chunked framing of ``pieces`` (no Content-Length)."""
    for piece in pieces:
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def test_a_huge_anonymous_body_is_refused_unread(live_server: LiveServer) -> None:
    """200 MB to POST /api/v1/offers without a token: 413 at once, memory unchanged."""
    before = peak_rss_mib(live_server)
    declared = {"Content-Type": "application/json", "Content-Length": str(HUGE)}
    status, headers, content, sent = push(
        live_server, "POST", "/api/v1/offers", declared, megabytes(HUGE)
    )
    assert status == 413, content[:200]
    assert "trop lourd" in json.loads(content)["detail"]
    assert headers["x-content-type-options"] == "nosniff"
    assert sent < 64 * MIB  # the server answered long before the end

    streamed = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    status, _, content, sent = push(
        live_server, "POST", "/api/v1/offers", streamed, chunked(megabytes(HUGE))
    )
    assert status == 413, content[:200]
    assert "Mo au maximum" in json.loads(content)["detail"]
    assert sent < 64 * MIB
    assert peak_rss_mib(live_server) - before < 50
    # The server is still there for everyone else.
    assert httpx.get(f"{live_server.url}/healthz").status_code == 200


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("manager") as client:
        yield client


def test_a_json_body_over_the_limit_is_refused_in_french(manager: httpx.Client) -> None:
    offer = {"title": "x" * (DEFAULT_BODY_LIMIT + 10), "employer": "Garage"}
    response = manager.post("/api/v1/offers", json=offer)
    assert response.status_code == 413
    assert response.json()["detail"] == "Envoi trop lourd : 1 Mo au maximum."
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_staff_page_gets_the_413_as_a_french_page(module_server: LiveServer) -> None:
    response = httpx.post(
        f"{module_server.url}/admin/connexion",
        content=b"email=" + b"a" * (2 * MIB),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "Trop volumineux" in response.text and "1 Mo au maximum" in response.text
