"""The API's documentation: /docs works with no network under a strict CSP, and the OpenAPI
schema is written for people (summaries, field descriptions, bearer scheme, French errors)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Route, sync_playwright

from api.main import API_ROUTERS
from api.routes import health
from tests.admin.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def anonymous(module_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_server.url) as client:
        yield client


def test_the_docs_page_names_no_other_host(anonymous: httpx.Client) -> None:
    page = anonymous.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", page.text)
    assert urls, page.text
    assert not [url for url in urls if urlsplit(url).netloc], urls
    assert "//" not in re.sub(r"window\.location\.origin", "", page.text.split("<body>")[1])
    for asset in re.findall(r"""(?:src|href)=['"](/docs/assets/[^'"]+)['"]""", page.text):
        assert anonymous.get(asset).status_code == 200, asset


def test_the_docs_page_keeps_a_strict_csp(anonymous: httpx.Client) -> None:
    policy = anonymous.get("/docs").headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["default-src"] == "'self'"
    assert re.fullmatch(r"'self' 'sha256-[A-Za-z0-9+/=]+'", directives["script-src"])
    assert directives["connect-src"] == "'self'"


def test_redoc_is_off(anonymous: httpx.Client) -> None:
    assert anonymous.get("/redoc").status_code == 404


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_chromium_without_network_lists_the_operations(module_server: LiveServer) -> None:
    """Every request off the loopback is refused: the page still draws the API's operations,
    and the browser reports no CSP violation."""
    elsewhere: list[str] = []
    complaints: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort("internetdisconnected")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="fr-FR")
            context.route("**/*", loopback_only)
            page = context.new_page()
            page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: complaints.append(str(error)))
            page.goto(module_server.url + "/docs")
            page.get_by_text("/api/v1/offers", exact=True).first.wait_for(timeout=15_000)
            assert page.get_by_role("button", name=re.compile("Authorize")).count() == 1
            summaries = page.locator(".opblock-summary-description").all_inner_texts()
        finally:
            browser.close()
    assert not elsewhere
    assert not complaints
    assert "Lister les offres" in summaries, summaries


# --- the schema itself -------------------------------------------------------------------------

PUBLIC_OPERATIONS = {
    "post /api/v1/auth/token",
    "post /api/v1/display/pairings",
    "get /api/v1/display/pairings/{poll_secret}",
    "get /api/v1/agenda/feed/{token}.ics",  # the address's secret token is the credential
    "get /healthz",
}
SCREEN_PREFIX = "/api/v1/display/"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(anonymous: httpx.Client) -> dict:
    return anonymous.get("/openapi.json").json()


def _operations(schema: dict) -> Iterator[tuple[str, dict]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method} {path}", operation


def _generated_summaries() -> set[str]:
    """What FastAPI would write from the handlers' names (« Put Screenshot »)."""
    routes = [route for router in (*API_ROUTERS, health.router) for route in router.routes]
    return {route.name.replace("_", " ").title() for route in routes}


def test_every_operation_has_a_hand_written_summary(schema: dict) -> None:
    generated = _generated_summaries()
    missing = [key for key, op in _operations(schema) if not op.get("summary")]
    machine = [
        (key, op["summary"]) for key, op in _operations(schema) if op.get("summary") in generated
    ]
    assert not missing and not machine, (missing, machine)


def test_every_group_of_operations_is_described(schema: dict) -> None:
    used = {tag for _, operation in _operations(schema) for tag in operation.get("tags", [])}
    described = {tag["name"] for tag in schema.get("tags", []) if tag.get("description")}
    assert used <= described, used - described


def test_every_property_of_every_component_is_described(schema: dict) -> None:
    undescribed = [
        f"{name}.{prop}"
        for name, component in schema["components"]["schemas"].items()
        for prop, spec in component.get("properties", {}).items()
        if not spec.get("description", "").strip()
    ]
    assert not undescribed, undescribed


def test_the_bearer_schemes_guard_every_operation_but_the_public_ones(schema: dict) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http"}
    assert {s["scheme"] for s in schemes.values()} == {"bearer"}
    for key, operation in _operations(schema):
        names = {name for requirement in operation.get("security", []) for name in requirement}
        if key in PUBLIC_OPERATIONS:
            assert not names, key
        elif key.split(" ", 1)[1].startswith(SCREEN_PREFIX):
            assert names == {"JetonEcran"}, key
        else:
            assert names == {"JetonCompte"}, key


def test_refusals_are_documented_with_the_french_problem(schema: dict) -> None:
    problem = {"$ref": "#/components/schemas/Problem"}
    for key, operation in _operations(schema):
        if not key.split(" ", 1)[1].startswith("/api/"):
            continue
        for status in ("401", "403", "404", "409", "422"):
            answer = operation["responses"].get(status)
            assert answer, (key, status)
            assert answer["content"]["application/json"]["schema"] == problem, (key, status)
            assert not ENGLISH_WORDS.search(answer["description"]), (key, answer)
    assert "HTTPValidationError" not in schema["components"]["schemas"]


ENGLISH_WORDS = re.compile(r"\b(Successful|Response|Validation|Error|required)\b")


def test_no_default_english_response_descriptions(schema: dict) -> None:
    english = [
        (key, status, answer["description"])
        for key, operation in _operations(schema)
        for status, answer in operation["responses"].items()
        if ENGLISH_WORDS.search(answer.get("description", ""))
    ]
    assert not english, english


# Words of an English sentence that French never uses on its own (« a », « on » are French too).
ENGLISH_SENTENCE = re.compile(
    r"\b(the|and|of|is|are|with|from|when|only|its|this|that|by|for|their|Everything|Who)\b"
)


def test_every_operation_is_described_in_french_not_by_its_docstring(schema: dict) -> None:
    """/docs shows the description under each summary: a French sentence, not the handler's
    English docstring (a code comment)."""
    english = {
        key: operation.get("description", "")
        for key, operation in _operations(schema)
        if not operation.get("description", "").strip()
        or ENGLISH_SENTENCE.search(operation["description"])
    }
    assert not english, english
