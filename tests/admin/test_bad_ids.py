"""Odd numbers and invisible text on the staff pages (issue 9, items 8 and 12), over HTTP.

The id routes are generated from the route table: each gets ids no row can have and answers
the French "not found" page, never a 500 and never JSON. Filters that name a person by number
(``?cde=``, ``?qui=``) filter nothing when the number is not one; a forged id in a form is a
field error; a required field of invisible characters is "obligatoire", as in the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from tests.support.routes import Param, app_for_tests, parameters
from tests.support.server import LiveServer

BAD_NUMBERS = ["99999999999999999999", "-1", "0", "²", "1e3", "12abc"]
NOT_FOUND = "Cette page n&#39;existe pas ou plus."
STAFF_PAGES = ("/admin", "/o/")


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[httpx.Client]:
    """A browser-like client logged in to the staff pages as the demo manager."""
    email, password = module_server.accounts["manager"]
    with httpx.Client(base_url=module_server.url, timeout=10) as client:
        answer = client.post(
            "/admin/connexion",
            data={
                "email": email,
                "password": password,
                "csrf_token": _token(client, "/admin/connexion"),
            },
        )
        assert answer.status_code == 303
        yield client


def _token(client: httpx.Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no form on {path}"
    return match[1]


@pytest.fixture(scope="module")
def page_params(tmp_path_factory: pytest.TempPathFactory) -> list[Param]:
    every = parameters(app_for_tests(tmp_path_factory.mktemp("routes")))
    return [p for p in every if p.is_int and p.path.startswith(STAFF_PAGES)]


def _url(param: Param, value: str) -> str:
    path = param.path.replace("{" + param.name + "}", quote(value, safe=""))
    return f"{path}?{param.name}={quote(value, safe='')}" if param.where == "query" else path


@pytest.mark.parametrize("accept", ["text/html", "*/*"])
def test_an_id_no_row_can_have_is_the_french_not_found_page(
    manager: httpx.Client, page_params: list[Param], accept: str
) -> None:
    routes = [p for p in page_params if p.where == "path"]
    assert len(routes) >= 20, "the walk over the route table found too few id routes"
    # A form carries its token, as from a page; without one it is refused before any lookup.
    form = {"csrf_token": _token(manager, "/admin/offres/nouvelle")}
    wrong = []
    for param in routes:
        for method in param.methods:
            for value in BAD_NUMBERS:
                answer = manager.request(
                    method,
                    _url(param, value),
                    headers={"Accept": accept},
                    data=form if method == "POST" else None,
                )
                page = answer.headers.get("content-type", "").startswith("text/html")
                if answer.status_code != 404 or not page or NOT_FOUND not in answer.text:
                    wrong.append(f"{method} {_url(param, value)} → {answer.status_code}")
    assert wrong == []


def test_a_bad_number_in_a_page_address_is_a_french_400_page(
    manager: httpx.Client, page_params: list[Param]
) -> None:
    queries = [p for p in page_params if p.where == "query"]
    assert {p.name for p in queries} >= {"offre", "page"}
    for param in queries:
        for value in BAD_NUMBERS:
            answer = manager.get(_url(param, value))
            assert answer.status_code == 400, _url(param, value)
            assert "Cette adresse contient une valeur incorrecte." in answer.text
            assert '<html lang="fr">' in answer.text


def test_a_bad_id_on_a_page_still_asks_a_stranger_to_log_in(module_server: LiveServer) -> None:
    answer = httpx.get(f"{module_server.url}/admin/embauches/99999999999999999999")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/connexion")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/offres?cde=%C2%B2",
        "/admin/offres?cde=99999999999999999999",
        "/admin/offres?cde=%D9%A1",  # ١, an Arabic-Indic one
        "/admin/journal?qui=%C2%B2",
        "/admin/journal?qui=99999999999999999999",
        "/admin/journal?qui=-3",
    ],
)
def test_a_person_filter_that_names_no_one_filters_nothing(
    manager: httpx.Client, path: str
) -> None:
    answer = manager.get(path)
    assert answer.status_code == 200
    rows = re.compile(r'class="(?:offer u|card small)')
    unfiltered = manager.get(path.split("?")[0])
    assert len(rows.findall(answer.text)) == len(rows.findall(unfiltered.text)) > 0


def _hire_count(server: LiveServer) -> int:
    with server.client("manager") as api:
        return len(api.get("/api/v1/hires").json())


@pytest.mark.parametrize(
    ("offer_id", "message"),
    [
        ("²", "Indiquez un nombre entier, par exemple 2."),
        ("99999999999999999999", "Indiquez un nombre entier, par exemple 2."),
        ("2147483648", "Entre 1 et 2147483647."),
        ("0", "Entre 1 et 2147483647."),
    ],
)
def test_a_forged_offer_id_in_the_new_hire_form_is_a_field_error(
    module_server: LiveServer, manager: httpx.Client, offer_id: str, message: str
) -> None:
    before = _hire_count(module_server)
    answer = manager.post(
        "/admin/embauches/nouvelle",
        data={
            "csrf_token": _token(manager, "/admin/embauches/nouvelle"),
            "employer": "Garage Mistral",
            "title": "Mécanicien",
            "hired_on": "2026-03-02",
            "offer_id": offer_id,
        },
    )
    assert answer.status_code == 422
    assert f"Offre pourvue : {message}" in answer.text
    assert _hire_count(module_server) == before


def test_a_required_field_of_invisible_characters_is_obligatoire(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    form = {
        "csrf_token": _token(manager, "/admin/offres/nouvelle"),
        "employer": "\u200b\u202e\u2060",
        "title": "Boulanger",
        "contract": "CDI",
        "commune": "\u3164\x85",
    }
    answer = manager.post("/admin/offres/nouvelle", data=form)
    assert answer.status_code == 422
    for field in ("employer", "commune"):
        assert re.search(rf'id="e-{field}">Ce champ est obligatoire\.<', answer.text), field

    form |= {
        "employer": "\u202eBoulangerie\u200b  du Rempart\x9b",
        "commune": "L'Isle-sur-la-Sorgue\u2066",
        "title": "Boulanger·e 🥖\ufeff",
    }
    answer = manager.post("/admin/offres/nouvelle", data=form)
    assert answer.status_code == 303
    code = answer.headers["location"].split("/o/")[1].split("?")[0]
    with module_server.client("manager") as api:
        offer = next(o for o in api.get("/api/v1/offers").json() if o["code"] == code)
    assert (offer["employer"], offer["title"], offer["commune"]) == (
        "Boulangerie du Rempart",
        "Boulanger·e 🥖",
        "L'Isle-sur-la-Sorgue",
    )
