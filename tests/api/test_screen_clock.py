"""A screen whose clock is wrong tells its manager through the heartbeat (issue 17, point 4):
the skew it measured against the service's Date header, or a date before its version."""

from __future__ import annotations

import html

from api.services.screens import clock_warning
from tests.api.test_fleet_updates import _page_client
from tests.support.server import LiveServer

BEAT = {"version": "0.1.0", "resolution": "1920x1080", "fps": 29.7, "uptime_s": 120}
THREE_DAYS_S = 3 * 86_400 + 42


def test_a_screen_days_behind_is_told_on_the_screens_pages(module_server: LiveServer) -> None:
    with module_server.screen_client() as screen, module_server.client("manager") as manager:
        beat = {**BEAT, "clock_skew_s": THREE_DAYS_S, "clock_before_release": True}
        assert screen.post("/api/v1/display/heartbeat", json=beat).status_code == 204
        mine = next(s for s in manager.get("/api/v1/screens").json() if s["online"])
        assert mine["clock_skew_s"] == THREE_DAYS_S and mine["clock_before_release"] is True
        assert mine["clock_warning"].startswith("L'horloge de cet écran retarde de 3 jours")
        phone = _page_client(module_server, "manager")
        try:
            listed = html.unescape(phone.get("/admin/ecrans").text)
            one = html.unescape(phone.get(f"/admin/ecrans/{mine['id']}").text)
        finally:
            phone.close()
        assert "L'horloge de cet écran retarde de 3 jours" in listed
        assert "L'horloge de cet écran retarde de 3 jours" in one
        # Set right by NTP: the next heartbeat takes the warning away.
        beat = {**BEAT, "clock_skew_s": 1, "clock_before_release": False}
        assert screen.post("/api/v1/display/heartbeat", json=beat).status_code == 204
        mine = next(s for s in manager.get("/api/v1/screens").json() if s["id"] == mine["id"])
        assert mine["clock_warning"] is None
        # An older screen sends neither field: nothing is said.
        assert screen.post("/api/v1/display/heartbeat", json=BEAT).status_code == 204
        mine = next(s for s in manager.get("/api/v1/screens").json() if s["id"] == mine["id"])
        assert mine["clock_skew_s"] is None and mine["clock_warning"] is None
        # Nonsense is refused with a reason.
        for wrong in (
            {"clock_skew_s": "3 jours"},
            {"clock_skew_s": True},
            {"clock_skew_s": 10**12},
            {"clock_before_release": "oui"},
        ):
            answer = screen.post("/api/v1/display/heartbeat", json={**BEAT, **wrong})
            assert answer.status_code == 422, wrong


def test_the_warning_in_words() -> None:
    assert clock_warning(None, None) is None
    assert clock_warning(90, False) is None  # within two minutes: nothing to say
    assert clock_warning(-7_300, False) == (
        "L'horloge de cet écran avance de 2 heures : il affiche l'heure du service en attendant."
    )
    assert clock_warning(61, True) is not None and "antérieure à sa version" in clock_warning(
        61, True
    )
    assert "retarde de 2 minutes" in clock_warning(150, False)
