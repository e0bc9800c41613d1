"""Staff accounts in-process: who may create or change whom, unique e-mails, logging in."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from api.domain.permissions import ABOVE_YOU, DENIED_MESSAGE, HIGHER_ACCOUNT, OWN_ROLE
from api.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion, Throttled, Unauthorized
from api.models import Agency, AuditEvent, LoginFailure, Staff
from api.models.staff import StaffCreate, StaffUpdate
from api.security import sessions
from api.security.password_policy import PERSONAL
from api.security.throttle import MAX_FAILURES
from api.services import staff as staff_service
from tests import factories
from tests.factories import PASSWORD

NEW_PASSWORD = "Mistral-Garrigue-Olivier-77"


def _new(email: str, role: str = "cdde", name: str = "Inès Roux") -> StaffCreate:
    return StaffCreate(name=name, email=email, role=role, password=PASSWORD)  # type: ignore[arg-type]


def test_a_manager_creates_an_account_that_can_log_in(
    db: Session, agency: Agency, manager: Staff
) -> None:
    created = staff_service.create_staff(db, manager, agency.id, _new("ines.roux@agence.fr"))
    assert (created.role, created.active, created.agency_id) == ("cdde", True, agency.id)
    assert created.password_hash != PASSWORD
    logged = staff_service.authenticate(db, "  Ines.Roux@Agence.fr ", PASSWORD)
    assert logged.id == created.id
    event = db.exec(select(AuditEvent).where(AuditEvent.entity_id == created.id)).one()
    assert "password_hash" not in (event.after or {})


@pytest.mark.parametrize(
    ("role", "new_role", "message"),
    [("manager", "admin", ABOVE_YOU), ("cde", "cdde", DENIED_MESSAGE)],
)
def test_nobody_creates_an_account_above_their_own_rank(
    db: Session, agency: Agency, role: str, new_role: str, message: str
) -> None:
    actor = factories.staff(db, agency, role)
    with pytest.raises(Forbidden) as refused:
        staff_service.create_staff(db, actor, agency.id, _new("x.y@agence.fr", new_role))
    assert (refused.value.message, refused.value.field) == (message, "role")


def test_an_email_used_in_another_agency_is_refused_without_naming_it(
    db: Session, agency: Agency, manager: Staff
) -> None:
    elsewhere = factories.agency(db, name="Agence de Cavaillon")
    factories.staff(db, elsewhere, "cde", email="pris@agence.fr")
    with pytest.raises(Conflict) as refused:
        staff_service.create_staff(db, manager, agency.id, _new("pris@agence.fr"))
    assert refused.value.message == staff_service.EMAIL_TAKEN
    assert "Cavaillon" not in refused.value.message and refused.value.field == "email"
    journal = db.exec(select(AuditEvent).where(AuditEvent.action == "refuse_create")).one()
    assert (journal.agency_id, journal.actor_id) == (agency.id, manager.id)
    with pytest.raises(Conflict, match="sert déjà"):  # the command line too
        staff_service.create_staff(db, None, agency.id, _new("pris@agence.fr"))


def test_a_manager_probing_emails_is_stopped_even_for_a_free_one(
    db: Session, agency: Agency, manager: Staff
) -> None:
    factories.staff(db, factories.agency(db), "cde", email="pris@agence.fr")
    for _ in range(staff_service.MAX_REFUSED_CREATIONS):
        with pytest.raises(Conflict):
            staff_service.create_staff(db, manager, agency.id, _new("pris@agence.fr"))
    with pytest.raises(Throttled) as refused:
        staff_service.create_staff(db, manager, agency.id, _new("libre@agence.fr"))
    assert refused.value.message.startswith("Trop de créations de compte refusées")
    assert refused.value.retry_after > 3000
    assert db.exec(select(Staff).where(Staff.email == "libre@agence.fr")).first() is None


def test_accounts_are_listed_by_name(db: Session, agency: Agency) -> None:
    for name in ("Zoé Arnaud", "Bruno Laurent", "Amandine Roche"):
        factories.staff(db, agency, "cde", name=name)
    factories.staff(db, factories.agency(db), "cde", name="Ailleurs")
    names = [s.name for s in staff_service.list_staff(db, agency.id)]
    assert names == ["Amandine Roche", "Bruno Laurent", "Zoé Arnaud"]


def test_an_unknown_agency_code_is_named_in_the_refusal(db: Session, agency: Agency) -> None:
    assert staff_service.get_agency(db, agency.code).id == agency.id
    with pytest.raises(NotFound, match=r"^Agence inconnue : nulle-part$"):
        staff_service.get_agency(db, "nulle-part")


def test_nobody_changes_their_own_role_or_an_account_above_theirs(
    db: Session, agency: Agency, manager: Staff
) -> None:
    admin = factories.staff(db, agency, "admin")
    with pytest.raises(Forbidden, match=re.escape(OWN_ROLE)):
        staff_service.update_staff(db, manager, manager, StaffUpdate(role="cde"))
    with pytest.raises(Forbidden, match=re.escape(OWN_ROLE)):
        staff_service.update_staff(db, manager, manager, StaffUpdate(active=False))
    with pytest.raises(Forbidden, match=re.escape(HIGHER_ACCOUNT)):
        staff_service.update_staff(db, manager, admin, StaffUpdate(name="Renommé"))
    staff_service.update_staff(db, manager, manager, StaffUpdate(name="Claire V."))
    assert (manager.name, manager.version) == ("Claire V.", 2)


def test_deactivating_an_account_ends_its_sessions_and_its_logins(
    db: Session, agency: Agency, manager: Staff
) -> None:
    cde = factories.staff(db, agency, "cde")
    token = sessions.open_session(db, cde, kind="cookie", days=14)
    assert sessions.staff_for_token(db, token) is not None
    staff_service.update_staff(db, manager, cde, StaffUpdate(active=False, version=1))
    assert sessions.staff_for_token(db, token) is None
    with pytest.raises(Unauthorized, match=re.escape(staff_service.BAD_LOGIN)):
        staff_service.authenticate(db, cde.email, PASSWORD)
    with pytest.raises(StaleVersion):
        staff_service.update_staff(db, manager, cde, StaffUpdate(active=True, version=1))


def test_a_new_password_ends_the_sessions_and_must_not_be_personal(
    db: Session, agency: Agency, manager: Staff
) -> None:
    cde = factories.staff(db, agency, "cde", name="Sophie Marchal")
    token = sessions.open_session(db, cde, kind="bearer", days=1)
    with pytest.raises(Invalid) as refused:
        staff_service.update_staff(
            db, manager, cde, StaffUpdate(password="Sophie-Marchal-Avignon-84")
        )
    assert (refused.value.message, refused.value.field) == (PERSONAL, "password")
    assert sessions.staff_for_token(db, token) is not None
    staff_service.update_staff(db, manager, cde, StaffUpdate(password=NEW_PASSWORD))
    assert sessions.staff_for_token(db, token) is None
    assert staff_service.authenticate(db, cde.email, NEW_PASSWORD).id == cde.id


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    db: Session, agency: Agency
) -> None:
    cde = factories.staff(db, agency, "cde")
    for email, password in ((cde.email, "pas le bon"), ("inconnu@agence.fr", PASSWORD)):
        with pytest.raises(Unauthorized) as refused:
            staff_service.authenticate(db, email, password)
        assert refused.value.message == "E-mail ou mot de passe incorrect."


def test_repeated_failures_are_throttled_and_a_success_forgets_them(
    db: Session, agency: Agency
) -> None:
    cde = factories.staff(db, agency, "cde")
    with pytest.raises(Unauthorized):
        staff_service.authenticate(db, cde.email, "pas le bon")
    assert len(db.exec(select(LoginFailure)).all()) == 1
    staff_service.authenticate(db, cde.email, PASSWORD)  # clears the count
    assert db.exec(select(LoginFailure)).all() == []
    for _ in range(MAX_FAILURES):
        with pytest.raises(Unauthorized):
            staff_service.authenticate(db, cde.email, "pas le bon")
    with pytest.raises(Throttled) as refused:
        staff_service.authenticate(db, cde.email, PASSWORD)  # even the right one, for now
    assert refused.value.message.startswith("Trop de tentatives : réessayez dans")
