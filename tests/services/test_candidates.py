"""« J'ai un candidat » in-process: repeat taps, another candidate, withdrawal, note, seen badge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from api.clock import utcnow
from api.errors import Conflict, Forbidden
from api.models import Agency, AuditEvent, CandidateProposal, Offer, Staff
from api.models.offer import REPEAT_TAP_MINUTES, CandidateCreate
from api.services import offers
from tests import factories

PUBLIC_URL = "https://couloir.example.fr"


@pytest.fixture
def agency(db: Session) -> Agency:
    return factories.agency(db)


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


@pytest.fixture
def cdde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cdde", name="Aurélie Fabre")


def _level(db: Session, agency: Agency, offer: Offer) -> int:
    ctx = offers.OfferContext.for_agency(agency, PUBLIC_URL)
    [public] = [o for o in offers.list_offers(db, agency.id, ctx) if o.id == offer.id]
    return public.urgency.level


def _proposals(db: Session, offer: Offer) -> list[CandidateProposal]:
    return list(db.exec(select(CandidateProposal).where(CandidateProposal.offer_id == offer.id)))


def test_a_second_tap_within_the_window_returns_the_first_proposal(
    db: Session, agency: Agency, cde: Staff, cdde: Staff
) -> None:
    offer = factories.offer(db, cde, days_open=50)  # très urgent; two candidates relieve it
    first, created = offers.propose_candidate(db, cdde, offer, note="Motivé, permis B")
    again, created_again = offers.propose_candidate(db, cdde, offer, note="autre mot")
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.note == "Motivé, permis B"
    assert len(_proposals(db, offer)) == 1
    assert _level(db, agency, offer) == 3  # one candidate only: the urgency did not drop
    proposed = db.exec(select(AuditEvent).where(AuditEvent.action == "propose")).all()
    assert len(proposed) == 1


def test_another_candidate_is_an_explicit_second_proposal(
    db: Session, agency: Agency, cde: Staff, cdde: Staff
) -> None:
    offer = factories.offer(db, cde, days_open=50)
    first, _ = offers.propose_candidate(db, cdde, offer)
    second, created = offers.propose_candidate(db, cdde, offer, another=True)
    assert created and second.id != first.id
    assert _level(db, agency, offer) == 2
    # Someone else's tap is their own proposal, window or not.
    colleague = factories.staff(db, agency, "cdde")
    _, by_colleague = offers.propose_candidate(db, colleague, offer)
    assert by_colleague and len(_proposals(db, offer)) == 3


def test_after_the_window_a_tap_is_a_new_candidate(db: Session, cde: Staff, cdde: Staff) -> None:
    offer = factories.offer(db, cde)
    first, _ = offers.propose_candidate(db, cdde, offer)
    first.created_at = utcnow() - timedelta(minutes=REPEAT_TAP_MINUTES, seconds=5)
    db.commit()
    later, created = offers.propose_candidate(db, cdde, offer)
    assert created and later.id != first.id


def test_the_proposer_withdraws_and_the_urgency_is_as_if_it_never_was(
    db: Session, agency: Agency, cde: Staff, cdde: Staff
) -> None:
    offer = factories.offer(db, cde, days_open=50)
    offers.propose_candidate(db, cdde, offer)
    second, _ = offers.propose_candidate(db, cdde, offer, another=True)
    assert _level(db, agency, offer) == 2
    offers.withdraw_candidate(db, cdde, second)
    assert [p.id for p in _proposals(db, offer)] != [second.id]
    assert len(_proposals(db, offer)) == 1
    assert _level(db, agency, offer) == 3
    withdrawn = db.exec(select(AuditEvent).where(AuditEvent.action == "withdraw")).one()
    assert withdrawn.entity_id == second.id and withdrawn.actor_id == cdde.id


def test_only_the_proposer_withdraws_and_only_until_the_cde_acts(
    db: Session, cde: Staff, cdde: Staff
) -> None:
    offer = factories.offer(db, cde)
    proposal, _ = offers.propose_candidate(db, cdde, offer)
    with pytest.raises(Forbidden) as not_theirs:
        offers.withdraw_candidate(db, cde, proposal)
    assert not_theirs.value.message == offers.NOT_YOURS
    offers.set_outcome(db, cde, proposal, "interview")
    with pytest.raises(Conflict) as followed:
        offers.withdraw_candidate(db, cdde, proposal)
    assert "déjà donné une suite" in followed.value.message
    assert "entretien" in followed.value.message
    assert len(_proposals(db, offer)) == 1
    [listed] = offers.list_candidates(db, offer)
    assert not listed.withdrawable


@pytest.mark.parametrize(
    ("note", "stored"),
    [
        ("  Disponible   dès lundi  ", "Disponible dès lundi"),
        ("Très motivé 💪", "Très motivé 💪"),
        ("", None),
        ("   ", None),
    ],
)
def test_the_note_is_cleaned_kept_and_shown(
    db: Session, cde: Staff, cdde: Staff, note: str, stored: str | None
) -> None:
    offer = factories.offer(db, cde)
    data = CandidateCreate(note=note)
    offers.propose_candidate(db, cdde, offer, note=data.note)
    [listed] = offers.list_candidates(db, offer)
    assert listed.note == stored


@pytest.mark.parametrize("note", ["x" * 201, "x" * 10_000, 42, ["a"]])
def test_a_bad_note_is_refused_before_anything_is_saved(note: object) -> None:
    with pytest.raises(ValidationError):
        CandidateCreate(note=note)  # type: ignore[arg-type]


@pytest.mark.parametrize("another", ["true", 1, "oui"])
def test_another_is_a_real_boolean(another: object) -> None:
    with pytest.raises(ValidationError):
        CandidateCreate(another=another)  # type: ignore[arg-type]


def test_the_cde_badge_counts_new_proposals_until_they_look(
    db: Session, agency: Agency, cde: Staff, cdde: Staff
) -> None:
    mine, other = factories.offer(db, cde), factories.offer(db, cde)
    colleague_cde = factories.staff(db, agency, "cde")
    theirs = factories.offer(db, colleague_cde)
    first, _ = offers.propose_candidate(db, cdde, mine)
    offers.propose_candidate(db, cdde, other)
    offers.propose_candidate(db, cdde, theirs)
    assert offers.unseen_proposals_count(db, cde) == 2
    assert offers.unseen_proposals_count(db, cdde) == 0
    # Someone else opening my offer does not count as my look.
    assert offers.mark_proposals_seen(db, colleague_cde, mine) == set()
    revision = db.get(Agency, agency.id, populate_existing=True).revision
    assert offers.mark_proposals_seen(db, cde, mine) == {first.id}
    assert offers.unseen_proposals_count(db, cde) == 1
    assert offers.mark_proposals_seen(db, cde, mine) == set()  # « nouveau » once only
    assert offers.mark_proposals_seen(db, cde) != set()  # the home page: all of mine
    assert offers.unseen_proposals_count(db, cde) == 0
    assert offers.unseen_proposals_count(db, colleague_cde) == 1
    # A look changes nothing the corridor screen shows: no screen is woken for it.
    assert db.get(Agency, agency.id, populate_existing=True).revision == revision


def test_followed_up_or_closed_offers_leave_the_badge(db: Session, cde: Staff, cdde: Staff) -> None:
    followed, closed = factories.offer(db, cde), factories.offer(db, cde)
    proposal, _ = offers.propose_candidate(db, cdde, followed)
    offers.propose_candidate(db, cdde, closed)
    offers.set_outcome(db, cde, proposal, "declined")
    offers.set_status(db, cde, closed, "closed", None)
    assert offers.unseen_proposals_count(db, cde) == 0
