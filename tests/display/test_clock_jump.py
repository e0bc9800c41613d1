"""Time on a Pi without a clock (issue 17, point 4): the screen boots believing it is three
days earlier, NTP then sets it right, then an hour back. Durations follow the monotonic
clock; what is shown follows the service's time while the screen's own is far from it; the
heartbeat tells the manager. Both clocks are moved by hand: nothing sleeps.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pygame
from runtime_support import ManualClock, ScriptedService, display_app, snapshot_dict

from api.contract import Snapshot
from display.cache import DisplayCache
from display.feed import Feed
from display.frame import challenge_news, ticker_items
from display.health import Health
from display.layers import ScreenStatus
from display.scenes.challenge import days_remaining
from display.settings import DisplaySettings
from display.timekeeping import Clocks, service_time

# Monday 23 November 2026, 09:00 UTC (10:00 in Avignon); the Pi thinks it is Friday the 20th.
RIGHT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
THREE_DAYS = timedelta(days=3)
RELEASED_ON = date(2026, 11, 22)


def _agency_snapshot() -> dict:
    document = snapshot_dict(
        generated_at=RIGHT,
        # Open on Mondays only: on its own clock (a Friday) the screen would switch off.
        schedule=[{"weekday": 0, "opens": "08:30", "closes": "17:00"}],
    )
    document["announcements"] = [
        {
            "id": 1,
            "message": "Job dating ce lundi à 14 h, salle B",
            "urgent": False,
            "starts_at": (RIGHT - timedelta(hours=2)).isoformat(),
            "ends_at": (RIGHT + timedelta(hours=8)).isoformat(),
        }
    ]
    document["challenge"] = {
        "id": 1,
        "title": "30 offres TPE en novembre",
        "unit": "offres TPE pourvues",
        "goal": 30,
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "days_left": 8,
        "total": 12,
        "by_service": {"cde": 7, "cdde": 5},
    }
    return document


def _texts(app) -> list[str]:
    return [box.text for box in app.renderer.text_boxes]


def test_clocks_show_the_service_time_while_their_own_is_far_off():
    pi = ManualClock(RIGHT - THREE_DAYS)
    clocks = pi.clocks(released_on=RELEASED_ON)
    # Alone, the screen has nothing better than its own clock, but knows it is wrong.
    assert clocks.now() == RIGHT - THREE_DAYS
    assert clocks.before_release() and clocks.skew_s() is None
    clocks.learn_service_time(service_time("Mon, 23 Nov 2026 09:00:00 GMT"))
    assert abs((clocks.now() - RIGHT).total_seconds()) <= 1
    assert abs(clocks.skew_s() - THREE_DAYS.total_seconds()) <= 1
    pi.advance(3600)  # an hour on: the service's time is carried forward
    assert abs((clocks.now() - (RIGHT + timedelta(hours=1))).total_seconds()) <= 1
    pi.jump(THREE_DAYS)  # NTP answers: the screen's own clock is trusted again
    assert clocks.now() == RIGHT + timedelta(hours=1)
    assert abs(clocks.skew_s()) <= 1 and not clocks.before_release()
    pi.jump(timedelta(hours=-1))  # set an hour back: the service's time again
    assert abs((clocks.now() - (RIGHT + timedelta(hours=1))).total_seconds()) <= 1
    assert abs(clocks.skew_s() - 3600) <= 1


def test_a_screen_three_days_behind_then_set_right_then_an_hour_back(tmp_path):
    pi = ManualClock(RIGHT - THREE_DAYS)
    clocks = pi.clocks(released_on=RELEASED_ON)
    service = ScriptedService()
    start = pi.mono
    service.clock = lambda: RIGHT + timedelta(seconds=pi.mono - start)  # the right time
    service.set_body(_agency_snapshot(), '"s1"')
    feed = Feed(
        "http://screen.test",
        "t",
        DisplayCache(tmp_path),
        transport=httpx.MockTransport(service),
        clocks=clocks,
    )
    app = display_app(DisplaySettings(cache_dir=tmp_path), pygame.Surface((640, 360)), feed=feed)

    def settle(seconds: float = 0.0) -> None:
        if seconds:
            pi.advance(seconds)
        for _ in range(3):
            app.step(0.03)
            app._next_power_check = 0.0  # the schedule is looked at once a second

    assert feed.fetch()
    settle()
    # The service's Monday is shown, not the Pi's Friday: on, the clock right, the
    # announcement running, the défi counting the service's days.
    assert app.status is ScreenStatus.READY
    assert app.workers.power.is_on is True
    assert app.renderer.now.day == 23 and app.renderer.now.hour == 10
    assert app.link.stale_since is None
    news = ticker_items(app.snapshot, app.renderer.now)
    assert "Job dating ce lundi à 14 h, salle B" in news
    assert days_remaining(app.snapshot, app.renderer.now) == 8

    # Thirty seconds later NTP sets the Pi three days forward; the service is still there.
    settle(30)
    assert feed.fetch()
    pi.jump(THREE_DAYS)
    settle(1)
    assert app.link.stale_since is None, "a clock set forward is not three days without contact"
    assert app.workers.power.is_on is True
    assert app.renderer.now.day == 23 and app.renderer.now.hour == 10

    # Then an hour back: nothing goes stale, the hour shown stays the service's.
    pi.jump(timedelta(hours=-1))
    settle(1)
    assert app.link.stale_since is None
    assert app.renderer.now.hour == 10
    # Whatever the wall clock did, the same day is shown, with its announcement and défi.
    assert "Job dating ce lundi à 14 h, salle B" in ticker_items(app.snapshot, app.renderer.now)
    assert days_remaining(app.snapshot, app.renderer.now) == 8

    # The service goes away: two minutes later (measured, not read off the wall clock) the
    # mark gives the last contact in the time shown, whatever the wall clock did.
    service.down = True
    settle(60)
    assert app.link.stale_since is None
    settle(61)
    assert app.link.stale_since is not None
    assert "données du 10:00" in _texts(app)
    # NTP puts the hour back while the service is away: the mark keeps the same time.
    pi.jump(timedelta(hours=1))
    settle(1)
    assert "données du 10:00" in _texts(app)


def test_the_challenge_counts_down_overnight_but_never_up():
    snapshot = Snapshot.model_validate(_agency_snapshot())
    assert days_remaining(snapshot, RIGHT.astimezone(ZoneInfo("Europe/Paris"))) == 8
    # Cut off from the service two nights: two days fewer, said the same way everywhere.
    later = RIGHT + timedelta(days=2)
    assert days_remaining(snapshot, later) == 6
    # Nine days on, the défi is over even though the service could not say so.
    over = days_remaining(snapshot, later + timedelta(days=7))
    assert "terminé" in challenge_news(snapshot.challenge, over)
    # A clock three days behind never adds days.
    assert days_remaining(snapshot, RIGHT - THREE_DAYS) == 8


def test_the_heartbeat_tells_how_far_the_screen_clock_is(tmp_path):
    pi = ManualClock(RIGHT - THREE_DAYS)
    clocks = pi.clocks(released_on=RELEASED_ON)
    beats: list[dict] = []

    def service(request: httpx.Request) -> httpx.Response:
        beats.append(json.loads(request.content))
        return httpx.Response(204)

    health = Health(
        "http://screen.test",
        "t",
        transport=httpx.MockTransport(service),
        clocks=clocks,
        first_screenshot_after_s=3600,
    )
    frame = pygame.Surface((64, 36))

    def beat() -> None:
        # Sent here rather than by the worker thread: the clocks move between two beats.
        health.tick(frame=frame, fps=30, etag=None)
        health._send_heartbeat(health._jobs.get_nowait().body)

    beat()  # before any answer from the service: only the release date tells
    clocks.learn_service_time(RIGHT)
    pi.advance(health.heartbeat_interval_s)
    beat()
    pi.jump(THREE_DAYS)  # NTP
    pi.advance(health.heartbeat_interval_s)
    beat()
    health.stop(timeout=1)
    assert [b["clock_before_release"] for b in beats] == [True, True, False]
    assert beats[0]["clock_skew_s"] is None
    assert abs(beats[1]["clock_skew_s"] - THREE_DAYS.total_seconds()) <= 1
    assert abs(beats[2]["clock_skew_s"]) <= 1
    # The uptime is monotonic: the jump added nothing to it.
    assert beats[2]["uptime_s"] == 2 * int(health.heartbeat_interval_s)


def test_the_cache_is_stamped_with_the_time_shown(tmp_path):
    pi = ManualClock(RIGHT - THREE_DAYS)
    service = ScriptedService()
    service.clock = lambda: RIGHT
    cache = DisplayCache(tmp_path)
    feed = Feed(
        "http://screen.test",
        "t",
        cache,
        transport=httpx.MockTransport(service),
        clocks=pi.clocks(released_on=RELEASED_ON),
        rng=random.Random(1),
    )
    assert feed.fetch()
    # A restart shows « données du » the service's time, not the Pi's Friday.
    saved = cache.load_snapshot().saved_at
    assert abs((saved - RIGHT).total_seconds()) <= 1


def test_the_release_date_is_not_in_the_future():
    # Set at release: a date to come would make every screen say its clock is wrong.
    assert Clocks().released_on <= date.today()


def test_without_a_date_header_the_mark_still_follows_the_monotonic_clock(tmp_path):
    # A proxy that drops the Date header: the screen has only its own clock to show.
    pi = ManualClock(RIGHT)
    service = ScriptedService()
    feed = Feed(
        "http://screen.test",
        "t",
        DisplayCache(tmp_path),
        transport=httpx.MockTransport(service),
        clocks=pi.clocks(released_on=RELEASED_ON),
    )
    app = display_app(DisplaySettings(cache_dir=tmp_path), pygame.Surface((640, 360)), feed=feed)
    assert feed.fetch()
    app.step(0.03)
    pi.jump(THREE_DAYS)  # set forward: three days on the wall clock, none without contact
    pi.advance(1)
    app.step(0.03)
    assert app.link.stale_since is None
    pi.jump(-THREE_DAYS - timedelta(hours=1))  # set an hour behind the start
    service.down = True
    pi.advance(121)  # two minutes without the service, whatever the wall clock says
    app.step(0.03)
    app.step(0.03)
    assert app.link.stale_since is not None
    assert "données du 09:00" in _texts(app)  # the contact, told by the wall clock shown
