"""Every role × action pair, over HTTP: each role can do what PRODUCT.md says and no more."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.support.server import LiveServer

ROLES = ("cdde", "cde", "manager", "admin")
EVERYONE = set(ROLES)
OFFER_EDITORS = {"cde", "manager", "admin"}
MANAGERS = {"manager", "admin"}

NEW_OFFER = {
    "employer": "Fromagerie Test",
    "title": "Vendeur",
    "contract": "CDD",
    "commune": "Avignon",
}


def _offer(admin: httpx.Client) -> int:
    return admin.post("/api/v1/offers", json=NEW_OFFER).json()["id"]


def _hire(admin: httpx.Client) -> int:
    body = {"employer": "Garage", "title": "Mécanicien", "hired_on": date.today().isoformat()}
    return admin.post("/api/v1/hires", json=body).json()["id"]


def _challenge(admin: httpx.Client) -> int:
    today = date.today()
    body = {
        "title": "Défi test",
        "goal": 5,
        "starts_on": str(today),
        "ends_on": str(today + timedelta(days=5)),
    }
    return admin.post("/api/v1/challenges", json=body).json()["id"]


def _candidate(admin: httpx.Client) -> tuple[int, int]:
    offer_id = _offer(admin)
    return offer_id, admin.post(f"/api/v1/offers/{offer_id}/candidates").json()["id"]


def _announcement() -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "message": "Réunion",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
    }


# action name → (roles allowed, request maker(client, admin client) → response)
Case = tuple[set[str], Callable[[httpx.Client, httpx.Client], httpx.Response]]
CASES: dict[str, Case] = {
    "list offers": (EVERYONE, lambda c, a: c.get("/api/v1/offers")),
    "create offer": (OFFER_EDITORS, lambda c, a: c.post("/api/v1/offers", json=NEW_OFFER)),
    "edit offer": (
        OFFER_EDITORS,
        lambda c, a: c.patch(f"/api/v1/offers/{_offer(a)}", json={"positions": 2}),
    ),
    "delete offer": (OFFER_EDITORS, lambda c, a: c.delete(f"/api/v1/offers/{_offer(a)}")),
    "fill offer": (OFFER_EDITORS, lambda c, a: c.post(f"/api/v1/offers/{_offer(a)}/fill")),
    "close offer": (OFFER_EDITORS, lambda c, a: c.post(f"/api/v1/offers/{_offer(a)}/close")),
    "propose candidate": (EVERYONE, lambda c, a: c.post(f"/api/v1/offers/{_offer(a)}/candidates")),
    "set candidate outcome": (
        OFFER_EDITORS,
        lambda c, a: c.put(
            "/api/v1/offers/{}/candidates/{}".format(*_candidate(a)), json={"outcome": "interview"}
        ),
    ),
    "tell a hire": (
        EVERYONE,
        lambda c, a: c.post(
            "/api/v1/hires", json={"employer": "E", "title": "T", "hired_on": str(date.today())}
        ),
    ),
    "publish a hire": (
        MANAGERS,
        lambda c, a: c.patch(f"/api/v1/hires/{_hire(a)}", json={"status": "published"}),
    ),
    "delete a hire": (MANAGERS, lambda c, a: c.delete(f"/api/v1/hires/{_hire(a)}")),
    "contribute to the défi": (
        EVERYONE,
        lambda c, a: c.post(
            f"/api/v1/challenges/{_challenge(a)}/contributions", json={"amount": 1}
        ),
    ),
    "create a challenge": (
        MANAGERS,
        lambda c, a: c.post(
            "/api/v1/challenges",
            json={
                "title": "D",
                "goal": 3,
                "starts_on": str(date.today()),
                "ends_on": str(date.today()),
            },
        ),
    ),
    "post an announcement": (
        MANAGERS,
        lambda c, a: c.post("/api/v1/announcements", json=_announcement()),
    ),
    "list screens": (MANAGERS, lambda c, a: c.get("/api/v1/screens")),
    "register a screen": (
        MANAGERS,
        lambda c, a: c.post("/api/v1/screens", json={"name": "Accueil"}),
    ),
    "create an account": (
        MANAGERS,
        lambda c, a: c.post(
            "/api/v1/staff",
            json={
                "name": "Nouvelle",
                "email": f"n{secrets.token_hex(4)}@demo.couloir.test",
                "role": "cdde",
                "password": "un mot de passe sûr",
            },
        ),
    ),
    "read the journal": (MANAGERS, lambda c, a: c.get("/api/v1/audit")),
    "list agencies": ({"admin"}, lambda c, a: c.get("/api/v1/agencies")),
}


@pytest.fixture(scope="module")
def clients(module_server: LiveServer):  # type: ignore[no-untyped-def]
    made = {role: module_server.client(role) for role in ROLES}
    yield made
    for client in made.values():
        client.close()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(CASES))
def test_role_action(action: str, role: str, clients: dict[str, httpx.Client]) -> None:
    allowed, call = CASES[action]
    response = call(clients[role], clients["admin"])
    if role in allowed:
        assert 200 <= response.status_code < 300, (action, role, response.text)
    else:
        assert response.status_code == 403, (action, role, response.text)
        assert response.json()["detail"] == "Votre rôle ne permet pas cette action."


@pytest.mark.parametrize("action", list(CASES))
def test_anonymous_and_screen_tokens_cannot_act_as_staff(
    action: str, module_server: LiveServer, clients: dict[str, httpx.Client]
) -> None:
    _, call = CASES[action]
    with module_server.client() as anonymous, module_server.screen_client() as screen:
        assert call(anonymous, clients["admin"]).status_code == 401
        assert call(screen, clients["admin"]).status_code == 401


def test_staff_tokens_cannot_read_a_screen_snapshot(clients: dict[str, httpx.Client]) -> None:
    for role in ROLES:
        assert clients[role].get("/api/v1/display/snapshot").status_code == 401
