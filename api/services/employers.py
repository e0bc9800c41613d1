"""Employer files (« fiche TPE »): finding an employer as people type it, attaching offers,
creating and editing a file, and the history it shows.

An employer is unique in its agency by its matching key (``employer_key``: no case, accents,
punctuation, extra spaces nor legal form at either end). An offer names its employer as text;
``link_offer`` attaches it to the file of that key, opening a file when there is none, so that
the CDE never types the same business twice and its history gathers by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from api.clock import aware, utcnow
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Conflict, Forbidden, Invalid
from api.models import CandidateProposal, Employer, Hire, Offer, Staff
from api.models.employer import (
    SUGGESTIONS,
    TPE_BANDS,
    EmployerCreate,
    EmployerFilePublic,
    EmployerHireLine,
    EmployerOfferLine,
    EmployerPublic,
    EmployerUpdate,
    employer_key,
)
from api.models.fields import MAX_DB_ID
from api.services import audit, questionnaire
from api.services.common import check_version, get_scoped

NAME_TAKEN = (
    "Une fiche existe déjà pour cet employeur (aux majuscules, accents et forme juridique "
    "près) : ouvrez-la plutôt que d'en créer une seconde."
)
SAME_INSTANT = (
    "Un collègue vient d'ouvrir la fiche de cet employeur au même instant : enregistrez à nouveau."
)
REQUIRED = ("name", "commune")


# --- finding and suggesting -----------------------------------------------------------------


def find(db: Session, agency_id: int, typed: str) -> Employer | None:
    """The agency's employer whose name matches ``typed`` (see ``employer_key``), if any."""
    key = employer_key(typed[:300])
    if not key:
        return None
    return db.exec(
        select(Employer).where(Employer.agency_id == agency_id, Employer.key == key)
    ).first()


def get_employer(db: Session, agency_id: int, employer_id: int) -> Employer:
    """One employer of this agency, or NotFound (another agency's looks absent)."""
    return get_scoped(db, Employer, employer_id, agency_id, "Employeur")


def find_by_id(db: Session, agency_id: int, employer_id: int | None) -> Employer | None:
    """One employer of this agency, or None (an id from a link's query, for instance)."""
    if employer_id is None:
        return None
    employer = db.get(Employer, employer_id) if 0 < employer_id <= MAX_DB_ID else None
    return employer if employer is not None and employer.agency_id == agency_id else None


def search(db: Session, agency_id: int, typed: str = "", limit: int = 200) -> list[Employer]:
    """The agency's employers matching what is typed, without case or accents: names starting
    with it first, then those containing it (in their name, commune or sector), by name.

    Nothing typed: every employer, the ones with the latest offers first.
    """
    employers = list(db.exec(select(Employer).where(Employer.agency_id == agency_id)))
    needle = employer_key(typed[:200]) if typed.strip() else ""
    if not needle:
        latest = _latest_offers(db, [e.id for e in employers if e.id is not None])
        employers.sort(key=lambda e: (-(latest.get(e.id or 0) or 0), e.key))
        return employers[:limit]
    employers.sort(key=lambda e: e.key)
    starting = [e for e in employers if e.key.startswith(needle)]
    inside = [
        e
        for e in employers
        if e not in starting
        and needle in " ".join((e.key, employer_key(e.commune), employer_key(e.sector)))
    ]
    return (starting + inside)[:limit]


def suggestions(
    db: Session, agency_id: int, typed: str = "", limit: int = SUGGESTIONS
) -> list[Employer]:
    """Existing employers for an employer field: those matching ``typed`` (without case or
    accents), or the most recently active ones when nothing is typed yet."""
    return search(db, agency_id, typed, limit=limit)


def _latest_offers(db: Session, employer_ids: list[int]) -> dict[int, float]:
    """Per employer, when its latest offer was opened (a timestamp), in one query."""
    if not employer_ids:
        return {}
    rows = db.exec(
        select(Offer.employer_id, func.max(Offer.opened_at))
        .where(col(Offer.employer_id).in_(employer_ids))
        .group_by(col(Offer.employer_id))
    )
    return {i: aware(at).timestamp() for i, at in rows if i is not None and at is not None}


# --- attaching offers -----------------------------------------------------------------------


def _file_for(db: Session, agency_id: int, name: str, commune: str) -> tuple[Employer, bool]:
    """The employer ``name`` designates, opened (named as typed, in ``commune``) when there is
    none; and whether it was just opened."""
    employer = find(db, agency_id, name)
    if employer is not None:
        return employer, False
    employer = Employer(agency_id=agency_id, name=name, key=employer_key(name), commune=commune)
    db.add(employer)
    _flush_unique(db)
    return employer, True


def link_offer(
    db: Session, actor: Staff | None, offer: Offer, *, actor_label: str | None = None
) -> Employer:
    """Attach ``offer`` to the employer its text names, opening a file when there is none
    (named as typed, in the offer's commune; the journal says who, or ``actor_label``). The
    caller commits."""
    employer, opened = _file_for(db, offer.agency_id, offer.employer, offer.commune)
    if opened:
        audit.record(db, actor, "create", employer, actor_label=actor_label)
    offer.employer_id = employer.id
    db.add(offer)
    return employer


def attach_all(db: Session, agency_id: int) -> list[Employer]:
    """Attach every offer of the agency that has no file yet (a seed, an import), oldest
    first, as migration 0014 did. Returns the files opened. The caller commits."""
    loose = db.exec(
        select(Offer)
        .where(Offer.agency_id == agency_id, col(Offer.employer_id).is_(None))
        .order_by(col(Offer.opened_at), col(Offer.id))
    )
    opened = []
    for offer in loose:
        employer, new = _file_for(db, agency_id, offer.employer, offer.commune)
        offer.employer_id = employer.id
        db.add(offer)
        if new:
            employer.created_at = offer.opened_at  # known since its first offer
            opened.append(employer)
    return opened


def _flush_unique(db: Session) -> None:
    """Flush; a file of the same key opened at the same instant by a colleague (the unique
    constraint) is a 409 to try again, which then finds that file. Nothing is kept."""
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(SAME_INSTANT) from None


# --- creating and editing -------------------------------------------------------------------


def _check_editor(actor: Staff) -> None:
    if not can(actor.role, Action.EDIT_EMPLOYERS):
        raise Forbidden(DENIED_MESSAGE)


def create_employer(db: Session, actor: Staff, data: EmployerCreate) -> Employer:
    """Open an employer file (CDE and managers); a name matching an existing file is refused."""
    _check_editor(actor)
    if find(db, actor.agency_id, data.name) is not None:
        raise Invalid(NAME_TAKEN, field="name")
    employer = Employer(**data.model_dump(), agency_id=actor.agency_id, key=employer_key(data.name))
    db.add(employer)
    _flush_unique(db)
    audit.record(db, actor, "create", employer)
    db.commit()
    db.refresh(employer)
    return employer


def update_employer(
    db: Session,
    actor: Staff,
    employer: Employer,
    data: EmployerUpdate,
    expected_version: int | None = None,
) -> Employer:
    """Edit an employer file (CDE and managers; version-checked, a stale edit is a 409).

    A new name matching another file is refused. Its offers keep their text as typed.
    """
    _check_editor(actor)
    check_version(
        employer,
        expected_version if expected_version is not None else data.version,
        to_public(db, [employer])[0].model_dump(mode="json"),
    )
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    for name in REQUIRED:
        if name in changes and changes[name] is None:
            raise Invalid(f"Le champ {name} ne peut pas être vidé.", field=name)
    for name in ("sector", "contact", "notes"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    if "name" in changes:
        other = find(db, employer.agency_id, changes["name"])
        if other is not None and other.id != employer.id:
            raise Invalid(NAME_TAKEN, field="name")
        changes["key"] = employer_key(changes["name"])
    before = audit.state_of(employer)
    employer.sqlmodel_update(changes)
    employer.version += 1
    employer.updated_at = utcnow()
    db.add(employer)
    _flush_unique(db)
    audit.record(db, actor, "update", employer, before=before)
    db.commit()
    db.refresh(employer)
    return employer


# --- public forms and the file's history ----------------------------------------------------


def _offer_counts(db: Session, employer_ids: list[int]) -> dict[int, tuple[int, int, date | None]]:
    """Per employer: open offers, all offers, the latest opening day."""
    if not employer_ids:
        return {}
    out: dict[int, tuple[int, int, date | None]] = {}
    rows = db.exec(
        select(Offer.employer_id, Offer.status, func.count(), func.max(Offer.opened_at))
        .where(col(Offer.employer_id).in_(employer_ids))
        .group_by(col(Offer.employer_id), col(Offer.status))
    )
    for employer_id, status, count, latest in rows:
        if employer_id is None:
            continue
        open_, total, last = out.get(employer_id, (0, 0, None))
        day = aware(latest).date() if latest is not None else None
        out[employer_id] = (
            open_ + (count if status == "open" else 0),
            total + count,
            max(d for d in (last, day) if d is not None) if (last or day) else None,
        )
    return out


def to_public(db: Session, employers: list[Employer]) -> list[EmployerPublic]:
    """Public form of employer files, with their offer counts loaded in one query."""
    counts = _offer_counts(db, [e.id for e in employers if e.id is not None])
    out = []
    for e in employers:
        open_, total, last = counts.get(e.id or 0, (0, 0, None))
        out.append(
            EmployerPublic(
                **e.model_dump(exclude={"agency_id", "key"}),
                is_tpe=None if e.size_band is None else e.size_band in TPE_BANDS,
                open_offers=open_,
                offers_count=total,
                last_offer_on=last,
            )
        )
    return out


@dataclass(frozen=True)
class History:
    """An employer's history in the agency: its offers with their proposals, its hires."""

    offers: list[EmployerOfferLine]
    hires: list[Hire]


def history(db: Session, employer: Employer) -> History:
    """The employer's offers (newest first) with the candidates proposed and what became of
    them, and the hires told for it: on one of its offers, or without an offer under its name."""
    offers = list(
        db.exec(
            select(Offer)
            .where(Offer.employer_id == employer.id, Offer.agency_id == employer.agency_id)
            .order_by(col(Offer.opened_at).desc(), col(Offer.id).desc())
        )
    )
    offer_ids = [o.id for o in offers if o.id is not None]
    outcomes: dict[int, dict[str, int]] = {i: {} for i in offer_ids}
    if offer_ids:
        for offer_id, outcome, count in db.exec(
            select(CandidateProposal.offer_id, CandidateProposal.outcome, func.count())
            .where(col(CandidateProposal.offer_id).in_(offer_ids))
            .group_by(col(CandidateProposal.offer_id), col(CandidateProposal.outcome))
        ):
            outcomes[offer_id][outcome] = count
    lines = [
        EmployerOfferLine(
            id=o.id or 0,
            code=o.code,
            title=o.title,
            contract=o.contract,
            status=o.status,
            opened_at=o.opened_at,
            filled_at=o.filled_at,
            closed_at=o.closed_at,
            proposals=sum(outcomes.get(o.id or 0, {}).values()),
            interviews=outcomes.get(o.id or 0, {}).get("interview", 0),
            hired=outcomes.get(o.id or 0, {}).get("hired", 0),
        )
        for o in offers
    ]
    hires = _hires_of(db, employer, offer_ids)
    return History(offers=lines, hires=hires)


def _hires_of(db: Session, employer: Employer, offer_ids: Iterable[int]) -> list[Hire]:
    linked = set(offer_ids)

    def ours(hire: Hire) -> bool:
        if hire.offer_id is not None:
            return hire.offer_id in linked
        return employer_key(hire.employer) == employer.key

    query = select(Hire).where(Hire.agency_id == employer.agency_id)
    ordered = query.order_by(col(Hire.hired_on).desc(), col(Hire.id).desc())
    return [hire for hire in db.exec(ordered) if ours(hire)]


def file_public(db: Session, employer: Employer) -> EmployerFilePublic:
    """The employer file as the API shows it: details, offers and hires."""
    told = history(db, employer)
    return EmployerFilePublic(
        employer=to_public(db, [employer])[0],
        offers=told.offers,
        hires=[
            EmployerHireLine(id=h.id or 0, title=h.title, hired_on=h.hired_on, status=h.status)
            for h in told.hires
        ],
        questionnaires=questionnaire.to_public(db, questionnaire.of_employer(db, employer)),
    )
