"""A full disk, on purpose: the service's data folder, then the screen's cache, on a small tmpfs
filled to the last byte (tests/api/test_full_disk.py covers photos and logins; here: a staff
form, an API write, backup and restore, what is left on the disk, and the screen).

Mounting needs root (CI runs as root); elsewhere each test is skipped with the reason.
"""

from __future__ import annotations

import io
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from api import cli
from display.cache import DisplayCache
from display.feed import Feed
from tests.api.test_full_disk import DISK_MB, SmallDisk, assert_disk_full_answer
from tests.support.databases import engine_name
from tests.support.server import LiveServer

CACHE_DISK_MB = 1  # a screen's cache: one snapshot and a few photos


def _mount(root: Path, size_mb: int) -> Iterator[SmallDisk]:
    root.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mount.returncode != 0:
        pytest.skip(f"a full disk needs a small tmpfs, and mounting one failed: {mount.stderr}")
    try:
        yield SmallDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


@pytest.fixture
def data_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """The service's data folder's disk."""
    yield from _mount(tmp_path / "disk", DISK_MB)


@pytest.fixture
def cache_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """The screen's cache disk."""
    yield from _mount(tmp_path / "cache-disk", CACHE_DISK_MB)


@contextmanager
def _staff_browser(server: LiveServer, role: str) -> Iterator[httpx.Client]:
    """A phone's browser logged in to the staff pages as the demo ``role``."""
    email, password = server.accounts[role]
    with httpx.Client(base_url=server.url, timeout=10, headers={"Accept": "text/html"}) as browser:
        csrf = _csrf(browser, "/admin/connexion")
        form = {"email": email, "password": password, "csrf_token": csrf}
        answer = browser.post("/admin/connexion", data=form)
        assert answer.status_code == 303, answer.text
        yield browser


def _csrf(browser: httpx.Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).text)
    assert match, f"no form on {path}"
    return match[1]


def _files(folder: Path) -> set[str]:
    """Every file and folder below ``folder``, SQLite's own -wal/-shm aside."""
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if not p.name.endswith(("-wal", "-shm")) and p.name != "server.log"
    }


def _cli(monkeypatch: pytest.MonkeyPatch, server: LiveServer, *args: str) -> int:
    for key, value in server.env.items():
        if key.startswith("COULOIR_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return cli.main(list(args))


@pytest.mark.skipif(
    engine_name() != "sqlite", reason="the PostgreSQL database lives outside the data folder"
)
def test_a_full_data_disk_refuses_writes_keeps_the_database_whole_and_recovers(
    data_disk: SmallDisk,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = LiveServer(data_disk.root / "data")
    server.log_path = tmp_path / "server.log"  # the log must still be written once full
    server.start()
    try:
        good = tmp_path / "good.db"  # last night's backup, on another disk
        assert _cli(monkeypatch, server, "backup", str(good)) == 0
        offer = {"employer": "Disque Plein SARL", "title": "Archiviste", "contract": "CDI"}
        with server.client("cde") as api, _staff_browser(server, "cde") as browser:
            before = _files(data_disk.root)
            data_disk.fill()

            refused = api.post("/api/v1/offers", json={**offer, "commune": "Avignon"})
            assert_disk_full_answer(refused)
            form = {
                **offer,
                "commune": "Orange",
                "csrf_token": _csrf(browser, "/admin/offres/nouvelle"),
            }
            page = browser.post("/admin/offres/nouvelle", data=form)
            assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
            assert "manque de place" in page.text and "Erreur interne" not in page.text
            health = httpx.get(f"{server.url}/healthz")
            assert health.status_code == 503 and "libérez de l'espace" in health.json()["detail"]

            # The operator's commands say so too, and leave nothing half-written behind.
            assert _cli(monkeypatch, server, "backup", str(data_disk.root / "copy.db")) != 0
            assert "plus de place sur le disque" in capsys.readouterr().err
            assert _cli(monkeypatch, server, "restore", "--yes", str(good)) != 0
            err = capsys.readouterr().err
            assert "plus de place sur le disque" in err and "rien n'a changé" in err, err
            assert _files(data_disk.root) == before | {"ballast"}

            data_disk.empty()
            assert httpx.get(f"{server.url}/healthz").status_code == 200
            assert (
                api.post("/api/v1/offers", json={**offer, "commune": "Carpentras"}).status_code
                == 201
            )
            form["csrf_token"] = _csrf(browser, "/admin/offres/nouvelle")
            assert browser.post("/admin/offres/nouvelle", data=form).status_code == 303
            communes = [
                o["commune"]
                for o in api.get("/api/v1/offers").json()
                if o["employer"] == offer["employer"]
            ]
        assert sorted(communes) == ["Carpentras", "Orange"]  # the refused write never landed
    finally:
        server.close()
    with sqlite3.connect(data_disk.root / "data" / "couloir.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()


def test_a_screen_whose_cache_disk_is_full_keeps_showing_its_last_data(
    cache_disk: SmallDisk, module_server: LiveServer
) -> None:
    server = module_server
    cache = DisplayCache(cache_disk.root / "cache")
    feed = Feed(server.url, server.screen_token, cache)
    try:
        assert feed.fetch()
        first = cache.load_snapshot()
        assert first is not None
        cache_disk.fill()
        with server.client("cde") as api:
            body = {"employer": "Cache Plein SARL", "title": "Magasinier", "contract": "CDI"}
            assert api.post("/api/v1/offers", json={**body, "commune": "Apt"}).status_code == 201
        # The new data reaches the screen although it cannot be stored.
        assert feed.fetch()
        assert feed.snapshot is not None
        assert "Cache Plein SARL" in {o.employer for o in feed.snapshot.offers}
        # The stored copy is still the previous whole one, and no temporary file is left.
        assert cache.load_snapshot() == first
        assert sorted(p.name for p in cache.root.iterdir() if p.name != "photos") == [
            "snapshot.json"
        ]
        # A restart while the disk is full and the service away: the last stored data.
        offline = Feed("http://127.0.0.1:9", server.screen_token, cache)
        assert offline.load_cache() and offline.snapshot == first.snapshot
        offline.stop()

        # Room again: the next answer, even « nothing new » (304), stores what is shown.
        cache_disk.empty()
        assert feed.fetch()
        stored = cache.load_snapshot()
        assert stored is not None and stored.snapshot == feed.snapshot
    finally:
        feed.stop()
