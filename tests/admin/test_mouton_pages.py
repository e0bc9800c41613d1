"""Le test du « mouton à 5 pattes » on a phone (390×844): the offer form explains while the CDE
types (a small fetch to the API), after « Vérifier la demande » without JavaScript, on the
offer's page for its staff (never for a visitor), and on a tag's page for the thematic
meeting. French messages next to the fields for bad criteria. axe-core finds nothing serious."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.admin.conftest import PHONE, Phone

pytestmark = pytest.mark.browser

SMIC_AT_TEN_YEARS = "Payé au SMIC pour un profil expérimenté"


def _fill_plumber(phone: Phone) -> None:
    page = phone.page
    page.get_by_role("combobox", name="Employeur").fill("Plomberie du Rocher")
    page.get_by_role("textbox", name="Poste").fill("Plombier·ère")
    page.get_by_role("radio", name="CDD").check()
    page.get_by_role("textbox", name="Commune").fill("Avignon")
    page.locator("#exigences > summary").click()
    page.get_by_label("Expérience exigée, en années").fill("10")
    page.get_by_label("De (euros)").fill("1 801,80")
    page.get_by_label("À (euros)").fill("1823")
    page.get_by_role("radio", name="Par mois").check()


def test_the_check_explains_while_typing_then_on_the_offer_page(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="cde")
    assert phone.go("/admin/offres/nouvelle") == 200
    _fill_plumber(phone)
    result = phone.page.locator("#mouton-resultat")
    # Live: the API answers while typing; the reasons carry their figures.
    expect(result).to_contain_text(SMIC_AT_TEN_YEARS)
    expect(result).to_contain_text("10 ans d'expérience")
    expect(result).to_contain_text("Contrat court pour un profil confirmé")
    phone.page.get_by_role("radio", name="CDI").check()
    expect(result).not_to_contain_text("Contrat court")
    # Typing a bad figure says so instead of a stale answer.
    phone.page.get_by_label("Heures par semaine").fill("200")
    expect(result).to_contain_text("à corriger")
    phone.page.get_by_label("Heures par semaine").fill("35")
    expect(result).to_contain_text(SMIC_AT_TEN_YEARS)
    assert phone.axe() == []
    phone.shot("mouton_live_check")
    # « Vérifier la demande » answers from the server too (the page without JavaScript's way).
    phone.page.get_by_role("button", name="Vérifier la demande").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.endswith("#mouton")
    expect(result).to_contain_text(SMIC_AT_TEN_YEARS)
    assert phone.axe() == []

    phone.page.get_by_role("button", name="Publier l'offre").last.click()
    phone.page.wait_for_load_state()
    assert "/o/" in phone.page.url
    mouton = phone.page.locator("#mouton")
    expect(mouton).to_contain_text(SMIC_AT_TEN_YEARS)
    expect(mouton).to_contain_text("12,02 €")
    assert phone.axe() == []
    code = phone.page.url.split("/o/")[1].split("?")[0]
    # A visitor scanning the QR code sees the offer, not the check.
    visitor = new_phone(live_server)
    visitor.go(f"/o/{code}")
    assert visitor.page.locator("#mouton").count() == 0
    assert "SMIC" not in visitor.page.content()
    # The edit form shows the saved criteria and their check.
    phone.page.get_by_role("link", name="Revoir les exigences").click()
    phone.page.wait_for_load_state()
    assert phone.page.get_by_label("Expérience exigée, en années").input_value() == "10"
    expect(phone.page.locator("#mouton-resultat")).to_contain_text(SMIC_AT_TEN_YEARS)
    assert phone.axe() == []


def test_without_javascript_verify_explains_and_bad_criteria_are_named(  # type: ignore[no-untyped-def]
    new_phone, browser, live_server
) -> None:
    logged_in: Phone = new_phone(live_server, as_role="cde")
    context = browser.new_context(
        viewport=PHONE,
        has_touch=True,
        is_mobile=True,
        java_script_enabled=False,
        locale="fr-FR",
        storage_state=logged_in.page.context.storage_state(),
    )
    context.set_default_timeout(10_000)
    try:
        phone = Phone(page=context.new_page(), server=live_server)
        phone.go("/admin/offres/nouvelle")
        _fill_plumber(phone)
        assert "Renseignez les exigences" in phone.page.locator("#mouton-resultat").inner_text()
        phone.page.get_by_role("button", name="Vérifier la demande").click()
        phone.page.wait_for_load_state()
        assert phone.page.url.endswith("/admin/offres/nouvelle#mouton")
        assert SMIC_AT_TEN_YEARS in phone.page.locator("#mouton-resultat").inner_text()
        assert phone.page.get_by_role("combobox", name="Employeur").input_value() == (
            "Plomberie du Rocher"
        )
        phone.shot("mouton_verified_without_js")  # axe needs JavaScript: run in the test above
        # Bad criteria: each message next to its field, in French, what was typed kept.
        phone.page.get_by_label("Expérience exigée, en années").fill("-2")
        phone.page.get_by_label("De (euros)").fill("14")
        phone.page.get_by_label("À (euros)").fill("12")
        phone.page.get_by_role("radio", name="De l'heure").check()
        phone.page.get_by_label("Heures par semaine").fill("200")
        phone.page.get_by_label("Autres exigences indispensables").fill("x" * 10_000)
        phone.page.get_by_role("button", name="Publier l'offre").last.click()
        phone.page.wait_for_load_state()
        errors = {
            name: phone.page.locator(f"#e-{name}").inner_text()
            for name in ("experience_years", "pay_to", "weekly_hours", "must_haves")
        }
        assert "négative" in errors["experience_years"]
        assert "inversez-les" in errors["pay_to"]
        assert "48 heures par semaine au plus" in errors["weekly_hours"]
        assert "80 caractères au plus par exigence" in errors["must_haves"]  # maxlength: 800
        assert phone.page.get_by_label("Heures par semaine").input_value() == "200"
        # An emoji as a number is refused; as a must-have it is kept.
        phone.page.get_by_label("Expérience exigée, en années").fill("4")
        phone.page.get_by_label("De (euros)").fill("12,02")
        phone.page.get_by_label("À (euros)").fill("")
        phone.page.get_by_label("Heures par semaine").fill("🕐")
        phone.page.get_by_label("Autres exigences indispensables").fill("Permis 🚗 B")
        phone.page.get_by_role("button", name="Publier l'offre").last.click()
        phone.page.wait_for_load_state()
        assert "Indiquez un nombre" in phone.page.locator("#e-weekly_hours").inner_text()
        phone.page.get_by_label("Heures par semaine").fill("35")
        phone.page.get_by_role("button", name="Publier l'offre").last.click()
        phone.page.wait_for_load_state()
        assert "/o/" in phone.page.url
        assert SMIC_AT_TEN_YEARS in phone.page.locator("#mouton").inner_text()
    finally:
        context.close()
    with live_server.client("cde") as api:
        saved = [
            o for o in api.get("/api/v1/offers").json() if o["employer"] == "Plomberie du Rocher"
        ]
    assert len(saved) == 1  # « Vérifier » and the refused posts saved nothing
    assert saved[0]["criteria"]["must_haves"] == ["Permis 🚗 B"]


def test_the_thematic_meeting_gathers_the_flagged_offers_of_a_tag(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    """The demo's plumber and electrician (#permisB) fail the check for different reasons."""
    phone: Phone = new_phone(live_server, as_role="cdde")
    phone.go("/admin/tags/permisb")
    phone.page.get_by_role("link", name="2 demandes difficiles à satisfaire").click()
    phone.page.wait_for_load_state()
    offers = phone.page.locator("#offres ~ ul.list").first.inner_text()
    assert "Plomberie Rhodanienne" in offers and "Électricité Durance Services" in offers
    assert SMIC_AT_TEN_YEARS in offers
    assert "Diplôme exigé pour un poste ouvert aux débutants" in offers
    assert phone.axe() == []
    phone.shot("mouton_tag_meeting")
