"""The password policy: short, blank, common and personal passwords are refused with one French
reason, by the API, the staff pages and ``couloir user add`` alike."""

from __future__ import annotations

import html
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from api.security.password_policy import (
    BLANK,
    GUESSABLE,
    PERSONAL,
    TOO_LONG,
    TOO_SHORT,
    password_problem,
)
from tests.support.server import ROOT, LiveServer

PERSON = {"name": "Inès Morel", "email": "ines.morel@example.fr"}

REFUSED = [
    ("12345678", TOO_SHORT),
    ("password", TOO_SHORT),
    (" " * 8, BLANK),
    (" " * 12, BLANK),
    ("\t \u00a0 " * 4, BLANK),
    ("court", TOO_SHORT),
    ("x" * 257, TOO_LONG),
    ("1234567890", GUESSABLE),
    ("password1234", GUESSABLE),
    ("azerty12345", GUESSABLE),
    ("motdepasse2026", GUESSABLE),
    ("Couloir2026!", GUESSABLE),
    ("aaaaaaaaaaaa", GUESSABLE),
    ("qwertyuiop", GUESSABLE),
    ("ines.morel@example.fr", PERSONAL),
    ("InesMorel2026", PERSONAL),
    ("Inès-Morel-!!", PERSONAL),
]

ACCEPTED = [
    "un mot de passe sûr",
    "correct horse battery staple",
    "girafe tuba lampe 42",
    "premier-jour-2026",
    "mot de passe 🔑 long",
]


@pytest.mark.parametrize(
    ("password", "reason"), REFUSED, ids=[r[1][:20] + repr(r[0][:14]) for r in REFUSED]
)
def test_short_blank_common_and_personal_passwords_are_refused(password: str, reason: str) -> None:
    assert password_problem(password, **PERSON) == reason


@pytest.mark.parametrize("password", ACCEPTED)
def test_passphrases_are_accepted(password: str) -> None:
    assert password_problem(password, **PERSON) is None


def test_generated_passwords_pass() -> None:
    """What the demo seed (12 characters) and the test servers (16) generate."""
    for length in (9, 12):
        for _ in range(300):
            password = secrets.token_urlsafe(length)
            assert password_problem(password, **PERSON) is None, password


# --- the same rule at every door ------------------------------------------------------------


@pytest.fixture(scope="module")
def manager(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("manager") as client:
        yield client


def _reasons(response: httpx.Response) -> list[str]:
    detail = response.json()["detail"]
    return [d["msg"] for d in detail] if isinstance(detail, list) else [detail]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("12345678", TOO_SHORT),
        ("password", TOO_SHORT),
        (" " * 8, BLANK),
        ("motdepasse2026", GUESSABLE),
    ],
)
def test_the_api_refuses_a_weak_password_at_creation(
    manager: httpx.Client, password: str, reason: str
) -> None:
    email = f"faible.{secrets.token_hex(3)}@example.fr"
    body = {"name": "Compte Faible", "email": email, "role": "cde", "password": password}
    response = manager.post("/api/v1/staff", json=body)
    assert response.status_code == 422, response.text
    assert reason in _reasons(response)
    listed = {p["email"] for p in manager.get("/api/v1/staff").json()}
    assert email not in listed


def test_the_api_refuses_a_weak_or_personal_password_at_reset(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    email = f"claire.{secrets.token_hex(3)}@example.fr"
    password = secrets.token_urlsafe(12)
    body = {"name": "Claire Fontaine", "email": email, "role": "cdde", "password": password}
    staff_id = manager.post("/api/v1/staff", json=body).json()["id"]
    for weak, reason in (
        ("password", TOO_SHORT),
        ("          ", BLANK),
        ("password1234", GUESSABLE),
        (email.upper() + "!", PERSONAL),
        ("ClaireFontaine75", PERSONAL),
    ):
        response = manager.patch(f"/api/v1/staff/{staff_id}", json={"password": weak})
        assert response.status_code == 422, (weak, response.text)
        assert reason in _reasons(response), weak
    # Nothing changed: the old password still works.
    login = httpx.post(
        f"{module_server.url}/api/v1/auth/token", json={"email": email, "password": password}
    )
    assert login.status_code == 200


def _log_in_manager(server: LiveServer, client: httpx.Client) -> None:
    email, password = server.accounts["manager"]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/connexion").text)
    assert token
    answer = client.post(
        "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert answer.status_code == 303


def _csrf(client: httpx.Client, path: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert token
    return token[1]


def test_the_staff_pages_refuse_with_the_same_reason(
    module_server: LiveServer, manager: httpx.Client
) -> None:
    with httpx.Client(base_url=module_server.url, timeout=10) as page:
        _log_in_manager(module_server, page)
        email = f"page.{secrets.token_hex(3)}@example.fr"
        for weak, reason in (
            ("password", TOO_SHORT),
            ("        ", BLANK),
            ("1234567890", GUESSABLE),
        ):
            form = {
                "name": "Paul Page",
                "email": email,
                "role": "cdde",
                "password": weak,
                "csrf_token": _csrf(page, "/admin/equipe"),
            }
            response = page.post("/admin/equipe", data=form)
            assert response.status_code == 422, weak
            assert reason in html.unescape(response.text), weak
        assert email not in {p["email"] for p in manager.get("/api/v1/staff").json()}

        target = manager.post(
            "/api/v1/staff",
            json={"name": "Rémi Reset", "email": f"remi.{secrets.token_hex(3)}@example.fr",
                  "role": "cde", "password": secrets.token_urlsafe(12)},
        ).json()  # fmt: skip
        for weak, reason in (("12345678", TOO_SHORT), ("RemiReset2026", PERSONAL)):
            response = page.post(
                f"/admin/equipe/{target['id']}/mot-de-passe",
                data={"new_password": weak, "csrf_token": _csrf(page, "/admin/equipe")},
            )
            assert response.status_code == 422, weak
            assert reason in html.unescape(response.text), weak
        after = manager.get("/api/v1/staff").json()
        assert next(p for p in after if p["id"] == target["id"])["version"] == target["version"]


def test_couloir_user_add_refuses_with_the_same_reason(module_server: LiveServer) -> None:
    for weak, reason in (("password", TOO_SHORT), ("        ", BLANK), ("azerty12345", GUESSABLE)):
        result = subprocess.run(
            [
                *(sys.executable, "-m", "api.cli", "user", "add", "cli.faible@example.fr"),
                *("--name", "Cli Faible", "--role", "cde", "--agency", "avignon-joly-jean"),
                "--password-stdin",
            ],
            input=weak + "\n",
            capture_output=True,
            text=True,
            env=module_server.env,
            cwd=ROOT,
            timeout=60,
        )
        assert result.returncode != 0, weak
        assert reason in result.stderr, (weak, result.stderr)
        assert "Traceback" not in result.stderr
