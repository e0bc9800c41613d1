"""The screen program against the real service (uvicorn over HTTP, real database).

Post an offer from a "phone" and see it on the screen's snapshot within a second; stop
the server and see the screen keep its picture with the stale mark; restart from the
cache with the server down; pair a new screen; health reports; the command line.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame
import pytest
from runtime_support import display_app, wait_for

from display.app import DisplayApp
from display.cache import DisplayCache
from display.feed import Feed, SnapshotUpdate
from display.health import Health
from display.pairing import Pairing
from display.renderer import ScreenStatus
from display.screenshot import render_frame
from display.settings import DisplaySettings
from tests.support.cli import couloir as run_couloir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def video():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


def always_on(server) -> None:
    """Open the demo screen round the clock, so tests pass at any hour of the day."""
    every_day = [{"weekday": day, "opens": "00:00", "closes": "00:00"} for day in range(7)]
    with server.client("manager") as client:
        for screen in client.get("/api/v1/screens").json():
            response = client.patch(f"/api/v1/screens/{screen['id']}", json={"schedule": every_day})
            assert response.status_code == 200, response.text


def new_feed(server, cache_dir: Path, **kwargs) -> Feed:
    return Feed(server.url, server.screen_token, DisplayCache(cache_dir), **kwargs)


def post_offer(server, title: str) -> dict:
    with server.client("cde") as client:
        response = client.post(
            "/api/v1/offers",
            json={
                "employer": "Menuiserie des Carmes",
                "title": title,
                "contract": "CDI",
                "commune": "Avignon",
            },
        )
    assert response.status_code == 201, response.text
    return response.json()


def titles(feed: Feed) -> list[str]:
    return [offer.title for offer in feed.snapshot.offers] if feed.snapshot else []


def step_until(app: DisplayApp, predicate, timeout: float = 10.0) -> None:
    """Run frames of the real loop until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met while the loop ran")
        app.step(app.clock.tick(60) / 1000)


def frame_texts(app: DisplayApp) -> list[str]:
    return [box.text for box in app.renderer.text_boxes]


def test_offer_posted_from_a_phone_reaches_the_screen_within_a_second(module_server, tmp_path):
    feed = new_feed(module_server, tmp_path)
    feed.start()
    try:
        wait_for(lambda: feed.mode == "live" and feed.snapshot is not None, timeout=10)
        feed.drain()
        module_server.token("cde")  # log in first: the phone is already signed in
        started = time.monotonic()
        post_offer(module_server, "Ébéniste d'art")
        saved = time.monotonic()
        received: list = []

        def on_screen() -> bool:
            # What the render loop reads between two frames.
            received.extend(m for m in feed.drain() if isinstance(m, SnapshotUpdate))
            return any("Ébéniste d'art" in [o.title for o in m.snapshot.offers] for m in received)

        wait_for(on_screen, timeout=1.0)
        latency, after_save = time.monotonic() - started, time.monotonic() - saved
        # Kept on disk for the next start too.
        wait_for(lambda: DisplayCache(tmp_path).load_snapshot().etag == feed.etag)
        cached = DisplayCache(tmp_path).load_snapshot()
        assert "Ébéniste d'art" in [o.title for o in cached.snapshot.offers]
        print(
            f"offer handed to the render loop {latency * 1000:.0f} ms after the POST was sent, "
            f"{after_save * 1000:.0f} ms after it was saved"
        )
    finally:
        feed.stop()


def test_server_gone_keeps_the_picture_with_stale_mark_then_recovers(live_server, tmp_path):
    always_on(live_server)
    feed = new_feed(live_server, tmp_path, backoff_base_s=0.2, backoff_max_s=1.0)
    # Threshold injected (1 s instead of 2 min) so the test does not wait.
    settings = DisplaySettings(cache_dir=tmp_path, stale_after_s=1.0)
    app = display_app(settings, pygame.Surface((1280, 720)), orientation=0, feed=feed)
    feed.start()
    try:
        step_until(app, lambda: app.status is ScreenStatus.READY and feed.mode == "live")
        shown = set(frame_texts(app))
        assert any(o.title in shown for o in app.snapshot.offers)

        live_server.stop()
        step_until(app, lambda: app.link.stale_since is not None, timeout=15)
        step_until(app, lambda: any(t.startswith("données du ") for t in frame_texts(app)))
        local = app.link.stale_since.astimezone(app.renderer.now.tzinfo)
        assert f"données du {local:%H:%M}" in frame_texts(app)
        # Same data still on screen: nothing went blank.
        assert app.status is ScreenStatus.READY
        assert any(o.title in frame_texts(app) for o in app.snapshot.offers)
        assert pygame.transform.average_color(app.presenter.logical)[:3] != (0, 0, 0)

        live_server.start()
        step_until(app, lambda: app.link.stale_since is None, timeout=20)
        step_until(app, lambda: not any(t.startswith("données du") for t in frame_texts(app)))
    finally:
        app.close()


def test_restart_from_cache_with_the_server_down(live_server, tmp_path):
    always_on(live_server)
    first = new_feed(live_server, tmp_path)
    assert first.fetch()
    first.stop()
    live_server.stop()

    feed = new_feed(live_server, tmp_path, backoff_base_s=0.2, backoff_max_s=1.0)
    settings = DisplaySettings(cache_dir=tmp_path, stale_after_s=1.0)
    app = display_app(settings, pygame.Surface((1280, 720)), orientation=0, feed=feed)
    feed.start()
    try:
        step_until(app, lambda: app.status is ScreenStatus.READY)
        assert app.snapshot == first.snapshot
        assert feed.mode in ("connecting", "unreachable")
        assert any(o.title in frame_texts(app) for o in app.snapshot.offers)
        # The mark says when the cached data was last confirmed.
        step_until(app, lambda: any(t.startswith("données du ") for t in frame_texts(app)))
    finally:
        app.close()


def test_corrupted_cache_is_ignored_and_replaced(module_server, tmp_path, caplog):
    cache = DisplayCache(tmp_path)
    cache.snapshot_path.write_bytes(b'{"etag": "x", "snapshot": {"schema_ver')
    feed = new_feed(module_server, tmp_path)
    feed.start()
    try:
        wait_for(lambda: feed.snapshot is not None, timeout=10)
    finally:
        feed.stop()
    assert "corrupted snapshot file" in caplog.text
    assert cache.load_snapshot().snapshot == feed.snapshot


def test_stop_cuts_the_open_event_stream_at_once(module_server, tmp_path):
    feed = new_feed(module_server, tmp_path)
    feed.start()
    wait_for(lambda: feed.mode == "live", timeout=10)
    started = time.monotonic()
    feed.stop(timeout=5)
    assert not feed._thread.is_alive()
    assert time.monotonic() - started < 2  # not the 15 s keep-alive wait


def test_heartbeat_and_screenshot_reach_the_managers(module_server, tmp_path):
    feed = new_feed(module_server, tmp_path)
    assert feed.fetch()
    health = Health(module_server.url, module_server.screen_token, first_screenshot_after_s=0)
    frame = pygame.Surface((1920, 1080))
    frame.fill((10, 120, 140))
    health.start()
    try:
        health.tick(frame=frame, fps=29.7, etag=feed.etag)
        wait_for(lambda: health.sent_heartbeats and health.sent_screenshots, timeout=10)
    finally:
        health.stop()
    with module_server.client("manager") as client:
        screens = client.get("/api/v1/screens").json()
        screen = next(s for s in screens if s["last_heartbeat_at"])
        assert screen["resolution"] == "1920x1080"
        assert screen["fps"] == pytest.approx(29.7)
        assert screen["memory_mb"] > 10
        shot = client.get(f"/api/v1/screens/{screen['id']}/screenshot")
    assert shot.status_code == 200
    image = pygame.image.load(io.BytesIO(shot.content))
    assert image.get_size() == (960, 540)
    assert image.get_at((480, 270))[:3] == (10, 120, 140)


def test_pairing_a_new_screen(live_server, tmp_path):
    cache = DisplayCache(tmp_path)
    pairing = Pairing(live_server.url, cache, poll_every_s=0.1)
    settings = DisplaySettings(cache_dir=tmp_path, api_url=live_server.url)
    app = display_app(settings, pygame.Surface((1280, 720)), orientation=0, pairing=pairing)
    pairing.start()
    try:
        step_until(app, lambda: app.link.pairing_code is not None)
        step_until(app, lambda: app.renderer.pairing_code == app.link.pairing_code)
        assert app.status is ScreenStatus.PAIRING
        code = app.link.pairing_code
        with live_server.client("manager") as client:
            response = client.post("/api/v1/screens/pair", json={"code": code, "name": "Accueil"})
        assert response.status_code == 201, response.text
        # Paired: the token is stored privately and the data arrives.
        step_until(app, lambda: app.status is ScreenStatus.READY, timeout=15)
        token_file = tmp_path / "screen_token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = cache.load_token()
        assert token and token == pairing_token(app)
        assert app.snapshot.screen.name == "Accueil"

        # The manager revokes it: the screen drops the agency's data and offers a new code.
        with live_server.client("manager") as client:
            screen = next(s for s in client.get("/api/v1/screens").json() if s["name"] == "Accueil")
            assert client.post(f"/api/v1/screens/{screen['id']}/revoke").status_code == 200
        step_until(app, lambda: app.status is ScreenStatus.PAIRING, timeout=15)
        step_until(app, lambda: app.link.pairing_code not in (None, code), timeout=15)
        assert app.snapshot is None
        assert cache.load_token() is None
        assert cache.load_snapshot() is None
    finally:
        app.close()


def pairing_token(app: DisplayApp) -> str:
    return app.link.feed._client.headers["Authorization"].removeprefix("Bearer ")


# -- the command line against the real service -----------------------------------------


def couloir(*args: str, env: dict[str, str] | None = None):
    """``couloir display ARGS``, forked as tests/support/cli.py runs commands (its own output,
    errors and exit status; an interpreter's start saved). The program as systemd starts it is
    run as a real process below."""
    return run_couloir({**os.environ, "SDL_VIDEODRIVER": "dummy", **(env or {})}, "display", *args)


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="needs zbar-tools")
def test_screenshot_command_fetches_and_renders_scannable_offers(module_server, tmp_path):
    feed = new_feed(module_server, tmp_path / "probe")
    assert feed.fetch()
    png = tmp_path / "offres.png"
    result = couloir(
        "--screenshot", str(png), "--scene", "offers", "--size", "1920x1080",
        "--api", module_server.url, "--token", module_server.screen_token,
        env={"COULOIR_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=60
    ).stdout.split()
    assert decoded, "no QR code found on the offers page"
    assert set(decoded) <= {offer.qr_url for offer in feed.snapshot.offers}


def test_program_runs_reports_to_systemd_and_stops_cleanly_on_sigterm(live_server, tmp_path):
    always_on(live_server)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = str(tmp_path / "notify.sock")
    listener.bind(address)
    listener.settimeout(30)
    executable = shutil.which("couloir", path=str(Path(sys.executable).parent))
    command = [executable] if executable else [sys.executable, "-m", "api.cli"]
    process = subprocess.Popen(
        [*command, "display", "--windowed", "--size", "1280x720"],
        cwd=ROOT,
        env={
            **os.environ,
            "SDL_VIDEODRIVER": "dummy",
            "NOTIFY_SOCKET": address,
            "WATCHDOG_USEC": "2000000",
            "COULOIR_API_URL": live_server.url,
            "COULOIR_SCREEN_TOKEN": live_server.screen_token,
            "COULOIR_CACHE_DIR": str(tmp_path / "cache"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        messages = [listener.recv(512).decode()]
        assert messages[0].startswith("READY=1")
        messages.append(listener.recv(512).decode())
        assert messages[1] == "WATCHDOG=1"  # within ~1 s: half the watchdog period
        # The snapshot arrived and was cached; the heartbeat reached the service.
        wait_for(lambda: DisplayCache(tmp_path / "cache").load_snapshot(), timeout=15)
        with live_server.client("manager") as client:
            wait_for(
                lambda: any(
                    s["resolution"] == "1280x720" for s in client.get("/api/v1/screens").json()
                ),
                timeout=15,
            )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        while True:
            message = listener.recv(512).decode()
            if message == "STOPPING=1":
                break
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        listener.close()


def test_cached_token_and_snapshot_survive_for_a_screenshot_without_server(live_server, tmp_path):
    always_on(live_server)
    cache_dir = tmp_path / "cache"
    feed = new_feed(live_server, cache_dir)
    assert feed.fetch()
    live_server.stop()
    shot = tmp_path / "cached.png"
    result = couloir("--screenshot", str(shot), env={"COULOIR_CACHE_DIR": str(cache_dir)})
    assert result.returncode == 0, result.stderr
    cached = pygame.image.load(str(shot))
    assert cached.get_size() == (1920, 1080)
    # The cached agency is drawn, not the "waiting for data" page.
    waiting, _ = render_frame(None, None, (1920, 1080), datetime.now(UTC))
    assert pygame.image.tobytes(cached, "RGB") != pygame.image.tobytes(waiting, "RGB")
    # Without a cache either, there is nothing to draw: said, and no picture.
    empty = tmp_path / "empty.png"
    result = couloir("--screenshot", str(empty), env={"COULOIR_CACHE_DIR": str(tmp_path / "x")})
    assert result.returncode == 1 and "aucune donnée à dessiner" in result.stderr
    assert not empty.exists()


def test_headless_preview_uploads_what_the_screen_shows(live_server, tmp_path):
    """What ``couloir demo`` runs on a machine without a screen."""
    always_on(live_server)
    executable = shutil.which("couloir", path=str(Path(sys.executable).parent))
    command = [executable] if executable else [sys.executable, "-m", "api.cli"]
    process = subprocess.Popen(
        [*command, "display", "--headless", "--api", live_server.url],
        cwd=ROOT,
        env={
            **os.environ,
            "COULOIR_SCREEN_TOKEN": live_server.screen_token,
            "COULOIR_CACHE_DIR": str(tmp_path / "cache"),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with live_server.client("manager") as client:
            screen = client.get("/api/v1/screens").json()[0]

            def screenshot():
                response = client.get(f"/api/v1/screens/{screen['id']}/screenshot")
                return response.content if response.status_code == 200 else None

            png = wait_for(screenshot, timeout=30, step=0.2)
        image = pygame.image.load(io.BytesIO(png))
        assert image.get_size() == (960, 540)
        # The agency's board, not a black or empty frame.
        assert pygame.transform.average_color(image)[:3] != (0, 0, 0)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
