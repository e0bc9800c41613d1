"""``/o/{code}``: the page a QR code on the corridor screen opens."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from admin import urls
from admin.deps import DbDep, MaybeStaff, refresh_badges
from admin.forms import Form
from admin.templating import render
from api.domain.permissions import Action, can
from api.errors import NotFound
from api.models import Offer, Staff
from api.models.offer import NOTE_HELP, NOTE_MAX, OUTCOME_LABELS
from api.services import agencies
from api.services import francetravail_sync as ft_sync
from api.services import offers as offer_service
from api.services import testimonies as testimony_service
from api.services.offers import OfferContext
from api.settings import get_settings

router = APIRouter(include_in_schema=False)


@router.get(f"{urls.OFFER_PAGE}/{{code}}", response_class=HTMLResponse)
def offer_page(request: Request, code: str, db: DbDep, me: MaybeStaff) -> Response:
    """The offer for anyone; notes, candidates and actions for staff of its agency."""
    try:
        if len(code) > 16:
            raise NotFound("Offre introuvable")
        offer = offer_service.get_by_code(db, code)
    except NotFound:
        return render(
            request,
            "pages/error.html",
            {
                "title": "Offre introuvable",
                "text": "Ce code ne correspond à aucune offre. Elle a peut-être été supprimée : "
                "vérifiez le code sous le QR code ou demandez au CDE.",
            },
            status_code=404,
        )
    return render_offer_page(request, db, me, offer)


def render_offer_page(
    request: Request,
    db: Session,
    me: Staff | None,
    offer: Offer,
    *,
    form: Form | None = None,
    status_code: int = 200,
) -> Response:
    """The offer's page: for anyone, plus notes, candidates and actions for its agency's staff.

    ``form`` is a « J'ai un candidat » form sent back with its error and its note kept. The
    offer's CDE looking at the page sees its new proposals (they leave the tab bar's badge).
    """
    agency = agencies.get_agency(db, offer.agency_id)
    staff_view = me is not None and me.agency_id == offer.agency_id
    ctx = OfferContext.for_agency(agency, get_settings().public_url)
    public = offer_service.to_public(db, [offer], ctx, staff_view=staff_view)[0]
    candidates = offer_service.list_candidates(db, offer) if staff_view else []
    newly_seen: set[int] = set()
    if staff_view and me is not None:
        newly_seen = offer_service.mark_proposals_seen(db, me, offer)
        if newly_seen:
            refresh_badges(request, db, me)

    def may(action: Action) -> bool:
        return staff_view and me is not None and can(me.role, action)

    # Proposed by me a moment ago: a new tap would be the same one, so the page offers
    # « Proposer un autre candidat » instead of « J'ai un candidat ».
    recent = offer_service.recent_proposal(db, me, offer) if staff_view and me else None
    return render(
        request,
        "pages/offer.html",
        {
            "title": offer.title,
            "offer": public,
            "offer_id": offer.id,
            "agency": agency,
            "staff_view": staff_view,
            "ft_notice": ft_sync.notice(db, offer) if staff_view else None,
            "candidates": candidates,
            "recent_proposal": recent,
            "newly_seen": newly_seen,
            "propose_form": form or Form.empty(),
            "note_max": NOTE_MAX,
            "note_help": NOTE_HELP,
            "outcomes": OUTCOME_LABELS,
            "may_edit": may(Action.EDIT_OFFERS),
            "may_delete": may(Action.DELETE_OFFERS),
            "may_propose": may(Action.PROPOSE_CANDIDATE),
            "may_outcome": may(Action.SET_CANDIDATE_OUTCOME),
            "may_hire": may(Action.WRITE_HIRES),
            "may_testify": may(Action.WRITE_TESTIMONIES),
            "testimonies": testimony_service.to_public(
                db, testimony_service.list_testimonies(db, offer.agency_id, offer_id=offer.id)
            )
            if staff_view
            else [],
        },
        status_code=status_code,
    )
