"""Odd header values get a French 4xx, never a 500; security headers on every answer (500s
included); HSTS whenever PUBLIC_URL is https."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.db import make_engine
from api.main import create_app
from api.settings import Settings
from tests.api.test_cookie_api_writes import cookie_client
from tests.support.server import LiveServer

SECURITY_HEADERS = ("x-content-type-options", "x-frame-options", "content-security-policy")


@pytest.fixture(scope="module")
def cde(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("cde") as client:
        yield client


# Byte 0xB2 is « ² » in latin-1, how servers decode header bytes: "²".isdigit() is True but
# int("²") fails. « ٣ » (Arabic-Indic three) is a digit for Python, not for HTTP.
ODD_VERSIONS = [b'"\xb2"', b"\xb2", b'W/"\xb2"', '"٣"'.encode(), b'"' + b"9" * 30 + b'"', b'"+1"']


@pytest.mark.parametrize("value", ODD_VERSIONS, ids=[repr(v) for v in ODD_VERSIONS])
def test_an_odd_if_match_is_a_french_422_and_nothing_changes(
    cde: httpx.Client, value: bytes
) -> None:
    offer = {"employer": "Garage", "title": "Mécanicien", "contract": "CDI", "commune": "Apt"}
    created = cde.post("/api/v1/offers", json=offer).json()
    response = cde.patch(
        f"/api/v1/offers/{created['id']}", json={"title": "Jamais"}, headers={"If-Match": value}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "If-Match doit contenir un numéro de version."
    assert cde.get(f"/api/v1/offers/{created['id']}").json()["title"] == "Mécanicien"
    # The same connection still answers: nothing was dropped.
    assert cde.get("/api/v1/offers").status_code == 200


def test_an_odd_urgency_filter_is_a_french_422(cde: httpx.Client) -> None:
    response = cde.get("/api/v1/offers", params={"urgency": "²"})
    assert response.status_code == 422
    assert "urgence inconnue" in response.json()["detail"]


def test_a_server_error_carries_the_security_headers(live_server: LiveServer) -> None:
    """The database loses a table under a running server: a 500, with the same headers."""
    browser = cookie_client(live_server, "manager")
    engine = make_engine(live_server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE offer RENAME TO offer_lost"))
    finally:
        engine.dispose()
    with live_server.client("manager") as api:
        response = api.get("/api/v1/offers")
    assert response.status_code == 500
    assert response.json()["detail"].startswith("Erreur interne")
    for name in SECURITY_HEADERS:
        assert name in response.headers, name
    page = browser.get("/admin/offres", headers={"Accept": "text/html"})
    browser.close()
    assert page.status_code == 500
    assert "Traceback" not in page.text
    for name in SECURITY_HEADERS:
        assert name in page.headers, name


def answers(tmp_path: Path, public_url: str, *requests: tuple) -> list[httpx.Response]:
    """``(method, path, options)`` sent in-process to an app whose PUBLIC_URL is ``public_url``."""
    settings = Settings(
        data_dir=tmp_path,
        public_url=public_url,
        secret_key="k" * 40,
        database_url=f"sqlite:///{tmp_path / 'couloir.db'}",
    )
    app = create_app(settings)

    # TestClient runs the app on an event loop of its own thread: a browser test's loop may be
    # running in this one. Not entered as a context: no lifespan (no housekeeping) is needed.
    client = TestClient(app, base_url="http://couloir.local", raise_server_exceptions=False)
    try:
        return [client.request(method, path, **options) for method, path, options in requests]
    finally:
        app.state.engine.dispose()


HTML = {"headers": {"Accept": "text/html"}}


def test_hsts_on_every_answer_when_public_url_is_https(tmp_path: Path) -> None:
    for answer in answers(
        tmp_path,
        "https://couloir.local",
        ("GET", "/api/v1/offers", {}),  # 401
        ("GET", "/nulle-part", {}),  # 404
        ("GET", "/admin/connexion", HTML),
        ("POST", "/api/v1/offers", {"content": b" " * (2 * 1024 * 1024)}),  # 413
    ):
        assert answer.headers["strict-transport-security"] == "max-age=31536000", answer


def test_no_hsts_over_plain_http(tmp_path: Path) -> None:
    [answer] = answers(tmp_path, "http://127.0.0.1:8000", ("GET", "/admin/connexion", HTML))
    assert answer.status_code == 200
    assert "strict-transport-security" not in answer.headers
    assert answer.headers["x-frame-options"] == "DENY"
