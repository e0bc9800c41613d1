"""Accueil: what is waiting for me, my offers, the most urgent ones, the défi."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin import urls
from admin.deps import Allowed, refresh_badges
from admin.templating import render
from api.domain.permissions import Action
from api.models.offer import OUTCOME_LABELS
from api.services import dashboard
from api.services import offers as offer_service

router = APIRouter(include_in_schema=False)


@router.get("/", include_in_schema=False)
def root() -> Response:
    """The bare site address opens the staff home (or the login page)."""
    return RedirectResponse(urls.HOME, status_code=307)


@router.get(urls.HOME, response_class=HTMLResponse)
def home(request: Request, ctx: Allowed(Action.READ_OFFERS)) -> Response:
    """The first page after login, ordered by what needs the user now."""
    view = dashboard.for_staff(ctx.db, ctx.me, ctx.agency, ctx.offers)
    # « À traiter » lists the new candidates: looked at, they leave the tab bar's badge.
    if offer_service.mark_proposals_seen(ctx.db, ctx.me):
        refresh_badges(request, ctx.db, ctx.me)
    return render(
        request,
        "pages/home.html",
        {
            "title": "Accueil",
            "active_tab": "home",
            "agency": ctx.agency,
            "outcomes": OUTCOME_LABELS,
            **vars(view),
        },
    )
