"""Agencies: created by an administrator (API) or by the operator (``couloir agency add``)."""

from __future__ import annotations

from sqlmodel import Session, select

from api.errors import Conflict, NotFound
from api.models import Agency, Staff
from api.models.agency import DEFAULT_OPENING_HOURS, AgencyCreate
from api.services import audit


def get_agency(db: Session, agency_id: int) -> Agency:
    """The agency with this id, or NotFound."""
    agency = db.get(Agency, agency_id)
    if agency is None:
        raise NotFound("Agence introuvable")
    return agency


def list_agencies(db: Session) -> list[Agency]:
    """Every agency, by code."""
    return list(db.exec(select(Agency).order_by(Agency.code)))


def create_agency(db: Session, actor: Staff | None, data: AgencyCreate) -> Agency:
    """Create an agency with the usual opening hours (Conflict when the code is taken)."""
    if db.exec(select(Agency.id).where(Agency.code == data.code)).first():
        raise Conflict("Une agence porte déjà ce code.", field="code")
    agency = Agency(**data.model_dump(), opening_hours=DEFAULT_OPENING_HOURS)
    db.add(agency)
    db.flush()
    label = None if actor else "ligne de commande"
    audit.record(db, actor, "create", agency, agency_id=agency.id, actor_label=label)
    db.commit()
    return agency
