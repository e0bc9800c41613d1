"""The journeys issue 4 names, in a real browser at a phone viewport against a real server."""

from __future__ import annotations

import re

import pytest

from tests.admin.conftest import Phone
from tests.admin.support import jpeg_bytes, snapshot, wait_for

pytestmark = pytest.mark.browser


def test_cde_creates_an_offer_with_four_fields_and_it_reaches_the_screen(
    new_phone, live_server
) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="cde")
    phone.go("/admin/")
    phone.page.get_by_role("link", name="+ Nouvelle offre").first.click()
    phone.page.get_by_role("combobox", name="Employeur").fill("Fromagerie Les Halles")
    phone.page.get_by_role("textbox", name="Poste").fill("Vendeur·se en fromagerie")
    phone.page.get_by_text("saisonnier", exact=True).click()
    phone.page.get_by_role("textbox", name="Commune").fill("Le Pontet")
    phone.shot("offer_new_filled")
    phone.page.get_by_role("button", name="Publier l'offre").click()

    assert re.search(r"/o/[A-Z0-9]{8}$", phone.page.url.split("?")[0])
    assert "Offre créée" in phone.flash()
    assert phone.page.get_by_role("heading", name="Vendeur·se en fromagerie").is_visible()
    code = phone.page.url.split("/o/")[1].split("?")[0]
    titles = wait_for(lambda: [o for o in snapshot(phone.server)["offers"] if o["code"] == code])
    assert titles[0]["employer"] == "Fromagerie Les Halles"
    assert titles[0]["contract"] == "saisonnier"
    assert titles[0]["commune"] == "Le Pontet"


def test_enter_in_a_field_publishes_the_offer_rather_than_pre_filling(
    new_phone, live_server
) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="cde")
    phone.go("/admin/")
    phone.page.get_by_role("link", name="+ Nouvelle offre").first.click()
    phone.page.get_by_role("combobox", name="Employeur").fill("Cave Saint-Agricol")
    phone.page.get_by_text("CDI", exact=True).click()
    phone.page.get_by_role("textbox", name="Commune").fill("Avignon")
    phone.page.get_by_role("textbox", name="Poste").fill("Caviste")
    phone.page.get_by_role("textbox", name="Poste").press("Enter")

    assert re.search(r"/o/[A-Z0-9]{8}$", phone.page.url.split("?")[0])
    assert phone.page.get_by_role("heading", name="Caviste").is_visible()


def cde_offer(server) -> dict:  # type: ignore[no-untyped-def]
    """An open offer owned by the demo CDE account, through the JSON API."""
    with server.client("cde") as client:
        me = client.get("/api/v1/auth/me").json()
        offers = client.get("/api/v1/offers", params={"status": "open"}).json()
    return next(o for o in offers if o["owner"]["id"] == me["id"])


def test_cdde_scans_logs_in_lands_back_and_proposes_a_candidate(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    offer = cde_offer(live_server)
    cdde = new_phone(live_server)
    assert cdde.go(f"/o/{offer['code']}") == 200
    assert cdde.page.get_by_role("heading", name=offer["title"]).is_visible()
    assert cdde.page.get_by_role("button", name="J'ai un candidat").count() == 0
    assert offer["staff_note"] == "" or offer["staff_note"] not in cdde.page.content()
    cdde.shot("offer_public_logged_out")

    cdde.page.get_by_role("link", name="Vous êtes de l'agence ? Se connecter").click()
    cdde.login("cdde")
    assert cdde.page.url.endswith(f"/o/{offer['code']}")
    cdde.page.get_by_role("button", name="J'ai un candidat").click()
    assert "Le CDE de l'offre est prévenu" in cdde.flash()
    cdde_name = cdde.page.locator(".who").inner_text().strip()
    assert cdde_name in cdde.page.locator("#candidats + ul").inner_text()
    cdde.shot("offer_staff_cdde_after_proposal")

    cde = new_phone(live_server)
    cde.login("cde")
    waiting = cde.page.get_by_role("region", name="À traiter").inner_text()
    assert f"Candidat proposé par {cdde_name}" in waiting
    assert offer["title"] in waiting
    cde.shot("home_cde_with_candidate")


def test_cde_fills_tells_the_hire_with_a_photo_and_the_defi_grows(
    new_phone, live_server, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    offer = cde_offer(live_server)
    before = snapshot(live_server)["challenge"]
    assert offer["is_tpe"] and before is not None

    cde = new_phone(live_server, as_role="cde")
    cde.go(f"/o/{offer['code']}")
    cde.page.get_by_role("button", name="Marquer pourvue").click()
    assert "Offre marquée pourvue" in cde.flash()
    assert cde.page.get_by_role("textbox", name="Employeur").input_value() == offer["employer"]
    cde.page.get_by_role("textbox", name="Ce qui la rend remarquable").fill(
        "Après 18 mois de recherche, un CDI trouvé grâce au job dating du marché."
    )
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes())
    assert cde.page.locator("#f-photo").get_attribute("accept") == "image/*"
    cde.page.locator("#f-photo").set_input_files(str(photo))
    cde.page.get_by_label("La personne photographiée a donné son accord").check()
    cde.shot("hire_new_filled")
    cde.page.get_by_role("button", name="Enregistrer").click()
    assert "Embauche enregistrée" in cde.flash()
    assert cde.page.get_by_role("img", name=re.compile("Photo de l'embauche")).is_visible()
    cde.shot("hire_saved_draft")

    passer_by = new_phone(live_server)
    passer_by.go(f"/o/{offer['code']}")
    assert "Offre pourvue." in passer_by.page.locator("main").inner_text()
    assert passer_by.page.locator(".badge").count() == 0  # no urgency on a filled offer

    cde.go("/admin/defi")
    assert (
        f"{before['total'] + 1} / {before['goal']}" in cde.page.locator(".card").first.inner_text()
    )
    after = snapshot(live_server)["challenge"]
    assert after["total"] == before["total"] + 1
    assert after["by_service"]["cde"] == before["by_service"]["cde"] + 1

    manager = new_phone(live_server, as_role="manager")
    manager.go("/admin/")
    manager.page.get_by_role("link", name="Embauche à valider").first.click()
    manager.page.get_by_role("button", name="Publier sur l'écran").click()
    assert "Embauche publiée" in manager.flash()
    hires = wait_for(
        lambda: [h for h in snapshot(live_server)["hires"] if h["employer"] == offer["employer"]]
    )
    assert hires[0]["photo_path"]
    assert "job dating" in hires[0]["story"]
    with live_server.screen_client() as screen:
        picture = screen.get(hires[0]["photo_path"])
    assert picture.status_code == 200 and picture.content[:2] == b"\xff\xd8"
