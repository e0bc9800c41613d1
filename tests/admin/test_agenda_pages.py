"""The agenda on a phone (390×844): « je viens » from the event page, counts by service, names
for colleagues only; the managers' form in French; the private calendar address."""

from __future__ import annotations

import json

import httpx
import icalendar
import pytest

from tests.admin.conftest import Phone
from tests.admin.test_every_page import _small_targets

pytestmark = pytest.mark.browser


def _meeting(server) -> dict:  # type: ignore[no-untyped-def]
    """The demo's thematic meeting, which the demo CDDE has not answered yet."""
    with server.client("manager") as client:
        events = client.get("/api/v1/agenda/events").json()
    return next(e for e in events if e["kind"] == "reunion")


def _counts(phone: Phone) -> list[str]:
    return phone.page.locator("section .svc").all_inner_texts()


def test_a_cdde_says_je_viens_and_takes_it_back_from_the_event_page(
    new_phone, module_server
) -> None:  # type: ignore[no-untyped-def]
    event = _meeting(module_server)
    phone = new_phone(module_server, as_role="cdde")
    assert phone.go("/admin/agenda") == 200
    phone.page.get_by_role("link", name=event["title"]).first.click()
    phone.page.wait_for_load_state()
    assert phone.page.locator("h1").inner_text() == event["title"]
    assert phone.axe() == []
    assert _small_targets(phone) == []
    assert not phone.overflows()
    before = _counts(phone)
    assert before[0].startswith("CDE ") and before[1].startswith("CDDE ")
    cdde_before = int(before[1].split()[1])
    phone.page.get_by_role("button", name="Je viens").click()
    phone.page.wait_for_load_state()
    assert "vous venez" in phone.flash()
    assert _counts(phone)[1] == f"CDDE {cdde_before + 1}"
    assert "Thomas Girard (CDDE)" in phone.page.locator("section li").all_inner_texts()
    assert phone.axe() == []
    phone.shot("agenda_event_je_viens")
    phone.page.get_by_role("button", name="Je ne viens plus").click()
    phone.page.wait_for_load_state()
    assert _counts(phone)[1] == f"CDDE {cdde_before}"
    # Names stay with colleagues: the screen's snapshot counts without naming anyone.
    with module_server.screen_client() as screen:
        shown = screen.get("/api/v1/display/snapshot").json()["agenda"]
    assert {e["title"] for e in shown} >= {event["title"]}
    assert all(set(e["counts"]) == {"cde", "cdde"} for e in shown)
    assert "Girard" not in json.dumps(shown, ensure_ascii=False)


def test_the_managers_form_speaks_french_then_adds_a_monthly_event(
    new_phone, module_server
) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="manager")
    phone.go("/admin/agenda/nouveau")
    phone.page.get_by_label("Intitulé").fill("")
    phone.page.locator("#f-starts").fill("11:00")
    phone.page.locator("#f-ends").fill("10:00")
    phone.page.get_by_role("button", name="Ajouter à l'agenda").click()
    phone.page.wait_for_load_state()
    errors = phone.page.locator(".error").all_inner_texts()
    assert "Ce champ est obligatoire." in errors
    assert "La fin doit venir après le début." in errors
    assert phone.axe() == []
    phone.page.get_by_label("Intitulé").fill("Réunion #embaucheenor 🎯")
    phone.page.locator("#f-starts").fill("09:00")
    phone.page.locator("#f-ends").fill("10:00")
    phone.page.get_by_label("Date (de la première fois)").fill("2027-03-05")
    phone.page.get_by_label("Chaque mois, le même rang du jour").check()
    phone.page.get_by_label("Places").fill("0")
    phone.page.get_by_role("button", name="Ajouter à l'agenda").click()
    phone.page.wait_for_load_state()
    assert "Entre 1 et 1000." in phone.page.locator(".error").all_inner_texts()
    phone.page.get_by_label("Places").fill("")
    phone.page.get_by_role("button", name="Ajouter à l'agenda").click()
    phone.page.wait_for_load_state()
    assert phone.page.locator("h1").inner_text() == "Réunion #embaucheenor 🎯"
    assert "le premier vendredi du mois" in phone.page.locator(".big-employer").inner_text()
    phone.shot("agenda_event_created")


def test_the_private_address_is_shown_to_its_owner_and_can_be_revoked(
    new_phone, module_server
) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="cde")
    phone.go("/admin/agenda/abonnement")
    phone.page.get_by_role("button", name="Créer mon adresse").click()
    phone.page.wait_for_load_state()
    url = phone.page.get_by_label("Votre adresse privée").input_value()
    assert phone.axe() == []
    path = url[url.index("/api/v1/agenda/feed/") :]
    answer = httpx.get(module_server.url + path, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(answer.content)
    titles = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "Petit-déj d'échange de pratiques" in titles
    phone.page.once("dialog", lambda dialog: dialog.accept())
    phone.page.get_by_role("button", name="Révoquer mon adresse").click()
    phone.page.wait_for_load_state()
    assert httpx.get(module_server.url + path, timeout=10).status_code == 404
