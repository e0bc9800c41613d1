"""The staff home: what is waiting for one person, their offers, the most urgent ones, the défi.

One read for the page the staff see first after logging in; each part is shown only to the roles
the permissions table lets act on it (``api.domain.permissions``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from api.clock import local_today
from api.domain.permissions import Action, can
from api.models import Agency, Hire, Staff
from api.models.challenge import ChallengePublic
from api.models.screen import ScreenPublic
from api.services import challenges, hires, offers, screens

URGENT_ON_HOME = 5
MINE_ON_HOME = 8


@dataclass
class Dashboard:
    """Everything the home page shows to one staff member."""

    own_offers_apart: bool  # their offers have a section; the urgent ones are the colleagues'
    follows_proposals: bool  # their proposed candidates have a section, after the urgent ones
    mine: list[offers.BoardEntry]  # their open offers, the first MINE_ON_HOME
    mine_count: int
    urgent: list[offers.BoardEntry]  # the most urgent open offers, the first URGENT_ON_HOME
    open_count: int
    waiting: list[dict[str, Any]] = field(default_factory=list)  # candidates to follow up
    my_proposals: list[dict[str, Any]] = field(default_factory=list)
    drafts: list[Hire] = field(default_factory=list)  # hires to publish
    offline: list[ScreenPublic] = field(default_factory=list)
    challenge: ChallengePublic | None = None


def owns_offers_apart(me: Staff) -> bool:
    """A CDE's own offers have their section: the urgent list then shows their colleagues'."""
    return me.role == "cde"


def follows_own_proposals(me: Staff) -> bool:
    """Whoever proposes candidates without owning offers follows what became of them."""
    return can(me.role, Action.PROPOSE_CANDIDATE) and not can(me.role, Action.EDIT_OFFERS)


def for_staff(db: Session, me: Staff, agency: Agency, ctx: offers.OfferContext) -> Dashboard:
    """The home of ``me``, ordered by what needs them now."""
    board = offers.board(db, agency.id, ctx, status="open")
    mine = [e for e in board if e.owner.id == me.id]
    others = [e for e in board if e.owner.id != me.id or not owns_offers_apart(me)]
    view = Dashboard(
        own_offers_apart=owns_offers_apart(me),
        follows_proposals=follows_own_proposals(me),
        mine=mine[:MINE_ON_HOME],
        mine_count=len(mine),
        urgent=others[:URGENT_ON_HOME],
        open_count=len(board),
    )
    if can(me.role, Action.SET_CANDIDATE_OUTCOME):
        view.waiting = [
            {"proposal": p, "offer": o, "by": s} for p, o, s in offers.waiting_proposals(db, me)
        ]
    if view.follows_proposals:
        view.my_proposals = [{"proposal": p, "offer": o} for p, o in offers.proposals_by(db, me)]
    if can(me.role, Action.MODERATE_HIRES):
        view.drafts = hires.drafts_to_moderate(db, agency.id)
    if can(me.role, Action.MANAGE_SCREENS):
        view.offline = [
            s
            for s in (screens.to_public(row) for row in screens.list_screens(db, agency.id))
            if not s.online and not s.revoked
        ]
    challenge = challenges.active_challenge(db, agency)
    if challenge is not None:
        view.challenge = challenges.to_public(db, challenge, local_today(agency.timezone))
    return view
