"""Agencies: created with the usual opening hours and a unique code, listed by code."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from api.errors import Conflict
from api.models import AuditEvent
from api.models.agency import DEFAULT_OPENING_HOURS, AgencyCreate
from api.services import agencies
from tests import factories


def test_a_new_agency_opens_on_weekdays_and_the_journal_names_the_command_line(
    db: Session,
) -> None:
    agency = agencies.create_agency(
        db, None, AgencyCreate(code="carpentras", name="Agence de Carpentras")
    )
    assert agency.opening_hours == DEFAULT_OPENING_HOURS
    assert [slot["weekday"] for slot in agency.opening_hours] == [0, 1, 2, 3, 4]
    assert agency.timezone == "Europe/Paris"
    event = db.exec(select(AuditEvent).where(AuditEvent.entity == "agency")).one()
    assert (event.action, event.actor_label, event.agency_id) == (
        "create",
        "ligne de commande",
        agency.id,
    )


def test_an_administrator_is_named_in_the_journal(db: Session) -> None:
    home = factories.agency(db)
    admin = factories.staff(db, home, "admin", name="Équipe support")
    created = agencies.create_agency(db, admin, AgencyCreate(code="orange", name="Orange"))
    event = db.exec(select(AuditEvent).where(AuditEvent.entity_id == created.id)).one()
    assert event.actor_label == "Équipe support (admin)"


def test_a_taken_code_is_refused_in_french(db: Session) -> None:
    factories.agency(db, code="cavaillon")
    with pytest.raises(Conflict) as refused:
        agencies.create_agency(db, None, AgencyCreate(code="cavaillon", name="Autre"))
    assert refused.value.message == "Une agence porte déjà ce code."
    assert refused.value.field == "code"


def test_agencies_are_listed_by_code(db: Session) -> None:
    for code in ("pertuis", "apt", "l-isle-sur-la-sorgue"):
        factories.agency(db, code=code)
    assert [a.code for a in agencies.list_agencies(db)] == [
        "apt",
        "l-isle-sur-la-sorgue",
        "pertuis",
    ]
