"""Every page, for every role that may see it: axe-core finds nothing serious, controls are
thumb-sized, nothing overflows at 390 px nor at 200 % zoom, and a screenshot is saved."""

from __future__ import annotations

from functools import cache

import pytest

from tests.admin.conftest import PHONE, Phone

pytestmark = pytest.mark.browser

PAGES = [
    ("anonyme", "/admin/connexion", 200),
    ("anonyme", "/o/{code}", 200),
    ("anonyme", "/o/INCONNU2", 404),
    ("cde", "/admin/", 200),
    ("cde", "/admin/offres", 200),
    ("cde", "/admin/offres?urgence=3&statut=open", 200),
    ("cde", "/admin/offres/nouvelle", 200),
    ("cde", "/admin/offres/{offer_id}/modifier", 200),
    ("cde", "/admin/offres/{offer_id}/supprimer", 200),
    ("cde", "/o/{code}", 200),
    ("cde", "/admin/embauches", 200),
    ("cde", "/admin/embauches/nouvelle", 200),
    ("cde", "/admin/embauches/{hire_id}", 200),
    ("cde", "/admin/defi", 200),
    ("cde", "/admin/menu", 200),
    ("cdde", "/admin/", 200),
    ("cdde", "/o/{code}", 200),
    ("cdde", "/admin/offres/{offer_id}/supprimer", 403),
    ("cdde", "/admin/tags", 200),
    ("cdde", "/admin/tags/antiplome", 200),
    ("cdde", "/admin/temoignages", 200),
    ("manager", "/admin/", 200),
    ("manager", "/admin/defi", 200),
    ("manager", "/admin/annonces", 200),
    ("manager", "/admin/ecrans", 200),
    ("manager", "/admin/ecrans/{screen_id}", 200),
    ("manager", "/admin/equipe", 200),
    ("manager", "/admin/journal", 200),
    ("manager", "/admin/menu", 200),
    ("cdde", "/admin/agenda", 200),
    ("cdde", "/admin/agenda/{event_id}", 200),
    ("cde", "/admin/agenda/abonnement", 200),
    ("manager", "/admin/agenda/nouveau", 200),
    ("manager", "/admin/agenda/{event_id}/modifier", 200),
    ("cdde", "/admin/agenda/nouveau", 403),
    ("manager", "/admin/tags/antiplome/gerer", 200),
    ("cdde", "/admin/criee", 200),
    ("cde", "/admin/criee/2026-W43", 200),
    ("cde", "/admin/criee/2026-W99", 404),
    ("cdde", "/admin/activite", 200),
    ("manager", "/admin/activite", 200),
    ("cde", "/admin/activite/export.csv", 403),
    ("cdde", "/admin/employeurs", 200),
    ("cdde", "/admin/employeurs/{employer_id}", 200),
    ("cdde", "/admin/employeurs/nouvelle", 403),
    ("cde", "/admin/employeurs/nouvelle", 200),
    ("cde", "/admin/employeurs/{employer_id}/modifier", 200),
    ("cdde", "/admin/questionnaires/{questionnaire_id}", 200),
    ("manager", "/admin/questionnaire-ethique", 200),
    ("cde", "/admin/questionnaire-ethique", 403),
]
# Controls a thumb must hit; inline text links are exempt (WCAG 2.5.8 inline exception).
TARGETS = (
    "button, .btn, select, textarea, input:not([type=hidden]):not([type=checkbox])"
    ":not([type=radio]), .tabbar a, a.offer, .choices label, label.check, details > summary,"
    " .menu a"
)
MIN_TARGET_PX = 44


@cache
def _ids(url: str, server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with server.client("manager") as client:
        offer = client.get("/api/v1/offers", params={"status": "open"}).json()[0]
        hire = client.get("/api/v1/hires").json()[0]
        screen = client.get("/api/v1/screens").json()[0]
        event = client.get("/api/v1/agenda/events").json()[0]
        bakery = client.get("/api/v1/employers", params={"q": "pain d antan"}).json()[0]
        taken = client.get(f"/api/v1/employers/{bakery['id']}").json()["questionnaires"][0]
    return {
        "questionnaire_id": str(taken["id"]),
        "event_id": str(event["id"]),
        "code": offer["code"],
        "offer_id": str(offer["id"]),
        "hire_id": str(hire["id"]),
        "screen_id": str(screen["id"]),
        "employer_id": str(offer["employer_id"]),
    }


def _small_targets(phone: Phone) -> list[str]:
    return phone.page.evaluate(
        """([selector, minimum]) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null || getComputedStyle(e).position === 'fixed')
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.width > 0 && (r.height < minimum - 0.5 || r.width < minimum - 0.5))
            .map(([e, r]) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${r.width}x${r.height}`)""",
        [TARGETS, MIN_TARGET_PX],
    )


@pytest.mark.parametrize(
    ("role", "template", "status"), PAGES, ids=[f"{r}:{p}" for r, p, _ in PAGES]
)
def test_page_is_accessible_and_fits_a_phone(  # type: ignore[no-untyped-def]
    phone_per_role, module_server, role: str, template: str, status: int
) -> None:
    path = template.format(**_ids(module_server.url, module_server))
    phone = phone_per_role(module_server, as_role="" if role == "anonyme" else role)
    assert phone.go(path) == status
    assert phone.page.locator("h1").count() == 1
    assert phone.axe() == []
    assert _small_targets(phone) == []
    assert not phone.overflows()
    phone.shot(f"page_{role}_{template}")

    zoomed = phone  # 390 px at 200 % zoom: the same phone, 195 px wide, loads the page again
    zoomed.page.set_viewport_size({"width": 195, "height": PHONE["height"]})
    zoomed.go(path)
    assert not zoomed.overflows(), "horizontal scrolling at 200 % zoom"
    assert zoomed.page.locator("h1").is_visible()


def test_a_form_with_errors_is_accessible_too(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(module_server, as_role="cde")
    phone.go("/admin/offres/nouvelle")
    phone.page.get_by_role("combobox", name="Employeur").fill("Boulangerie Sans Poste")
    phone.page.get_by_role("button", name="Publier l'offre").click()
    errors = phone.page.locator(".error").all_inner_texts()
    assert "Ce champ est obligatoire." in errors
    assert "Choisissez une option." in errors
    assert (
        phone.page.get_by_role("combobox", name="Employeur").input_value()
        == "Boulangerie Sans Poste"
    )
    title = phone.page.get_by_role("textbox", name="Poste")
    assert title.get_attribute("aria-invalid") == "true"
    assert (
        "obligatoire"
        in phone.page.locator(
            f"#{title.get_attribute('aria-describedby').split()[-1]}"
        ).inner_text()
    )
    assert phone.axe() == []
    phone.shot("offer_new_errors")


def test_the_checks_above_can_fail(new_phone, module_server) -> None:  # type: ignore[no-untyped-def]
    """axe, the target-size and the overflow probes do see a bad page."""
    phone = new_phone(module_server)
    phone.page.set_content(
        '<html><body><img src="/static/admin.css"><input id="q">'
        '<button style="height:20px">ok</button><div style="width:2000px">large</div></body></html>'
    )
    assert {v["id"] for v in phone.axe()} >= {"image-alt", "label"}
    assert _small_targets(phone)
    assert phone.overflows()
    # A heading a little too wide on a page made for phones: the browser widens its window to
    # 408 px, which a probe reading innerWidth took for the page fitting.
    phone.page.set_content(
        '<html><head><meta name="viewport" content="width=device-width, initial-scale=1">'
        '</head><body><h1 style="width:400px">Titre</h1></body></html>'
    )
    assert phone.overflows()


def test_the_browser_keeps_playwrights_switches(browser) -> None:  # type: ignore[no-untyped-def]
    """Our --disable-features (the omnibox's pop-ups, conftest.py) replaces Playwright's own:
    it must still name every feature Playwright turns off, and the pop-ups must be gone."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto("chrome://version")
        arguments = page.locator("#command_line").inner_text().split()
        session = browser.new_browser_cdp_session()
        targets = session.send("Target.getTargets")["targetInfos"]
        session.detach()
    finally:
        context.close()
    flags = [a.split("=", 1)[1] for a in arguments if a.startswith("--disable-features=")]
    assert len(flags) >= 2, arguments
    assert set(flags[0].split(",")) <= set(flags[-1].split(","))
    assert not [t["url"] for t in targets if "omnibox" in t["url"]]
