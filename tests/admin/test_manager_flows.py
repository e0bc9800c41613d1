"""A manager pairs a screen, edits its playlist and posts an urgent announcement."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.admin.conftest import Phone
from tests.admin.support import wait_for

pytestmark = pytest.mark.browser


def test_manager_pairs_a_screen_sets_its_playlist_and_posts_an_urgent_announcement(
    phone: Phone,
) -> None:
    server = phone.server
    with httpx.Client(base_url=server.url, timeout=10) as anonymous:
        pairing = anonymous.post("/api/v1/display/pairings").json()
    phone.login("manager")
    phone.go("/admin/ecrans")
    phone.page.get_by_role("textbox", name="Code affiché").fill(pairing["code"].lower())
    phone.page.get_by_role("textbox", name="Nom de l'écran").fill("Salle d'attente")
    phone.page.get_by_role("button", name="Appairer").click()
    assert "Écran appairé" in phone.flash()
    assert phone.page.get_by_role("heading", name="Salle d'attente").is_visible()

    with httpx.Client(base_url=server.url, timeout=10) as anonymous:
        paired = anonymous.get(f"/api/v1/display/pairings/{pairing['poll_secret']}").json()
    assert paired["status"] == "paired" and paired["screen_name"] == "Salle d'attente"
    screen = httpx.Client(
        base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {paired['token']}"}
    )

    # Playlist: drop the hires scene, put the défi first for 20 s.
    phone.page.get_by_label("Embauches remarquables").uncheck()
    phone.page.locator("#f-order_challenge").fill("1")
    phone.page.locator("#f-duration_challenge").fill("20")
    phone.page.locator("#f-order_offers").fill("2")
    phone.page.locator("#f-order_announcements").fill("3")
    phone.page.locator("#f-opens_0").fill("08:00")
    phone.page.locator("#f-closes_0").fill("18:30")
    phone.shot("screen_detail_edited")
    phone.page.get_by_role("button", name="Enregistrer").click()
    assert "Écran enregistré" in phone.flash()
    playlist = screen.get("/api/v1/display/snapshot").json()["screen"]["playlist"]
    assert [p["scene"] for p in playlist] == ["challenge", "offers", "announcements"]
    assert playlist[0]["duration_s"] == 20

    phone.go("/admin/annonces")
    phone.page.get_by_role("textbox", name="Message").fill(
        "Alerte : l'agence ferme à 15 h aujourd'hui."
    )
    phone.page.get_by_label("Urgente").check()
    phone.page.get_by_role("button", name="Publier l'annonce").click()
    assert "Annonce publiée" in phone.flash()
    phone.shot("announcements_after_post")
    announcements = wait_for(lambda: screen.get("/api/v1/display/snapshot").json()["announcements"])
    urgent = [a for a in announcements if a["urgent"]]
    assert urgent and urgent[0]["message"] == "Alerte : l'agence ferme à 15 h aujourd'hui."

    # The screen reports its health and a screenshot; the manager sees both.
    beat = {"version": "0.3.1", "resolution": "1920x1080", "fps": 29.7, "uptime_s": 120}
    assert screen.post("/api/v1/display/heartbeat", json=beat).status_code == 204
    picture = io.BytesIO()
    Image.new("RGB", (192, 108), "#00437a").save(picture, "PNG")
    shot = screen.put(
        "/api/v1/display/screenshot",
        content=picture.getvalue(),
        headers={"Content-Type": "image/png"},
    )
    assert shot.status_code == 204
    phone.go("/admin/ecrans")
    assert "● En ligne" in phone.page.get_by_role("link", name="Salle d'attente").inner_text()
    phone.page.get_by_role("link", name="Salle d'attente").click()
    facts = phone.page.locator("dl.facts").inner_text()
    assert "29.7" in facts and "0.3.1" in facts and "1920x1080" in facts
    capture = phone.page.get_by_role("img", name="Ce que l'écran Salle d'attente affichait")
    capture.scroll_into_view_if_needed()
    assert capture.evaluate("img => img.complete && img.naturalWidth") == 192
    phone.shot("screen_detail_online")

    # Revoking cuts the screen off at once.
    phone.page.once("dialog", lambda dialog: dialog.accept())
    phone.page.get_by_role("button", name="Révoquer l'accès").click()
    assert "Accès de l'écran révoqué" in phone.flash()
    assert screen.get("/api/v1/display/snapshot").status_code == 401
    screen.close()
