"""An employer's file on a phone (390×844): reached from an offer, its history and notes; the
offer form suggesting existing employers from the server; a CDE's edit with a wrong SIRET, then
a stale one. axe-core finds nothing serious or critical."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Phone

pytestmark = pytest.mark.browser


def test_an_employer_file_tells_its_history_from_an_offer(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="cdde")
    with live_server.client("cdde") as client:
        offer = next(
            o
            for o in client.get("/api/v1/offers", params={"status": "open"}).json()
            if o["employer"] == "Boulangerie Au Pain d'Antan"
        )
    phone.go(f"/o/{offer['code']}")
    phone.page.get_by_role("link", name="Boulangerie Au Pain d'Antan").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.endswith(f"/admin/employeurs/{offer['employer_id']}")
    assert phone.page.locator("h1").inner_text() == "Boulangerie Au Pain d'Antan"
    text = phone.page.locator("main").inner_text()
    assert "359 585 804 27902" in text  # the SIRET, grouped as printed on a Kbis
    assert "3 à 5 salariés" in text and "TPE" in text
    assert "journée d'essai" in text  # the CDE's notes
    offers = phone.page.locator("#offres ~ ul.list").first.inner_text()
    assert "Boulanger·ère" in offers and "Apprenti boulanger" in offers
    assert "pourvue" in offers
    assert "Apprenti boulanger" in phone.page.locator("#embauches ~ ul.list").first.inner_text()
    # A CDDE reads the file but has no button to change it.
    assert phone.page.get_by_role("link", name="Modifier la fiche et les notes").count() == 0
    assert phone.axe() == []
    phone.shot("employer_file_cdde")
    phone.go("/admin/employeurs?q=PAIN D ANTAN")
    assert phone.page.locator("ul.list a.offer").count() == 1
    assert phone.axe() == []


def test_the_offer_form_suggests_employers_and_joins_their_file(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="cde")
    phone.go("/admin/offres/nouvelle")
    known = phone.page.locator("datalist#employers-known option")
    assert known.count() >= 5
    assert phone.page.get_by_role("combobox", name="Employeur").get_attribute("list") == (
        "employers-known"
    )
    # Typed without its case nor accents nor apostrophe: the offer joins the existing file.
    phone.page.get_by_role("combobox", name="Employeur").fill("boulangerie au pain d antan")
    phone.page.get_by_role("textbox", name="Poste").fill("Tourier·ère")
    phone.page.get_by_label("CDD").check()
    phone.page.get_by_role("textbox", name="Commune").fill("Avignon")
    phone.page.get_by_role("button", name="Publier l'offre").last.click()
    phone.page.wait_for_load_state()
    with live_server.client("cde") as client:
        created = next(
            o for o in client.get("/api/v1/offers").json() if o["title"] == "Tourier·ère"
        )
        file = client.get(f"/api/v1/employers/{created['employer_id']}").json()
    assert file["employer"]["name"] == "Boulangerie Au Pain d'Antan"
    assert "Tourier·ère" in [o["title"] for o in file["offers"]]
    # From the file, « Nouvelle offre pour cet employeur » fills in its name and commune.
    phone.go(f"/admin/employeurs/{created['employer_id']}")
    phone.page.get_by_role("link", name="Nouvelle offre pour cet employeur").click()
    phone.page.wait_for_load_state()
    field = phone.page.get_by_role("combobox", name="Employeur")
    assert field.input_value() == "Boulangerie Au Pain d'Antan"
    assert phone.axe() == []


def test_a_cde_edits_a_file_a_wrong_siret_and_a_stale_edit_lose_nothing(  # type: ignore[no-untyped-def]
    new_phone, live_server
) -> None:
    phone: Phone = new_phone(live_server, as_role="cde")
    with live_server.client("cde") as client:
        garage = client.get("/api/v1/employers", params={"q": "garage mistral"}).json()[0]
    phone.go(f"/admin/employeurs/{garage['id']}")
    phone.page.get_by_role("link", name="Modifier la fiche et les notes").click()
    phone.page.wait_for_load_state()
    assert phone.axe() == []
    notes = phone.page.get_by_role("textbox", name="Notes")
    notes.fill("Rencontre à l'atelier, en bleu de travail. Rappeler en janvier.")
    phone.page.get_by_role("textbox", name="SIRET").fill("189 399 830 38985")
    phone.page.get_by_role("button", name="Enregistrer").click()
    phone.page.wait_for_load_state()
    assert "clé de contrôle" in phone.page.locator("#e-siret").inner_text()
    assert notes.input_value().startswith("Rencontre à l'atelier")  # kept as typed
    assert phone.axe() == []
    # Meanwhile a manager saves the file: this CDE's save is refused, their text kept.
    with live_server.client("manager") as manager:
        saved = manager.patch(
            f"/api/v1/employers/{garage['id']}", json={"contact": "Nouveau standard"}
        )
        assert saved.status_code == 200, saved.text
    phone.page.get_by_role("textbox", name="SIRET").fill("189 399 830 38984")
    phone.page.get_by_role("button", name="Enregistrer").click()
    phone.page.wait_for_load_state()
    told = phone.page.locator("#version-actuelle").inner_text()
    assert "modifié la fiche entre-temps" in told and "Nouveau standard" in told
    assert "SIRET" not in told  # the same number, spaced differently
    assert notes.input_value().startswith("Rencontre à l'atelier")
    assert phone.axe() == []
    phone.shot("employer_stale_edit")
    phone.page.get_by_role("button", name="Enregistrer").click()
    phone.page.wait_for_load_state()
    assert "Fiche employeur enregistrée" in phone.flash()
    assert "Rappeler en janvier" in phone.page.locator("#notes ~ p").first.inner_text()
