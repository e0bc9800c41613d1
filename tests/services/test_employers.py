"""Employer files, in-process: SIRET checks, matching names without case, accents or legal
form, offers attached to their file, who edits, stale edits, and the history a file shows."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from api.errors import Forbidden, Invalid, StaleVersion
from api.models import Agency, AuditEvent, Employer, Staff
from api.models.employer import SIRET_CHECK, SIRET_LENGTH, EmployerCreate, EmployerUpdate
from api.models.hire import HireCreate
from api.models.offer import OfferUpdate
from api.services import audit, employers, hires, offers
from tests import factories

DAY = date(2026, 11, 2)


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


@pytest.fixture
def cdde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cdde")


# --- SIRET ----------------------------------------------------------------------------------


def test_a_siret_is_kept_as_its_14_digits_when_its_check_is_right() -> None:
    data = EmployerCreate(name="Garage Mistral", commune="Orange", siret="732 829 320 00074")
    assert data.siret == "73282932000074"
    assert EmployerCreate(name="Garage", commune="Orange", siret="  ").siret is None
    # La Poste's offices share one SIREN and a check of their own.
    assert EmployerCreate(name="La Poste", commune="Orange", siret="35600000000001").siret


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("73282932000075", SIRET_CHECK),  # one digit wrong
        ("73282932000047", SIRET_CHECK),  # two digits swapped
        ("7328293200007", SIRET_LENGTH),  # 13 digits
        ("732829320000741", SIRET_LENGTH),
        ("7328293200007A", SIRET_LENGTH),
        ("７３２８２９３２０００７４", SIRET_LENGTH),  # full-width digits are not ASCII ones
    ],
)
def test_a_wrong_siret_is_refused_in_french(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        EmployerCreate(name="Garage", commune="Orange", siret=typed)
    assert refused.value.errors()[0]["msg"] == message


# --- matching and attaching -----------------------------------------------------------------


def test_an_offer_opens_a_file_and_the_next_one_typed_loosely_joins_it(
    db: Session, agency: Agency, cde: Staff
) -> None:
    first = factories.offer(db, cde, employer="Boulangerie Martin", commune="Le Pontet")
    second = factories.offer(db, cde, employer="BOULANGÉRIE   martin S.A.R.L.")
    third = factories.offer(db, cde, employer="Boul. Martin")  # a guess: not merged
    files = list(db.exec(select(Employer).where(Employer.agency_id == agency.id)))
    assert sorted(e.name for e in files) == ["Boul. Martin", "Boulangerie Martin"]
    assert first.employer_id == second.employer_id != third.employer_id
    martin = db.get(Employer, first.employer_id)
    assert martin is not None and martin.commune == "Le Pontet"
    # Each offer keeps its employer as typed; the journal says the file was opened.
    assert second.employer == "BOULANGÉRIE   martin S.A.R.L.".replace("   ", " ")
    opened = db.exec(select(AuditEvent).where(AuditEvent.entity == "employer")).all()
    assert len(opened) == 2


def test_changing_an_offers_employer_moves_it_to_that_file(db: Session, cde: Staff) -> None:
    offer = factories.offer(db, cde, employer="Garage Mistral")
    cave = factories.employer(db, cde, name="Cave des Papes", commune="Châteauneuf-du-Pape")
    edited = offers.update_offer(db, cde, offer, OfferUpdate(employer="cave des papes"), None)
    assert edited.employer_id == cave.id
    untouched = offers.update_offer(db, cde, edited, OfferUpdate(title="Caviste"), None)
    assert untouched.employer_id == cave.id


def test_each_agency_has_its_own_files(db: Session, agency: Agency, cde: Staff) -> None:
    other = factories.agency(db)
    their_cde = factories.staff(db, other, "cde")
    ours = factories.offer(db, cde, employer="Garage Mistral")
    theirs = factories.offer(db, their_cde, employer="Garage Mistral")
    assert ours.employer_id != theirs.employer_id
    assert employers.find(db, other.id, "garage mistral").id == theirs.employer_id


def test_search_matches_without_case_accents_or_legal_form(db: Session, cde: Staff) -> None:
    factories.employer(db, cde, name="Boulangérie Martin SARL", commune="Le Pontet")
    factories.employer(db, cde, name="Pâtisserie du Rempart", commune="Avignon", sector="")
    factories.employer(db, cde, name="Garage Mistral", commune="Orange", sector="Automobile")
    names = lambda typed: [e.name for e in employers.search(db, cde.agency_id, typed)]  # noqa: E731
    assert names("boulangerie") == ["Boulangérie Martin SARL"]
    # Names starting with it first, then the others it is part of (here a sector).
    assert names("PATISSERIE") == ["Pâtisserie du Rempart", "Boulangérie Martin SARL"]
    assert names("martin") == ["Boulangérie Martin SARL"]
    assert names("orange") == ["Garage Mistral"]  # its commune
    assert names("automobile") == ["Garage Mistral"]  # its sector
    assert names("inconnu") == []
    assert len(names("")) == 3


# --- creating and editing -------------------------------------------------------------------


def test_a_cde_opens_and_edits_a_file_a_cdde_may_not(db: Session, cde: Staff, cdde: Staff) -> None:
    with pytest.raises(Forbidden):
        factories.employer(db, cdde)
    employer = factories.employer(db, cde, siret="73282932000074")
    with pytest.raises(Forbidden):
        employers.update_employer(db, cdde, employer, EmployerUpdate(notes="Vu."))
    edited = employers.update_employer(
        db, cde, employer, EmployerUpdate(notes="Préfère un essai d'une journée.", version=1)
    )
    assert edited.version == 2 and edited.notes == "Préfère un essai d'une journée."
    assert edited.siret == "73282932000074"  # untouched


def test_a_second_file_for_the_same_employer_is_refused(db: Session, cde: Staff) -> None:
    factories.employer(db, cde, name="Garage Mistral")
    with pytest.raises(Invalid) as refused:
        factories.employer(db, cde, name="GARAGE MISTRAL SAS")
    assert refused.value.field == "name" and "existe déjà" in refused.value.message
    other = factories.employer(db, cde, name="Cave des Papes")
    with pytest.raises(Invalid):
        employers.update_employer(db, cde, other, EmployerUpdate(name="garage mistral"))


def test_a_stale_edit_is_refused_and_loses_nothing(db: Session, cde: Staff) -> None:
    employer = factories.employer(db, cde)
    employers.update_employer(db, cde, employer, EmployerUpdate(notes="Première note.", version=1))
    with pytest.raises(StaleVersion) as stale:
        employers.update_employer(db, cde, employer, EmployerUpdate(notes="Écrasée ?", version=1))
    assert stale.value.current_public["notes"] == "Première note."
    db.expire_all()
    assert db.get(Employer, employer.id).notes == "Première note."


def test_a_required_field_cannot_be_emptied(db: Session, cde: Staff) -> None:
    employer = factories.employer(db, cde)
    with pytest.raises(Invalid):
        employers.update_employer(db, cde, employer, EmployerUpdate(commune=None))
    cleared = employers.update_employer(db, cde, employer, EmployerUpdate(siret=None, sector=None))
    assert cleared.siret is None and cleared.sector == ""


def test_the_journal_tells_a_file_change_in_french(db: Session, agency: Agency, cde: Staff) -> None:
    employer = factories.employer(db, cde, name="Garage Mistral")
    employers.update_employer(db, cde, employer, EmployerUpdate(size_band="6-9"))
    lines = audit.tell(db, audit.list_events(db, agency.id, entity="employer"), agency.timezone)
    assert [(line.before, line.subject) for line in lines] == [
        ("a modifié la fiche employeur ", "« Garage Mistral »"),
        ("a créé la fiche employeur ", "« Garage Mistral »"),
    ]
    assert [(c.field, c.before, c.after) for c in lines[0].changes] == [
        ("effectif", "3 à 5 salariés", "6 à 9 salariés")
    ]


# --- the file's history ---------------------------------------------------------------------


def test_the_history_gathers_offers_proposals_and_hires(
    db: Session, cde: Staff, cdde: Staff
) -> None:
    filled = factories.offer(
        db, cde, employer="Garage Mistral", days_open=40, candidates=2, proposer=cdde
    )
    proposals = offers.list_candidates(db, filled)
    offers.set_outcome(db, cde, offers.get_proposal(db, cde.agency_id, proposals[0].id), "hired")
    filled = offers.set_status(db, cde, filled, "filled", None)
    current = factories.offer(db, cde, employer="garage mistral", title="Carrossier")
    factories.offer(db, cde, employer="Cave des Papes")  # another employer's
    told = hires.create_hire(
        db,
        cde,
        HireCreate(employer="Garage Mistral", title="Mécanicien", hired_on=DAY, offer_id=filled.id),
    )
    unlinked = hires.create_hire(
        db, cde, HireCreate(employer="GARAGE MISTRAL", title="Apprenti", hired_on=DAY)
    )
    hires.create_hire(db, cde, HireCreate(employer="Cave des Papes", title="Caviste", hired_on=DAY))
    employer = db.get(Employer, current.employer_id)
    assert employer is not None
    history = employers.history(db, employer)
    assert [line.id for line in history.offers] == [current.id, filled.id]
    line = history.offers[1]
    assert (line.status, line.proposals, line.hired, line.interviews) == ("filled", 2, 1, 0)
    assert {h.id for h in history.hires} == {told.id, unlinked.id}
    public = employers.to_public(db, [employer])[0]
    assert (public.open_offers, public.offers_count) == (1, 2)
    assert public.last_offer_on is not None


def test_the_size_band_says_whether_it_is_a_tpe(db: Session, cde: Staff) -> None:
    small = factories.employer(db, cde, name="Fournil", size_band="6-9")
    large = factories.employer(db, cde, name="Hypermarché", size_band="50+")
    unknown = factories.employer(db, cde, name="Inconnu", size_band=None)
    shown = {e.name: e.is_tpe for e in employers.to_public(db, [small, large, unknown])}
    assert shown == {"Fournil": True, "Hypermarché": False, "Inconnu": None}
