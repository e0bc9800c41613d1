"""Large photos are decoded off the event loop: health checks and screens are answered meanwhile.

Each upload announces ``Expect: 100-continue``; the server answers ``100 Continue`` only when the
route starts reading the body, so the test knows all four uploads are inside the route before
it sends their bodies and then a health check. What is asserted is the order of the answers,
not a duration.
"""

from __future__ import annotations

import io
import selectors
import socket
from collections.abc import Iterator
from datetime import date

import pytest
from PIL import Image, ImageDraw

from tests.support.server import LiveServer

UPLOADS = 4
SIDE_PX = 6000  # 36 Mpx: ~100 MB once decoded, about a second of CPU
TIMEOUT_S = 120.0


def big_webp(side: int = SIDE_PX) -> bytes:
    """A small file that decodes into a very large picture (what a modern phone may send)."""
    image = Image.new("RGB", (side, side), (120, 80, 200))
    ImageDraw.Draw(image).ellipse((side // 12, side // 12, side * 11 // 12, side * 11 // 12), "red")
    out = io.BytesIO()
    image.save(out, "WEBP", quality=50, method=0)
    return out.getvalue()


@pytest.fixture(scope="module")
def webp() -> bytes:
    return big_webp()


@pytest.fixture(scope="module")
def hire_ids(module_server: LiveServer) -> list[int]:
    body = {"employer": "Boulangerie Rivière", "title": "Vendeuse", "hired_on": str(date.today())}
    with module_server.client("manager") as manager:
        return [manager.post("/api/v1/hires", json=body).json()["id"] for _ in range(UPLOADS)]


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _upload_waiting_for_its_body(
    server: LiveServer, token: str, hire_id: int, size: int
) -> socket.socket:
    """A photo upload whose route is running and about to read the body."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT_S)
    head = (
        f"PUT /api/v1/hires/{hire_id}/photo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: image/webp\r\n"
        f"Content-Length: {size}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    sock.sendall(head.encode())
    interim = _read_head(sock)
    assert interim.startswith(b"HTTP/1.1 100"), interim
    return sock


def _answers_in_order(socks: dict[str, socket.socket]) -> Iterator[tuple[str, bytes]]:
    """(name, whole response) in the order the responses finished (the server closes each)."""
    selector = selectors.DefaultSelector()
    received = {name: b"" for name in socks}
    for name, sock in socks.items():
        selector.register(sock, selectors.EVENT_READ, name)
    while selector.get_map():
        events = selector.select(timeout=TIMEOUT_S)
        assert events, f"no answer within {TIMEOUT_S} s: {received}"
        for key, _ in events:
            chunk = key.fileobj.recv(65536)  # type: ignore[union-attr]
            if chunk:
                received[key.data] += chunk
            else:
                selector.unregister(key.fileobj)
                key.fileobj.close()  # type: ignore[union-attr]
                yield key.data, received[key.data]


def test_health_is_answered_while_big_photos_are_decoded(
    module_server: LiveServer, webp: bytes, hire_ids: list[int]
) -> None:
    token = module_server.token("manager")
    socks = {
        f"upload {n}": _upload_waiting_for_its_body(module_server, token, hire_id, len(webp))
        for n, hire_id in enumerate(hire_ids)
    }
    health = socket.create_connection(("127.0.0.1", module_server.port), timeout=TIMEOUT_S)
    for sock in socks.values():
        sock.sendall(webp)
    health.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    socks["healthz"] = health

    order = list(_answers_in_order(socks))
    statuses = {name: response.split(b"\r\n", 1)[0] for name, response in order}
    assert all(b" 200 " in status for status in statuses.values()), statuses
    # The health check was sent last, yet answered while the photos were still being decoded.
    assert order[0][0] == "healthz", [name for name, _ in order]
    with module_server.client("manager") as manager:
        for hire_id in hire_ids:
            assert manager.get(f"/api/v1/hires/{hire_id}").json()["has_photo"] is True
