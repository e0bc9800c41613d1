"""Offers: create, edit, fill, close, list, and the candidates proposed for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam
from sqlmodel import Session, col, func, select, update

from api.clock import aware, local_today, utcnow
from api.domain import french, urgency
from api.domain.codes import random_code
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.francetravail.links import france_travail_page
from api.models import Agency, CandidateProposal, Contribution, Hire, Offer, Staff
from api.models.offer import (
    OUTCOME_LABELS,
    REPEAT_TAP_MINUTES,
    CandidatePublic,
    OfferCreate,
    OfferPublic,
    OfferUpdate,
    UrgencyPublic,
)
from api.models.staff import StaffRef
from api.models.tag import fold
from api.services import audit, challenges, employers, tags
from api.services.common import apply_changes, check_version, get_scoped, staff_refs

NEW_OFFER_HOURS = 48
# Roles that own offers (and are credited as the CDE of a hire).
OWNER_ROLES = ("cde", "manager")


@dataclass(frozen=True)
class OfferContext:
    """What turning offers into their public form needs, computed once per request."""

    agency: Agency
    today: date
    public_url: str
    thresholds: urgency.UrgencyThresholds

    @classmethod
    def for_agency(cls, agency: Agency, public_url: str) -> OfferContext:
        return cls(
            agency=agency,
            today=local_today(agency.timezone),
            public_url=public_url,
            thresholds=urgency.UrgencyThresholds(**(agency.urgency_thresholds or {})),
        )


# Where an offer's own page lives (what its QR code opens): one path for the service and pages.
OFFER_PAGE = "/o"


def offer_path(code: str) -> str:
    """The path of an offer's page.

    >>> offer_path("ABCD2345")
    '/o/ABCD2345'
    """
    return f"{OFFER_PAGE}/{code}"


def qr_url(public_url: str, code: str) -> str:
    """The URL a QR code beside an offer encodes.

    >>> qr_url("https://couloir.example", "ABCD2345")
    'https://couloir.example/o/ABCD2345'
    """
    return public_url + offer_path(code)


def days_open(offer: Offer, today: date) -> int:
    """Whole days since the offer was opened."""
    return max(0, (today - aware(offer.opened_at).date()).days)


def is_new(opened_at: datetime) -> bool:
    """Opened less than 48 hours ago."""
    return utcnow() - aware(opened_at) < timedelta(hours=NEW_OFFER_HOURS)


def urgency_of(offer: Offer, candidates: int, ctx: OfferContext) -> UrgencyPublic:
    """The offer's urgency level and label under its agency's thresholds."""
    level = urgency.compute_level(
        start_date=offer.start_date,
        opened_on=aware(offer.opened_at).date(),
        candidates=candidates,
        today=ctx.today,
        thresholds=ctx.thresholds,
        override=offer.urgency_override,
    )
    return UrgencyPublic(
        level=level,
        label=urgency.describe(level).label,
        overridden=offer.urgency_override is not None,
    )


def candidate_counts(db: Session, offer_ids: list[int]) -> dict[int, int]:
    """Candidates proposed per offer, in one query."""
    if not offer_ids:
        return {}
    rows = db.exec(
        select(CandidateProposal.offer_id, func.count())
        .where(col(CandidateProposal.offer_id).in_(offer_ids))
        .group_by(CandidateProposal.offer_id)
    )
    return dict(rows.all())


def positions_label(filled: int, positions: int) -> str:
    """An offer's positions in words, as the pages and the API show them.

    >>> positions_label(0, 1), positions_label(0, 2)
    ('1 poste', '2 postes')
    >>> positions_label(1, 2)
    '1 poste sur 2 pourvu'
    >>> positions_label(2, 3), positions_label(1, 1)
    ('2 postes sur 3 pourvus', '1 poste pourvu')
    """
    if filled <= 0:
        return french.plural(positions, "poste")
    if positions == 1:
        return "1 poste pourvu"
    done = "pourvus" if filled > 1 else "pourvu"
    return f"{french.plural(filled, 'poste')} sur {positions} {done}"


def _public(
    offer: Offer, candidates: int, owner: StaffRef, ctx: OfferContext, *, staff_view: bool
) -> OfferPublic:
    return OfferPublic(
        **offer.model_dump(exclude={"staff_note", "owner_id", "agency_id"}),
        positions_label=positions_label(offer.positions_filled, offer.positions),
        staff_note=offer.staff_note if staff_view else None,
        urgency=urgency_of(offer, candidates, ctx),
        qr_url=qr_url(ctx.public_url, offer.code),
        days_open=days_open(offer, ctx.today),
        candidates_count=candidates,
        owner=owner,
    )


def to_public(
    db: Session, offers: list[Offer], ctx: OfferContext, *, staff_view: bool = True
) -> list[OfferPublic]:
    """Public form of several offers, with urgency, counts and owners loaded in bulk."""
    counts = candidate_counts(db, [o.id for o in offers if o.id is not None])
    owners = staff_refs(db, (o.owner_id for o in offers))
    return [
        _public(o, counts.get(o.id or 0, 0), owners[o.owner_id], ctx, staff_view=staff_view)
        for o in offers
    ]


def matches(offer: Any, *, tag: str | None, search: str | None) -> bool:
    """Whether an offer (any object with tags, employer, title, commune) passes the filters."""
    if tag and fold(tag) not in {fold(t) for t in offer.tags or []}:  # « antiplome » too
        return False
    if search:
        needle = search.strip().lower()
        return needle in f"{offer.employer} {offer.title} {offer.commune}".lower()
    return True


# What the screen shows of an offer (api.services.snapshot, la criée's ticker) and what the
# board's order and urgency read.
SCREEN_COLUMNS = (
    Offer.id,
    Offer.agency_id,
    Offer.code,
    Offer.title,
    Offer.employer,
    Offer.contract,
    Offer.commune,
    Offer.positions,
    Offer.positions_filled,
    Offer.start_date,
    Offer.opened_at,
    Offer.tags,
    Offer.urgency_override,
    Offer.owner_id,
    Offer.status,
    Offer.updated_at,  # la criée: urgent offers of the week
)


def board_key(level: int, opened_at: datetime, offer_id: int | None) -> tuple[int, datetime, int]:
    """The board's one order: most urgent first, then the oldest, then the first created."""
    return -level, opened_at, offer_id or 0


@dataclass(frozen=True, slots=True)
class BoardEntry:
    """One offer on the board: the row itself and what the board computes about it."""

    offer: Offer  # for the screen's board, a row of SCREEN_COLUMNS, read the same way
    candidates_count: int
    days_open: int
    urgency: UrgencyPublic
    owner: StaffRef


def board(
    db: Session,
    agency_id: int,
    ctx: OfferContext,
    *,
    status: str | None = "open",
    level: int | None = None,
    tag: str | None = None,
    owner_id: int | None = None,
    search: str | None = None,
    offer_id: int | None = None,
    for_screen: bool = False,
) -> list[BoardEntry]:
    """The agency's offers with urgency, candidates and owner, filtered, in the board's order.

    The one read model of offers listed together: the API's list, the staff pages' lists and
    home, and the screen's snapshot all come from this query, so they agree on what is shown
    and in which order (``board_key``). ``for_screen`` loads only the columns the screen shows
    (not the descriptions, notes and criteria): each change rebuilds it, for every agency.
    """
    params: dict[str, Any] = {"agency_id": agency_id}
    if status == "open" and for_screen and owner_id is None and offer_id is None:
        query = _SCREEN_BOARD
    elif offer_id is not None and status is None and not for_screen and owner_id is None:
        query, params["offer_id"] = _ONE_OFFER, offer_id
    else:
        query, params = (
            _board_statement(
                agency_id,
                status=status,
                owner_id=owner_id,
                offer_id=offer_id,
                for_screen=for_screen,
            ),
            {},
        )
    entries = []
    for row in db.exec(query, params=params):
        # The screen's board is flat: the offer's columns, then owner and candidates.
        offer, owner_name, owner_role, candidates = (row, *row[-3:]) if for_screen else row
        if not matches(offer, tag=tag, search=search):
            continue
        computed = urgency_of(offer, int(candidates), ctx)
        if level is not None and computed.level != level:
            continue
        entries.append(
            BoardEntry(
                offer=offer,
                candidates_count=int(candidates),
                days_open=days_open(offer, ctx.today),
                urgency=computed,
                owner=StaffRef(id=offer.owner_id, name=owner_name, role=owner_role),
            )
        )
    entries.sort(key=lambda e: board_key(e.urgency.level, e.offer.opened_at, e.offer.id))
    return entries


def _board_statement(
    agency_id: Any,
    *,
    status: str | None,
    owner_id: int | None,
    offer_id: Any,
    for_screen: bool,
) -> Select[Any]:
    """The board's query: offers with their owner's name and role and their candidate count."""
    counted = select(CandidateProposal.offer_id, func.count().label("n")).where(
        CandidateProposal.agency_id == agency_id
    )
    if offer_id is not None:
        counted = counted.where(CandidateProposal.offer_id == offer_id)
    proposals = counted.group_by(col(CandidateProposal.offer_id)).subquery()
    # The screen reads its offers' columns as plain rows, not as entities to track: a change
    # rebuilds the board of its agency's screens, and loading entities cost as much as the rest.
    offer_part = SCREEN_COLUMNS if for_screen else (Offer,)
    query = (
        select(
            *offer_part,
            Staff.name.label("owner_name"),  # type: ignore[attr-defined]
            Staff.role.label("owner_role"),  # type: ignore[attr-defined]
            func.coalesce(proposals.c.n, 0).label("candidates"),
        )
        .select_from(Offer)
        .join(Staff, col(Staff.id) == col(Offer.owner_id))
        .outerjoin(proposals, proposals.c.offer_id == col(Offer.id))
        .where(Offer.agency_id == agency_id)
    )
    if status:
        query = query.where(Offer.status == status)
    if owner_id:
        query = query.where(Offer.owner_id == owner_id)
    if offer_id is not None:
        query = query.where(Offer.id == offer_id)
    return query


# The two boards read the most, built once with their agency (and offer) bound at execution:
# every change rebuilds its agency's screen board, every edit reads its offer, and building a
# statement costs more processor time than PostgreSQL spends running it.
_AGENCY, _OFFER = bindparam("agency_id"), bindparam("offer_id")
_SCREEN_BOARD = _board_statement(
    _AGENCY, status="open", owner_id=None, offer_id=None, for_screen=True
)
_ONE_OFFER = _board_statement(
    _AGENCY, status=None, owner_id=None, offer_id=_OFFER, for_screen=False
)


def list_offers(
    db: Session,
    agency_id: int,
    ctx: OfferContext,
    *,
    status: str | None = "open",
    level: int | None = None,
    tag: str | None = None,
    owner_id: int | None = None,
    search: str | None = None,
) -> list[OfferPublic]:
    """The agency's offers in public form, filtered, in the board's order (see ``board``)."""
    entries = board(
        db, agency_id, ctx, status=status, level=level, tag=tag, owner_id=owner_id, search=search
    )
    return public_board(entries, ctx)


def public_board(entries: list[BoardEntry], ctx: OfferContext) -> list[OfferPublic]:
    """Board entries in public form (staff view), in their order."""
    return [public_entry(e, ctx) for e in entries]


def public_entry(entry: BoardEntry, ctx: OfferContext) -> OfferPublic:
    """One board entry in public form (staff view), urgency computed from the offer as it is
    now: after an edit, the entry read before it still gives the candidates and the owner."""
    return _public(entry.offer, entry.candidates_count, entry.owner, ctx, staff_view=True)


def get_offer(db: Session, agency_id: int, offer_id: int) -> Offer:
    """One offer of this agency, or NotFound."""
    return get_scoped(db, Offer, offer_id, agency_id, "Offre")


def get_entry(db: Session, agency_id: int, offer_id: int, ctx: OfferContext) -> BoardEntry:
    """One offer of this agency with its candidates and owner, in one query, or NotFound."""
    found = board(db, agency_id, ctx, status=None, offer_id=offer_id) if offer_id > 0 else []
    if not found:
        raise NotFound("Offre introuvable")
    return found[0]


def find_offer(db: Session, agency_id: int, offer_id: int | None) -> Offer | None:
    """One offer of this agency, or None (an id from a form's hidden field, for instance)."""
    if offer_id is None:
        return None
    try:
        return get_offer(db, agency_id, offer_id)
    except NotFound:
        return None


def get_proposal(db: Session, agency_id: int, proposal_id: int) -> CandidateProposal:
    """One candidate proposal of this agency, or NotFound."""
    return get_scoped(db, CandidateProposal, proposal_id, agency_id, "Candidat")


def proposal_on(db: Session, offer: Offer, proposal_id: int) -> CandidateProposal:
    """The proposal ``proposal_id`` made on ``offer``: NotFound elsewhere, Invalid on another."""
    proposal = get_proposal(db, offer.agency_id, proposal_id)
    if proposal.offer_id != offer.id:
        raise Invalid("Ce candidat n'est pas proposé sur cette offre.")
    return proposal


def offer_owners(db: Session, agency_id: int) -> list[Staff]:
    """The agency's people who own offers (CDE and managers), by name."""
    return list(
        db.exec(
            select(Staff)
            .where(Staff.agency_id == agency_id, col(Staff.role).in_(OWNER_ROLES))
            .order_by(Staff.name)
        )
    )


def waiting_proposals(
    db: Session, owner: Staff, limit: int = 20
) -> list[tuple[CandidateProposal, Offer, Staff]]:
    """Candidates proposed on ``owner``'s open offers and not followed up yet, latest first."""
    return list(
        db.exec(
            select(CandidateProposal, Offer, Staff)
            .join(Offer, col(Offer.id) == col(CandidateProposal.offer_id))
            .join(Staff, col(Staff.id) == col(CandidateProposal.proposed_by_id))
            .where(
                Offer.owner_id == owner.id,
                Offer.status == "open",
                CandidateProposal.outcome == "pending",
            )
            .order_by(col(CandidateProposal.created_at).desc())
            .limit(limit)
        ).all()
    )


def proposals_by(
    db: Session, proposer: Staff, limit: int = 5
) -> list[tuple[CandidateProposal, Offer]]:
    """The candidates ``proposer`` proposed, with their offers, latest first."""
    return list(
        db.exec(
            select(CandidateProposal, Offer)
            .join(Offer, col(Offer.id) == col(CandidateProposal.offer_id))
            .where(CandidateProposal.proposed_by_id == proposer.id)
            .order_by(col(CandidateProposal.created_at).desc())
            .limit(limit)
        ).all()
    )


def likely_hire_credit(db: Session, offer: Offer) -> int | None:
    """Who to credit for a filled offer's hire: the CDDE whose candidate was hired, else the
    latest one who proposed someone (None when nobody did)."""
    proposals = db.exec(
        select(CandidateProposal).where(CandidateProposal.offer_id == offer.id)
    ).all()
    ranked = sorted(proposals, key=lambda p: (p.outcome == "hired", p.id or 0))
    return ranked[-1].proposed_by_id if ranked else None


def get_by_code(db: Session, code: str) -> Offer:
    """The offer behind a QR code, whatever the agency, or NotFound."""
    offer = db.exec(select(Offer).where(Offer.code == code.strip().upper())).first()
    if offer is None:
        raise NotFound("Offre introuvable")
    return offer


def unused_code(db: Session) -> str:
    """A fresh public code no offer uses yet."""
    while True:
        code = random_code()
        if db.exec(select(Offer.id).where(Offer.code == code)).first() is None:
            return code


def create_offer(db: Session, actor: Staff, data: OfferCreate) -> Offer:
    """Open a new offer owned by ``actor``."""
    offer = Offer(
        **data.model_dump(), agency_id=actor.agency_id, owner_id=actor.id, code=unused_code(db)
    )
    offer.ft_url = france_travail_page(offer.ft_offer_id)
    db.add(offer)
    db.flush()
    tags.attach_offer(db, offer)
    employers.link_offer(db, actor, offer)
    audit.record(db, actor, "create", offer)
    db.commit()
    db.refresh(offer)
    return offer


def update_offer(
    db: Session, actor: Staff, offer: Offer, data: OfferUpdate, expected_version: int | None
) -> Offer:
    """Apply a partial edit; raise StaleVersion if someone saved in between."""
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    check_version(offer, expected_version if expected_version is not None else data.version)
    merged_override = changes.get("urgency_override", offer.urgency_override)
    merged_reason = changes.get("urgency_override_reason", offer.urgency_override_reason)
    if "urgency_override" in changes and merged_override is None:
        changes["urgency_override_reason"] = None
    elif merged_override is not None and not (merged_reason or "").strip():
        raise Invalid("Une urgence forcée demande une raison.", field="urgency_override_reason")
    for required in ("employer", "title", "contract", "commune", "positions"):
        if required in changes and changes[required] is None:
            raise Invalid(f"Le champ {required} ne peut pas être vidé.", field=required)
    if "tags" in changes and changes["tags"] is None:
        changes["tags"] = []
    if changes.get("positions") is not None:
        _check_positions(offer, changes["positions"])
    before = audit.state_of(offer)
    apply_changes(offer, changes)
    if "ft_offer_id" in changes:
        offer.ft_url = france_travail_page(offer.ft_offer_id)
    offer.updated_at = utcnow()
    if "tags" in changes:
        tags.attach_offer(db, offer)
    if "employer" in changes:
        employers.link_offer(db, actor, offer)
    audit.record(db, actor, "update", offer, before=before)
    db.commit()
    return offer


def _check_positions(offer: Offer, positions: int) -> None:
    """A new number of positions keeps the filled ones and the offer's status true."""
    filled = offer.positions_filled
    if positions < filled:
        raise Invalid(
            f"{positions_label(filled, offer.positions).capitalize()} : l'offre ne peut pas "
            f"compter moins de {french.plural(filled, 'poste')}.",
            field="positions",
        )
    if offer.status == "open" and filled and positions == filled:
        raise Invalid(
            f"{positions_label(filled, offer.positions).capitalize()} : pour ne plus chercher "
            "personne, marquez le dernier poste pourvu ou clôturez l'offre.",
            field="positions",
        )
    if offer.status == "filled" and positions > filled:
        raise Invalid(
            "L'offre est pourvue : remettez-la en cours avant d'ajouter des postes.",
            field="positions",
        )


def set_status(
    db: Session, actor: Staff, offer: Offer, status: str, expected_version: int | None
) -> Offer:
    """Fill one more position, close, or reopen an offer.

    ``filled`` records one more filled position (« 1 poste sur 2 pourvu »); the offer is filled
    when every position is, and each filled position of a TPE offer counts once in the active
    défi. Reopening a filled offer frees one position again; closing keeps the filled count.
    """
    check_version(offer, expected_version)
    if offer.status == status:
        raise Conflict(f"L'offre est déjà {_STATUS_WORDS[status]}.")
    before = audit.state_of(offer)
    action = status if status != "open" else "reopen"
    if status == "filled":
        offer.positions_filled = min(offer.positions, offer.positions_filled + 1)
        if offer.positions_filled == offer.positions:
            offer.status = "filled"
            offer.filled_at = utcnow()
            offer.closed_at = None
        else:
            action = FILL_ONE
    else:
        if offer.status == "filled":  # one hire fell through: its position is open again
            offer.positions_filled = min(offer.positions_filled, offer.positions - 1)
        offer.status = status
        offer.filled_at = None
        offer.closed_at = utcnow() if status == "closed" else None
    offer.version += 1
    offer.updated_at = utcnow()
    audit.record(db, actor, action, offer, before=before)
    if status == "filled" and offer.is_tpe:
        challenges.contribute_for_filled_offer(db, actor, offer)
    db.commit()
    db.refresh(offer)
    return offer


# The journal's action when a position is filled and others remain (« 1 poste sur 2 pourvu »).
FILL_ONE = "fill_position"
_STATUS_WORDS = {"open": "en cours", "filled": "pourvue", "closed": "clôturée"}


def delete_offer(db: Session, actor: Staff, offer: Offer, expected_version: int | None) -> None:
    """Delete an offer and its candidate proposals; hires and défi contributions citing it stay.

    A hire's story and a défi's count outlive the offer they came from: they only lose the link
    (set to NULL in the same transaction), so the delete neither fails nor rewrites history.
    """
    check_version(offer, expected_version)
    audit.record(db, actor, "delete", offer, before=audit.state_of(offer))
    for proposal in db.exec(
        select(CandidateProposal).where(CandidateProposal.offer_id == offer.id)
    ):
        db.delete(proposal)
    for model in (Hire, Contribution):
        db.exec(update(model).where(col(model.offer_id) == offer.id).values(offer_id=None))
    db.delete(offer)
    db.commit()


def _lock_offer(db: Session, offer: Offer) -> None:
    """Serialise writers of one offer's proposals until this transaction ends.

    A no-op update: PostgreSQL locks the offer's row, SQLite takes its write lock (waiting its
    busy timeout), so two taps arriving together cannot both find "no recent proposal".
    """
    db.exec(update(Offer).where(col(Offer.id) == offer.id).values(version=Offer.version))


def recent_proposal(db: Session, actor: Staff, offer: Offer) -> CandidateProposal | None:
    """``actor``'s latest proposal on ``offer`` within the repeat-tap window, if any."""
    since = utcnow() - timedelta(minutes=REPEAT_TAP_MINUTES)
    return db.exec(
        select(CandidateProposal)
        .where(
            CandidateProposal.offer_id == offer.id,
            CandidateProposal.proposed_by_id == actor.id,
            col(CandidateProposal.created_at) >= since,
        )
        .order_by(col(CandidateProposal.created_at).desc(), col(CandidateProposal.id).desc())
    ).first()


def propose_candidate(
    db: Session,
    actor: Staff,
    offer: Offer,
    *,
    note: str | None = None,
    another: bool = False,
) -> tuple[CandidateProposal, bool]:
    """Record that ``actor`` has a candidate for an open offer (no job seeker data).

    Returns ``(proposal, created)``. A second tap by the same person on the same offer within
    ``REPEAT_TAP_MINUTES`` returns their first proposal unchanged (``created`` False): a double
    tap must not lower the offer's urgency twice. ``another`` asks for a new proposal anyway
    (« proposer un autre candidat »).
    """
    if offer.status != "open":
        raise Conflict("Cette offre n'est plus en cours : elle ne reçoit plus de candidats.")
    _lock_offer(db, offer)
    if not another:
        existing = recent_proposal(db, actor, offer)
        if existing is not None:
            db.rollback()  # releases the lock; nothing was changed
            return existing, False
    proposal = CandidateProposal(
        agency_id=offer.agency_id,
        offer_id=offer.id,
        proposed_by_id=actor.id,
        note=note or None,
    )
    db.add(proposal)
    db.flush()
    audit.record(db, actor, "propose", proposal)
    db.commit()
    db.refresh(proposal)
    return proposal, True


NOT_YOURS = "Seule la personne qui a proposé ce candidat peut retirer sa proposition."
ALREADY_FOLLOWED = (
    "Le CDE a déjà donné une suite à ce candidat ({outcome}) : la proposition ne peut plus "
    "être retirée. Parlez-en avec lui ou elle."
)


def withdrawal_refusal(actor: Staff, proposal: CandidateProposal) -> str | None:
    """Why ``actor`` may not withdraw ``proposal`` (French), or None when they may."""
    if proposal.proposed_by_id != actor.id:
        return NOT_YOURS
    if proposal.outcome != "pending":
        return ALREADY_FOLLOWED.format(outcome=OUTCOME_LABELS.get(proposal.outcome, "?"))
    return None


def withdraw_candidate(db: Session, actor: Staff, proposal: CandidateProposal) -> None:
    """The proposer takes back a proposal the CDE has not acted on: as if it never was.

    The row goes (the offer's urgency counts it no more); the journal keeps a copy. Refused
    with 409 once the CDE gave it a suite, and 403 for anyone but the proposer.
    """
    refusal = withdrawal_refusal(actor, proposal)
    if refusal == NOT_YOURS:
        raise Forbidden(refusal)
    if refusal is not None:
        raise Conflict(refusal)
    audit.record(db, actor, "withdraw", proposal, before=audit.state_of(proposal))
    db.delete(proposal)
    db.commit()


def unseen_proposals_count(db: Session, owner: Staff) -> int:
    """Proposals on ``owner``'s open offers they have not looked at yet (their tab bar badge)."""
    return db.exec(
        select(func.count())
        .select_from(CandidateProposal)
        .join(Offer, col(Offer.id) == col(CandidateProposal.offer_id))
        .where(
            Offer.owner_id == owner.id,
            Offer.status == "open",
            CandidateProposal.outcome == "pending",
            col(CandidateProposal.seen_at).is_(None),
        )
    ).one()


def mark_proposals_seen(db: Session, viewer: Staff, offer: Offer | None = None) -> set[int]:
    """``viewer`` looked at the proposals on their offers (or on ``offer`` if theirs).

    Returns the ids seen for the first time (the page may mark them « nouveau »). Written with
    one UPDATE outside the session's objects: a look changes nothing the screen shows, so it
    moves no agency revision.
    """
    if offer is not None and offer.owner_id != viewer.id:
        return set()
    owned = select(Offer.id).where(Offer.owner_id == viewer.id)
    if offer is not None:
        owned = owned.where(Offer.id == offer.id)
    unseen = (
        col(CandidateProposal.offer_id).in_(owned.scalar_subquery()),
        col(CandidateProposal.seen_at).is_(None),
    )
    ids = set(db.exec(select(CandidateProposal.id).where(*unseen)).all())
    if ids:
        db.exec(
            update(CandidateProposal)
            .where(col(CandidateProposal.id).in_(ids))
            .values(seen_at=utcnow())
        )
        db.commit()
    return {i for i in ids if i is not None}


def set_outcome(
    db: Session, actor: Staff, proposal: CandidateProposal, outcome: str
) -> CandidateProposal:
    """Record what became of a proposed candidate."""
    before = audit.state_of(proposal)
    proposal.outcome = outcome
    proposal.outcome_at = utcnow()
    audit.record(db, actor, "outcome", proposal, before=before)
    db.flush()
    challenges.recredit_offer(db, proposal.offer_id)  # a CDDE's candidate hired: shared
    db.commit()
    db.refresh(proposal)
    return proposal


def list_candidates(db: Session, offer: Offer) -> list[CandidatePublic]:
    """Candidates proposed for an offer, oldest first."""
    proposals = list(
        db.exec(
            select(CandidateProposal)
            .where(CandidateProposal.offer_id == offer.id)
            .order_by(col(CandidateProposal.created_at))
        )
    )
    people = staff_refs(db, (p.proposed_by_id for p in proposals))
    return [
        CandidatePublic(
            id=p.id,
            offer_id=p.offer_id,
            proposed_by=people[p.proposed_by_id],
            created_at=p.created_at,
            outcome=p.outcome,
            outcome_at=p.outcome_at,
            note=p.note,
            withdrawable=p.outcome == "pending",
        )
        for p in proposals
    ]
