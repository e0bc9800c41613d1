"""The render loop on SDL's dummy driver: orientation, data age, schedule, CLI, settings."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import httpx
import pygame
import pytest
from runtime_support import (
    ManualClock,
    ScriptedService,
    display_app,
    hire_dict,
    snapshot_dict,
    wait_for,
)

from api.contract import OpeningSlot, Snapshot
from display.app import DisplayApp, photo_box
from display.cache import DisplayCache
from display.feed import Feed
from display.presenter import Presenter, logical_size, physical_rect
from display.renderer import ScreenStatus
from display.schedule import ScreenPower, is_open
from display.settings import DisplaySettings

ROOT = Path(__file__).resolve().parents[2]
PARIS = "Europe/Paris"


@pytest.fixture(scope="module", autouse=True)
def video():
    pygame.display.init()
    pygame.font.init()
    yield
    pygame.display.quit()


def pattern(size: tuple[int, int]) -> pygame.Surface:
    """A picture where every 8x8 block has its own colour, so any misplacement shows."""
    surface = pygame.Surface(size)
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            surface.fill(((x * 7) % 256, (y * 5) % 256, (x + y) % 256), (x, y, 8, 8))
    return surface


@pytest.mark.parametrize("orientation", [0, 90, 180, 270])
def test_turned_dirty_rects_land_where_turning_the_whole_picture_puts_them(orientation):
    screen = pygame.Surface((320, 180))
    presenter = Presenter(screen, orientation)
    assert presenter.logical.get_size() == logical_size((320, 180), orientation)
    presenter.present([], full=True)
    picture = pattern(presenter.logical.get_size())
    presenter.logical.blit(picture, (0, 0))
    changed = [pygame.Rect(0, 0, 40, 24), pygame.Rect(37, 51, 60, 33), pygame.Rect(100, 9, 8, 8)]
    flipped = presenter.present(changed)

    truth = pygame.transform.rotate(picture, -orientation)
    for logical_rect, screen_rect in zip(changed, flipped, strict=True):
        assert screen_rect == physical_rect(logical_rect, presenter.logical.get_size(), orientation)
        for x in range(screen_rect.left, screen_rect.right, 3):
            for y in range(screen_rect.top, screen_rect.bottom, 3):
                assert screen.get_at((x, y)) == truth.get_at((x, y)), (x, y)
    # Only the changed rects were copied: elsewhere the screen is still black.
    untouched = (screen.get_width() - 1, screen.get_height() - 1)
    if not presenter.direct and not any(r.collidepoint(untouched) for r in flipped):
        assert screen.get_at(untouched)[:3] == (0, 0, 0)


def test_orientation_90_puts_the_top_of_the_picture_on_the_right():
    screen = pygame.Surface((192, 108))
    presenter = Presenter(screen, 90)
    presenter.logical.fill((255, 255, 255))
    presenter.logical.fill((255, 0, 0), (0, 0, 108, 10))  # a red header
    presenter.present([], full=True)
    assert screen.get_at((188, 50))[:3] == (255, 0, 0)
    assert screen.get_at((3, 50))[:3] == (255, 255, 255)


# -- schedule -------------------------------------------------------------------------


def paris(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo(PARIS))


SLOTS = [
    OpeningSlot(weekday=0, opens="08:30", closes="12:30"),
    OpeningSlot(weekday=0, opens="13:30", closes="16:30"),
    OpeningSlot(weekday=4, opens="22:00", closes="02:00"),  # overnight
]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (paris(2026, 11, 23, 8, 29), False),  # Monday before opening
        (paris(2026, 11, 23, 8, 30), True),
        (paris(2026, 11, 23, 12, 45), False),  # lunch
        (paris(2026, 11, 23, 16, 29), True),
        (paris(2026, 11, 23, 16, 30), False),
        (paris(2026, 11, 24, 10, 0), False),  # Tuesday: closed
        (paris(2026, 11, 27, 23, 0), True),  # Friday night slot
        (paris(2026, 11, 28, 1, 59), True),  # ...running into Saturday
        (paris(2026, 11, 28, 2, 0), False),
    ],
)
def test_opening_hours(when, expected):
    assert is_open(SLOTS, when) is expected


def test_empty_schedule_is_always_on():
    assert is_open([], paris(2026, 12, 25, 3, 0))


def test_power_commands_run_on_transitions_only(tmp_path):
    log_file = tmp_path / "cec.log"
    power = ScreenPower(
        on_command=f"sh -c 'echo on >> {log_file}'",
        off_command=f"sh -c 'echo off >> {log_file}'",
    )
    snapshot = Snapshot.model_validate(
        snapshot_dict(schedule=[{"weekday": 0, "opens": "08:30", "closes": "12:30"}])
    )
    # Starting during opening hours: "on" all the same (the TV may be in standby).
    assert power.update(snapshot, paris(2026, 11, 23, 9, 0))
    assert power.update(snapshot, paris(2026, 11, 23, 10, 0))
    assert not power.update(snapshot, paris(2026, 11, 23, 12, 31))
    assert not power.update(snapshot, paris(2026, 11, 23, 12, 32))
    assert power.update(snapshot, paris(2026, 11, 30, 8, 30).astimezone(UTC))
    power.wait()
    assert log_file.read_text().split() == ["on", "off", "on"]


# -- the loop with the real renderer ------------------------------------------------------


# The clocks the test moves by hand (to reach the 2-minute stale mark quickly).
FakeClock = ManualClock


def loaded_feed(tmp_path, service: ScriptedService, clock) -> Feed:
    feed = Feed(
        "http://screen.test",
        "token",
        DisplayCache(tmp_path),
        transport=httpx.MockTransport(service),
        clocks=clock.clocks(),
    )
    assert feed.fetch()
    return feed


def make_app(tmp_path, feed, clock, size=(640, 360), **kwargs) -> DisplayApp:
    settings = DisplaySettings(cache_dir=tmp_path, **kwargs)
    screen = pygame.Surface(size)
    return display_app(settings, screen, feed=feed, orientation=0)


def mean_brightness(surface: pygame.Surface) -> float:
    small = pygame.transform.smoothscale(surface, (32, 18))
    total = 0
    for x in range(32):
        for y in range(18):
            r, g, b, _ = small.get_at((x, y))
            total += r + g + b
    return total / (32 * 18 * 3)


def test_snapshot_from_feed_is_drawn_and_stale_mark_appears(tmp_path):
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    feed = loaded_feed(tmp_path, ScriptedService(), clock)
    app = make_app(tmp_path, feed, clock)
    app.step(0.03)
    assert app.status is ScreenStatus.READY
    assert app.snapshot.offers[0].title == "Boulanger"
    before = app.presenter.logical.copy()
    assert mean_brightness(before) > 0

    # No contact for more than 2 minutes: the renderer is told since when.
    clock.now += timedelta(minutes=2, seconds=1)
    app.step(0.03)
    assert app.link.stale_since == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    app.step(0.03)
    texts = [box.text for box in app.renderer.text_boxes]
    # 09:00 UTC is 10:00 in Avignon in November.
    assert "données du 10:00" in texts
    # Still showing the data: not blank.
    assert mean_brightness(app.presenter.logical) > 0.5 * mean_brightness(before)

    # Contact again: the mark goes.
    assert feed.fetch()
    app.step(0.03)
    assert app.link.stale_since is None


def test_started_from_an_old_cache_the_mark_gives_the_data_time(tmp_path):
    cache = DisplayCache(tmp_path)
    cache.save_snapshot(json.dumps(snapshot_dict()), etag='"old"')
    envelope = json.loads(cache.snapshot_path.read_text())
    envelope["saved_at"] = "2026-11-23T07:12:00+00:00"
    cache.snapshot_path.write_text(json.dumps(envelope))

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("network unreachable", request=request)

    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    feed = Feed(
        "http://screen.test", "t", cache, transport=httpx.MockTransport(down), clocks=clock.clocks()
    )
    assert feed.load_cache()
    app = make_app(tmp_path, feed, clock)
    app.step(0.03)
    assert app.status is ScreenStatus.READY
    # Just started: the service gets its two minutes before the screen says anything.
    assert app.link.stale_since is None
    clock.now += timedelta(minutes=2, seconds=1)
    app.step(0.03)
    app.step(0.03)
    assert "données du 08:12" in [box.text for box in app.renderer.text_boxes]


def test_closed_agency_gets_black_screen_and_off_command(tmp_path):
    marker = tmp_path / "off-ran"
    clock = FakeClock(datetime(2026, 11, 24, 22, 0, tzinfo=UTC))  # Tuesday night
    service = ScriptedService()
    service.set_body(
        snapshot_dict(schedule=[{"weekday": 1, "opens": "08:30", "closes": "17:00"}]), '"s"'
    )
    feed = loaded_feed(tmp_path, service, clock)
    app = make_app(tmp_path, feed, clock, screen_off_command=f"touch {marker}")
    for _ in range(3):
        app.step(0.03)
    assert app.status is ScreenStatus.OFF
    assert mean_brightness(app.presenter.logical) < 1
    assert app.target_fps() == 1
    wait_for(marker.exists)


def test_orientation_follows_the_service_and_photos_are_prepared_again(tmp_path):
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    service = ScriptedService()
    photo = pygame.Surface((1200, 800))
    photo.fill((180, 40, 40))
    buffer = io.BytesIO()
    pygame.image.save(photo, buffer, "p.png")
    service.photos["/api/v1/display/photos/5"] = buffer.getvalue()
    hires = [hire_dict(5, "/api/v1/display/photos/5")]
    service.set_body(snapshot_dict(orientation=90, hires=hires), '"r"')
    feed = loaded_feed(tmp_path, service, clock)
    settings = DisplaySettings(cache_dir=tmp_path)
    app = display_app(settings, pygame.Surface((640, 360)), feed=feed)
    app.step(0.03)
    assert app.orientation == 90
    assert app.presenter.logical.get_size() == (360, 640)
    assert app.renderer.size == (360, 640)
    # The photo is cropped again, in the feed's thread, for the portrait photo box.
    portrait_box = photo_box(app.renderer)
    assert feed.photo_cover == portrait_box

    def prepared() -> bool:
        app.step(0.03)
        image = app.renderer.compositor.photos.get(5)
        return image is not None and image.get_size() == portrait_box

    wait_for(prepared)


def test_fixed_orientation_ignores_the_service(tmp_path):
    clock = FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    service = ScriptedService()
    service.set_body(snapshot_dict(orientation=90), '"r"')
    feed = loaded_feed(tmp_path, service, clock)
    settings = DisplaySettings(cache_dir=tmp_path)
    app = display_app(settings, pygame.Surface((640, 360)), orientation=180, feed=feed)
    app.step(0.03)
    assert app.orientation == 180
    assert app.renderer.size == (640, 360)


def test_every_setting_is_documented():
    for name, field in DisplaySettings.model_fields.items():
        assert field.description and len(field.description) > 15, name


# -- the command line -----------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    full_env = {**os.environ, "SDL_VIDEODRIVER": "dummy", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "display.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_screenshot_from_snapshot_file(tmp_path):
    snapshot_file = tmp_path / "snap.json"
    snapshot_file.write_text(Snapshot.model_validate(snapshot_dict(offers=6)).model_dump_json())
    png = tmp_path / "offres.png"
    result = run_cli(
        "--screenshot", str(png), "--scene", "offers", "--snapshot", str(snapshot_file),
        "--size", "1280x720",
        env={"COULOIR_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    image = pygame.image.load(str(png))
    assert image.get_size() == (1280, 720)
    assert mean_brightness(image) > 5


def test_screenshot_with_bad_snapshot_file_says_why(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 99}')
    result = run_cli("--screenshot", str(tmp_path / "x.png"), "--snapshot", str(bad))
    assert result.returncode == 2
    assert "ne contient pas des données d'écran valides" in result.stderr
    assert "schema_version 99" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_screenshot_without_any_data_fails_and_says_what_to_give(tmp_path):
    png = tmp_path / "vide.png"
    result = run_cli(
        "--screenshot", str(png),
        env={"COULOIR_CACHE_DIR": str(tmp_path / "cache"), "COULOIR_SCREEN_TOKEN": ""},
    )  # fmt: skip
    assert result.returncode == 1
    assert "aucune donnée à dessiner" in result.stderr
    assert "--snapshot" in result.stderr
    assert not png.exists()


def test_screenshot_of_an_urgent_scene_without_urgent_news_is_refused(tmp_path):
    snapshot_file = tmp_path / "snap.json"
    snapshot_file.write_text(json.dumps(snapshot_dict()))
    png = tmp_path / "urgent.png"
    result = run_cli(
        "--screenshot", str(png), "--scene", "urgent", "--snapshot", str(snapshot_file),
        env={"COULOIR_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.returncode == 1
    assert "rien à montrer pour la scène « urgent »" in result.stderr
    assert not png.exists()


def test_screenshot_draws_the_hire_photos_kept_in_the_cache(tmp_path):
    photo_path = "/api/v1/display/photos/7"
    snapshot_file = tmp_path / "snap.json"
    snapshot_file.write_text(json.dumps(snapshot_dict(hires=[hire_dict(7, photo_path)])))
    red = pygame.Surface((400, 500))
    red.fill((230, 20, 20))
    buffer = io.BytesIO()
    pygame.image.save(red, buffer, "photo.png")
    cache_dir = tmp_path / "cache"

    def reddest(name: str) -> int:
        png = tmp_path / name
        result = run_cli(
            "--screenshot", str(png), "--scene", "hires", "--snapshot", str(snapshot_file),
            "--size", "1280x720", env={"COULOIR_CACHE_DIR": str(cache_dir)},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        image = pygame.image.load(str(png))
        return sum(
            1
            for x in range(0, 1280, 8)
            for y in range(0, 720, 8)
            if (c := image.get_at((x, y))).r > 200 and c.g < 60 and c.b < 60
        )

    without = reddest("sans.png")
    DisplayCache(cache_dir).save_photo(7, photo_path, buffer.getvalue())
    assert reddest("avec.png") > without + 100  # the photo fills its frame


def test_bad_size_is_refused():
    result = run_cli("--size", "huge", "--screenshot", "x.png")
    assert result.returncode == 2
    assert "1920x1080" in result.stderr


def test_bad_api_url_is_refused_in_one_line():
    result = run_cli("--api", "localhost:8000", "--screenshot", "x.png")
    assert result.returncode == 2
    assert "COULOIR_API_URL : doit commencer par http:// ou https://" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_display_exits_non_zero_after_retries(tmp_path):
    result = run_cli(
        "--windowed",
        env={
            "SDL_VIDEODRIVER": "no-such-driver",
            "COULOIR_OPEN_RETRIES": "2",
            "COULOIR_CACHE_DIR": str(tmp_path),
            "COULOIR_SCREEN_TOKEN": "t",
            "COULOIR_API_URL": "http://127.0.0.1:9",
        },
    )
    assert result.returncode == 1
    assert "attempt 2/2" in result.stderr
    assert "no display could be opened" in result.stderr
