"""« Activité de l'agence » on a phone (390×844): the figures the API gives, three charts drawn
by the server as SVG (no JavaScript), axe clean; a manager lists and edits the chantiers and
downloads the CSV, others cannot."""

from __future__ import annotations

import csv
import io

import pytest

from tests.admin.test_every_page import _small_targets

pytestmark = pytest.mark.browser


def test_staff_read_the_figures_and_charts_on_a_phone(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="cdde")
    assert phone.go("/admin/menu") == 200
    phone.page.get_by_role("link", name="Activité de l'agence").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.endswith("/admin/activite")
    assert phone.page.locator("h1").inner_text() == "Activité de l'agence"
    with module_server.client("cdde") as api:
        current = api.get("/api/v1/activity").json()["months"][-1]
    figures = phone.page.locator(".figures .big").all_inner_texts()
    assert figures[:2] == [str(current["opened"]["total"]), str(current["filled"]["total"])]
    assert figures[3] == str(current["proposals"])
    charts = phone.page.locator("svg.chart[role=img]")
    assert charts.count() == 3
    titles = phone.page.locator("svg.chart > title").all_text_contents()
    assert titles[0] == "Offres ouvertes et pourvues, mois par mois"
    assert "très urgent" in phone.page.locator("svg.chart").nth(1).inner_html()
    assert (
        phone.page.get_by_role("link", name="Exporter les chiffres (CSV, pour un tableur)").count()
        == 0
    )
    assert phone.page.get_by_text("Ajouter un chantier").count() == 0
    assert phone.axe() == []
    assert _small_targets(phone) == []
    assert not phone.overflows()
    phone.page.get_by_text("Les chiffres, mois par mois").click()
    assert phone.page.locator("details table tbody tr").count() == 7
    assert not phone.overflows()
    phone.shot("activite-cdde")
    assert phone.go("/admin/activite/export.csv") == 403


def test_a_manager_lists_edits_and_removes_a_chantier_and_exports(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="manager")
    assert phone.go("/admin/activite") == 200
    phone.page.get_by_text("Ajouter un chantier").click()
    phone.page.get_by_label("Intitulé").fill("Grappe TPE 🍇 du Grand Avignon")
    phone.page.get_by_label("Genre").select_option("grappe_tpe")
    phone.page.get_by_label("en cours").check()
    phone.page.get_by_label("Début (facultatif)").fill("2026-11-02")
    phone.page.get_by_label("Fin (facultative)").fill("2026-10-01")
    phone.page.get_by_role("button", name="Ajouter le chantier").click()
    phone.page.wait_for_load_state()
    assert "La fin ne peut pas précéder le début." in phone.page.locator(".summary").inner_text()
    assert phone.axe() == []
    phone.page.get_by_label("Fin (facultative)").fill("2026-12-18")
    phone.page.get_by_role("button", name="Ajouter le chantier").click()
    phone.page.wait_for_load_state()
    assert "Chantier ajouté" in phone.flash()
    card = phone.page.locator("#chantiers + ul li", has_text="Grappe TPE 🍇 du Grand Avignon")
    assert "en cours" in card.inner_text() and "Grappe TPE" in card.inner_text()
    edit = card.get_by_role("link", name="Modifier « Grappe TPE 🍇 du Grand Avignon »")
    edit_url = edit.get_attribute("href")
    edit.click()
    phone.page.wait_for_load_state()
    assert phone.axe() == []
    assert _small_targets(phone) == []
    assert not phone.overflows()
    # A colleague saves first: this form's version is now stale.
    stale = phone.page.locator("input[name=version]").get_attribute("value")
    with module_server.client("manager") as api:
        chantier_id = int(edit_url.rsplit("/", 1)[1])
        api.patch(f"/api/v1/chantiers/{chantier_id}", json={"note": "Vu en réunion"})
    phone.page.get_by_label("terminé").check()
    phone.page.get_by_role("button", name="Enregistrer").click()
    phone.page.wait_for_load_state()
    assert "modifié entre-temps" in phone.page.locator(".summary").inner_text()
    assert phone.page.locator("input[name=version]").get_attribute("value") != stale
    phone.page.get_by_label("terminé").check()
    phone.page.get_by_role("button", name="Enregistrer").click()
    phone.page.wait_for_load_state()
    assert "Chantier enregistré" in phone.flash()
    card = phone.page.locator("#chantiers + ul li", has_text="Grappe TPE 🍇 du Grand Avignon")
    assert "terminé" in card.inner_text() and "Vu en réunion" in card.inner_text()
    phone.page.once("dialog", lambda dialog: dialog.accept())
    phone.go(edit_url)
    phone.page.get_by_role("button", name="Retirer le chantier").click()
    phone.page.wait_for_load_state()
    assert "Chantier retiré" in phone.flash()
    assert phone.page.get_by_text("Grappe TPE 🍇 du Grand Avignon").count() == 0
    assert phone.go(edit_url) == 404

    link = phone.page.get_by_role("link", name="Exporter les chiffres (CSV, pour un tableur)")
    phone.go("/admin/activite")
    assert link.get_attribute("href") == "/admin/activite/export.csv"
    answer = phone.page.request.get(module_server.url + "/admin/activite/export.csv")
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["content-disposition"]
    body = answer.body()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0:2] == ["Mois", "Offres ouvertes"] and len(rows) == 8


def test_the_chantier_form_refuses_what_the_cde_cannot_do(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="cde")
    assert phone.go("/admin/activite") == 200
    assert phone.page.get_by_text("Ajouter un chantier").count() == 0
    with module_server.client("manager") as api:
        chantier = api.get("/api/v1/chantiers").json()
    if chantier:
        assert phone.go(f"/admin/activite/chantiers/{chantier[0]['id']}") == 403
    for wrong in ("0", "-1", "x" * 10_000, "🎉", str(2**40)):
        assert phone.go(f"/admin/activite/chantiers/{wrong}") in (403, 404, 422), wrong
