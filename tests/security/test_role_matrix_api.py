"""Role × action matrix of the JSON API, generated from the route table and the permissions table.

Each route declares its action through ``Allowed(Action.X)``; for every route and role the expected
answer follows from ``api.domain.permissions.PERMISSIONS``: allowed roles get a 2xx, the others a
403 and nothing changes in the database.
"""

from __future__ import annotations

import pytest

from api.domain.permissions import DENIED_MESSAGE, can
from tests.security.conftest import Arena
from tests.security.routes import Route, api_routes
from tests.security.samples import SAMPLE_BODIES, SPENDS_ITS_TOKEN, send_api
from tests.support.agencies import ROLES, Targets, agency_rows

# Write routes that declare no action, and why that is right. Everything else that writes through
# the API must name the action it needs, so that the permissions table stays the one answer.
NO_ACTION_WRITES = {
    "POST /api/v1/auth/token": "public: the login itself",
    "POST /api/v1/auth/logout": "any logged-in person closes their own session",
    "POST /api/v1/display/pairings": "public: an unpaired screen asks for a code to show",
    "POST /api/v1/display/heartbeat": "screen token: the screen reports its health",
    "PUT /api/v1/display/screenshot": "screen token: the screen sends what it shows",
    "POST /api/v1/display/update/report": "screen token: the screen reports its own update",
}
PUBLIC_API = {
    "POST /api/v1/auth/token",
    "POST /api/v1/display/pairings",
    "GET /api/v1/display/pairings/{poll_secret}",  # the poll secret is the credential
    "GET /api/v1/agenda/feed/{token}.ics",  # the feed's secret token is the credential
}


def staff_routes() -> list[Route]:
    return [r for r in api_routes() if r.auth == "staff"]


def test_every_api_write_declares_its_action_or_is_explained() -> None:
    writes = {r.id: r for r in api_routes() if r.method != "GET"}
    silent = {key for key, r in writes.items() if r.action is None}
    assert silent - set(NO_ACTION_WRITES) == set(), "declare Allowed(Action.…) on these routes"
    assert set(NO_ACTION_WRITES) - set(writes) == set(), "stale entries in NO_ACTION_WRITES"


def test_every_api_route_asks_for_a_credential_unless_public() -> None:
    public = {r.id for r in api_routes() if r.auth == "public"}
    assert public == PUBLIC_API


def test_every_body_model_has_a_sample() -> None:
    models = {r.body_model for r in api_routes() if r.auth == "staff" and r.body_model}
    assert models - set(SAMPLE_BODIES) == set(), "add a valid sample body for these models"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", staff_routes(), ids=lambda r: r.id)
def test_role_matrix(route: Route, role: str, arena: Arena) -> None:
    t = arena.fresh_for(route)
    allowed = route.action is None or can(role, route.action)
    before = None
    if not allowed:
        with arena.db() as db:
            before = agency_rows(db, arena.a_id)
    client = arena.api(role, fresh=route.id in SPENDS_ITS_TOKEN)
    response = send_api(arena, client, route, t)
    assert response.status_code < 500, response.text
    if allowed:
        assert 200 <= response.status_code < 300, (response.status_code, response.text[:300])
        return
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert response.json()["detail"] == DENIED_MESSAGE
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before, "a refused request changed something"
    arena.untouched(route, t)


@pytest.fixture(scope="module")
def shared(arena: Arena) -> Targets:
    """Objects for requests that must change nothing: the module's base set."""
    return arena.base


@pytest.mark.parametrize("route", staff_routes(), ids=lambda r: r.id)
def test_staff_routes_refuse_anonymous_and_screen_tokens(
    route: Route, arena: Arena, shared: Targets
) -> None:
    t = shared
    with arena.api(None) as anonymous, arena.screen(t.screen_token) as screen:
        assert send_api(arena, anonymous, route, t).status_code == 401
        assert send_api(arena, screen, route, t).status_code == 401


@pytest.mark.parametrize(
    "route", [r for r in api_routes() if r.auth == "screen"], ids=lambda r: r.id
)
def test_screen_routes_refuse_staff_tokens(route: Route, arena: Arena, shared: Targets) -> None:
    t = shared
    for role in ROLES:
        response = arena.api(role).request(
            route.method, route.url({"hire_id": t.published_hire_id})
        )
        assert response.status_code == 401, (role, response.status_code)
