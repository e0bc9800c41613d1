"""Attacks on logging in: parallel guessing, memory exhaustion without an account, logout.

Each test plays the attacker against a real server (two processes sharing one database for the
throttle), on SQLite or PostgreSQL (COULOIR_TEST_DATABASE_URL).
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from api.db import make_engine
from api.models import LoginFailure
from api.security.throttle import MAX_FAILURES, WINDOW
from tests.support.databases import drop_database
from tests.support.server import LiveServer, client_tls

BAD_LOGIN = "E-mail ou mot de passe incorrect."
GUESSES = 20
PARALLEL_UNKNOWN = 40
# Two argon2 checks at 64 MiB each plus threads and buffers; unbounded it was 1.6–2.7 GB.
MAX_PEAK_GROWTH_MIB = 300


@contextmanager
def second_process(server: LiveServer, data_dir: Path) -> Iterator[LiveServer]:
    """Another ``couloir serve`` on the same database (as behind a load balancer)."""
    twin = LiveServer(data_dir, seed=False)
    own_database = twin.database_url
    twin.database_url = server.database_url
    twin.accounts = server.accounts
    try:
        twin.start()
        yield twin
    finally:
        twin.stop()
        drop_database(own_database)


@pytest.fixture(scope="module")
def twin(
    module_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    with second_process(module_server, tmp_path_factory.mktemp("twin")) as server:
        yield server


def new_account(server: LiveServer) -> tuple[str, str]:
    email = f"cible.{secrets.token_hex(4)}@example.fr"
    password = secrets.token_urlsafe(12)
    body = {"name": "Compte Cible", "email": email, "role": "cde", "password": password}
    with server.client("manager") as manager:
        response = manager.post("/api/v1/staff", json=body)
    assert response.status_code == 201, response.text
    return email, password


def api_login(server: LiveServer, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/auth/token",
        json={"email": email, "password": password},
        timeout=60,
        verify=client_tls(),
    )


class PageLogin:
    """The staff login form, opened (CSRF cookie and token) before the burst."""

    def __init__(self, server: LiveServer) -> None:
        self.client = httpx.Client(base_url=server.url, timeout=60, verify=client_tls())
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', self.client.get("/admin/connexion").text
        )
        assert token
        self.token = token[1]

    def submit(self, email: str, password: str) -> httpx.Response:
        try:
            return self.client.post(
                "/admin/connexion",
                data={"email": email, "password": password, "csrf_token": self.token},
            )
        finally:
            self.client.close()


def burst(attempts: list) -> list[httpx.Response]:  # type: ignore[type-arg]
    """Run the callables at the same instant, each on its own thread."""
    start = threading.Barrier(len(attempts))

    def run(attempt) -> httpx.Response:  # type: ignore[no-untyped-def]
        start.wait(timeout=30)
        return attempt()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


def age_failures(server: LiveServer, email: str, by: timedelta) -> int:
    """Move an account's recorded attempts back in time (the window passing); return how many."""
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as db:
            rows = list(db.exec(select(LoginFailure).where(col(LoginFailure.email) == email)))
            for row in rows:
                row.at = row.at - by
                db.add(row)
            db.commit()
            return len(rows)
    finally:
        engine.dispose()


def assert_throttled(responses: list[httpx.Response]) -> None:
    """At most MAX_FAILURES passwords were checked; every other guess got 429 and Retry-After."""
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {401, 429}, statuses
    assert 1 <= statuses[401] <= MAX_FAILURES, statuses
    for response in responses:
        if response.status_code == 429:
            assert 0 < int(response.headers["Retry-After"]) <= WINDOW.total_seconds()
            assert "Trop de tentatives" in response.text


@pytest.mark.parametrize("target", ["account", "unknown e-mail"])
def test_twenty_parallel_guesses_get_at_most_five_password_checks(
    module_server: LiveServer, target: str
) -> None:
    if target == "account":
        email, password = new_account(module_server)
    else:
        email, password = f"inconnu.{secrets.token_hex(4)}@example.fr", "peu importe"
    responses = burst(
        [lambda i=i: api_login(module_server, email, f"devine-{i}") for i in range(GUESSES)]
    )
    assert_throttled(responses)
    for response in responses:
        if response.status_code == 401:
            assert response.json()["detail"] == BAD_LOGIN

    # Even the right password is refused until the window passes ...
    refused = api_login(module_server, email, password)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    if target == "unknown e-mail":
        return
    # ... then it works, and the success clears the count.
    assert age_failures(module_server, email, WINDOW + timedelta(minutes=1)) <= MAX_FAILURES
    assert api_login(module_server, email, password).status_code == 200
    assert age_failures(module_server, email, timedelta(0)) == 0
    for _ in range(MAX_FAILURES - 1):
        assert api_login(module_server, email, "encore-faux").status_code == 401
    assert api_login(module_server, email, password).status_code == 200


def test_guesses_spread_over_two_processes_and_both_doors_share_one_count(
    module_server: LiveServer, twin: LiveServer
) -> None:
    """Half on the API, half on the staff login page, alternating between two server processes."""
    email, password = new_account(module_server)
    attempts = []
    for i in range(GUESSES):
        server = (module_server, twin)[i % 2]
        if i % 4 < 2:
            attempts.append(lambda s=server, i=i: api_login(s, email, f"devine-{i}"))
        else:
            page = PageLogin(server)
            attempts.append(lambda p=page, i=i: p.submit(email, f"devine-{i}"))
    assert_throttled(burst(attempts))
    for server in (module_server, twin):
        assert api_login(server, email, password).status_code == 429
        assert PageLogin(server).submit(email, password).status_code == 429


def _peak_rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert match, status
    return int(match[1]) / 1024


def test_forty_parallel_logins_with_unknown_emails_keep_memory_bounded(
    live_server: LiveServer,
) -> None:
    """No account needed: each login used to take 64 MiB of argon2 at once, 40 of them 2.7 GB."""
    assert live_server._process is not None
    pid = live_server._process.pid
    before = _peak_rss_mib(pid)
    responses = burst(
        [
            lambda i=i: api_login(live_server, f"x{i}.{secrets.token_hex(3)}@example.fr", "devine")
            for i in range(PARALLEL_UNKNOWN)
        ]
    )
    growth = _peak_rss_mib(pid) - before
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {401, 503}, statuses
    assert statuses[401] >= 2, statuses
    for response in responses:
        if response.status_code == 503:  # too many at once: told to come back, in French
            assert int(response.headers["Retry-After"]) > 0
            assert "réessayez" in response.json()["detail"]
    assert growth < MAX_PEAK_GROWTH_MIB, f"peak RSS grew by {growth:.0f} MiB"
    # The server is still there for the real people.
    email, password = live_server.accounts["cde"]
    assert api_login(live_server, email, password).status_code == 200


@contextmanager
def _page_session(server: LiveServer, role: str) -> Iterator[httpx.Client]:
    """A client logged in through the staff login page (a session cookie)."""
    email, password = server.accounts[role]
    with httpx.Client(base_url=server.url, timeout=10, headers={"Origin": server.url}) as client:
        yield _log_in(client, email, password)


def _log_in(client: httpx.Client, email: str, password: str) -> httpx.Client:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/connexion").text)
    assert token
    answer = client.post(
        "/admin/connexion", data={"email": email, "password": password, "csrf_token": token[1]}
    )
    assert answer.status_code == 303 and "couloir_session" in client.cookies
    return client


def test_api_logout_with_a_cookie_ends_that_session(module_server: LiveServer) -> None:
    with _page_session(module_server, "cdde") as client:
        stolen = client.cookies["couloir_session"]
        assert client.get("/api/v1/auth/me").status_code == 200
        out = client.post("/api/v1/auth/logout")
        assert out.status_code == 204
        cleared = [c for c in out.headers.get_list("set-cookie") if "couloir_session=" in c]
        assert cleared and ("Max-Age=0" in cleared[0] or "expires=" in cleared[0].lower())
    with httpx.Client(
        base_url=module_server.url, timeout=10, cookies={"couloir_session": stolen}
    ) as thief:
        assert thief.get("/api/v1/auth/me").status_code == 401
        assert thief.get("/api/v1/offers").status_code == 401
        page = thief.get("/admin/")
        assert page.status_code == 303 and page.headers["location"].startswith("/admin/connexion")


def test_logout_ends_only_the_session_used(module_server: LiveServer) -> None:
    """A bearer's logout leaves the same person's cookie session alone, and the other way round."""
    bearer = module_server.client("manager")
    with _page_session(module_server, "manager") as page:
        assert bearer.post("/api/v1/auth/logout").status_code == 204
        assert bearer.get("/api/v1/auth/me").status_code == 401
        assert page.get("/api/v1/auth/me").status_code == 200
        fresh = module_server.client()
        token = api_login(module_server, *module_server.accounts["manager"]).json()["access_token"]
        fresh.headers["Authorization"] = f"Bearer {token}"
        assert page.post("/api/v1/auth/logout").status_code == 204
        assert page.get("/api/v1/auth/me").status_code == 401
        assert fresh.get("/api/v1/auth/me").status_code == 200
        fresh.close()
    bearer.close()
    module_server._tokens.pop("manager", None)  # that token is dead now


def test_staff_page_logout_ends_the_session_for_the_api_too(module_server: LiveServer) -> None:
    with _page_session(module_server, "cde") as client:
        stolen = client.cookies["couloir_session"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/admin/menu").text)
        assert token
        out = client.post("/admin/deconnexion", data={"csrf_token": token[1]})
        assert out.status_code == 303
    with httpx.Client(
        base_url=module_server.url, timeout=10, cookies={"couloir_session": stolen}
    ) as thief:
        assert thief.get("/api/v1/auth/me").status_code == 401
        assert thief.get("/admin/").status_code == 303
