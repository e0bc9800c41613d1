"""The staff pages speak plain French: the journal, « de » before names, the photo kept."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from PIL import Image

from api.demo import AGENCY_CODE
from tests.admin.conftest import Phone
from tests.admin.support import jpeg_bytes

pytestmark = pytest.mark.browser

ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\d(T|\s\d)")
SHORT_MOMENT = r"(lun|mar|mer|jeu|ven|sam|dim)\. \d{1,2}(er)? \S+ à \d{1,2} h \d\d"


def _open_offers(server, role: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with server.client(role) as client:
        me = client.get("/api/v1/auth/me").json()
        offers = client.get("/api/v1/offers", params={"status": "open"}).json()
    return [o for o in offers if o["owner"]["id"] == me["id"]] if role == "cde" else offers


def test_the_journal_tells_who_did_what_in_plain_french(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    filled = _open_offers(live_server, "cde")[0]
    with live_server.client("cde") as client:
        client.post(f"/api/v1/offers/{filled['id']}/fill").raise_for_status()
    proposed = next(o for o in _open_offers(live_server, "cdde") if o["id"] != filled["id"])
    with live_server.client("cdde") as client:
        client.post(f"/api/v1/offers/{proposed['id']}/candidates").raise_for_status()
    subprocess.run(
        [
            *(sys.executable, "-m", "api.cli", "user", "add", "ines.morel@example.fr"),
            *("--name", "Inès Morel", "--role", "cdde", "--agency", AGENCY_CODE),
            "--password-stdin",
        ],
        input="premier-jour-2026\n",
        env=live_server.env,
        check=True,
        text=True,
        capture_output=True,
    )

    manager: Phone = new_phone(live_server, as_role="manager")
    manager.go("/admin/journal")
    manager.shot("journal_plain_french")
    text = manager.page.locator("main").inner_text()
    assert (
        f"Sophie Marchal a marqué l'offre « {filled['title']} » ({filled['employer']}) pourvue"
        in text
    )
    assert "Statut : en cours → pourvue" in text
    assert re.search(f"Pourvue le : — → {SHORT_MOMENT}", text)
    assert re.search(SHORT_MOMENT, manager.page.locator(".journal-line .muted").first.inner_text())
    assert (
        f"Thomas Girard a proposé un candidat pour l'offre « {proposed['title']} » "
        f"({proposed['employer']})" in text
    )
    assert "Le compte d'Inès Morel a été créé depuis le terminal" in text
    for raw in ("None", "status", "filled_at", "ligne de commande", "(cde)", "(cdde)"):
        assert raw not in text
    assert not ISO_MOMENT.search(text)
    # The object is named and linked: a candidate leads to its offer's candidates.
    link = manager.page.get_by_role("link", name=f"« {proposed['title']} »").first
    assert link.get_attribute("href") == f"/o/{proposed['code']}#candidats"
    link = manager.page.get_by_role("link", name=f"« {filled['title']} »").first
    assert link.get_attribute("href") == f"/o/{filled['code']}"
    assert manager.axe() == []


def test_names_after_de_are_elided_on_the_team_page(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    with live_server.client("manager") as client:
        client.post(
            "/api/v1/staff",
            json={
                "name": "Équipe accueil",
                "email": "accueil@example.fr",
                "role": "cdde",
                "password": "premier-jour-2026",
            },
        ).raise_for_status()
    manager: Phone = new_phone(live_server, as_role="manager")
    manager.go("/admin/equipe")
    manager.shot("team_elisions")
    summaries = manager.page.locator("summary").all_inner_texts()
    assert "Gérer le compte d'Aurélie Fabre" in summaries
    assert "Gérer le compte de l'Équipe accueil" in summaries
    assert "Gérer le compte de Thomas Girard" in summaries
    assert not [s for s in summaries if re.search(r"\bde [AEIOUÉÈÀ]", s)]


def test_a_filled_offer_loses_its_urgency_marks(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    filled = _open_offers(live_server, "cde")[0]
    with live_server.client("cde") as client:
        client.post(f"/api/v1/offers/{filled['id']}/fill").raise_for_status()
    cde: Phone = new_phone(live_server, as_role="cde")
    cde.go("/admin/offres?statut=filled")
    cde.shot("offers_filled_no_urgency")
    card = cde.page.locator("a.offer", has_text=filled["title"])
    assert "u" not in [c[:1] for c in (card.get_attribute("class") or "").split() if c != "offer"]
    text = card.inner_text()
    assert "depuis" not in text
    assert re.search(r"pourvue le (lun|mar|mer|jeu|ven|sam|dim)\. ", text)
    assert card.locator(".badge").count() == 0
    stripe = card.evaluate("e => getComputedStyle(e).borderLeftColor")
    border = card.evaluate("e => getComputedStyle(e).borderTopColor")
    assert stripe == border  # no urgency colour on the stripe
    for path in (f"/o/{filled['code']}",):
        cde.go(path)
        page = cde.page.locator("main").inner_text()
        assert "Ouverte depuis" not in page
        assert "Offre pourvue." in page
        assert cde.page.locator(".badge").count() == 0


def test_the_chosen_photo_survives_a_form_error(new_phone, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cde: Phone = new_phone(live_server, as_role="cde")
    cde.go("/admin/embauches/nouvelle")
    cde.page.get_by_role("textbox", name="Employeur").fill("Garage des Italiens")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes(colour="#c0392b"))
    cde.page.locator("#f-photo").set_input_files(str(photo))
    # Two mistakes in a row: the job title left empty, then the consent box forgotten.
    cde.page.get_by_label("La personne photographiée a donné son accord").check()
    cde.page.get_by_role("button", name="Enregistrer").click()
    assert cde.page.locator("#e-title").is_visible()
    assert "Photo gardée" in cde.page.locator(".kept-photo").inner_text()
    cde.page.get_by_role("textbox", name="Poste").fill("Carrossier")
    cde.page.get_by_label("La personne photographiée a donné son accord").uncheck()
    cde.page.get_by_role("button", name="Enregistrer").click()
    assert cde.page.locator("#e-photo_consent").is_visible()
    kept = cde.page.locator(".kept-photo")
    assert "Photo gardée" in kept.inner_text()
    assert kept.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert cde.page.locator("#f-photo").input_value() == ""  # nothing to pick again
    cde.shot("hire_photo_kept")
    assert cde.axe() == []

    cde.page.get_by_label("La personne photographiée a donné son accord").check()
    cde.page.get_by_role("button", name="Enregistrer").click()
    assert "Embauche enregistrée" in cde.flash()
    image = cde.page.get_by_role("img", name=re.compile("Photo de l'embauche"))
    assert image.is_visible()
    source = cde.page.context.request.get(live_server.url + (image.get_attribute("src") or ""))
    saved = Image.open(io.BytesIO(source.body())).convert("RGB").getpixel((10, 10))
    assert abs(saved[0] - 0xC0) < 12 and abs(saved[1] - 0x39) < 12  # the photo chosen first


def test_a_kept_photo_can_be_left_out(new_phone, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cde: Phone = new_phone(live_server, as_role="cde")
    cde.go("/admin/embauches/nouvelle")
    cde.page.get_by_role("textbox", name="Employeur").fill("Garage des Italiens")
    cde.page.get_by_role("textbox", name="Poste").fill("Carrossier")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes())
    cde.page.locator("#f-photo").set_input_files(str(photo))
    cde.page.get_by_role("button", name="Enregistrer").click()
    assert cde.page.locator("#e-photo_consent").is_visible()
    assert (cde.page.locator(".kept-photo img").get_attribute("src") or "").startswith(
        "data:image/jpeg;base64,"
    )
    cde.page.get_by_label("Ne pas joindre cette photo").check()
    cde.page.get_by_role("button", name="Enregistrer").click()
    assert "Embauche enregistrée" in cde.flash()
    assert cde.page.get_by_role("img", name=re.compile("Photo de l'embauche")).count() == 0
