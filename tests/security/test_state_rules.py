"""Rules that depend on the object, not only on the role: on the API and the staff pages alike.

- A published hire is changed only by a role that may moderate hires (issue 9, item 2).
- A manager never touches an administrator's account, nor raises anyone to administrator
  (issue 9, item 1).
"""

from __future__ import annotations

import secrets
from datetime import date

import pytest

from api.domain.permissions import PERMISSIONS, Action
from api.models import Hire
from tests.security.conftest import Arena
from tests.support.agencies import ROLES, add_staff, agency_rows, bearer_for, jpeg

# Refused for who asks, not for the password itself (whatever the password policy becomes).
STRONG_PASSWORD = f"Couloir-{secrets.token_urlsafe(16)}"
MODERATORS = [r for r in ROLES if Action.MODERATE_HIRES in PERMISSIONS[r]]
NOT_MODERATORS = [r for r in ROLES if r not in MODERATORS]
STAFF_MANAGERS_BELOW_ADMIN = [
    r for r in ROLES if Action.MANAGE_STAFF in PERMISSIONS[r] and r != "admin"
]


def _story_form(version: int) -> dict[str, str]:
    return {
        "employer": "Employeur réécrit",
        "title": "Poste réécrit",
        "story": "Histoire réécrite sans l'accord d'un manager.",
        "hired_on": str(date.today()),
        "photo_consent": "on",
        "version": str(version),
    }


def _hire_version(arena: Arena, hire_id: int) -> int:
    with arena.db() as db:
        return db.get(Hire, hire_id).version


@pytest.mark.parametrize("role", NOT_MODERATORS)
def test_published_story_cannot_be_rewritten_on_the_staff_page(role: str, arena: Arena) -> None:
    t = arena.fresh()
    with arena.db() as db:
        before = agency_rows(db, arena.a_id)
    response = arena.page(role).form(
        f"/admin/embauches/{t.published_hire_id}",
        _story_form(_hire_version(arena, t.published_hire_id)),
    )
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")  # a French page, saying why
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before


@pytest.mark.parametrize("role", NOT_MODERATORS)
def test_published_photo_cannot_be_replaced_through_the_api(role: str, arena: Arena) -> None:
    t = arena.fresh()
    with arena.db() as db:
        before = agency_rows(db, arena.a_id)
    response = arena.api(role).put(
        f"/api/v1/hires/{t.published_hire_id}/photo", content=jpeg("#00ff00")
    )
    assert response.status_code == 403, (response.status_code, response.text[:300])
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before


@pytest.mark.parametrize("role", MODERATORS)
def test_moderators_still_edit_published_hires(role: str, arena: Arena) -> None:
    t = arena.fresh()
    version = _hire_version(arena, t.published_hire_id)
    page = arena.page(role).form(f"/admin/embauches/{t.published_hire_id}", _story_form(version))
    assert page.status_code == 303, page.text[:300]
    photo = arena.api(role).put(f"/api/v1/hires/{t.published_hire_id}/photo", content=jpeg())
    assert photo.status_code == 200, photo.text[:300]


def _fresh_admin(arena: Arena) -> tuple[int, str]:
    with arena.db() as db:
        person = add_staff(db, arena.a_id, "admin", f"Cible{secrets.token_hex(3)}")
        return person.id, bearer_for(db, person.id)


@pytest.mark.parametrize(
    "change",
    [{"password": STRONG_PASSWORD}, {"role": "cdde"}, {"active": False}],
    ids=["password", "role", "active"],
)
@pytest.mark.parametrize("role", STAFF_MANAGERS_BELOW_ADMIN)
def test_a_manager_cannot_take_over_an_admin_through_the_api(
    role: str, change: dict, arena: Arena
) -> None:
    admin_id, admin_token = _fresh_admin(arena)
    with arena.db() as db:
        before = agency_rows(db, arena.a_id)
    response = arena.api(role).patch(f"/api/v1/staff/{admin_id}", json=change)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before
    with arena.screen(admin_token) as admin:  # the admin's own session still works
        assert admin.get("/api/v1/auth/me").status_code == 200


@pytest.mark.parametrize(
    ("action", "body"),
    [("mot-de-passe", {"new_password": STRONG_PASSWORD}), ("desactiver", {})],
)
@pytest.mark.parametrize("role", STAFF_MANAGERS_BELOW_ADMIN)
def test_a_manager_cannot_reset_or_deactivate_an_admin_on_the_team_page(
    role: str, action: str, body: dict, arena: Arena
) -> None:
    admin_id, admin_token = _fresh_admin(arena)
    with arena.db() as db:
        before = agency_rows(db, arena.a_id)
    response = arena.page(role).form(f"/admin/equipe/{admin_id}/{action}", body)
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("text/html")  # a French page, saying why
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before
    with arena.screen(admin_token) as admin:
        assert admin.get("/api/v1/auth/me").status_code == 200


@pytest.mark.parametrize("role", STAFF_MANAGERS_BELOW_ADMIN)
def test_nobody_raises_anyone_above_their_own_role(role: str, arena: Arena) -> None:
    t = arena.fresh()
    with arena.db() as db:
        before = agency_rows(db, arena.a_id)
    response = arena.api(role).patch(f"/api/v1/staff/{t.colleague_id}", json={"role": "admin"})
    assert 400 <= response.status_code < 500 and response.status_code != 401, response.text
    created = arena.page(role).form(
        "/admin/equipe",
        {
            "name": "Intrus",
            "email": f"intrus-{secrets.token_hex(3)}@demo.couloir.test",
            "role": "admin",
            "password": f"Couloir-{secrets.token_urlsafe(12)}",
        },
    )
    assert created.status_code in (403, 422), created.status_code
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before
