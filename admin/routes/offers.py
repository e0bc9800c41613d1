"""Offers: the list with filters, create, edit (with stale-edit handling), fill, close, delete,
candidates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found, refused_page
from admin.forms import Form, Posted
from admin.offer_forms import (
    CONTRACT_OPTIONS,
    FIELD_LABELS,
    apply_validation_error,
    offer_values,
    parse_offer,
)
from admin.routes.public import render_offer_page
from admin.templating import render
from api.domain.permissions import Action
from api.domain.urgency import LEVELS, describe
from api.errors import DomainError, StaleVersion
from api.models import Offer
from api.models.offer import NOTE_MAX, OUTCOME_LABELS, OfferCreate, OfferUpdate
from api.params import PathId, parse_id
from api.services import audit, employers
from api.services import offers as offer_service
from api.services import tags as tag_service

router = APIRouter(prefix=urls.OFFERS, include_in_schema=False)
candidates_router = APIRouter(prefix=urls.CANDIDATES, include_in_schema=False)
Reader = Allowed(Action.READ_OFFERS)
Editor = Allowed(Action.EDIT_OFFERS)
Deleter = Allowed(Action.DELETE_OFFERS)

STATUS_OPTIONS = [
    ("open", "En cours"),
    ("filled", "Pourvues"),
    ("closed", "Clôturées"),
    ("all", "Toutes"),
]


def _offer(ctx: Ctx, offer_id: int) -> Offer:
    with page_not_found("Cette offre n'existe pas ou a été supprimée."):
        return offer_service.get_offer(ctx.db, ctx.agency.id, offer_id)


def _owners(ctx: Ctx) -> list[tuple[str, str]]:
    return [(str(s.id), s.name) for s in offer_service.offer_owners(ctx.db, ctx.agency.id)]


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, ctx: Reader) -> Response:
    """All offers of the agency, most urgent first, with filters and search."""
    form = Form(values=dict(request.query_params))
    status = form.raw("statut") or "open"
    level = form.raw("urgence")
    owner = form.raw("cde")
    owner_id = ctx.me.id if owner == "moi" else parse_id(owner)
    wanted_level = int(level) if level in {"0", "1", "2", "3"} else None
    every_level = offer_service.board(
        ctx.db,
        ctx.agency.id,
        ctx.offers,
        status=None
        if status == "all"
        else status
        if status in {"open", "filled", "closed"}
        else "open",
        tag=form.raw("tag").strip()[:40] or None,
        owner_id=owner_id,
        search=form.raw("q").strip()[:100] or None,
    )
    offers = [o for o in every_level if wanted_level is None or o.urgency.level == wanted_level]
    per_level = {u.level: 0 for u in LEVELS}
    for entry in every_level:
        per_level[entry.urgency.level] += 1
    filtered = any(form.raw(k) for k in ("q", "urgence", "tag", "cde")) or status != "open"
    return render(
        request,
        "pages/offers.html",
        {
            "title": "Offres",
            "active_tab": "offers",
            "form": form,
            "offers": offers,
            "per_level": per_level,
            "wanted_level": wanted_level,
            "filtered": filtered,
            "panel_open": any(form.raw(k) for k in ("tag", "cde")) or status != "open",
            "status_options": STATUS_OPTIONS,
            "owner_options": [("moi", "Mes offres"), *_owners(ctx)],
            "tag_options": [
                (t, t)
                for t in sorted(
                    {t for o in offers for t in o.offer.tags} | ({form.raw("tag")} - {""})
                )
            ],
        },
    )


def _form_page(
    request: Request, ctx: Ctx, form: Form, *, offer: Offer | None, status: int = 200
) -> Response:
    return render(
        request,
        "pages/offer_form.html",
        {
            "title": "Modifier l'offre" if offer else "Nouvelle offre",
            "active_tab": "" if offer else "new",
            "form": form,
            "offer": offer,
            "contracts": CONTRACT_OPTIONS,
            "labels": FIELD_LABELS,
            "tag_suggestions": tag_service.suggestion_names(ctx.db, ctx.agency.id),
            # Existing employers (those like what was typed, else the latest active).
            "employer_suggestions": employers.suggestions(
                ctx.db, ctx.agency.id, form.raw("employer")
            ),
            "urgency_now": (
                offer_service.to_public(ctx.db, [offer], ctx.offers)[0].urgency if offer else None
            ),
        },
        status_code=status,
    )


@router.get("/nouvelle", response_class=HTMLResponse)
def new_page(request: Request, ctx: Editor) -> Response:
    """The quick form: four fields, the rest folded away; from an employer's file
    (``?employeur=<id>``), its name and commune are filled in."""
    form = Form.empty(is_tpe=True, positions=1)
    known = employers.find_by_id(
        ctx.db, ctx.agency.id, parse_id(request.query_params.get("employeur", ""))
    )
    if known is not None:
        form = Form.empty(is_tpe=True, positions=1, employer=known.name, commune=known.commune)
    return _form_page(request, ctx, form, offer=None)


@router.post("/nouvelle", response_class=HTMLResponse)
def create(request: Request, ctx: Editor, form: Form = Posted) -> Response:
    """Create the offer and show its page (it is on the screen at once)."""
    data = parse_offer(form, with_override=False)
    if form.ok:
        try:
            offer = offer_service.create_offer(ctx.db, ctx.me, OfferCreate(**data))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except DomainError as exc:
            form.add_error(exc.field or "employer", exc.message)
        else:
            return RedirectResponse(urls.offer_page(offer.code, "offre-creee"), status_code=303)
    return _form_page(request, ctx, form, offer=None, status=422)


@router.get("/{offer_id}/modifier", response_class=HTMLResponse)
def edit_page(request: Request, ctx: Editor, offer_id: PathId) -> Response:
    """The full form, including the urgency override."""
    offer = _offer(ctx, offer_id)
    return _form_page(request, ctx, Form.empty(**offer_values(offer)), offer=offer)


@router.post("/{offer_id}/modifier", response_class=HTMLResponse)
def update(request: Request, ctx: Editor, offer_id: PathId, form: Form = Posted) -> Response:
    """Save an edit; if someone saved in between, show both versions and let the user choose."""
    offer = _offer(ctx, offer_id)
    data = parse_offer(form, with_override=True)
    version = form.integer("version", minimum=1, maximum=10**9)
    if form.ok:
        try:
            offer_service.update_offer(ctx.db, ctx.me, offer, OfferUpdate(**data), version)
        except StaleVersion:  # refused before any change: ``offer`` is the stored one
            return _conflict_page(request, ctx, offer, form, data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except DomainError as exc:
            form.add_error(exc.field or "employer", exc.message)
        else:
            return RedirectResponse(urls.offer_page(offer.code, "offre-modifiee"), status_code=303)
    return _form_page(request, ctx, form, offer=offer, status=422)


def _shown(name: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "is_tpe":
        return "oui" if value else "non"
    if name == "tags":
        return " ".join(value) if isinstance(value, list) else str(value)
    if name == "urgency_override":
        return f"forcée : {describe(int(value)).label}"
    return str(value)


def _conflict_page(
    request: Request, ctx: Ctx, current: Offer, form: Form, mine: dict[str, Any]
) -> Response:
    theirs = offer_values(current)
    theirs["tags"] = current.tags
    rows = []
    for name, label in FIELD_LABELS.items():
        a, b = _shown(name, mine.get(name)), _shown(name, theirs.get(name))
        rows.append({"name": name, "label": label, "mine": a, "theirs": b, "differs": a != b})
    keep = {k: v for k, v in form.values.items() if k != "version"}
    return render(
        request,
        "pages/offer_conflict.html",
        {
            "title": "Modification en conflit",
            "offer": current,
            "rows": rows,
            "mine_values": keep,
            "editor": audit.last_event(ctx.db, "offer", current.id),
        },
        status_code=409,
    )


def _status_change(request: Request, ctx: Ctx, offer_id: int, status: str, ok: str) -> Response:
    offer = _offer(ctx, offer_id)
    try:
        # No version check: a status change overwrites no one's wording; doing it twice is
        # refused by the service ("déjà pourvue").
        offer_service.set_status(ctx.db, ctx.me, offer, status, None)
    except DomainError as exc:
        return refused_page(request, exc)
    if status == "filled":
        new_hire = f"{urls.HIRES}/nouvelle?offre={offer.id}"
        done = ok if offer.status == "filled" else "poste-pourvu"  # positions still open
        return RedirectResponse(urls.with_message(new_hire, done), status_code=303)
    return RedirectResponse(urls.offer_page(offer.code, ok), status_code=303)


@router.post("/{offer_id}/pourvue")
def fill(request: Request, ctx: Editor, offer_id: PathId, form: Form = Posted) -> Response:
    """Mark one more position filled (the offer when all are), then tell the hire's story."""
    return _status_change(request, ctx, offer_id, "filled", "offre-pourvue")


@router.post("/{offer_id}/fermer")
def close(request: Request, ctx: Editor, offer_id: PathId, form: Form = Posted) -> Response:
    """Close without a hire (the employer gave up, found someone elsewhere…)."""
    return _status_change(request, ctx, offer_id, "closed", "offre-fermee")


@router.post("/{offer_id}/rouvrir")
def reopen(request: Request, ctx: Editor, offer_id: PathId, form: Form = Posted) -> Response:
    """Put a filled or closed offer back on the board."""
    return _status_change(request, ctx, offer_id, "open", "offre-modifiee")


@router.get("/{offer_id}/supprimer", response_class=HTMLResponse)
def delete_page(request: Request, ctx: Deleter, offer_id: PathId) -> Response:
    """Ask before deleting (works without JavaScript)."""
    offer = _offer(ctx, offer_id)
    return render(
        request, "pages/offer_delete.html", {"title": "Supprimer l'offre", "offer": offer}
    )


@router.post("/{offer_id}/supprimer")
def delete(request: Request, ctx: Deleter, offer_id: PathId, form: Form = Posted) -> Response:
    """Delete for good (the journal keeps a copy)."""
    offer = _offer(ctx, offer_id)
    offer_service.delete_offer(ctx.db, ctx.me, offer, None)
    return RedirectResponse(urls.with_message(urls.OFFERS, "offre-supprimee"), status_code=303)


@router.post("/{offer_id}/candidat")
def propose(
    request: Request,
    ctx: Allowed(Action.PROPOSE_CANDIDATE),
    offer_id: PathId,
    form: Form = Posted,
) -> Response:
    """ "J'ai un candidat": records who and when, and an optional word, nothing about the person.

    A second tap within the repeat window shows the first proposal; « Proposer un autre
    candidat » (``another``) makes a new one.
    """
    offer = _offer(ctx, offer_id)
    note = form.text("note", max_length=NOTE_MAX)
    if not form.ok:
        return render_offer_page(request, ctx.db, ctx.me, offer, form=form, status_code=422)
    try:
        _, created = offer_service.propose_candidate(
            ctx.db, ctx.me, offer, note=note, another=form.checkbox("another")
        )
    except DomainError as exc:
        return refused_page(request, exc)
    done = "candidat-propose" if created else "candidat-deja-propose"
    return RedirectResponse(urls.offer_page(offer.code, done, "candidats"), status_code=303)


@candidates_router.post("/{proposal_id}/retirer")
def withdraw(
    request: Request,
    ctx: Allowed(Action.PROPOSE_CANDIDATE),
    proposal_id: PathId,
    form: Form = Posted,
) -> Response:
    """The proposer takes back a proposal the CDE has not acted on yet."""
    with page_not_found():
        proposal = offer_service.get_proposal(ctx.db, ctx.agency.id, proposal_id)
    offer = offer_service.find_offer(ctx.db, ctx.agency.id, proposal.offer_id)
    try:
        offer_service.withdraw_candidate(ctx.db, ctx.me, proposal)
    except DomainError as exc:
        return refused_page(request, exc, "Impossible de retirer")
    if offer is None:  # pragma: no cover - a proposal always has its offer
        return RedirectResponse(urls.HOME, status_code=303)
    return RedirectResponse(
        urls.offer_page(offer.code, "candidat-retire", "candidats"), status_code=303
    )


@candidates_router.post("/{proposal_id}/suite")
def outcome(
    request: Request,
    ctx: Allowed(Action.SET_CANDIDATE_OUTCOME),
    proposal_id: PathId,
    form: Form = Posted,
) -> Response:
    """Record what became of a proposed candidate (interview, hired, not retained)."""
    with page_not_found():
        proposal = offer_service.get_proposal(ctx.db, ctx.agency.id, proposal_id)
    choice = form.choice("outcome", OUTCOME_LABELS)
    offer = offer_service.find_offer(ctx.db, ctx.agency.id, proposal.offer_id)
    if choice is None or offer is None:
        return render(
            request,
            "pages/error.html",
            {"title": "Choix inconnu", "text": "Choisissez une suite dans la liste."},
            status_code=422,
        )
    offer_service.set_outcome(ctx.db, ctx.me, proposal, choice)
    return RedirectResponse(
        urls.offer_page(offer.code, "candidat-suivi", "candidats"), status_code=303
    )
