"""Role × action matrix of the staff pages' forms, from the permissions table.

Staff pages check permissions inside their bodies (``ctx.allow``) as well as through
``admin.deps.require``, so the action of each form is written down here; a test fails when a form
route exists without an entry, or when an entry disagrees with the dependency the route declares.
Each role submits each form (with a valid CSRF token of its own login): allowed roles are not
refused, the others get the French 403 page and nothing changes in the database.
"""

from __future__ import annotations

import pytest

from api.domain.permissions import DENIED_MESSAGE, can
from tests.security.conftest import Arena
from tests.security.routes import Route, page_routes
from tests.security.samples import OPEN_FORMS, PAGE_FORMS, send_form
from tests.support.agencies import ROLES, agency_rows


def form_routes() -> list[Route]:
    return [r for r in page_routes() if r.method == "POST"]


def test_every_staff_form_is_in_the_table() -> None:
    posted = {r.path for r in form_routes()}
    assert posted - set(PAGE_FORMS) - set(OPEN_FORMS) == set(), "add these forms to PAGE_FORMS"
    assert (set(PAGE_FORMS) | set(OPEN_FORMS)) - posted == set(), "stale entries in the tables"


def test_the_table_agrees_with_the_actions_routes_declare() -> None:
    declared = {r.path: r.action for r in form_routes() if r.action is not None}
    assert declared, "no staff form declares its action through admin.deps.require any more?"
    assert {p: PAGE_FORMS[p].action for p in declared} == declared


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(PAGE_FORMS))
def test_form_matrix(path: str, role: str, arena: Arena) -> None:
    case = PAGE_FORMS[path]
    t = arena.fresh()
    with arena.db() as db:
        before = agency_rows(db, arena.a_id)
    response = send_form(arena, arena.page(role), path, t)
    assert response.status_code < 500, response.text[:500]
    if can(role, case.action):
        assert response.status_code == 303, (response.status_code, response.text[:800])
        assert "/admin/connexion" not in response.headers["location"]
        return
    assert response.status_code == 403, (response.status_code, response.text[:500])
    assert "Action refusée" in response.text and DENIED_MESSAGE in response.text
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before, "a refused form changed something"
