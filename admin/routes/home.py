"""Accueil: what is waiting for me, my offers, the most urgent ones, the défi."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from admin import urls
from admin.deps import CtxDep
from admin.templating import render
from admin.views import offer_cards
from api.clock import local_today
from api.domain.permissions import Action
from api.models import CandidateProposal, Hire, Offer, Staff
from api.models.offer import OUTCOME_LABELS
from api.services import challenges, screens

router = APIRouter(include_in_schema=False)
URGENT_ON_HOME = 5
MINE_ON_HOME = 8


@router.get("/", include_in_schema=False)
def root() -> Response:
    """The bare site address opens the staff home (or the login page)."""
    return RedirectResponse(urls.HOME, status_code=307)


@router.get(urls.HOME, response_class=HTMLResponse)
def home(request: Request, ctx: CtxDep) -> Response:
    """The first page after login, ordered by what needs the user now."""
    db, me = ctx.db, ctx.me
    board = offer_cards(db, ctx.agency.id, ctx.offers, status="open")
    mine = [o for o in board if o.owner.id == me.id]
    waiting = []
    if ctx.may(Action.SET_CANDIDATE_OUTCOME):
        rows = db.exec(
            select(CandidateProposal, Offer, Staff)
            .join(Offer, col(Offer.id) == col(CandidateProposal.offer_id))
            .join(Staff, col(Staff.id) == col(CandidateProposal.proposed_by_id))
            .where(
                Offer.owner_id == me.id,
                Offer.status == "open",
                CandidateProposal.outcome == "pending",
            )
            .order_by(col(CandidateProposal.created_at).desc())
            .limit(20)
        ).all()
        waiting = [{"proposal": p, "offer": o, "by": s} for p, o, s in rows]
    my_proposals = []
    if me.role == "cdde":
        rows = db.exec(
            select(CandidateProposal, Offer)
            .join(Offer, col(Offer.id) == col(CandidateProposal.offer_id))
            .where(CandidateProposal.proposed_by_id == me.id)
            .order_by(col(CandidateProposal.created_at).desc())
            .limit(5)
        ).all()
        my_proposals = [{"proposal": p, "offer": o} for p, o in rows]
    drafts = []
    if ctx.may(Action.MODERATE_HIRES):
        drafts = list(
            db.exec(
                select(Hire)
                .where(Hire.agency_id == ctx.agency.id, Hire.status == "draft")
                .order_by(col(Hire.created_at).desc())
                .limit(10)
            )
        )
    offline = []
    if ctx.may(Action.MANAGE_SCREENS):
        offline = [
            s
            for s in (screens.to_public(row) for row in screens.list_screens(db, ctx.agency.id))
            if not s.online and not s.revoked
        ]
    challenge = challenges.active_challenge(db, ctx.agency)
    progress = (
        challenges.to_public(db, challenge, local_today(ctx.agency.timezone)) if challenge else None
    )
    return render(
        request,
        "pages/home.html",
        {
            "title": "Accueil",
            "active_tab": "home",
            "agency": ctx.agency,
            "mine": mine[:MINE_ON_HOME],
            "mine_count": len(mine),
            "urgent": [o for o in board if o.owner.id != me.id or me.role != "cde"][
                :URGENT_ON_HOME
            ],
            "open_count": len(board),
            "waiting": waiting,
            "my_proposals": my_proposals,
            "outcomes": OUTCOME_LABELS,
            "drafts": drafts,
            "offline": offline,
            "challenge": progress,
        },
    )
