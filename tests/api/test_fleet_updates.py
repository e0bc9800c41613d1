"""Fleet updates on a real server: what a screen is told to install (with its read-only token),
the one report it may write, bad reports, and the manager's screens page showing it all."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.support.fleet import PINS, fleet_env, wheel_name
from tests.support.server import LiveServer

TARGET = "9.9.0"
WHEEL = wheel_name(TARGET)
ORDER = "/api/v1/display/update"
REPORT = "/api/v1/display/update/report"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("fleet")
    (base / "data").mkdir()
    srv = LiveServer(base / "data", env=fleet_env(base / "fleet", TARGET))
    srv.start()
    yield srv
    srv.close()


def _screen(server: LiveServer, name: str) -> tuple[int, httpx.Client]:
    """A new screen of the demo agency, and a client carrying its token."""
    with server.client("manager") as manager:
        created = manager.post("/api/v1/screens", json={"name": name})
        assert created.status_code == 201, created.text
    body = created.json()
    client = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {body['token']}"}, timeout=10
    )
    return body["id"], client


def _screens(server: LiveServer) -> dict[int, dict[str, Any]]:
    with server.client("manager") as manager:
        return {s["id"]: s for s in manager.get("/api/v1/screens").json()}


def report(**changes: Any) -> dict[str, Any]:
    return {
        "running_version": TARGET,
        "target_version": TARGET,
        "result": "ok",
        "reason": "Mise à jour installée : Couloir 9.9.0 tourne.",
        "finished_at": datetime.now(UTC).isoformat(),
        **changes,
    }


def test_a_screen_is_told_the_target_its_window_and_the_pins(server: LiveServer) -> None:
    with server.screen_client() as screen:
        answer = screen.get(ORDER)
        assert answer.status_code == 200, answer.text
        order = answer.json()
        wheel = screen.get(order["wheel_path"])
    assert order["target_version"] == TARGET
    # The default window: at night, when the agency is closed, in its own time zone.
    assert order["window"] == {"opens": "02:00", "closes": "05:00", "timezone": "Europe/Paris"}
    assert order["constraints"] == PINS
    assert order["wheel_name"] == WHEEL
    assert wheel.status_code == 200
    assert hashlib.sha256(wheel.content).hexdigest() == order["wheel_sha256"]
    server_time = datetime.fromisoformat(order["server_time"])
    assert abs(server_time - datetime.now(UTC)) < timedelta(minutes=1)


def test_without_a_screen_token_nothing_is_told(server: LiveServer) -> None:
    staff = server.token("manager")
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {staff}"}):
        for method, path in (("GET", ORDER), ("GET", f"{ORDER}/wheel"), ("POST", REPORT)):
            answer = httpx.request(
                method, server.url + path, headers=headers, json=report(), timeout=10
            )
            assert answer.status_code == 401, (method, path, headers, answer.text)


def test_each_screen_reports_for_itself_only(server: LiveServer) -> None:
    first_id, first = _screen(server, "Couloir nord")
    second_id, second = _screen(server, "Couloir sud")
    with first, second:
        sent = report(
            running_version="0.1.0",
            result="rolled_back",
            reason="9.9.0 ne démarrait pas : retour automatique à 0.1.0. 🙂",
        )
        assert second.post(REPORT, json=sent).status_code == 204
    rows = _screens(server)
    assert rows[second_id]["reported_version"] == "0.1.0"
    last = rows[second_id]["last_update"]
    assert last["result"] == "rolled_back" and last["target_version"] == TARGET
    assert last["reason"].endswith("0.1.0. 🙂")
    # The other screen's row is untouched: a token speaks for its own screen only.
    assert rows[first_id]["last_update"] is None
    assert rows[first_id]["reported_version"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reason": "x" * 10_000}, "reason"),
        ({"result": "peut-être"}, "result"),
        ({"result": 1}, "result"),
        ({"running_version": True}, "running_version"),
        ({"running_version": ""}, "running_version"),
        ({"running_version": "1" * 41}, "running_version"),
        ({"target_version": "1.0\n2.0"}, "target_version"),
        ({"finished_at": 1_700_000_000}, "finished_at"),
        ({"finished_at": "hier"}, "finished_at"),
        ({"screen_id": 1}, "screen_id"),
    ],
)
def test_a_bad_report_is_refused_in_french_and_changes_nothing(
    server: LiveServer, changes: dict[str, Any], field: str
) -> None:
    before = _screens(server)
    with server.screen_client() as screen:
        answer = screen.post(REPORT, json=report(**changes))
    assert answer.status_code == 422, answer.text
    text = answer.text
    assert field in text
    assert not re.search(r"\b(should|must|valid|Input)\b", text), text
    assert _screens(server) == before


def test_a_report_from_the_future_is_refused(server: LiveServer) -> None:
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    with server.screen_client() as screen:
        answer = screen.post(REPORT, json=report(finished_at=later))
    assert answer.status_code == 422
    assert "horloge de l'écran" in answer.text


def _page_client(server: LiveServer, role: str) -> httpx.Client:
    email, password = server.accounts[role]
    client = httpx.Client(base_url=server.url, timeout=10)
    first = client.get("/admin/connexion")
    token = _CSRF.search(first.text)
    assert token
    done = client.post(
        "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert done.status_code == 303, done.text[:300]
    return client


def test_the_screens_page_lists_versions_target_and_last_result(server: LiveServer) -> None:
    _, screen = _screen(server, "Accueil étage")
    failed_at = datetime(2025, 11, 28, 2, 12, tzinfo=UTC)  # 03:12 in Paris
    with screen:
        sent = report(
            running_version="0.1.0",
            result="failed",
            reason="L'installation de 9.9.0 a échoué ; 0.1.0 tourne toujours.",
            finished_at=failed_at.isoformat(),
        )
        assert screen.post(REPORT, json=sent).status_code == 204
    phone = _page_client(server, "manager")
    try:
        page = phone.get("/admin/ecrans")
    finally:
        phone.close()
    assert page.status_code == 200
    item = page.text[page.text.index("Accueil étage") :]
    item = item[: item.index("</li>")]
    assert "Version 0.1.0 · à installer : 9.9.0 (entre 02:00 et 05:00)" in item
    assert "✗ Mise à jour échouée (9.9.0)" in item
    assert "(9.9.0), ven. 28 nov. 2025 à 3 h 12 : " in item
    assert "0.1.0 tourne toujours." in item


def test_a_manager_sets_a_screens_window_from_the_phone(server: LiveServer) -> None:
    screen_id, screen = _screen(server, "Salle des conseillers")
    phone = _page_client(server, "manager")
    try:
        page = phone.get(f"/admin/ecrans/{screen_id}")
        assert "Laissez vide : la nuit, de 02:00 à 05:00." in page.text
        form = {
            "csrf_token": _CSRF.search(page.text)[1],  # type: ignore[index]
            "version": re.search(r'name="version" value="(\d+)"', page.text)[1],  # type: ignore[index]
            "name": "Salle des conseillers",
            "rotation": "0",
            "on_offers": "on",
            "order_offers": "1",
            "duration_offers": "30",
        }
        wrong = phone.post(f"/admin/ecrans/{screen_id}", data={**form, "update_opens": "25:00"})
        assert wrong.status_code == 422
        assert "Heure au format HH:MM, par exemple 02:00." in wrong.text
        saved = phone.post(
            f"/admin/ecrans/{screen_id}",
            data={**form, "update_opens": "12:00", "update_closes": "13:30"},
        )
        assert saved.status_code == 303, saved.text[:500]
    finally:
        phone.close()
    with screen:
        window = screen.get(ORDER).json()["window"]
    assert (window["opens"], window["closes"]) == ("12:00", "13:30")


def test_the_api_lists_each_screen_with_its_target_and_window(server: LiveServer) -> None:
    screen_id, client = _screen(server, "Écran de l'API")
    client.close()
    listed = _screens(server)[screen_id]
    assert listed["target_version"] == TARGET
    assert listed["update_window"], listed
    with server.client("manager") as manager:
        renamed = manager.patch(f"/api/v1/screens/{screen_id}", json={"name": "Renommé"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["target_version"] == TARGET
