"""Agencies (administrators only)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator
from sqlmodel import select

from api.deps import Allowed, SessionDep
from api.domain.permissions import Action
from api.errors import Conflict
from api.models import Agency
from api.models.agency import DEFAULT_OPENING_HOURS, AgencyPublic
from api.models.fields import ShortText
from api.services import audit

router = APIRouter(prefix="/agencies", tags=["agencies"])


class AgencyCreate(BaseModel):
    code: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: ShortText
    timezone: str = Field("Europe/Paris", max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # Every screen and date of the agency is computed in this zone: refuse unknown ones.
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuseau horaire inconnu : {value}") from None
        return value


@router.get("", response_model=list[AgencyPublic])
def list_agencies(db: SessionDep, _: Allowed(Action.MANAGE_AGENCIES)) -> list[AgencyPublic]:
    """All agencies."""
    return [AgencyPublic(**a.model_dump()) for a in db.exec(select(Agency).order_by(Agency.code))]


@router.post("", response_model=AgencyPublic, status_code=201)
def create_agency(
    data: AgencyCreate, db: SessionDep, actor: Allowed(Action.MANAGE_AGENCIES)
) -> AgencyPublic:
    """Create an agency."""
    if db.exec(select(Agency.id).where(Agency.code == data.code)).first():
        raise Conflict("Une agence porte déjà ce code.")
    agency = Agency(**data.model_dump(), opening_hours=DEFAULT_OPENING_HOURS)
    db.add(agency)
    db.flush()
    audit.record(db, actor, "create", agency, agency_id=agency.id)
    db.commit()
    return AgencyPublic(**agency.model_dump())
