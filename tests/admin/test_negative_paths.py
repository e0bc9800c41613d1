"""What goes wrong on a phone: wrong passwords, forged forms, forbidden actions, two people
editing the same offer, photos too big or not photos at all."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Phone
from tests.admin.support import big_file
from tests.admin.test_offer_flows import cde_offer

pytestmark = pytest.mark.browser


def api_offer(server, offer_id: int) -> dict:  # type: ignore[no-untyped-def]
    with server.client("cde") as client:
        response = client.get(f"/api/v1/offers/{offer_id}")
    return response.json() if response.status_code == 200 else {}


def test_wrong_password_says_so_in_french_then_throttles_after_five(phone: Phone) -> None:
    email, password = phone.server.accounts["cdde"]
    phone.go("/admin/connexion")
    for attempt in range(5):
        phone.page.get_by_label("Adresse e-mail").fill(email)
        phone.page.get_by_label("Mot de passe").fill(f"mauvais-{attempt}")
        with phone.page.expect_response(lambda r: r.request.method == "POST") as answer:
            phone.page.get_by_role("button", name="Se connecter").click()
        assert answer.value.status == 401
        assert phone.page.locator("#e-password").inner_text() == "E-mail ou mot de passe incorrect."
        assert phone.page.get_by_label("Adresse e-mail").input_value() == email
        assert phone.page.get_by_label("Mot de passe").input_value() == ""
    phone.shot("login_wrong_password")
    phone.page.get_by_label("Mot de passe").fill(password)  # even the right one, now
    with phone.page.expect_response(lambda r: r.request.method == "POST") as answer:
        phone.page.get_by_role("button", name="Se connecter").click()
    assert answer.value.status == 429
    assert answer.value.headers.get("retry-after", "").isdigit()
    assert "Trop de tentatives" in phone.page.locator("#e-password").inner_text()
    assert "/admin/connexion" in phone.page.url
    phone.shot("login_throttled")


def test_a_form_posted_without_its_csrf_token_changes_nothing(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    offer = cde_offer(module_server)
    cde = new_phone(module_server, as_role="cde")
    cde.go(f"/admin/offres/{offer['id']}/modifier")
    fields = {
        "employer": "Pirate SARL",
        "title": "Titre forgé",
        "contract": "CDI",
        "commune": "Ailleurs",
        "version": str(offer["version"]),
    }
    url = f"{module_server.url}/admin/offres/{offer['id']}/modifier"
    forged = cde.page.request.post(url, form=fields, headers={"Accept": "text/html"})
    assert forged.status == 403
    assert "Formulaire refusé" in forged.text()
    wrong = cde.page.request.post(url, form={**fields, "csrf_token": "x" * 43})
    assert wrong.status == 403
    assert api_offer(module_server, offer["id"])["title"] == offer["title"]
    cde.page.set_content(forged.text())
    cde.shot("csrf_refused")


def test_a_cdde_cannot_delete_an_offer_even_with_a_forged_form(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    offer = cde_offer(module_server)
    cdde = new_phone(module_server, as_role="cdde")
    cdde.go(f"/o/{offer['code']}")
    assert cdde.page.get_by_role("link", name="Supprimer…").count() == 0
    assert cdde.page.get_by_role("link", name="Modifier").count() == 0
    assert cdde.page.get_by_role("button", name="Marquer pourvue").count() == 0
    token = cdde.csrf_token()  # a valid token of the CDDE's own session
    assert cdde.go(f"/admin/offres/{offer['id']}/supprimer") == 403
    assert "Votre rôle ne permet pas cette action." in cdde.page.locator("main").inner_text()
    cdde.shot("forbidden_cdde_delete")
    forged = cdde.page.request.post(
        f"{module_server.url}/admin/offres/{offer['id']}/supprimer", form={"csrf_token": token}
    )
    assert forged.status == 403
    assert api_offer(module_server, offer["id"])["code"] == offer["code"]


def test_a_stale_edit_shows_both_versions_and_lets_the_user_choose(
    new_phone, module_server
) -> None:  # type: ignore[no-untyped-def]
    offer = cde_offer(module_server)
    first = new_phone(module_server, as_role="cde")
    second = new_phone(module_server, as_role="manager")
    for phone in (first, second):
        phone.go(f"/admin/offres/{offer['id']}/modifier")
    first.page.get_by_role("textbox", name="Poste").fill("Titre de Claire")
    first.page.get_by_role("button", name="Enregistrer").click()
    assert "Offre enregistrée" in first.flash()

    second.page.get_by_role("textbox", name="Poste").fill("Titre du manager")
    with second.page.expect_response(lambda r: r.request.method == "POST") as answer:
        second.page.get_by_role("button", name="Enregistrer").click()
    assert answer.value.status == 409
    table = second.page.locator("table").inner_text()
    assert "Titre du manager" in table and "Titre de Claire" in table
    assert api_offer(module_server, offer["id"])["title"] == "Titre de Claire"  # nothing lost
    assert second.axe() == []
    second.shot("offer_conflict")

    second.page.get_by_role("button", name="Garder ma version").click()
    assert "Offre enregistrée" in second.flash()
    assert api_offer(module_server, offer["id"])["title"] == "Titre du manager"


def _hire_form(phone: Phone, story: str) -> None:
    phone.go("/admin/embauches/nouvelle")
    phone.page.get_by_role("textbox", name="Employeur").fill("Garage Rossi")
    phone.page.get_by_role("textbox", name="Poste").fill("Mécanicien·ne")
    phone.page.get_by_role("textbox", name="Ce qui la rend remarquable").fill(story)
    phone.page.get_by_label("La personne photographiée a donné son accord").check()


def _hire_count(server) -> int:  # type: ignore[no-untyped-def]
    with server.client("manager") as client:
        return len(client.get("/api/v1/hires").json())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.jpg",
            big_file(15 * 1024 * 1024),
            "Photo trop lourde : 10 Mo au maximum",
        ),
        (
            "photo.jpg",
            b"Ceci est un texte, pas une image.\n" * 40,
            "pas une image lisible",
        ),
        ("notes.pdf", b"%PDF-1.4\n%%EOF\n", "pas une image lisible"),
    ],
    ids=["15MB", "text-as-jpeg", "pdf"],
)
def test_a_bad_photo_gets_a_french_message_and_keeps_the_story(  # type: ignore[no-untyped-def]
    new_phone, module_server, tmp_path, name, content, message
) -> None:
    before = _hire_count(module_server)
    cde = new_phone(module_server, as_role="cde")
    story = "Une belle histoire qu'il ne faut pas perdre."
    _hire_form(cde, story)
    upload = tmp_path / name
    upload.write_bytes(content)  # a path, not a buffer: the browser reads the file itself
    cde.page.locator("#f-photo").set_input_files(str(upload), timeout=60_000)
    # A 15 MB upload over the loopback can take seconds on a loaded machine.
    with cde.page.expect_response(lambda r: r.request.method == "POST", timeout=60_000) as answer:
        cde.page.get_by_role("button", name="Enregistrer").click(timeout=60_000)
    assert answer.value.status == 422
    assert message in cde.page.locator("#e-photo").inner_text()
    assert cde.page.locator("#f-photo").get_attribute("aria-invalid") == "true"
    assert cde.page.get_by_role("textbox", name="Employeur").input_value() == "Garage Rossi"
    assert cde.page.get_by_role("textbox", name="Ce qui la rend remarquable").input_value() == story
    assert _hire_count(module_server) == before
    assert cde.axe() == []
    cde.shot(f"hire_bad_photo_{name}_{len(content)}")
