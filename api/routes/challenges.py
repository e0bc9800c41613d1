"""The défi TPE: challenges and contributions."""

from __future__ import annotations

from fastapi import APIRouter

from api.clock import local_today
from api.deps import Allowed, CurrentStaff, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.models.challenge import (
    ChallengeCreate,
    ChallengePublic,
    ChallengeUpdate,
    ContributionCreate,
    ContributionPublic,
)
from api.params import PathId
from api.services import challenges

router = APIRouter(prefix="/challenges", tags=["challenges"])


@router.get(
    "",
    response_model=list[ChallengePublic],
    summary="Lister les défis",
    description="Les défis de l'agence avec leur progression, les plus récents d'abord.",
)
def list_challenges(db: SessionDep, agency: StaffAgency, _: CurrentStaff) -> list[ChallengePublic]:
    """The agency's challenges with their progress, newest first."""
    rows = challenges.list_challenges(db, agency.id)
    today = local_today(agency.timezone)
    return [challenges.to_public(db, c, today) for c in rows]


@router.post(
    "",
    response_model=ChallengePublic,
    status_code=201,
    summary="Créer un défi",
    description="Lance un défi.",
)
def create_challenge(
    data: ChallengeCreate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_CHALLENGES),
) -> ChallengePublic:
    """Start a challenge."""
    challenge = challenges.create_challenge(db, actor, data)
    return challenges.to_public(db, challenge, local_today(agency.timezone))


@router.patch(
    "/{challenge_id}",
    response_model=ChallengePublic,
    summary="Modifier un défi",
    description="Modifie ou clôt un défi.",
)
def update_challenge(
    challenge_id: PathId,
    data: ChallengeUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_CHALLENGES),
) -> ChallengePublic:
    """Edit or close a challenge."""
    challenge = challenges.get_challenge(db, agency.id, challenge_id)
    challenge = challenges.update_challenge(db, actor, challenge, data)
    return challenges.to_public(db, challenge, local_today(agency.timezone))


@router.post(
    "/{challenge_id}/contributions",
    response_model=ContributionPublic,
    status_code=201,
    summary="Compter une contribution au défi",
    description="Ajoute une contribution, créditée au service de l'appelant.",
)
def contribute(
    challenge_id: PathId,
    data: ContributionCreate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.CONTRIBUTE),
) -> ContributionPublic:
    """Add a contribution, credited to the caller's service."""
    challenge = challenges.get_challenge(db, agency.id, challenge_id)
    contribution = challenges.contribute(db, actor, challenge, data, local_today(agency.timezone))
    return ContributionPublic(**contribution.model_dump())
