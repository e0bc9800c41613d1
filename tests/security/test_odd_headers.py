"""Odd headers on every route of the route table: never a 500, never a dropped connection.

Each route is called with valid credentials, ids and body, plus one odd header at a time (bytes a
browser would never send, sizes a proxy might let through). Requests go over a raw socket so that
any byte can be sent; only the status line and headers are read (the screen's event stream never
ends). Write routes get fresh objects for each header (those their path names; see
``make_targets_for``), so that every request reaches as deep as a valid one would.
"""

from __future__ import annotations

import random
import socket
import string
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from api.models import Staff
from api.security.sessions import COOKIE_NAME, open_session
from api.services import agenda
from tests.security.conftest import Arena, csrf_of
from tests.security.routes import Route, app_routes
from tests.security.samples import (
    PAGE_FORMS,
    RAW_BODIES,
    SPENDS_ITS_TOKEN,
    api_body,
    api_ids,
    prepared,
)
from tests.support.agencies import Targets, bearer_for

_junk = random.Random(9)
JUNK_8K = "".join(_junk.choices(string.ascii_letters + string.punctuation, k=8192)).encode()
CREDENTIALS = (b"authorization", b"cookie")
# name → headers added (those naming a credential replace the valid ones), and a body if any.
ODD: dict[str, tuple[list[tuple[bytes, bytes]], bytes | None]] = {
    'If-Match: "²"': ([(b"If-Match", b'"\xb2"')], None),
    "If-None-Match: 8 KB of junk": ([(b"If-None-Match", JUNK_8K)], None),
    "Bearer of 10,000 characters": ([(b"Authorization", b"Bearer " + b"A" * 10_000)], None),
    "Bearer with non-ASCII bytes": ([(b"Authorization", b"Bearer \xff\xfe\xb2\xe9t\xc3(")], None),
    "session cookie of junk": ([(b"Cookie", COOKIE_NAME.encode() + b"=\x7f\xff\xb2%00;;=;")], None),
    "session cookie with a NUL byte": ([(b"Cookie", COOKIE_NAME.encode() + b"=ab\x00cd")], None),
    "JSON body that is not UTF-8": (
        [(b"Content-Type", b"application/json")],
        b'{"name": "\xff\xfe\xb2", "title": "\xc3("}',
    ),
    "Accept: text/html": ([(b"Accept", b"text/html")], None),
    "Accept: application/json": ([(b"Accept", b"application/json")], None),
    "Origin of 12 KB": ([(b"Origin", b"https://" + b"a" * 12_000 + b".example")], None),
}
# How a header is parsed cannot depend on the database engine: checked once, on SQLite.
pytestmark = pytest.mark.one_engine
READ_LIMIT = 256 * 1024
# Routes whose "valid" request is refused anyway: a wrong password is the only one we send.
REFUSED_WHEN_VALID = {"POST /api/v1/auth/token", "POST /admin/connexion"}


def send_raw(port: int, method: str, target: str, headers: list[tuple[bytes, bytes]],
             body: bytes) -> int:  # fmt: skip
    """Send one request over a new connection; the status, or 0 when the connection dropped."""
    head = [f"{method} {target} HTTP/1.1".encode(), b"Host: 127.0.0.1"]
    head += [name + b": " + value for name, value in headers]
    head += [f"Content-Length: {len(body)}".encode(), b"Connection: close", b"", b""]
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(b"\r\n".join(head) + body)
        received = b""
        try:
            while b"\r\n\r\n" not in received and len(received) < READ_LIMIT:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except ConnectionResetError:
            return 0
    status_line = received.split(b"\r\n", 1)[0].split(b" ")
    return int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0


class Caller:
    """Valid credentials, ids and bodies for every route, as agency A's administrator."""

    def __init__(self, arena: Arena) -> None:
        self.arena = arena
        self.shared = arena.base  # read by routes that change nothing of theirs
        self.current = self.shared  # the objects of the write route being called
        self.poll_secret = arena.pairing()[1]
        with arena.db() as db:  # a private calendar address of A's admin (its own credential)
            self.feed_token = agenda.new_feed(db, db.get(Staff, arena.a_staff["admin"]), "k" * 40)
        self._cookie = self.page_cookie()

    def page_cookie(self) -> tuple[bytes, str]:
        """A new staff-page session of A's admin: its Cookie header and CSRF token."""
        with self.arena.db() as db:
            admin = db.get(Staff, self.arena.a_staff["admin"])
            session = open_session(db, admin, kind="cookie", days=1)
        with self.arena.api(None) as browser:
            browser.cookies.set(COOKIE_NAME, session)
            token = csrf_of(browser.get("/admin/menu").text)
            csrf_cookie = browser.cookies.get("couloir_csrf")
        return f"{COOKIE_NAME}={session}; couloir_csrf={csrf_cookie}".encode(), token

    def request(self, route: Route, *, fresh: bool) -> tuple[str, list[tuple[bytes, bytes]], bytes]:
        """Target, headers and body of a valid request to ``route`` (new objects if ``fresh``)."""
        spends = route.id in SPENDS_ITS_TOKEN or route.path == "/admin/deconnexion"
        writes = route.method != "GET" and bool(route.params)
        if fresh and writes:  # new objects for the ids it names only
            self.current = self.arena.fresh_for(route)
        t = prepared(self.arena, route, "admin", self.current if writes else self.shared)
        ids = {**self._ids(route, t), "code": t.offer_code, "poll_secret": self.poll_secret}
        if "{token}" in route.path:  # another route may have changed the address since
            with self.arena.db() as db:
                admin = db.get(Staff, self.arena.a_staff["admin"])
                self.feed_token = agenda.new_feed(db, admin, "k" * 40)
        ids["token"] = self.feed_token  # type: ignore[assignment]
        headers: list[tuple[bytes, bytes]] = []
        body = b""
        if route.auth == "screen":
            headers.append((b"Authorization", f"Bearer {self.arena.server.screen_token}".encode()))
        elif route.is_api:
            staff = self.arena.a_staff["admin"]
            with self.arena.db() as db:
                token = bearer_for(db, staff) if spends else self._bearer()
            headers.append((b"Authorization", f"Bearer {token}".encode()))
        if route.is_page or route.path.startswith("/o/"):
            cookie, csrf = self.page_cookie() if spends else self._cookie
            headers.append((b"Cookie", cookie))
            if route.method == "POST":
                case = PAGE_FORMS.get(route.path)
                fields = case.body(self.arena, t) if case else {}
                body = urlencode({**fields, "csrf_token": csrf}).encode()
                headers.append((b"Content-Type", b"application/x-www-form-urlencoded"))
        elif route.body_model or route.id in RAW_BODIES:
            body, content_type = api_body(self.arena, route)
            if content_type:
                headers.append((b"Content-Type", content_type.encode()))
        return route.url(ids), headers, body

    def _ids(self, route: Route, t: Targets) -> dict[str, int]:
        if route.is_api:
            return api_ids(route, t)
        case = PAGE_FORMS.get(route.path) if route.method == "POST" else None
        return case.ids(t) if case else t.ids()

    def _bearer(self) -> str:
        client = self.arena.api("admin")
        return client.headers["Authorization"].removeprefix("Bearer ")


@pytest.fixture(scope="module")
def caller(arena: Arena) -> Iterator[Caller]:
    yield Caller(arena)


def _with_odd(headers: list[tuple[bytes, bytes]], body: bytes, odd: str):  # type: ignore[no-untyped-def]
    extra, odd_body = ODD[odd]
    names = {n.lower() for n, _ in extra}
    replaced = set(CREDENTIALS) if names & set(CREDENTIALS) else set()
    if odd_body is not None:
        replaced.add(b"content-type")
    kept = [(n, v) for n, v in headers if n.lower() not in replaced and n.lower() not in names]
    return kept + extra, body if odd_body is None else odd_body


@pytest.mark.parametrize("route", app_routes(), ids=lambda r: r.id)
def test_odd_headers_never_break_a_route(route: Route, caller: Caller, arena: Arena) -> None:
    target, headers, body = caller.request(route, fresh=True)
    baseline = send_raw(arena.server.port, route.method, target, headers, body)
    assert baseline < 400 or route.id in REFUSED_WHEN_VALID, ("valid request refused", baseline)
    failures = {}
    changed = True  # the objects were used by the valid request
    for odd in ODD:
        target, headers, body = caller.request(route, fresh=changed)
        headers, body = _with_odd(headers, body, odd)
        status = send_raw(arena.server.port, route.method, target, headers, body)
        changed = 200 <= status < 400
        if status == 0 or status >= 500:
            failures[odd] = status or "connection dropped"
    assert failures == {}
