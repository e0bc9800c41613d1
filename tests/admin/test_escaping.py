"""Markup typed into any text field is shown as text everywhere, never run."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Phone

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x onerror="alert(1)">"><script>alert(2)</script>'


def _assert_inert(phone: Phone, dialogs: list[str], *, shown: bool = True) -> None:
    assert dialogs == [], f"script ran on {phone.page.url}"
    assert phone.page.locator('img[src="x"]').count() == 0
    assert phone.page.evaluate("[...document.scripts].every(s => !s.textContent.includes('alert'))")
    if shown:
        assert PAYLOAD in phone.page.locator("body").inner_text(), phone.page.url


def test_markup_in_every_text_field_stays_inert(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(module_server)
    dialogs: list[str] = []
    phone.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page = phone.page

    # The login form echoes the e-mail typed.
    phone.go("/admin/connexion")
    page.get_by_label("Adresse e-mail").fill(PAYLOAD)
    page.get_by_label("Mot de passe").fill("nimporte-quoi")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_label("Adresse e-mail").input_value() == PAYLOAD
    _assert_inert(phone, dialogs, shown=False)
    phone.login("manager")

    # An offer with the payload in every text field.
    phone.go("/admin/offres/nouvelle")
    page.locator("details").first.evaluate("d => d.open = true")
    for field in ("employer", "title", "commune", "description", "staff_note"):
        page.locator(f"#f-{field}").fill(PAYLOAD)
    page.get_by_text("CDI", exact=True).click()
    page.get_by_role("button", name="Publier l'offre").click()
    assert "Offre créée" in phone.flash()
    _assert_inert(phone, dialogs)
    offer_url = page.url.split("?")[0]
    page.get_by_role("link", name="Modifier").click()
    page.get_by_label("urgent", exact=True).check()
    page.locator("#f-urgency_override_reason").fill(PAYLOAD)
    page.get_by_role("button", name="Enregistrer").click()
    _assert_inert(phone, dialogs)

    # A rejected form re-displays what was typed, still as text.
    phone.go("/admin/offres/nouvelle")
    page.locator("#f-employer").fill(PAYLOAD)
    page.get_by_role("button", name="Publier l'offre").click()
    assert page.locator("#f-employer").input_value() == PAYLOAD
    _assert_inert(phone, dialogs, shown=False)

    # A hire, a défi contribution, an announcement, a screen name, a colleague's name.
    phone.go("/admin/embauches/nouvelle")
    for field in ("employer", "title", "story"):
        page.locator(f"#f-{field}").fill(PAYLOAD)
    page.get_by_role("button", name="Enregistrer").click()
    assert "Embauche enregistrée" in phone.flash()
    _assert_inert(phone, dialogs, shown=False)

    phone.go("/admin/defi")
    page.get_by_role("textbox", name="Quoi").fill(PAYLOAD)
    page.get_by_role("button", name="Ajouter +1").click()
    assert "Contribution ajoutée" in phone.flash()

    phone.go("/admin/annonces")
    page.get_by_role("textbox", name="Message").fill(PAYLOAD)
    page.get_by_role("button", name="Publier l'annonce").click()
    assert "Annonce publiée" in phone.flash()
    _assert_inert(phone, dialogs)

    phone.go("/admin/ecrans")
    page.locator("a.offer").first.click()
    page.get_by_role("textbox", name="Nom de l'écran").fill(PAYLOAD)
    page.get_by_role("button", name="Enregistrer").click()
    assert "Écran enregistré" in phone.flash()
    _assert_inert(phone, dialogs)

    phone.go("/admin/equipe")
    page.get_by_text("Ajouter un compte").click()
    page.locator("#f-name").fill(PAYLOAD)
    page.get_by_role("textbox", name="E-mail").fill("nouvelle.collegue@example.fr")
    page.get_by_label("CDDE (demandeurs d'emploi)").check()
    page.get_by_label("Mot de passe provisoire").fill("provisoire-123")
    page.get_by_role("button", name="Créer le compte").click()
    assert "Compte créé" in phone.flash()
    _assert_inert(phone, dialogs)

    # Everywhere the text is shown again.
    for path in (
        "/admin/",
        "/admin/offres",
        "/admin/embauches",
        "/admin/defi",
        "/admin/ecrans",
        "/admin/journal",
    ):
        phone.go(path)
        _assert_inert(phone, dialogs)
    phone.go(f"/admin/offres?q={PAYLOAD[:8]}")
    _assert_inert(phone, dialogs)
    page.goto(offer_url)
    _assert_inert(phone, dialogs)
    phone.shot("escaping_offer_page")
    anonymous = new_phone(module_server)
    anonymous.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    anonymous.page.goto(offer_url)
    _assert_inert(anonymous, dialogs)
    assert "Note interne" not in anonymous.page.locator("body").inner_text()
