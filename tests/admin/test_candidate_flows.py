"""« J'ai un candidat » and offers for several positions, in a real browser at a phone viewport."""

from __future__ import annotations

import secrets

import pytest

from tests.admin.conftest import Phone
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser


def _new_offer(server: LiveServer, **fields: object) -> dict:  # type: ignore[type-arg]
    """A fresh open offer of the demo CDE, through the JSON API."""
    title = f"Caviste {secrets.token_hex(3)}"
    body = {"employer": "Cave Coopérative", "title": title, "contract": "CDD", "commune": "Sorgues"}
    with server.client("cde") as client:
        response = client.post("/api/v1/offers", json={**body, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def _home_badge(phone: Phone) -> str:
    badge = phone.page.locator(".tabbar .tab-badge")
    return badge.inner_text() if badge.count() else ""


def test_a_double_tap_is_one_proposal_and_the_cde_sees_a_badge_then_the_note(
    new_phone, live_server: LiveServer
) -> None:  # type: ignore[no-untyped-def]
    offer = _new_offer(live_server)
    cde = new_phone(live_server)
    cde.login("cde")  # lands on the home page: whatever was waiting is now seen
    cde.go("/admin/offres")
    assert _home_badge(cde) == ""

    cdde = new_phone(live_server, as_role="cdde")
    cdde.go(f"/o/{offer['code']}")
    hint = cdde.page.locator("#h-note").inner_text()
    assert "Aucune donnée personnelle" in hint
    cdde.page.get_by_role("textbox", name="Un mot pour le CDE (facultatif)").fill(
        "Disponible dès lundi, a déjà fait les vendanges"
    )
    cdde.page.get_by_role("button", name="J'ai un candidat").click()
    assert "Le CDE de l'offre est prévenu" in cdde.flash()
    # The same tap again is not offered: the second action says what it does.
    assert cdde.page.get_by_role("button", name="J'ai un candidat").count() == 0
    cdde.shot("offer_cdde_after_proposal_another")
    cdde.page.get_by_role("button", name="Proposer un autre candidat").click()
    assert "Le CDE de l'offre est prévenu" in cdde.flash()
    assert len(cdde.page.locator("#candidats + ul > li").all()) == 2

    cde.page.reload()
    assert _home_badge(cde) == "2"
    assert "2 nouveaux candidats" in cde.page.locator(".tabbar").inner_text()
    cde.shot("offers_cde_with_badge")
    cde.go(f"/o/{offer['code']}")
    candidates = cde.page.locator("#candidats + ul").inner_text()
    assert "Nouveau" in candidates
    assert "« Disponible dès lundi, a déjà fait les vendanges »" in candidates
    assert _home_badge(cde) == ""  # looked at: the badge is gone at once
    cde.page.reload()
    assert "Nouveau" not in cde.page.locator("#candidats + ul").inner_text()

    # The proposer withdraws the second one; the CDE acts on the first, which then stays.
    cdde.go(f"/o/{offer['code']}")
    cdde.page.once("dialog", lambda dialog: dialog.accept())
    cdde.page.get_by_role("button", name="Retirer ma proposition").last.click()
    assert "Proposition retirée" in cdde.flash()
    assert len(cdde.page.locator("#candidats + ul > li").all()) == 1
    cde.page.reload()
    cde.page.get_by_label("Nouvelle suite").select_option("interview")
    cde.page.get_by_role("button", name="Enregistrer").click()
    # The CDDE's page still shows the button from before: the answer says why it is too late.
    cdde.page.once("dialog", lambda dialog: dialog.accept())
    cdde.page.get_by_role("button", name="Retirer ma proposition").click()
    assert "déjà donné une suite à ce candidat (entretien)" in cdde.page.content()
    cdde.go(f"/o/{offer['code']}")
    assert len(cdde.page.locator("#candidats + ul > li").all()) == 1
    assert cdde.page.get_by_role("button", name="Retirer ma proposition").count() == 0


def test_a_repeated_form_is_the_same_proposal_and_a_long_note_is_kept(
    new_phone, live_server: LiveServer
) -> None:  # type: ignore[no-untyped-def]
    offer = _new_offer(live_server)
    cdde = new_phone(live_server, as_role="cdde")
    cdde.go(f"/o/{offer['code']}")
    csrf = cdde.csrf_token()
    url = f"{live_server.url}/admin/offres/{offer['id']}/candidat"
    form = {"csrf_token": csrf, "note": "Première"}
    headers = {"Origin": live_server.url, "Referer": cdde.page.url}
    first = cdde.page.request.post(url, form=form, headers=headers, max_redirects=0)
    second = cdde.page.request.post(url, form=form, headers=headers, max_redirects=0)
    assert (first.status, second.status) == (303, 303)
    assert "candidat-propose" in first.headers["location"]
    assert "candidat-deja-propose" in second.headers["location"]
    cdde.go(second.headers["location"].removeprefix(live_server.url))
    assert "même proposition" in cdde.flash()
    assert len(cdde.page.locator("#candidats + ul > li").all()) == 1

    # Too long (the field's maxlength bypassed): refused in French, the text is still there.
    long_note = "é" * 250
    refused = cdde.page.request.post(
        url, form={**form, "note": long_note, "another": "1"}, headers=headers
    )
    assert refused.status == 422
    cdde.page.set_content(refused.text())
    assert "200 caractères au maximum" in cdde.page.locator("#e-note").inner_text()
    value = cdde.page.get_by_role("textbox", name="Un mot pour le CDE (facultatif)").input_value()
    assert value == long_note


def test_an_offer_for_two_positions_is_filled_one_at_a_time(
    new_phone, live_server: LiveServer
) -> None:  # type: ignore[no-untyped-def]
    offer = _new_offer(live_server, positions=2)
    cde = new_phone(live_server, as_role="cde")
    cde.go(f"/o/{offer['code']}")
    assert cde.page.locator("dd.positions").inner_text() == "2 postes"
    cde.page.get_by_role("button", name="Un poste pourvu").click()
    assert "Un poste de plus est pourvu" in cde.flash()
    cde.go(f"/o/{offer['code']}")
    assert cde.page.locator("dd.positions").inner_text() == "1 poste sur 2 pourvu"
    assert "Offre pourvue" not in cde.page.content()
    cde.go("/admin/offres")
    card = cde.page.locator("a.offer", has_text=offer["title"])
    assert "1 poste sur 2 pourvu" in card.inner_text()
    cde.shot("offers_one_position_of_two")
    cde.go(f"/o/{offer['code']}")
    cde.page.get_by_role("button", name="Dernier poste pourvu").click()
    assert "Offre marquée pourvue" in cde.flash()
    cde.go(f"/o/{offer['code']}")
    assert cde.page.locator("dd.positions").inner_text() == "2 postes sur 2 pourvus"
    assert "Offre pourvue." in cde.page.content()
