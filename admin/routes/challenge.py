"""Le défi: collective progress split by service, contributions, and (managers) running it."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx, CtxDep
from admin.errors import page_not_found
from admin.forms import Form, Posted
from admin.templating import render
from api.clock import local_today
from api.domain.permissions import Action
from api.errors import DomainError
from api.models import Challenge
from api.models.challenge import (
    SERVICE_LABELS,
    ChallengeCreate,
    ChallengeUpdate,
    ContributionCreate,
)
from api.params import PathId
from api.services import challenges

router = APIRouter(prefix=urls.CHALLENGE, include_in_schema=False)
Runner = Allowed(Action.MANAGE_CHALLENGES)
PAST_SHOWN = 6
LABELS = {
    "title": "Titre",
    "unit": "Unité",
    "goal": "Objectif",
    "starts_on": "Début",
    "ends_on": "Fin",
    "amount": "Nombre",
    "label": "Quoi",
}


def _challenge(ctx: Ctx, challenge_id: int) -> Challenge:
    with page_not_found():
        return challenges.get_challenge(ctx.db, ctx.agency.id, challenge_id)


def _page(
    request: Request,
    ctx: Ctx,
    *,
    new_form: Form | None = None,
    contrib_form: Form | None = None,
    status: int = 200,
) -> Response:
    today = local_today(ctx.agency.timezone)
    active = challenges.active_challenge(ctx.db, ctx.agency)
    past = challenges.list_challenges(ctx.db, ctx.agency.id, limit=PAST_SHOWN)
    first_of_month = today.replace(day=1)
    next_month = (first_of_month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "pages/challenge.html",
        {
            "title": "Défi",
            "active_tab": "challenge",
            "challenge": challenges.to_public(ctx.db, active, today) if active else None,
            "recent": challenges.recent_contributions(ctx.db, active, limit=8) if active else [],
            "others": [
                challenges.to_public(ctx.db, c, today)
                for c in past
                if not active or c.id != active.id
            ],
            "services": SERVICE_LABELS,
            "new_form": new_form
            or Form.empty(
                unit="offres TPE pourvues",
                starts_on=today,
                ends_on=next_month - timedelta(days=1),
                goal=30,
            ),
            "contrib_form": contrib_form or Form.empty(amount=1),
            "labels": LABELS,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def page(request: Request, ctx: CtxDep) -> Response:
    """The running défi and how to add to it."""
    return _page(request, ctx)


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: Runner, form: Form = Posted) -> Response:
    """Start a défi (managers)."""
    data = {
        "title": form.text("title", required=True),
        "unit": form.text("unit", required=True),
        "goal": form.integer("goal", minimum=1, maximum=100_000),
        "starts_on": form.date("starts_on", required=True),
        "ends_on": form.date("ends_on", required=True),
    }
    if data["starts_on"] and data["ends_on"] and data["ends_on"] < data["starts_on"]:
        form.add_error("ends_on", "La fin doit venir après le début.")
    if form.ok:
        try:
            challenges.create_challenge(ctx.db, ctx.me, ChallengeCreate(**data))
        except (ValidationError, DomainError) as exc:
            form.add_error("title", getattr(exc, "message", "Valeurs refusées."))
        else:
            return RedirectResponse(urls.with_message(urls.CHALLENGE, "defi-cree"), status_code=303)
    return _page(request, ctx, new_form=form, status=422)


@router.post("/{challenge_id}/clore")
def close(request: Request, ctx: Runner, challenge_id: PathId, form: Form = Posted) -> Response:
    """End a défi early (managers)."""
    challenge = _challenge(ctx, challenge_id)
    challenges.update_challenge(ctx.db, ctx.me, challenge, ChallengeUpdate(closed=True))
    return RedirectResponse(urls.with_message(urls.CHALLENGE, "defi-clos"), status_code=303)


@router.post("/{challenge_id}/contributions", response_class=HTMLResponse)
def contribute(
    request: Request, ctx: Allowed(Action.CONTRIBUTE), challenge_id: PathId, form: Form = Posted
) -> Response:
    """Add to the collective total, credited to the user's service (never ranked by person)."""
    challenge = _challenge(ctx, challenge_id)
    amount = form.integer("amount", minimum=1, maximum=100, default=1)
    label = form.text("label", required=True)
    if form.ok:
        try:
            challenges.contribute(
                ctx.db,
                ctx.me,
                challenge,
                ContributionCreate(amount=amount, label=label),
                local_today(ctx.agency.timezone),
            )
        except DomainError as exc:
            form.add_error("label", exc.message)
        else:
            return RedirectResponse(
                urls.with_message(urls.CHALLENGE, "contribution"), status_code=303
            )
    return _page(request, ctx, contrib_form=form, status=422)
