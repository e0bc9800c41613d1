"""The défi TPE: challenges, contributions and their collective progress by service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, func, select

from api.clock import local_today
from api.errors import Conflict
from api.models import Agency, CandidateProposal, Challenge, Contribution, Offer, Staff
from api.models.challenge import (
    ChallengeCreate,
    ChallengePublic,
    ChallengeUpdate,
    ContributionCreate,
)
from api.services import audit
from api.services.common import apply_changes, check_version, get_scoped


def is_active(challenge: Challenge, today: date) -> bool:
    """Open and within its period."""
    return not challenge.closed and challenge.starts_on <= today <= challenge.ends_on


# Read at every snapshot build: built once, the agency and the day bound at execution.
_ACTIVE = (
    select(Challenge)
    .where(
        Challenge.agency_id == bindparam("agency_id"),
        col(Challenge.closed).is_(False),
        col(Challenge.starts_on) <= bindparam("today"),
        col(Challenge.ends_on) >= bindparam("today"),
    )
    .order_by(col(Challenge.starts_on).desc(), col(Challenge.id).desc())
)


def active_challenge(db: Session, agency: Agency) -> Challenge | None:
    """The agency's running challenge (the most recently started one if several)."""
    today = local_today(agency.timezone)
    return db.exec(_ACTIVE, params={"agency_id": agency.id, "today": today}).first()


def get_challenge(db: Session, agency_id: int, challenge_id: int) -> Challenge:
    """One challenge of this agency, or NotFound."""
    return get_scoped(db, Challenge, challenge_id, agency_id, "Défi")


def list_challenges(db: Session, agency_id: int, *, limit: int | None = None) -> list[Challenge]:
    """The agency's challenges, newest first (the ``limit`` latest when given)."""
    query = (
        select(Challenge)
        .where(Challenge.agency_id == agency_id)
        .order_by(col(Challenge.starts_on).desc(), col(Challenge.id).desc())
    )
    return list(db.exec(query.limit(limit) if limit else query))


SHARED = "shared"


def progress(db: Session, challenge: Challenge, until: datetime | None = None) -> dict[str, int]:
    """Collective total split by service, and what both services did together:
    ``{"cde": n, "cdde": m, "shared": k}``; only contributions made before ``until`` when given."""
    query = select(
        Contribution.service,
        Contribution.shared,
        func.coalesce(func.sum(Contribution.amount), 0),
    ).where(Contribution.challenge_id == challenge.id)
    if until is not None:
        query = query.where(col(Contribution.created_at) < until)
    rows = db.exec(query.group_by(Contribution.service, Contribution.shared)).all()
    split = {"cde": 0, "cdde": 0, SHARED: 0}
    for service, shared, total in rows:
        split[SHARED if shared else service] += int(total)
    return split


def by_service(split: dict[str, int]) -> dict[str, int]:
    """The part of ``progress`` each service did on its own."""
    return {service: total for service, total in split.items() if service != SHARED}


def to_public(
    db: Session, challenge: Challenge, today: date, until: datetime | None = None
) -> ChallengePublic:
    """Public form with progress (up to ``until`` when given)."""
    split = progress(db, challenge, until)
    return ChallengePublic(
        **challenge.model_dump(exclude={"agency_id", "created_at"}),
        active=is_active(challenge, today),
        total=sum(split.values()),
        by_service=by_service(split),
        shared=split[SHARED],
    )


def recent_contributions(db: Session, challenge: Challenge, limit: int = 5) -> list[Contribution]:
    """Latest contributions first."""
    return list(
        db.exec(
            select(Contribution)
            .where(Contribution.challenge_id == challenge.id)
            .order_by(col(Contribution.created_at).desc(), col(Contribution.id).desc())
            .limit(limit)
        )
    )


def create_challenge(db: Session, actor: Staff, data: ChallengeCreate) -> Challenge:
    """Start a challenge for the actor's agency."""
    challenge = Challenge(**data.model_dump(), agency_id=actor.agency_id)
    db.add(challenge)
    db.flush()
    audit.record(db, actor, "create", challenge)
    db.commit()
    db.refresh(challenge)
    return challenge


def update_challenge(
    db: Session, actor: Staff, challenge: Challenge, data: ChallengeUpdate
) -> Challenge:
    """Edit or close a challenge (version-checked)."""
    check_version(challenge, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("ends_on") and changes["ends_on"] < challenge.starts_on:
        raise Conflict("La date de fin précède la date de début.")
    before = audit.state_of(challenge)
    apply_changes(challenge, changes)
    audit.record(db, actor, "update", challenge, before=before)
    db.commit()
    db.refresh(challenge)
    return challenge


def contribute(
    db: Session,
    actor: Staff,
    challenge: Challenge,
    data: ContributionCreate,
    today: date,
    *,
    offer: Offer | None = None,
) -> Contribution:
    """Add a contribution credited to the actor's service (never ranked by person)."""
    contribution = _add_contribution(db, actor, challenge, data, today, offer=offer)
    db.commit()
    db.refresh(contribution)
    return contribution


def _add_contribution(
    db: Session,
    actor: Staff,
    challenge: Challenge,
    data: ContributionCreate,
    today: date,
    *,
    offer: Offer | None = None,
    shared: bool = False,
) -> Contribution:
    """The contribution, added to the session but not committed (the filled offer's rule)."""
    if not is_active(challenge, today):
        raise Conflict("Ce défi n'est pas en cours : il ne reçoit plus de contributions.")
    contribution = Contribution(
        agency_id=challenge.agency_id,
        challenge_id=challenge.id,
        service=actor.service,
        amount=data.amount,
        label=data.label,
        staff_id=actor.id,
        offer_id=offer.id if offer else None,
        shared=shared,
    )
    db.add(contribution)
    db.flush()
    audit.record(db, actor, "contribute", contribution)
    return contribution


def contribute_for_filled_offer(db: Session, actor: Staff, offer: Offer) -> None:
    """Each filled position of a TPE offer counts once in the active challenge.

    « A filled offer counts once » means each of its positions once: the challenge holds at most
    ``positions_filled`` for the offer, whatever reopening and filling again happened. Part of
    ``offers.set_status``'s transaction: added to the session, committed by it.
    """
    agency = db.get(Agency, offer.agency_id)
    challenge = active_challenge(db, agency) if agency else None
    if challenge is None or agency is None:
        return
    counted = db.exec(
        select(func.coalesce(func.sum(Contribution.amount), 0)).where(
            Contribution.challenge_id == challenge.id, Contribution.offer_id == offer.id
        )
    ).one()
    missing = offer.positions_filled - int(counted)
    if missing <= 0:
        return
    position = f" · {offer.positions_filled} sur {offer.positions}" if offer.positions > 1 else ""
    label = f"{offer.title} — {offer.employer}"[: 200 - len(position)] + position
    _add_contribution(
        db,
        actor,
        challenge,
        ContributionCreate(amount=missing, label=label),
        local_today(agency.timezone),
        offer=offer,
        shared=_hired_from_the_other_service(db, actor, offer.id),
    )


def _hired_from_the_other_service(db: Session, actor: Staff, offer_id: int | None) -> bool:
    """Whether the offer's hire came through a colleague of the other service: a candidate
    proposed by a CDDE and marked hired on a CDE's offer counts for both, together."""
    proposers = db.exec(
        select(Staff)
        .join(CandidateProposal, col(CandidateProposal.proposed_by_id) == col(Staff.id))
        .where(CandidateProposal.offer_id == offer_id, CandidateProposal.outcome == "hired")
    ).all()
    return any(proposer.service != actor.service for proposer in proposers)


def recredit_offer(db: Session, offer_id: int) -> None:
    """Share the offer's contributions, or not, as its candidates' outcomes now say (a CDE
    may fill the offer before marking the CDDE's candidate hired). Part of the caller's
    transaction."""
    for contribution in db.exec(select(Contribution).where(Contribution.offer_id == offer_id)):
        contributor = db.get(Staff, contribution.staff_id)
        if contributor is not None:
            contribution.shared = _hired_from_the_other_service(db, contributor, offer_id)
