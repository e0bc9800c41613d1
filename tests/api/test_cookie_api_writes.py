"""Cookie-authenticated API writes must come from Couloir's own pages (no cross-site request).

A logged-in manager's browser carries the session cookie to any request another site makes:
without an origin check, a page on evil.example could close offers or revoke screens.
Scripts and screens authenticate with a bearer token and are not concerned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support.server import LiveServer

EVIL = "https://evil.example"


def cookie_client(server: LiveServer, role: str) -> httpx.Client:
    """A client logged in through the staff login page: it holds only the session cookie."""
    email, password = server.accounts[role]
    client = httpx.Client(base_url=server.url, timeout=10)
    page = client.get("/admin/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = client.post(
        "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert answer.status_code == 303 and "couloir_session" in client.cookies
    return client


@pytest.fixture(scope="module")
def browser(module_server: LiveServer) -> Iterator[httpx.Client]:
    client = cookie_client(module_server, "manager")
    yield client
    client.close()


@pytest.fixture(scope="module")
def bearer(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("manager") as client:
        yield client


def new_offer(bearer: httpx.Client) -> dict:
    offer = {
        "employer": "Boulangerie du Rempart",
        "title": "Boulanger",
        "contract": "CDI",
        "commune": "Avignon",
    }
    response = bearer.post("/api/v1/offers", json=offer)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Referer": f"{EVIL}/page.html"},
        {},  # neither Origin nor Referer: where it comes from is unknown
        {"Origin": "null"},
        {"Origin": "{own}", "Sec-Fetch-Site": "cross-site"},
    ],
    ids=["evil-origin", "evil-referer", "no-origin", "null-origin", "sec-fetch-cross-site"],
)
def test_a_cross_site_cookie_write_is_refused_and_changes_nothing(
    module_server: LiveServer, browser: httpx.Client, bearer: httpx.Client, headers: dict
) -> None:
    offer = new_offer(bearer)
    headers = {k: v.replace("{own}", module_server.url) for k, v in headers.items()}
    response = browser.post(f"/api/v1/offers/{offer['id']}/close", headers=headers)
    assert response.status_code == 403
    assert "ne vient pas des pages de Couloir" in response.json()["detail"]
    assert bearer.get(f"/api/v1/offers/{offer['id']}").json()["status"] == "open"


def test_a_cross_site_screen_revoke_is_refused(
    browser: httpx.Client, bearer: httpx.Client, module_server: LiveServer
) -> None:
    screen = bearer.get("/api/v1/screens").json()[0]
    response = browser.post(f"/api/v1/screens/{screen['id']}/revoke", headers={"Origin": EVIL})
    assert response.status_code == 403
    # The screen still reads its board.
    with module_server.screen_client() as display:
        assert display.get("/api/v1/display/snapshot").status_code == 200


def test_the_same_origin_cookie_write_goes_through(
    module_server: LiveServer, browser: httpx.Client, bearer: httpx.Client
) -> None:
    first, second = new_offer(bearer), new_offer(bearer)
    origin = browser.post(
        f"/api/v1/offers/{first['id']}/close",
        headers={"Origin": module_server.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert origin.status_code == 200, origin.text
    referer = browser.post(
        f"/api/v1/offers/{second['id']}/close",
        headers={"Referer": f"{module_server.url}/admin/offres"},
    )
    assert referer.status_code == 200, referer.text
    assert bearer.get(f"/api/v1/offers/{second['id']}").json()["status"] == "closed"


def test_cookie_reads_and_bearer_writes_need_no_origin(
    browser: httpx.Client, bearer: httpx.Client
) -> None:
    assert browser.get("/api/v1/offers", headers={"Origin": EVIL}).status_code == 200
    offer = new_offer(bearer)  # no Origin header: a script
    assert bearer.post(f"/api/v1/offers/{offer['id']}/close").status_code == 200
