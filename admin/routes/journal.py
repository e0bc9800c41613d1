"""Journal: the audit trail of the agency, filterable by kind of object and by person."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from admin import urls
from admin.deps import Allowed
from admin.templating import render
from api.domain.permissions import Action
from api.params import PageNumber, parse_id
from api.services import audit
from api.services import staff as staff_service

router = APIRouter(prefix=urls.JOURNAL, include_in_schema=False)
Reader = Allowed(Action.READ_AUDIT)
PAGE = 50
ENTITIES = {
    "offer": "Offres",
    "candidateproposal": "Candidats",
    "hire": "Embauches",
    "challenge": "Défis",
    "contribution": "Contributions",
    "announcement": "Annonces",
    "screen": "Écrans",
    "staff": "Comptes",
}
ACTIONS = {
    "create": "a créé",
    "update": "a modifié",
    "delete": "a supprimé",
    "filled": "a marqué pourvue",
    "closed": "a clôturé",
    "reopen": "a rouvert",
    "propose": "a proposé un candidat",
    "outcome": "a noté la suite",
    "photo": "a changé la photo",
    "contribute": "a contribué",
    "revoke": "a révoqué",
    "end": "a retiré",
    "refuse_create": "n'a pas pu créer (e-mail déjà utilisé)",
}
_SHOWN_KEYS = ("title", "employer", "name", "message", "label", "status", "email")


def _summary(event: Any) -> str:
    state = event.after or event.before or {}
    for key in _SHOWN_KEYS:
        if state.get(key):
            return str(state[key])[:120]
    return ""


def _changes(event: Any) -> list[tuple[str, str, str]]:
    if not event.before or not event.after:
        return []
    skip = {"version", "updated_at"}
    out = []
    for key, new in event.after.items():
        old = event.before.get(key)
        if key not in skip and old != new:
            out.append((key, str(old)[:80], str(new)[:80]))
    return out[:8]


@router.get("", response_class=HTMLResponse)
def page(
    request: Request, ctx: Reader, quoi: str = "", qui: str = "", page: PageNumber = 1
) -> Response:
    """Latest changes first, 50 per page; a filter that names no one filters nothing."""
    entity = quoi if quoi in ENTITIES else None
    actor = parse_id(qui)
    events = audit.list_events(
        ctx.db,
        ctx.agency.id,
        entity=entity,
        actor_id=actor,
        limit=PAGE + 1,
        offset=(page - 1) * PAGE,
    )
    rows = [
        {
            "e": e,
            "what": _summary(e),
            "changes": _changes(e),
            "verb": ACTIONS.get(e.action, e.action),
        }
        for e in events[:PAGE]
    ]
    people = [(str(p.id), p.name) for p in staff_service.list_staff(ctx.db, ctx.agency.id)]
    return render(
        request,
        "pages/journal.html",
        {
            "title": "Journal",
            "active_tab": "menu",
            "rows": rows,
            "entities": ENTITIES,
            "people": people,
            "quoi": entity or "",
            "qui": str(actor or ""),
            "page": page,
            "has_more": len(events) > PAGE,
            "tz": ctx.agency.timezone,
        },
    )
