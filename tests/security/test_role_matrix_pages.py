"""Role × action matrix of the staff pages' forms, from the permissions table.

Staff pages check permissions inside their bodies (``ctx.allow``) as well as through
``admin.deps.require``, so the action of each form is written down here; a test fails when a form
route exists without an entry, or when an entry disagrees with the dependency the route declares.
Each role submits each form (with a valid CSRF token of its own login): allowed roles are not
refused, the others get the French 403 page and nothing changes in the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.models import Hire, Offer, Screen
from tests.security.conftest import Arena
from tests.security.routes import Route, page_routes
from tests.support.agencies import ROLES, Targets, agency_rows

Body = Callable[[Arena, Targets], dict[str, str]]


@dataclass(frozen=True)
class FormCase:
    action: Action
    body: Body = lambda arena, t: {}
    ids: Callable[[Targets], dict[str, int]] = lambda t: t.ids()


def _version(arena: Arena, model: type, row_id: int) -> str:
    with arena.db() as db:
        return str(db.get(model, row_id).version)


def _offer_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"employer": "Boulangerie Formulaire", "title": "Boulanger", "contract": "CDI",
            "commune": "Avignon", "positions": "1", "is_tpe": "on"}  # fmt: skip


def _offer_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_offer_form(arena, t), "version": _version(arena, Offer, t.offer_id)}


def _hire_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"employer": "Garage", "title": "Mécanicien", "story": "Réécrite.",
            "hired_on": str(date.today()), "photo_consent": "on"}  # fmt: skip


def _hire_edit(arena: Arena, t: Targets) -> dict[str, str]:
    return {**_hire_form(arena, t), "version": _version(arena, Hire, t.draft_hire_id)}


def _challenge_form(arena: Arena, t: Targets) -> dict[str, str]:
    today = date.today()
    return {"title": "Défi formulaire", "unit": "offres", "goal": "5",
            "starts_on": str(today), "ends_on": str(today + timedelta(days=9))}  # fmt: skip


def _announcement_form(arena: Arena, t: Targets) -> dict[str, str]:
    now = datetime.now().replace(microsecond=0)
    return {"message": "Réunion", "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat()}  # fmt: skip


def _pairing_form(arena: Arena, t: Targets) -> dict[str, str]:
    with arena.api(None) as screen_without_token:
        code = screen_without_token.post("/api/v1/display/pairings").json()["code"]
    return {"code": code, "name": "Écran appairé"}


def _screen_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"name": "Écran renommé", "rotation": "0", "on_offers": "on", "order_offers": "1",
            "duration_offers": "15", "version": _version(arena, Screen, t.screen_id)}  # fmt: skip


def _staff_form(arena: Arena, t: Targets) -> dict[str, str]:
    return {"name": "Nouvelle Recrue", "email": f"recrue-{secrets.token_hex(4)}@demo.couloir.test",
            "role": "cdde", "password": f"Couloir-{secrets.token_urlsafe(12)}"}  # fmt: skip


def _with(**override: str) -> Callable[[Targets], dict[str, int]]:
    return lambda t: {**t.ids(), **{k: getattr(t, v) for k, v in override.items()}}


# Every POST form of the staff pages → the action it needs and how to fill it validly.
PAGE_FORMS: dict[str, FormCase] = {
    "/admin/offres/nouvelle": FormCase(Action.EDIT_OFFERS, _offer_form),
    "/admin/offres/{offer_id}/modifier": FormCase(Action.EDIT_OFFERS, _offer_edit),
    "/admin/offres/{offer_id}/pourvue": FormCase(Action.EDIT_OFFERS),
    "/admin/offres/{offer_id}/fermer": FormCase(Action.EDIT_OFFERS),
    "/admin/offres/{offer_id}/rouvrir": FormCase(
        Action.EDIT_OFFERS, ids=_with(offer_id="closed_offer_id")
    ),
    "/admin/offres/{offer_id}/supprimer": FormCase(Action.DELETE_OFFERS),
    "/admin/offres/{offer_id}/candidat": FormCase(Action.PROPOSE_CANDIDATE),
    "/admin/candidats/{proposal_id}/suite": FormCase(
        Action.SET_CANDIDATE_OUTCOME, lambda a, t: {"outcome": "interview"}
    ),
    "/admin/embauches/nouvelle": FormCase(Action.WRITE_HIRES, _hire_form),
    # A draft: published hires have their own rule (test_state_rules.py).
    "/admin/embauches/{hire_id}": FormCase(
        Action.WRITE_HIRES, _hire_edit, ids=_with(hire_id="draft_hire_id")
    ),
    "/admin/embauches/{hire_id}/publier": FormCase(
        Action.MODERATE_HIRES, ids=_with(hire_id="draft_hire_id")
    ),
    "/admin/embauches/{hire_id}/retirer": FormCase(Action.MODERATE_HIRES),
    "/admin/defi": FormCase(Action.MANAGE_CHALLENGES, _challenge_form),
    "/admin/defi/{challenge_id}/clore": FormCase(Action.MANAGE_CHALLENGES),
    "/admin/defi/{challenge_id}/contributions": FormCase(
        Action.CONTRIBUTE, lambda a, t: {"amount": "1", "label": "une offre pourvue"}
    ),
    "/admin/annonces": FormCase(Action.MANAGE_ANNOUNCEMENTS, _announcement_form),
    "/admin/annonces/{announcement_id}/retirer": FormCase(Action.MANAGE_ANNOUNCEMENTS),
    "/admin/ecrans/appairer": FormCase(Action.MANAGE_SCREENS, _pairing_form),
    "/admin/ecrans/{screen_id}": FormCase(Action.MANAGE_SCREENS, _screen_form),
    "/admin/ecrans/{screen_id}/revoquer": FormCase(Action.MANAGE_SCREENS),
    "/admin/equipe": FormCase(Action.MANAGE_STAFF, _staff_form),
    "/admin/equipe/{staff_id}/desactiver": FormCase(Action.MANAGE_STAFF),
    "/admin/equipe/{staff_id}/reactiver": FormCase(Action.MANAGE_STAFF),
    "/admin/equipe/{staff_id}/mot-de-passe": FormCase(
        Action.MANAGE_STAFF, lambda a, t: {"new_password": f"Couloir-{secrets.token_urlsafe(12)}"}
    ),
}
# Forms any visitor may post, and why.
OPEN_FORMS = {
    "/admin/connexion": "the login form itself",
    "/admin/deconnexion": "a session closes itself",
}


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
    url = Route("POST", path, "", None, None, frozenset(), None).url(case.ids(t))
    body = case.body(arena, t)
    with arena.db() as db:
        before = agency_rows(db, arena.a_id)
    response = arena.page(role).form(url, body)
    assert response.status_code < 500, response.text[:500]
    if can(role, case.action):
        assert response.status_code == 303, (response.status_code, response.text[:800])
        assert "/admin/connexion" not in response.headers["location"]
        return
    assert response.status_code == 403, (response.status_code, response.text[:500])
    assert "Action refusée" in response.text and DENIED_MESSAGE in response.text
    with arena.db() as db:
        assert agency_rows(db, arena.a_id) == before, "a refused form changed something"
