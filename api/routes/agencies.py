"""Agencies (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Allowed, SessionDep
from api.domain.permissions import Action
from api.models.agency import AgencyCreate, AgencyPublic
from api.services import agencies

router = APIRouter(prefix="/agencies", tags=["agencies"])


@router.get(
    "",
    response_model=list[AgencyPublic],
    summary="Lister les agences",
    description="Toutes les agences.",
)
def list_agencies(db: SessionDep, _: Allowed(Action.MANAGE_AGENCIES)) -> list[AgencyPublic]:
    """All agencies."""
    return [AgencyPublic(**a.model_dump()) for a in agencies.list_agencies(db)]


@router.post(
    "",
    response_model=AgencyPublic,
    status_code=201,
    summary="Créer une agence",
    description="Crée une agence.",
)
def create_agency(
    data: AgencyCreate, db: SessionDep, actor: Allowed(Action.MANAGE_AGENCIES)
) -> AgencyPublic:
    """Create an agency."""
    return AgencyPublic(**agencies.create_agency(db, actor, data).model_dump())
