"""« À importer »: small businesses' offers France Travail found in the agency's communes, each
accepted (it becomes the CDE's offer, linked to France Travail) or dismissed in one tap."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found, refused_page
from admin.forms import Form, Posted
from admin.templating import render
from api.domain.permissions import Action
from api.errors import DomainError
from api.models import FranceTravailSuggestion
from api.params import PathId
from api.services import francetravail_suggestions as service

router = APIRouter(prefix=urls.SUGGESTIONS, include_in_schema=False)
Editor = Allowed(Action.EDIT_OFFERS)


def _suggestion(ctx: Ctx, suggestion_id: int) -> FranceTravailSuggestion:
    with page_not_found("Cette suggestion n'existe pas."):
        return service.get_suggestion(ctx.db, ctx.agency.id, suggestion_id)


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, ctx: Editor) -> Response:
    """The agency's suggestions still to decide, those lacking candidates first."""
    return render(
        request,
        "pages/suggestions.html",
        {
            "title": "À importer",
            "active_tab": "menu",
            "suggestions": service.pending(ctx.db, ctx.agency.id),
            "communes": service.communes_of(ctx.db, ctx.agency.id),
        },
    )


@router.post("/{suggestion_id}/importer")
def accept(request: Request, ctx: Editor, suggestion_id: PathId, form: Form = Posted) -> Response:
    """Import the offer: it becomes an offer of mine, linked to France Travail."""
    suggestion = _suggestion(ctx, suggestion_id)
    try:
        offer = service.accept(ctx.db, ctx.me, suggestion)
    except DomainError as exc:
        return refused_page(request, exc)
    return RedirectResponse(urls.offer_page(offer.code, "offre-importee"), status_code=303)


@router.post("/{suggestion_id}/ecarter")
def dismiss(request: Request, ctx: Editor, suggestion_id: PathId, form: Form = Posted) -> Response:
    """Set the offer aside for good: it is not suggested again."""
    suggestion = _suggestion(ctx, suggestion_id)
    try:
        service.dismiss(ctx.db, ctx.me, suggestion)
    except DomainError as exc:
        return refused_page(request, exc)
    return RedirectResponse(
        urls.with_message(urls.SUGGESTIONS, "suggestion-ecartee"), status_code=303
    )
