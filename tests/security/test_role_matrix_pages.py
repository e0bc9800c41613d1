"""Role × action matrix of the staff pages, generated from the route table and the permissions table.

Each staff page declares the action it needs the way the API does (``ctx: Allowed(Action.X)``,
``admin.deps.Allowed``), against the one table ``api.domain.permissions.PERMISSIONS``; the action
is read from the route itself (tests/security/routes.py), never written down here. Every role
submits every form (with a valid CSRF token of its own login) and opens every page that declares
an action: allowed roles are not refused, the others get the French 403 page and nothing changes
in the database.
"""

from __future__ import annotations

import pytest

from api.domain.permissions import DENIED_MESSAGE, can
from tests.security.conftest import Arena
from tests.security.routes import Route, page_routes
from tests.security.samples import OPEN_FORMS, PAGE_FORMS, RENDERS_A_FORM, send_form
from tests.support.agencies import ROLES, Targets, agency_rows

# Pages any logged-in staff member may read, declaring no action, and why (as the API's reads of
# the same things ask only for a login).
OPEN_TO_STAFF = {
    "GET /admin/menu": "the menu: its links follow the role, the pages behind them check",
    "GET /admin/embauches": "the hires, as GET /api/v1/hires",
    "GET /admin/embauches/{hire_id}": "one hire, as GET /api/v1/hires/{hire_id}",
    "GET /admin/embauches/{hire_id}/photo": "its photo, as GET /api/v1/hires/{hire_id}/photo",
    "GET /admin/defi": "the défi, as GET /api/v1/challenges",
    "GET /admin/tags": "the agency's tags, as GET /api/v1/tags",
    "GET /admin/tags/{slug}": "what a tag crosses, as GET /api/v1/tags/{slug}",
}


def form_routes() -> list[Route]:
    return [r for r in page_routes() if r.method == "POST" and r.path not in OPEN_FORMS]


def guarded_pages() -> list[Route]:
    return [r for r in page_routes() if r.method == "GET" and r.action is not None]


def test_every_staff_form_has_a_sample() -> None:
    posted = {r.path for r in page_routes() if r.method == "POST"}
    assert posted - set(PAGE_FORMS) - set(OPEN_FORMS) == set(), "add these forms to PAGE_FORMS"
    assert (set(PAGE_FORMS) | set(OPEN_FORMS)) - posted == set(), "stale entries in the tables"


def test_every_staff_form_declares_its_action() -> None:
    silent = [r.path for r in form_routes() if r.action is None]
    assert silent == [], "declare ctx: Allowed(Action.…) on these forms"


def test_every_staff_page_declares_its_action_or_is_explained() -> None:
    logged_in = {r.id for r in page_routes() if r.method == "GET" and r.auth == "page"}
    silent = {r.id for r in page_routes() if r.id in logged_in and r.action is None}
    assert silent - set(OPEN_TO_STAFF) == set(), "declare ctx: Allowed(Action.…) on these pages"
    assert set(OPEN_TO_STAFF) - silent == set(), "stale entries in OPEN_TO_STAFF"


def test_no_staff_page_checks_a_role_in_its_body() -> None:
    """One way to check: the declared dependency, not ``can``/``allow`` inside route bodies."""
    import inspect

    import admin.routes as package

    for module in package.__dict__.values():
        if inspect.ismodule(module) and module.__name__.startswith("admin.routes."):
            source = inspect.getsource(module)
            for forbidden in (".allow(", ".role ==", ".role in", '"cdde"', '"manager"'):
                assert forbidden not in source, (module.__name__, forbidden)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", form_routes(), ids=lambda r: r.path)
def test_form_matrix(route: Route, role: str, arena: Arena) -> None:
    assert route.action is not None
    t = arena.fresh_for(route)
    before = None
    if not can(role, route.action):  # only a refusal is checked against the rows
        with arena.db() as db:
            before = agency_rows(db, arena.a_id)
    response = send_form(arena, arena.page(role), route.path, t)
    assert response.status_code < 500, response.text[:500]
    if can(role, route.action) and route.path in RENDERS_A_FORM:
        assert response.status_code == 200, (response.status_code, response.text[:800])
        assert 'action="/admin/connexion"' not in response.text
        return
    if can(role, route.action):
        assert response.status_code == 303, (response.status_code, response.text[:800])
        assert "/admin/connexion" not in response.headers["location"]
        return
    assert response.status_code == 403, (response.status_code, response.text[:500])
    assert "Action refusée" in response.text and DENIED_MESSAGE in response.text
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before, "a refused form changed something"
    arena.untouched(route, t)


@pytest.fixture(scope="module")
def shared(arena: Arena) -> Targets:
    """Objects for pages that only read: the module's base set."""
    return arena.base


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", guarded_pages(), ids=lambda r: r.path)
def test_page_matrix(route: Route, role: str, arena: Arena, shared: Targets) -> None:
    assert route.action is not None
    ids = {**shared.ids(), "offer_id": shared.offer_id}
    response = arena.page(role).get(route.url(ids))
    if can(role, route.action):
        assert response.status_code == 200, (response.status_code, response.text[:500])
        return
    assert response.status_code == 403, (response.status_code, response.text[:500])
    assert "Action refusée" in response.text and DENIED_MESSAGE in response.text
