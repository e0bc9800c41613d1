"""The manager imports a CSV export from the phone (390×844): the preview names each refused
line, the valid ones become offers once, a second confirmation imports nothing, and a cancelled
preview writes nothing."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from tests.admin.test_every_page import _small_targets

pytestmark = pytest.mark.browser

HEADER = "Employeur;Intitulé;Type de contrat;Commune;Nombre de postes"


def _export(tmp_path: Path, marker: str) -> Path:
    lines = [
        HEADER,
        f"Fromagerie {marker};Vendeur·se;CDI;Cavaillon;1",
        f"Garage {marker};Mécanicien;Contrat d'un jour;Avignon;1",
        f"Cave {marker};Caviste;CDD;Châteauneuf-du-Pape;2",
    ]
    path = tmp_path / f"export-{marker}.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))  # an Excel export
    return path


def _count(module_server, marker: str) -> int:  # type: ignore[no-untyped-def]
    with module_server.client("manager") as manager:
        found = manager.get("/api/v1/offers", params={"q": marker})
    assert found.status_code == 200
    return len(found.json())


def test_a_manager_previews_then_imports_the_valid_lines_once(
    new_phone, module_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="manager")
    assert phone.go("/admin/offres") == 200
    phone.page.get_by_role("link", name="Importer un fichier d'offres").click()
    phone.page.wait_for_load_state()
    assert phone.axe() == []
    phone.page.set_input_files("#f-fichier", str(_export(tmp_path, "Lubéronvérif")))
    phone.page.get_by_role("button", name="Vérifier le fichier").click()
    phone.page.wait_for_load_state()
    status = phone.page.get_by_role("status").inner_text()
    assert status.startswith("2 offres prêtes à importer, 1 ligne refusée.")
    assert phone.page.locator(".import-rejected").inner_text() == (
        "Ligne 3 : type de contrat inconnu « Contrat d'un jour » (CDI, CDD, intérim, "
        "saisonnier, alternance, stage ou autre)"
    )
    assert "Châteauneuf-du-Pape" in phone.page.locator(".import-ready").inner_text()
    assert phone.axe() == []
    assert _small_targets(phone) == []
    assert not phone.overflows()
    assert _count(module_server, "Lubéronvérif") == 0  # nothing written before the confirmation

    # Confirmed twice (a double tap, or the page sent again): one import.
    confirm = phone.page.locator("form[action$='/confirmer']")
    key = confirm.locator("input[name=cle]").get_attribute("value")
    token = confirm.locator("input[name=csrf_token]").get_attribute("value")
    phone.page.get_by_role("button", name="Importer 2 offres sur 3").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.endswith("/admin/offres?ok=offres-importees")
    assert _count(module_server, "Lubéronvérif") == 2
    again = phone.page.request.post(
        module_server.url + "/admin/offres/importer/confirmer",
        form={"cle": key or "", "csrf_token": token or ""},
    )
    assert again.status == 404
    assert "Cet import n'existe plus" in html.unescape(again.text())
    assert _count(module_server, "Lubéronvérif") == 2


def test_a_cancelled_preview_writes_nothing_and_bad_files_are_explained(
    new_phone, module_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="manager")
    assert phone.go("/admin/offres/importer") == 200
    phone.page.set_input_files("#f-fichier", str(_export(tmp_path, "Ventouxvérif")))
    phone.page.get_by_role("button", name="Vérifier le fichier").click()
    phone.page.wait_for_load_state()
    phone.page.get_by_role("button", name="Annuler : ne rien importer").click()
    phone.page.wait_for_load_state()
    assert "Import annulé : rien n'a été importé." in phone.page.locator("main").inner_text()
    assert _count(module_server, "Ventouxvérif") == 0

    cases = {
        "nothing chosen": (None, "Choisissez le fichier exporté"),
        "a photo": (b"\xff\xd8\xff\xe0 not a csv", "Colonnes manquantes"),
        "an empty file": (b"", "Le fichier est vide."),
        "headers of another tool": (b"Nom;Ville\nGarage;Avignon\n", "Colonnes manquantes"),
        "too big": (b"x" * (2 * 1024 * 1024 + 10), "Fichier trop gros"),
    }
    for name, (content, message) in cases.items():
        assert phone.go("/admin/offres/importer") == 200
        if content is not None:
            path = tmp_path / "upload.csv"
            path.write_bytes(content)
            phone.page.set_input_files("#f-fichier", str(path))
        response = phone.page.expect_navigation()
        with response as navigation:
            phone.page.get_by_role("button", name="Vérifier le fichier").click()
        assert navigation.value.status == 422, name
        assert message in phone.page.locator("#e-fichier").inner_text(), name
        assert phone.axe() == [], name


def test_only_managers_import(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    for role in ("cde", "cdde"):
        phone = new_phone(module_server, as_role=role)
        assert phone.go("/admin/offres/importer") == 403, role
        assert phone.go("/admin/offres") == 200
        assert phone.page.get_by_role("link", name="Importer un fichier d'offres").count() == 0
