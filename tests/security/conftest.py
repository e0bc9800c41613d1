"""The attack suite's arena: one live server per test file, holding the demo agency (A) and a
second agency (B) seeded in-process beside it, with logins for each role of A."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.db import make_engine
from api.demo import AGENCY_CODE
from api.models import Staff
from api.security.sessions import COOKIE_NAME, open_session
from api.services import screens
from tests.security.routes import Route
from tests.support.agencies import (
    ROLES,
    SeededAgency,
    Targets,
    add_agency,
    agency_id_of,
    bearer_for,
    make_targets,
    make_targets_for,
    staff_id_of,
)
from tests.support.fleet import fleet_env
from tests.support.francetravail import FakeFranceTravail, sample_offers, settings_env
from tests.support.server import LiveServer, client_tls

OTHER_CODE = "orange-autre-agence"
OTHER_MARKER = "Zorglubine"  # appears in every title of agency B
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = httpx.Timeout(15.0)


class PageClient(httpx.Client):
    """A browser-like client of the staff pages: cookies, and the CSRF token of its session."""

    csrf = ""

    def form(self, path: str, data: dict[str, str] | None = None, **kwargs) -> httpx.Response:  # type: ignore[no-untyped-def]
        """POST a form the way the page would, with this session's CSRF token."""
        return self.post(path, data={**(data or {}), "csrf_token": self.csrf}, **kwargs)


def csrf_of(html: str) -> str:
    """The CSRF token embedded in a page's forms."""
    found = _CSRF.search(html)
    assert found, "no form with a CSRF token on this page"
    return found.group(1)


def login_through_form(server: LiveServer, role: str) -> PageClient:
    """Log in as the demo account of ``role`` through the real login form (the fault tests:
    a phone keeps the session it logged in with across the server's deaths)."""
    email, password = server.accounts[role]
    client = PageClient(base_url=server.url, timeout=TIMEOUT, verify=client_tls())
    first = client.get("/admin/connexion")
    response = client.post(
        "/admin/connexion",
        data={"email": email, "password": password, "csrf_token": csrf_of(first.text)},
    )
    assert response.status_code == 303, (role, response.status_code, response.text[:300])
    client.csrf = csrf_of(client.get("/admin/menu").text)
    return client


@dataclass
class Arena:
    """Agency A (the demo one, logins for each role) and agency B (ids only) on one server."""

    server: LiveServer
    engine: Engine
    a_id: int
    a_staff: dict[str, int]
    other: SeededAgency
    _base: Targets | None = None
    _pages: dict[str, PageClient] = field(default_factory=dict)
    _apis: dict[tuple[str, int], httpx.Client] = field(default_factory=dict)
    _untouched: dict[str, Targets] = field(default_factory=dict)

    @contextmanager
    def db(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def fresh(self, agency_id: int | None = None) -> Targets:
        """New objects of agency A (or ``agency_id``), free to change or delete."""
        with self.db() as db:
            return make_targets(db, agency_id or self.a_id)

    @property
    def base(self) -> Targets:
        """Objects of agency A made once for the module: no test may change them."""
        if self._base is None:
            self._base = self.fresh()
        return self._base

    def fresh_for(self, route: Route) -> Targets:
        """New objects of agency A for the ids ``route`` names, ``base``'s for the others.

        Objects that ``route`` only refused so far (see ``untouched``) count as new.
        """
        kept = self._untouched.pop(route.id, None)
        if kept is not None:
            return kept
        with self.db() as db:
            return make_targets_for(db, self.base, route.params)

    def untouched(self, route: Route, t: Targets) -> None:
        """``route`` refused its request on ``t`` and every row of A is as it was before: the
        route's next ``fresh_for`` gets ``t`` rather than new objects (making them is most of
        a matrix case's cost)."""
        self._untouched[route.id] = t

    def pairing(self) -> tuple[str, str]:
        """A screen's pairing code and poll secret, made in-process.

        Each from a requester of its own: pairing requests are throttled per address.
        """
        with self.db() as db:
            pairing, secret = screens.start_pairing(db, f"screen-{secrets.token_hex(6)}")
            return pairing.code, secret

    def api(
        self, role: str | None, staff_id: int | None = None, *, fresh: bool = False
    ) -> httpx.Client:
        """A JSON API client with a bearer token of A's ``role`` (or of ``staff_id``).

        Kept for the module unless ``fresh`` (a token of its own, e.g. to log out with).
        """
        if role is None and staff_id is None:
            return httpx.Client(base_url=self.server.url, timeout=TIMEOUT, verify=client_tls())
        who = staff_id or self.a_staff[role or ""]
        key = (role or "", who) if not fresh else ("fresh", len(self._apis))
        if key not in self._apis:
            with self.db() as db:
                token = bearer_for(db, who)
            self._apis[key] = httpx.Client(
                base_url=self.server.url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=TIMEOUT,
                verify=client_tls(),
            )
        return self._apis[key]

    def screen(self, token: str) -> httpx.Client:
        """A client carrying a screen's token."""
        return httpx.Client(
            base_url=self.server.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
            verify=client_tls(),
        )

    def page(self, role: str) -> PageClient:
        """A staff-page session of A's ``role`` (one per role), with its CSRF token.

        The session is opened in-process, as the login form opens it, without the form's argon2
        check (tests/api/test_auth.py and test_login_attacks.py test the form itself).
        """
        if role not in self._pages:
            with self.db() as db:
                staff = db.get(Staff, self.a_staff[role])
                session = open_session(db, staff, kind="cookie", days=1)
            client = PageClient(
                base_url=self.server.url,
                cookies={COOKIE_NAME: session},
                timeout=TIMEOUT,
                verify=client_tls(),
            )
            client.csrf = csrf_of(client.get("/admin/menu").text)
            self._pages[role] = client
        return self._pages[role]

    def close(self) -> None:
        for client in [*self._pages.values(), *self._apis.values()]:
            client.close()
        self.engine.dispose()


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arena]:
    """A server of this test file's own with agencies A and B.

    It announces a fleet version whose wheel it holds and is linked to a France Travail
    stand-in on loopback, so that every route has a valid request.
    """
    folder = tmp_path_factory.mktemp("security")
    with FakeFranceTravail(sample_offers(), rate_limit=1000) as france_travail:
        env = {**fleet_env(folder / "fleet", "9.9.0"), **settings_env(france_travail)}
        server = LiveServer(folder, env=env)
        engine = make_engine(server.database_url)
        with Session(engine, expire_on_commit=False) as db:
            other = add_agency(db, OTHER_CODE, OTHER_MARKER)
            a_id = agency_id_of(db, AGENCY_CODE)
            a_staff = {role: staff_id_of(db, server.accounts[role][0]) for role in ROLES}
        server.start()
        made = Arena(server=server, engine=engine, a_id=a_id, a_staff=a_staff, other=other)
        try:
            yield made
        finally:
            made.close()
            server.close()
