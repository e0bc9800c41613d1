"""Staff and screen authentication: tokens, throttling, revocation, and agency walls."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest
from PIL import Image

from tests.support.cli import couloir
from tests.support.server import LiveServer

BAD_LOGIN = "E-mail ou mot de passe incorrect."


def new_account(manager: httpx.Client, role: str = "cde") -> tuple[str, str, int]:
    """A fresh account in the manager's agency: (e-mail, password, id)."""
    email = f"agent.{secrets.token_hex(4)}@example.fr"
    password = secrets.token_urlsafe(12)
    body = {"name": "Agent Test", "email": email, "role": role, "password": password}
    response = manager.post("/api/v1/staff", json=body)
    assert response.status_code == 201, response.text
    return email, password, response.json()["id"]


def login(server: LiveServer, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/auth/token", json={"email": email, "password": password}
    )


def bearer(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("manager") as client:
        yield client


def test_a_token_from_email_and_password_identifies_the_person(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    email, password, staff_id = new_account(manager, "cdde")
    response = login(module_server, email.upper() + " ", password)  # as a phone may type it
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    with bearer(module_server, response.json()["access_token"]) as client:
        me = client.get("/api/v1/auth/me").json()
    assert me["id"] == staff_id and me["email"] == email and me["role"] == "cdde"
    assert "password" not in str(me) and "hash" not in str(me)


def test_a_wrong_password_or_unknown_email_gets_the_same_french_401(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    email, password, _ = new_account(manager)
    wrong = login(module_server, email, password + "x")
    unknown = login(module_server, "personne@example.fr", password)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["detail"] == BAD_LOGIN
    with module_server.client() as anonymous:
        missing = anonymous.get("/api/v1/offers")
    assert missing.status_code == 401 and missing.json()["detail"] == "Connexion requise."


def test_five_failures_lock_the_account_with_retry_after_even_for_the_right_password(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    email, password, _ = new_account(manager)
    other_email, other_password, _ = new_account(manager)
    for _ in range(5):
        assert login(module_server, email, "mauvais-mot-de-passe").status_code == 401
    locked = login(module_server, email, password)
    assert locked.status_code == 429
    assert locked.json()["detail"].startswith("Trop de tentatives")
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= 15 * 60
    assert login(module_server, email, "encore-faux").status_code == 429
    # Only that account is locked.
    assert login(module_server, other_email, other_password).status_code == 200


def test_a_successful_login_clears_earlier_failures(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    email, password, _ = new_account(manager)
    for _ in range(4):
        assert login(module_server, email, "faux").status_code == 401
    assert login(module_server, email, password).status_code == 200
    for _ in range(4):
        assert login(module_server, email, "faux").status_code == 401
    assert login(module_server, email, password).status_code == 200


def test_deactivating_an_account_kills_its_tokens(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    email, password, staff_id = new_account(manager)
    first = login(module_server, email, password).json()["access_token"]
    second = login(module_server, email, password).json()["access_token"]
    with bearer(module_server, first) as one, bearer(module_server, second) as two:
        assert one.get("/api/v1/offers").status_code == 200
        response = manager.patch(f"/api/v1/staff/{staff_id}", json={"active": False})
        assert response.status_code == 200 and response.json()["active"] is False
        assert one.get("/api/v1/offers").status_code == 401
        assert two.post("/api/v1/offers", json={"employer": "X"}).status_code == 401
    assert login(module_server, email, password).status_code == 401
    # Reactivated: logs in again, old tokens stay dead.
    manager.patch(f"/api/v1/staff/{staff_id}", json={"active": True}).raise_for_status()
    assert login(module_server, email, password).status_code == 200
    with bearer(module_server, first) as one:
        assert one.get("/api/v1/auth/me").status_code == 401


def test_a_password_reset_by_a_manager_kills_the_old_tokens(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    email, password, staff_id = new_account(manager)
    token = login(module_server, email, password).json()["access_token"]
    manager.patch(f"/api/v1/staff/{staff_id}", json={"password": "nouveau-mot-de-passe"})
    with bearer(module_server, token) as client:
        assert client.get("/api/v1/auth/me").status_code == 401
    assert login(module_server, email, password).status_code == 401
    assert login(module_server, email, "nouveau-mot-de-passe").status_code == 200


def test_logout_revokes_only_that_token(module_server: LiveServer, manager: httpx.Client) -> None:
    email, password, _ = new_account(manager)
    phone = login(module_server, email, password).json()["access_token"]
    laptop = login(module_server, email, password).json()["access_token"]
    with bearer(module_server, phone) as client:
        assert client.post("/api/v1/auth/logout").status_code == 204
        assert client.get("/api/v1/auth/me").status_code == 401
    with bearer(module_server, laptop) as client:
        assert client.get("/api/v1/auth/me").status_code == 200


def test_a_managers_cannot_deactivate_themselves(manager: httpx.Client) -> None:
    me = manager.get("/api/v1/auth/me").json()
    response = manager.patch(f"/api/v1/staff/{me['id']}", json={"active": False})
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Vous ne pouvez pas modifier votre propre rôle ni vous désactiver."
    )
    assert manager.get("/api/v1/auth/me").status_code == 200


def test_screen_tokens_and_staff_tokens_do_not_open_each_others_doors(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    with module_server.screen_client() as screen:
        assert screen.get("/api/v1/display/snapshot").status_code == 200
        for method, path in (
            ("GET", "/api/v1/offers"),
            ("GET", "/api/v1/staff"),
            ("POST", "/api/v1/staff"),
            ("GET", "/api/v1/auth/me"),
            ("GET", "/api/v1/screens"),
        ):
            response = screen.request(method, path, json={})
            assert response.status_code == 401, (method, path, response.text)
    for path in ("/api/v1/display/snapshot", "/api/v1/display/events"):
        response = manager.get(path)
        assert response.status_code == 401 and response.json()["detail"]
    heartbeat = {"version": "1", "resolution": "1920x1080", "fps": 30, "uptime_s": 1}
    assert manager.post("/api/v1/display/heartbeat", json=heartbeat).status_code == 401


def test_a_revoked_screen_token_is_refused_everywhere(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    created = manager.post("/api/v1/screens", json={"name": "Écran à révoquer"}).json()
    with bearer(module_server, created["token"]) as screen:
        assert screen.get("/api/v1/display/snapshot").status_code == 200
        manager.post(f"/api/v1/screens/{created['id']}/revoke").raise_for_status()
        heartbeat = {"version": "1", "resolution": "1920x1080", "fps": 30, "uptime_s": 1}
        for response in (
            screen.get("/api/v1/display/snapshot"),
            screen.get("/api/v1/display/events"),
            screen.post("/api/v1/display/heartbeat", json=heartbeat),
        ):
            assert response.status_code == 401
            assert "révoqué" in response.json()["detail"]
    # The demo screen is untouched.
    with module_server.screen_client() as other:
        assert other.get("/api/v1/display/snapshot").status_code == 200


# --- agency walls -----------------------------------------------------------------------------


@dataclass
class Agencies:
    a: httpx.Client  # manager of the demo agency
    b: httpx.Client  # manager of the second agency
    b_screen: httpx.Client
    a_ids: dict[str, int]
    b_ids: dict[str, int]


def _objects(client: httpx.Client) -> dict[str, int]:
    """One of each scoped object in the client's agency."""
    offer = {"employer": "Mas des Oliviers", "title": "Ouvrier agricole", "contract": "CDD"}
    ids = {"offer": client.post("/api/v1/offers", json={**offer, "commune": "Orange"}).json()["id"]}
    ids["candidate"] = client.post(f"/api/v1/offers/{ids['offer']}/candidates").json()["id"]
    hire = {"employer": "Mas des Oliviers", "title": "Ouvrier", "hired_on": str(date.today())}
    ids["hire"] = client.post("/api/v1/hires", json={**hire, "photo_consent": True}).json()["id"]
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 10)).save(out, "JPEG")
    jpeg = out.getvalue()
    client.put(
        f"/api/v1/hires/{ids['hire']}/photo", content=jpeg, headers={"Content-Type": "image/jpeg"}
    ).raise_for_status()
    client.patch(f"/api/v1/hires/{ids['hire']}", json={"status": "published"}).raise_for_status()
    today = date.today()
    challenge = {
        "title": "Défi local",
        "goal": 3,
        "starts_on": str(today),
        "ends_on": str(today + timedelta(days=3)),
    }
    ids["challenge"] = client.post("/api/v1/challenges", json=challenge).json()["id"]
    ids["screen"] = client.post("/api/v1/screens", json={"name": "Hall"}).json()["id"]
    ids["staff"] = client.get("/api/v1/auth/me").json()["id"]
    return ids


@pytest.fixture(scope="module")
def agencies(module_server: LiveServer, manager: httpx.Client) -> Iterator[Agencies]:
    with module_server.client("admin") as admin:
        created = admin.post(
            "/api/v1/agencies", json={"code": "orange-nord", "name": "Orange Nord"}
        )
        assert created.status_code == 201, created.text
    password = secrets.token_urlsafe(12)
    added = couloir(
        module_server.env,
        "user",
        "add",
        "directrice@orange.example.fr",
        "--name",
        "Directrice Orange",
        "--role",
        "manager",
        "--agency",
        "orange-nord",
        "--password-stdin",
        stdin=password + "\n",
    )
    assert added.returncode == 0, added.stderr
    token = login(module_server, "directrice@orange.example.fr", password).json()["access_token"]
    b = bearer(module_server, token)
    b_ids = _objects(b)
    screen_token = b.post("/api/v1/screens", json={"name": "Orange écran"}).json()["token"]
    b_screen = bearer(module_server, screen_token)
    yield Agencies(manager, b, b_screen, _objects(manager), b_ids)
    b.close()
    b_screen.close()


def _reach(client: httpx.Client, ids: dict[str, int]) -> list[tuple[str, httpx.Response]]:
    """Every way to touch another agency's objects by id."""
    offer, hire, challenge = ids["offer"], ids["hire"], ids["challenge"]
    return [
        ("read offer", client.get(f"/api/v1/offers/{offer}")),
        ("edit offer", client.patch(f"/api/v1/offers/{offer}", json={"title": "Pris"})),
        ("fill offer", client.post(f"/api/v1/offers/{offer}/fill")),
        ("delete offer", client.delete(f"/api/v1/offers/{offer}")),
        ("candidates", client.get(f"/api/v1/offers/{offer}/candidates")),
        ("propose", client.post(f"/api/v1/offers/{offer}/candidates")),
        (
            "outcome",
            client.put(
                f"/api/v1/offers/{offer}/candidates/{ids['candidate']}", json={"outcome": "hired"}
            ),
        ),
        ("read hire", client.get(f"/api/v1/hires/{hire}")),
        ("edit hire", client.patch(f"/api/v1/hires/{hire}", json={"title": "Pris"})),
        ("hire photo", client.get(f"/api/v1/hires/{hire}/photo")),
        (
            "replace photo",
            client.put(
                f"/api/v1/hires/{hire}/photo", content=b"x", headers={"Content-Type": "image/jpeg"}
            ),
        ),
        ("delete hire", client.delete(f"/api/v1/hires/{hire}")),
        ("edit challenge", client.patch(f"/api/v1/challenges/{challenge}", json={"goal": 99})),
        (
            "contribute",
            client.post(f"/api/v1/challenges/{challenge}/contributions", json={"amount": 1}),
        ),
        ("edit screen", client.patch(f"/api/v1/screens/{ids['screen']}", json={"name": "Pris"})),
        ("revoke screen", client.post(f"/api/v1/screens/{ids['screen']}/revoke")),
        ("screenshot", client.get(f"/api/v1/screens/{ids['screen']}/screenshot")),
        ("edit staff", client.patch(f"/api/v1/staff/{ids['staff']}", json={"active": False})),
    ]


@pytest.mark.parametrize("direction", ["b→a", "a→b"])
def test_another_agencys_objects_look_absent(agencies: Agencies, direction: str) -> None:
    client, ids, owner = (
        (agencies.b, agencies.a_ids, agencies.a)
        if direction == "b→a"
        else (agencies.a, agencies.b_ids, agencies.b)
    )
    before = (
        owner.get(f"/api/v1/offers/{ids['offer']}").json(),
        owner.get(f"/api/v1/hires/{ids['hire']}").json(),
        owner.get("/api/v1/challenges").json(),
        owner.get("/api/v1/screens").json(),
    )
    for label, response in _reach(client, ids):
        assert response.status_code == 404, (label, response.status_code, response.text)
        assert response.json()["detail"]
    after = (
        owner.get(f"/api/v1/offers/{ids['offer']}").json(),
        owner.get(f"/api/v1/hires/{ids['hire']}").json(),
        owner.get("/api/v1/challenges").json(),
        owner.get("/api/v1/screens").json(),
    )
    assert after == before


def test_lists_show_only_the_callers_agency(agencies: Agencies) -> None:
    b_offers = agencies.b.get("/api/v1/offers").json()
    assert [o["id"] for o in b_offers] == [agencies.b_ids["offer"]]
    assert agencies.a_ids["offer"] in {o["id"] for o in agencies.a.get("/api/v1/offers").json()}
    assert agencies.b_ids["offer"] not in {o["id"] for o in agencies.a.get("/api/v1/offers").json()}
    for path in ("/api/v1/hires", "/api/v1/challenges", "/api/v1/screens", "/api/v1/staff"):
        a_ids = {row["id"] for row in agencies.a.get(path).json()}
        b_ids = {row["id"] for row in agencies.b.get(path).json()}
        assert a_ids and b_ids and not a_ids & b_ids, path
    journal = agencies.b.get("/api/v1/audit", params={"limit": 500}).json()
    assert journal and all("Avignon" not in str(event) for event in journal)


def test_cross_agency_references_are_refused(agencies: Agencies) -> None:
    hire = {"employer": "Mas", "title": "Ouvrier", "hired_on": str(date.today())}
    for field, value in (
        ("cde_id", agencies.a_ids["staff"]),
        ("offer_id", agencies.a_ids["offer"]),
    ):
        response = agencies.b.post("/api/v1/hires", json={**hire, field: value})
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field
    owned = agencies.b.get("/api/v1/offers", params={"owner": agencies.a_ids["staff"]})
    assert owned.json() == []


def test_a_screen_sees_only_its_agency(agencies: Agencies, module_server: LiveServer) -> None:
    snapshot = agencies.b_screen.get("/api/v1/display/snapshot").json()
    assert snapshot["agency"]["code"] == "orange-nord"
    assert [o["title"] for o in snapshot["offers"]] == ["Ouvrier agricole"]
    assert [h["id"] for h in snapshot["hires"]] == [agencies.b_ids["hire"]]
    own_photo = agencies.b_screen.get(snapshot["hires"][0]["photo_path"])
    assert own_photo.status_code == 200
    # The demo agency's published photo, asked for by the other agency's screen.
    a_photo = agencies.b_screen.get(f"/api/v1/display/photos/{agencies.a_ids['hire']}")
    assert a_photo.status_code == 404
    with module_server.screen_client() as a_screen:
        a_snapshot = a_screen.get("/api/v1/display/snapshot").json()
        assert a_snapshot["agency"]["code"] == "avignon-joly-jean"
        assert agencies.b_ids["hire"] not in {h["id"] for h in a_snapshot["hires"]}
        b_photo = a_screen.get(f"/api/v1/display/photos/{agencies.b_ids['hire']}")
        assert b_photo.status_code == 404


def test_sixty_four_phones_at_once_all_get_their_answer(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    """A burst of staff requests, each holding a database connection, is answered in full.

    With fewer pooled connections than requests in flight, the server used to stall for the
    pool timeout and answer 500.
    """
    token = module_server.token("cdde")

    def ask(_: int) -> list[int]:
        with bearer(module_server, token) as client:
            client.timeout = httpx.Timeout(90)
            return [client.get("/api/v1/auth/me").status_code for _ in range(3)]

    with ThreadPoolExecutor(max_workers=64) as pool:
        statuses = [status for answers in pool.map(ask, range(64)) for status in answers]
    assert statuses == [200] * 192
