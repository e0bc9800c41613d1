"""A manager adds a colleague, resets a password and deactivates an account."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Phone

pytestmark = pytest.mark.browser


def test_manager_adds_resets_and_deactivates_a_colleague(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    manager: Phone = new_phone(live_server)
    manager.login("manager")
    manager.go("/admin/equipe")
    manager.page.get_by_text("Ajouter un compte").click()
    manager.page.locator("#f-name").fill("Inès Morel")
    manager.page.get_by_role("textbox", name="E-mail").fill("Ines.Morel@Example.fr")
    manager.page.get_by_label("CDE (entreprises)").check()
    manager.page.get_by_label("Mot de passe provisoire").fill("court")
    manager.page.get_by_role("button", name="Créer le compte").click()
    assert (
        manager.page.locator("#e-password").inner_text()
        == "Le mot de passe doit compter au moins 10 caractères."
    )
    assert manager.page.locator("#f-name").input_value() == "Inès Morel"
    manager.page.get_by_label("Mot de passe provisoire").fill("premier-jour-2026")
    manager.page.get_by_role("button", name="Créer le compte").click()
    assert "Compte créé" in manager.flash()

    ines = new_phone(live_server)
    ines.go("/admin/connexion")
    ines.page.get_by_label("Adresse e-mail").fill("ines.morel@example.fr")
    ines.page.get_by_label("Mot de passe").fill("premier-jour-2026")
    ines.page.get_by_role("button", name="Se connecter").click()
    assert ines.page.get_by_role("heading", name="Bonjour Inès").is_visible()

    card = manager.page.locator("li.card", has_text="Inès Morel")
    card.get_by_text("Gérer le compte d'Inès Morel").click()
    card.get_by_label("Nouveau mot de passe").fill("1234")
    card.get_by_role("button", name="Réinitialiser le mot de passe").click()
    card = manager.page.locator("li.card", has_text="Inès Morel")
    assert (
        card.locator(".error").inner_text()
        == "Le mot de passe doit compter au moins 10 caractères."
    )
    card.get_by_label("Nouveau mot de passe").fill("deuxieme-jour-2026")
    card.get_by_role("button", name="Réinitialiser le mot de passe").click()
    assert "Mot de passe réinitialisé" in manager.flash()
    ines.go("/admin/")
    assert "/admin/connexion" in ines.page.url  # her sessions ended with the reset

    card = manager.page.locator("li.card", has_text="Inès Morel")
    card.get_by_text("Gérer le compte d'Inès Morel").click()
    manager.page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Désactiver").click()
    assert "Compte mis à jour" in manager.flash()
    assert "Désactivé" in manager.page.locator("li.card", has_text="Inès Morel").inner_text()
    ines.page.get_by_label("Adresse e-mail").fill("ines.morel@example.fr")
    ines.page.get_by_label("Mot de passe").fill("deuxieme-jour-2026")
    ines.page.get_by_role("button", name="Se connecter").click()
    assert ines.page.locator("#e-password").inner_text() == "E-mail ou mot de passe incorrect."
    manager.shot("team_after_changes")
