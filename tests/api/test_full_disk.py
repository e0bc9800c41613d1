"""A full disk: writes answer 503 with a French reason, /healthz says so, no half-written file.

The server's data folder lives on a small tmpfs that the test fills with a ballast file: the
disk is really full (SQLite's « database or disk is full », photos included). Mounting needs
root; elsewhere the test is skipped with the reason.
"""

from __future__ import annotations

import errno
import re
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from api.routes.health import MIN_FREE_MB
from tests.api.test_photos import photo_jpeg
from tests.support.databases import engine_name
from tests.support.server import LiveServer

ON_SQLITE = engine_name() == "sqlite"
DISK_MB = MIN_FREE_MB * 3  # room for the demo database, above the health threshold


class SmallDisk:
    """A tmpfs of ``DISK_MB`` that can be filled to the last byte and emptied again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ballast = root / "ballast"

    def fill(self) -> None:
        chunk = b"\0" * (1 << 20)
        with open(self.ballast, "ab", buffering=0) as handle:
            for size in (1 << 20, 4096, 1):  # big steps, then down to the last byte
                try:
                    while True:
                        handle.write(chunk[:size])
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC

    def empty(self) -> None:
        self.ballast.unlink(missing_ok=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    root = tmp_path / "disk"
    root.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(root)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"a full disk needs a small tmpfs, and mounting one failed: {mount.stderr}")
    try:
        yield SmallDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


@pytest.fixture
def server_on_small_disk(small_disk: SmallDisk, tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(small_disk.root / "data")
    server.log_path = tmp_path / "server.log"  # the log must still be written once full
    server.start()
    yield server
    small_disk.empty()
    server.close()


def assert_disk_full_answer(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert "manque de place" in response.json()["detail"]
    assert "réessayez plus tard" in response.json()["detail"]
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.skipif(
    not ON_SQLITE, reason="photos go to the PostgreSQL database, outside the data folder's disk"
)
def test_a_full_disk_refuses_photos_cleanly_and_health_says_why(
    small_disk: SmallDisk, server_on_small_disk: LiveServer
) -> None:
    server = server_on_small_disk
    with server.client("manager") as manager:
        body = {"employer": "Cave des Papes", "title": "Caviste", "hired_on": str(date.today())}
        hire = manager.post("/api/v1/hires", json=body).json()
        healthy = httpx.get(f"{server.url}/healthz")
        assert healthy.status_code == 200 and healthy.json()["disk_free_mb"] >= MIN_FREE_MB

        small_disk.fill()
        health = httpx.get(f"{server.url}/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "degraded"
        assert "libérez de l'espace" in health.json()["detail"]

        photo = photo_jpeg(1200, 900)
        response = manager.put(
            f"/api/v1/hires/{hire['id']}/photo",
            content=photo,
            headers={"Content-Type": "image/jpeg"},
        )
        assert_disk_full_answer(response)
        assert manager.get(f"/api/v1/hires/{hire['id']}").json()["has_photo"] is False
        assert manager.get(f"/api/v1/hires/{hire['id']}/photo").status_code == 404

        small_disk.empty()
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        again = manager.put(
            f"/api/v1/hires/{hire['id']}/photo",
            content=photo,
            headers={"Content-Type": "image/jpeg"},
        )
        assert again.status_code == 200 and again.json()["has_photo"] is True


@pytest.mark.skipif(
    not ON_SQLITE, reason="the PostgreSQL database lives outside the data folder's disk"
)
def test_a_full_disk_refuses_logins_with_503_and_a_french_page(
    small_disk: SmallDisk, server_on_small_disk: LiveServer
) -> None:
    server = server_on_small_disk
    email, password = server.accounts["cde"]
    small_disk.fill()

    # Both a failed login (the failure is recorded) and a good one (a session is opened) write.
    for attempt in (password + "?", password):
        response = httpx.post(
            f"{server.url}/api/v1/auth/token", json={"email": email, "password": attempt}
        )
        assert_disk_full_answer(response)

    with httpx.Client(base_url=server.url, headers={"Accept": "text/html"}) as browser:
        page = browser.get("/admin/connexion")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {"email": email, "password": password, "csrf_token": csrf.group(1)}
        refused = browser.post("/admin/connexion", data=form)
        assert refused.status_code == 503
        assert refused.headers["content-type"].startswith("text/html")
        assert "manque de place" in refused.text and "Erreur interne" not in refused.text

    small_disk.empty()
    response = httpx.post(
        f"{server.url}/api/v1/auth/token", json={"email": email, "password": password}
    )
    assert response.status_code == 200
