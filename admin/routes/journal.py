"""Journal: the audit trail of the agency, filterable by kind of object and by person."""

from __future__ import annotations

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
    "chantier": "Chantiers",
}


def _href(link: tuple[str, str | int] | None) -> str | None:
    """The staff page of an object the journal names (``audit.JournalLine.link``)."""
    if link is None:
        return None
    kind, key = link
    pages = {
        "offer": lambda: urls.offer_page(str(key)),
        "candidates": lambda: f"{urls.offer_page(str(key))}#candidats",
        "hire": lambda: f"{urls.HIRES}/{key}",
        "challenge": lambda: urls.CHALLENGE,
        "announcements": lambda: urls.ANNOUNCEMENTS,
        "screen": lambda: f"{urls.SCREENS}/{key}",
        "team": lambda: urls.TEAM,
        "activity": lambda: f"{urls.ACTIVITY}#chantiers",
    }
    page = pages.get(kind)
    return page() if page else None


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
    lines = audit.tell(ctx.db, events[:PAGE], ctx.agency.timezone)
    rows = [{"line": line, "href": _href(line.link)} for line in lines]
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
        },
    )
