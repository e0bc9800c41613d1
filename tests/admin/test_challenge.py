"""Le défi: contributions count for the contributor's service; a manager closes and starts one."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Phone
from tests.admin.support import snapshot

pytestmark = pytest.mark.browser


def test_contributions_are_collective_by_service_and_a_manager_runs_the_defi(
    new_phone, live_server
) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(live_server)["challenge"]
    cdde: Phone = new_phone(live_server)
    cdde.login("cdde")
    cdde.go("/admin/defi")
    cdde.page.get_by_role("textbox", name="Quoi").fill("Job dating au marché des Halles")
    cdde.page.get_by_role("spinbutton", name="Nombre").fill("3")
    cdde.page.get_by_role("button", name="Ajouter +").click()
    assert "Contribution ajoutée" in cdde.flash()
    card = cdde.page.locator(".card").first.inner_text()
    assert f"{before['total'] + 3} / {before['goal']}" in card
    assert f"Demandeurs (CDDE) : {before['by_service']['cdde'] + 3}" in card
    assert cdde.page.get_by_role("button", name="Clore le défi").count() == 0
    assert cdde.page.get_by_text("Lancer un nouveau défi").count() == 0
    after = snapshot(live_server)["challenge"]
    assert after["by_service"]["cdde"] == before["by_service"]["cdde"] + 3

    cdde.page.get_by_role("textbox", name="Quoi").fill("")
    cdde.page.get_by_role("button", name="Ajouter +").click()
    assert cdde.page.locator("#e-label").inner_text() == "Ce champ est obligatoire."

    manager: Phone = new_phone(live_server)
    manager.login("manager")
    manager.go("/admin/defi")
    manager.page.once("dialog", lambda dialog: dialog.accept())
    manager.page.get_by_role("button", name="Clore le défi").click()
    assert "Défi clos" in manager.flash()
    assert snapshot(live_server)["challenge"] is None
    manager.page.get_by_role("textbox", name="Titre").fill("10 visites d'entreprises en décembre")
    manager.page.get_by_role("spinbutton", name="Objectif").fill("10")
    manager.page.get_by_role("textbox", name="Unité").fill("visites")
    manager.page.get_by_role("button", name="Lancer le défi").click()
    assert "Défi lancé" in manager.flash()
    manager.shot("challenge_new")
    assert snapshot(live_server)["challenge"]["title"] == "10 visites d'entreprises en décembre"
