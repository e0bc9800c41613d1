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
