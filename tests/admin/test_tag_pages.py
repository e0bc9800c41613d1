"""A tag's page on a phone (390×844): reached from an offer, crossing offers, hire stories and
testimonies; a testimony written from it with the tag typed without its accent; a manager's
rename. axe-core finds nothing serious or critical."""

from __future__ import annotations

import pytest

from tests.admin.conftest import Phone

pytestmark = pytest.mark.browser


def test_a_tag_page_crosses_offers_stories_and_testimonies(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="cdde")
    with live_server.client("cdde") as client:
        offer = client.get("/api/v1/offers", params={"tag": "antiplome"}).json()[0]
    phone.go(f"/o/{offer['code']}")
    phone.page.get_by_role("link", name="#antiplôme").first.click()
    phone.page.wait_for_load_state()
    assert phone.page.url.endswith("/admin/tags/antiplome")
    assert phone.page.locator("h1").inner_text() == "#antiplôme"
    for heading in (
        "Offres en cours",
        "Embauches racontées",
        "Témoignages et retours d'expérience",
    ):
        assert phone.page.get_by_role("heading", name=heading).is_visible()
    assert phone.page.locator("#offres ~ ul.list").first.locator("li").count() >= 1
    assert phone.axe() == []
    phone.shot("tag_page_cdde")

    # A testimony from the tag page: the notice sits by the text; « antiplome » joins the tag.
    phone.page.get_by_role("link", name="Écrire un témoignage").click()
    phone.page.wait_for_load_state()
    assert "Jamais de donnée personnelle" in phone.page.locator("#h-text").inner_text()
    assert phone.page.locator("datalist#tags-tags option[value='#antiplôme']").count() == 1
    assert phone.axe() == []
    phone.page.get_by_role("textbox", name="Témoignage").fill(
        "Une mise en situation au magasin a remplacé l'entretien : à refaire."
    )
    phone.page.get_by_role("combobox", name="Étiquettes").fill("antiplome")
    phone.page.get_by_role("button", name="Enregistrer").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.split("?")[0].endswith("/admin/tags/antiplome")
    assert (
        "mise en situation au magasin"
        in phone.page.locator("#temoignages ~ ul.list").first.inner_text()
    )
    assert phone.axe() == []


def test_a_manager_renames_a_tag_from_the_phone(new_phone, live_server) -> None:  # type: ignore[no-untyped-def]
    phone: Phone = new_phone(live_server, as_role="manager")
    phone.go("/admin/tags/festival")
    phone.page.get_by_role("link", name="Renommer ou fusionner").click()
    phone.page.wait_for_load_state()
    assert phone.axe() == []
    phone.page.get_by_role("textbox", name="Nom").fill("Festival-Avignon")
    phone.page.get_by_role("button", name="Enregistrer").click()
    phone.page.wait_for_load_state()
    assert phone.page.url.split("?")[0].endswith("/admin/tags/festival-avignon")
    assert phone.page.locator("h1").inner_text() == "#Festival-Avignon"
    with live_server.client("cde") as client:
        tagged = client.get("/api/v1/offers", params={"tag": "festival-avignon"}).json()
    assert tagged and all("#Festival-Avignon" in o["tags"] for o in tagged)
