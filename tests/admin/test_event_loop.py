"""A staff page's form waiting for the database never holds up the server: its database work
runs in a worker thread, so screens' streams and health checks go on (issue 10, point 6)."""

from __future__ import annotations

import re
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.databases import engine_name
from tests.support.server import LiveServer

pytestmark = pytest.mark.skipif(
    engine_name() != "sqlite", reason="holds SQLite's writer lock from outside the server"
)


def _csrf(client: httpx.Client, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"no form on {path}"
    return match[1]


def test_a_form_waiting_for_the_database_leaves_the_health_check_answering(
    live_server: LiveServer,
) -> None:
    email, password = live_server.accounts["manager"]
    with httpx.Client(base_url=live_server.url, timeout=30) as browser:
        login = {"email": email, "password": password}
        login["csrf_token"] = _csrf(browser, "/admin/connexion")
        assert browser.post("/admin/connexion", data=login).status_code == 303
        token = _csrf(browser, "/admin/menu")
        lock = sqlite3.connect(live_server.database_url.removeprefix("sqlite:///"), timeout=1)
        lock.isolation_level = None
        lock.execute("BEGIN IMMEDIATE")  # another writer holds the database
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                # Logging out deletes the session row: a write that must wait for the lock.
                leaving = pool.submit(
                    browser.post, "/admin/deconnexion", data={"csrf_token": token}
                )
                # A blocked event loop would hold every health check until the lock goes,
                # which only happens after this loop: the first check would time out.
                answered, deadline = 0, time.monotonic() + 2.0
                while time.monotonic() < deadline:
                    health = httpx.get(f"{live_server.url}/healthz", timeout=3)
                    assert health.status_code == 200
                    answered += 1
                assert not leaving.done()  # the form waited the whole time
                lock.execute("ROLLBACK")
                assert leaving.result(timeout=10).status_code == 303
        finally:
            lock.close()
    assert answered >= 2, f"/healthz answered {answered} time(s) while a form waited"
