"""Fast checks of the pages' helpers, and of the HTTP-level security promises."""

from __future__ import annotations

import re

import httpx
import pytest

from admin.forms import Form
from admin.offer_forms import parse_tags
from admin.urls import safe_next
from api.domain.urgency import LEVELS


@pytest.mark.parametrize("target", ["/o/ABCD2345", "/admin/offres?statut=filled&q=pain", "/admin/"])
def test_next_inside_the_site_is_followed(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/o/ABCD2345",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/o/x\r\nSet-Cookie: a=b",
        "",
        None,
        "o/ABCD2345",
    ],
)
def test_next_elsewhere_falls_back_to_home(target: str | None) -> None:
    assert safe_next(target) == "/admin/"


def test_form_helpers_explain_in_french_and_keep_the_typed_values() -> None:
    form = Form(values={"title": "  ", "when": "31/02/2026", "n": "deux", "big": "x" * 201})
    assert form.text("title", required=True) is None
    assert form.date("when") is None
    assert form.integer("n", minimum=1, maximum=9) is None
    assert form.text("big") is None
    assert form.errors == {
        "title": "Ce champ est obligatoire.",
        "when": "Date invalide : utilisez le format JJ/MM/AAAA.",
        "n": "Indiquez un nombre entier, par exemple 2.",
        "big": "200 caractères au maximum (ici 201).",
    }
    assert form.raw("n") == "deux"  # shown again as typed


@pytest.mark.parametrize("typed", ["1/1/99999999999999999999", "²/1/2026", "1/1/-5"])
def test_an_absurd_date_is_a_form_error_not_a_crash(typed: str) -> None:
    form = Form(values={"when": typed})
    assert form.date("when") is None
    assert form.errors == {"when": "Date invalide : utilisez le format JJ/MM/AAAA."}


def test_tags_are_normalised_like_the_agents_write_them() -> None:
    form = Form(values={"tags": "#EmbaucheEnOr antiplome, #antiplome;festival"})
    # As typed (the service names them as the agency's tags); once each without case or accents.
    assert parse_tags(form) == ["#EmbaucheEnOr", "#antiplome", "#festival"]
    assert form.ok


def _login(server, next_path: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    email, password = server.accounts["cde"]
    with httpx.Client(base_url=server.url, timeout=10) as client:
        page = client.get("/admin/connexion")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        return client.post(
            "/admin/connexion",
            data={"email": email, "password": password, "next": next_path, "csrf_token": token[1]},
        )


def test_login_sets_a_safe_session_cookie_and_never_leaves_the_site(module_server) -> None:  # type: ignore[no-untyped-def]
    answer = _login(module_server, "https://evil.example/phish")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/"
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith("couloir_session=")
    )
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert _login(module_server, "/o/ABCD2345").headers["location"] == "/o/ABCD2345"


@pytest.mark.parametrize("path", ["/admin/connexion", "/o/INCONNU2", "/api/v1/display/snapshot"])
def test_security_headers_on_pages_and_api(module_server, path: str) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(module_server.url + path, headers={"Accept": "text/html"})
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_unknown_offer_code_is_a_french_404_page(module_server) -> None:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{module_server.url}/o/INCONNU2", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "Offre introuvable" in response.text
    assert '<html lang="fr">' in response.text


def test_urgency_styles_come_from_the_domain_levels(module_server) -> None:  # type: ignore[no-untyped-def]
    css = httpx.get(f"{module_server.url}/admin/urgence.css").text
    for level in LEVELS:
        assert f".u{level.level} .shape::after{{background:{level.colour}}}" in css


def test_pages_stay_light(module_server) -> None:  # type: ignore[no-untyped-def]
    """The offers list with every demo offer, plus its CSS and JS, is far under 100 KB."""
    email, password = module_server.accounts["cde"]
    with httpx.Client(base_url=module_server.url, timeout=10) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/connexion").text)
        assert token
        client.post(
            "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
        )
        total = sum(
            len(client.get(path).content)
            for path in (
                "/admin/offres?statut=all",
                "/static/admin.css",
                "/static/admin.js",
                "/admin/urgence.css",
            )
        )
    assert total < 100_000


def test_logout_makes_the_old_session_cookie_useless(module_server) -> None:  # type: ignore[no-untyped-def]
    email, password = module_server.accounts["cdde"]
    with httpx.Client(base_url=module_server.url, timeout=10) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/connexion").text)
        assert token
        client.post(
            "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
        )
        stolen = client.cookies["couloir_session"]
        home = client.get("/admin/")
        assert home.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/menu").text)
        assert token
        out = client.post("/admin/deconnexion", data={"csrf_token": token[1]})
        assert out.status_code == 303 and "deconnecte" in out.headers["location"]
    with httpx.Client(
        base_url=module_server.url, timeout=10, cookies={"couloir_session": stolen}
    ) as thief:
        again = thief.get("/admin/")
    assert again.status_code == 303
    assert again.headers["location"].startswith("/admin/connexion?next=/admin/")


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": None},
        {"status": "filled"},
        {"level": 3},
        {"tag": "#antiplome"},
        {"search": "boul"},
    ],
    ids=["open", "all", "filled", "very-urgent", "tag", "search"],
)
def test_the_pages_board_is_the_apis_list(module_server, filters: dict) -> None:  # type: ignore[no-untyped-def]
    """The staff pages' board shows what the API lists: same offers, order, urgency."""
    from sqlmodel import Session, select

    from api.db import make_engine
    from api.models import Agency
    from api.services.offers import OfferContext, board, list_offers

    engine = make_engine(module_server.database_url)
    try:
        with Session(engine) as db:
            agency = db.exec(select(Agency)).first()
            assert agency is not None and agency.id is not None
            ctx = OfferContext.for_agency(agency, module_server.url)
            expected = [
                (
                    o.code,
                    o.status,
                    o.urgency.level,
                    o.urgency.label,
                    o.candidates_count,
                    o.days_open,
                    o.owner.name,
                )
                for o in list_offers(db, agency.id, ctx, **filters)
            ]
            shown = [
                (
                    e.offer.code,
                    e.offer.status,
                    e.urgency.level,
                    e.urgency.label,
                    e.candidates_count,
                    e.days_open,
                    e.owner.name,
                )
                for e in board(db, agency.id, ctx, **filters)
            ]
            assert shown == expected
            assert expected or filters.get("status") == "filled"
            levels = [row[2] for row in expected]
            assert levels == sorted(levels, reverse=True), "most urgent first"
    finally:
        engine.dispose()
