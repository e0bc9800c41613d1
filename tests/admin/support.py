"""Small helpers the admin scenarios share: snapshot reads, test images."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from tests.support.server import LiveServer


def snapshot(server: LiveServer) -> dict[str, Any]:
    """The demo screen's current snapshot, as the corridor screen reads it."""
    with server.screen_client() as client:
        response = client.get("/api/v1/display/snapshot")
        response.raise_for_status()
        return response.json()


def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)  # polling with a deadline, not hiding a race


def jpeg_bytes(width: int = 1200, height: int = 900, colour: str = "#3a7bd5") -> bytes:
    """A real JPEG photo-sized image."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def big_file(size: int) -> bytes:
    """A JPEG padded to ``size`` bytes (a huge phone photo)."""
    head = jpeg_bytes(64, 64)
    return head + b"\0" * (size - len(head))
