"""Who may change whom: a manager never touches an admin account nor raises anyone above
their own role, and probing e-mails of other agencies is throttled and journaled."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import Session, select

from api.db import make_engine
from api.models import Agency
from api.models.staff import StaffCreate
from api.services import staff as staff_service
from tests.support.server import LiveServer

HIGHER = "Ce compte a un rôle supérieur au vôtre : seul un administrateur peut le modifier."
ABOVE = "Vous ne pouvez pas donner un rôle supérieur au vôtre."
TAKEN = (
    "Cette adresse e-mail sert déjà d'identifiant à un compte, dans cette agence ou une autre : "
    "choisissez-en une autre."
)


@pytest.fixture(scope="module")
def admin(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("admin") as client:
        yield client


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("manager") as client:
        yield client


def _email() -> str:
    return f"agent.{secrets.token_hex(4)}@example.fr"


def _account(creator: httpx.Client, role: str) -> tuple[int, str, str]:
    """A fresh account in the creator's agency: (id, e-mail, password)."""
    email, password = _email(), secrets.token_urlsafe(12)
    body = {"name": "Compte Essai", "email": email, "role": role, "password": password}
    response = creator.post("/api/v1/staff", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"], email, password


def _login(server: LiveServer, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/auth/token", json={"email": email, "password": password}
    )


def _client(server: LiveServer, email: str, password: str) -> httpx.Client:
    token = _login(server, email, password).json()["access_token"]
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


def _listed(client: httpx.Client, staff_id: int) -> dict:
    return next(p for p in client.get("/api/v1/staff").json() if p["id"] == staff_id)


def test_a_manager_cannot_take_over_an_admin_account(
    module_server: LiveServer, admin: httpx.Client, manager: httpx.Client
) -> None:
    admin_id, email, password = _account(admin, "admin")
    for change in (
        {"password": "je-prends-la-main"},
        {"role": "cdde"},
        {"name": "Pris"},
        {"active": False},
    ):
        response = manager.patch(f"/api/v1/staff/{admin_id}", json=change)
        assert response.status_code == 403, (change, response.text)
        assert response.json()["detail"] == HIGHER
    assert _login(module_server, email, "je-prends-la-main").status_code == 401
    assert _login(module_server, email, password).status_code == 200
    listed = _listed(manager, admin_id)
    assert (listed["role"], listed["name"], listed["active"]) == ("admin", "Compte Essai", True)

    # Deactivated by an admin, it stays out of a manager's reach.
    admin.patch(f"/api/v1/staff/{admin_id}", json={"active": False}).raise_for_status()
    response = manager.patch(f"/api/v1/staff/{admin_id}", json={"active": True})
    assert response.status_code == 403
    assert _login(module_server, email, password).status_code == 401


def test_nobody_gives_a_role_above_their_own(admin: httpx.Client, manager: httpx.Client) -> None:
    body = {
        "name": "Promu",
        "email": _email(),
        "role": "admin",
        "password": "Olivier du Rhône 4471",
    }
    response = manager.post("/api/v1/staff", json=body)
    assert response.status_code == 403
    assert response.json()["detail"] == ABOVE
    cdde_id, _, _ = _account(manager, "cdde")
    response = manager.patch(f"/api/v1/staff/{cdde_id}", json={"role": "admin"})
    assert response.status_code == 403
    assert response.json()["detail"] == ABOVE
    assert _listed(manager, cdde_id)["role"] == "cdde"
    # Up to one's own rank is fine, and an admin may name an admin.
    assert manager.patch(f"/api/v1/staff/{cdde_id}", json={"role": "manager"}).status_code == 200
    assert admin.patch(f"/api/v1/staff/{cdde_id}", json={"role": "admin"}).status_code == 200


def test_a_manager_still_manages_managers_and_colleagues(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    for role in ("cdde", "cde", "manager"):
        staff_id, email, _ = _account(manager, role)
        response = manager.patch(f"/api/v1/staff/{staff_id}", json={"password": "nouveau-depart"})
        assert response.status_code == 200, response.text
        assert _login(module_server, email, "nouveau-depart").status_code == 200


def test_nobody_changes_their_own_role(admin: httpx.Client, manager: httpx.Client) -> None:
    for client in (admin, manager):
        me = client.get("/api/v1/auth/me").json()
        response = client.patch(f"/api/v1/staff/{me['id']}", json={"role": "cdde"})
        assert response.status_code == 403
        assert client.get("/api/v1/auth/me").json()["role"] == me["role"]


@pytest.fixture(scope="module")
def other_manager(module_server: LiveServer, admin: httpx.Client) -> Iterator[httpx.Client]:
    """The manager of a second agency (made as the command line would)."""
    created = admin.post("/api/v1/agencies", json={"code": "carpentras", "name": "Carpentras"})
    assert created.status_code == 201, created.text
    email, password = "direction@carpentras.example.fr", secrets.token_urlsafe(12)
    engine = make_engine(module_server.database_url)
    try:
        with Session(engine) as db:
            agency = db.exec(select(Agency).where(Agency.code == "carpentras")).one()
            data = StaffCreate(name="Direction", email=email, role="manager", password=password)
            staff_service.create_staff(db, None, agency.id or 0, data)
    finally:
        engine.dispose()
    with _client(module_server, email, password) as client:
        yield client


def _create(client: httpx.Client, email: str) -> httpx.Response:
    body = {"name": "Sonde", "email": email, "role": "cdde", "password": "Olivier du Rhône 4471"}
    return client.post("/api/v1/staff", json=body)


def test_probing_other_agencies_emails_is_throttled_and_journaled(
    module_server: LiveServer, other_manager: httpx.Client
) -> None:
    elsewhere = module_server.accounts["cde"][0]  # an account of the demo agency
    _, own, _ = _account(other_manager, "cdde")  # an account of the prober's own agency
    answers = [_create(other_manager, e) for e in (elsewhere, own, elsewhere, own, elsewhere)]
    # Same status, same words, whichever agency holds the address.
    assert {(r.status_code, r.json()["detail"]) for r in answers} == {(409, TAKEN)}

    free = _email()
    throttled = _create(other_manager, free)  # a free address is refused too: nothing to compare
    assert throttled.status_code == 429
    assert 3000 < int(throttled.headers["Retry-After"]) <= 3601
    assert "réessayez" in throttled.json()["detail"]
    assert all(p["email"] != free for p in other_manager.get("/api/v1/staff").json())

    journal = other_manager.get("/api/v1/audit", params={"entity": "staff"}).json()
    refused = [e for e in journal if e["action"] == "refuse_create"]
    assert len(refused) == 5
    assert {e["after"]["email"] for e in refused} == {elsewhere, own}


def test_parallel_probes_get_no_more_answers(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    _, email, password = _account(manager, "manager")
    taken = module_server.accounts["cdde"][0]
    with _client(module_server, email, password) as prober, ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(lambda _: _create(prober, taken).status_code, range(12)))
    assert statuses == [409] * 5 + [429] * 7


def test_admins_are_not_throttled(module_server: LiveServer, admin: httpx.Client) -> None:
    taken = module_server.accounts["cde"][0]
    assert [_create(admin, taken).status_code for _ in range(7)] == [409] * 7


def test_the_same_address_created_twice_at_once_is_one_account_and_409s(
    module_server: LiveServer,
) -> None:
    email = _email()
    body = {
        "name": "Compte Double",
        "email": email,
        "role": "cdde",
        "password": "Olivier du Rhône 4471",
    }

    module_server.token("admin")  # one login, shared by the eight requests

    def create(_: int) -> int:
        with module_server.client("admin") as client:
            return client.post("/api/v1/staff", json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = sorted(pool.map(create, range(8)))
    assert answers == [201] + [409] * 7, answers
