"""Offers in-process: the board's order and urgency, edits, filling, candidates, deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from api.clock import utcnow
from api.domain.codes import OFFER_CODE_LENGTH, UNAMBIGUOUS
from api.errors import Conflict, Invalid, NotFound, StaleVersion
from api.models import Agency, AuditEvent, CandidateProposal, Contribution, Hire, Offer, Staff
from api.models.offer import OfferUpdate
from api.services import challenges, offers
from tests import factories

PUBLIC_URL = "https://couloir.example.fr"


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


def _board(db: Session, agency: Agency, **filters: object) -> list[offers.OfferPublic]:
    ctx = offers.OfferContext.for_agency(agency, PUBLIC_URL)
    return offers.list_offers(db, agency.id, ctx, **filters)  # type: ignore[arg-type]


def test_a_new_offer_has_a_random_code_its_qr_url_and_its_owner(
    db: Session, agency: Agency, cde: Staff
) -> None:
    first, second = factories.offer(db, cde), factories.offer(db, cde)
    for offer in (first, second):
        assert len(offer.code) == OFFER_CODE_LENGTH and set(offer.code) <= set(UNAMBIGUOUS)
        assert (offer.status, offer.version, offer.owner_id) == ("open", 1, cde.id)
    assert first.code != second.code
    public = {o.id: o for o in _board(db, agency)}[first.id]
    assert public.qr_url == f"{PUBLIC_URL}/o/{first.code}"
    assert public.urgency.model_dump() == {"level": 0, "label": "à pourvoir", "overridden": False}
    assert (public.owner.name, public.owner.role) == (cde.name, "cde")


@pytest.mark.parametrize(
    ("days_open", "start_in_days", "candidates", "level", "label"),
    [
        (0, None, 0, 0, "à pourvoir"),
        (20, None, 0, 1, "à surveiller"),
        (35, None, 0, 2, "urgent"),
        (50, None, 0, 3, "très urgent"),
        (0, 14, 0, 1, "à surveiller"),
        (0, 3, 0, 2, "urgent"),
        (0, -1, 0, 3, "très urgent"),
        (50, None, 2, 2, "urgent"),  # two candidates relieve by one level
        (0, 3, 5, 1, "à surveiller"),
    ],
)
def test_urgency_follows_age_start_date_and_candidates(
    db: Session,
    agency: Agency,
    cde: Staff,
    days_open: int,
    start_in_days: int | None,
    candidates: int,
    level: int,
    label: str,
) -> None:
    factories.offer(
        db, cde, days_open=days_open, start_in_days=start_in_days, candidates=candidates
    )
    [public] = _board(db, agency)
    assert (public.urgency.level, public.urgency.label) == (level, label)
    assert public.candidates_count == candidates
    assert public.days_open in (days_open, days_open + 1)  # UTC opening, local today


def test_an_agencys_own_thresholds_decide_its_urgency(db: Session) -> None:
    strict = factories.agency(
        db,
        urgency_thresholds={
            "watch_after_days_open": 2,
            "urgent_after_days_open": 4,
            "very_urgent_after_days_open": 6,
        },
    )
    relaxed = factories.agency(db)
    for agency in (strict, relaxed):
        factories.offer(db, factories.staff(db, agency, "cde"), days_open=10)
    assert _board(db, strict)[0].urgency.level == 3
    assert _board(db, relaxed)[0].urgency.level == 0


def test_the_board_shows_the_most_urgent_first_then_the_oldest(
    db: Session, agency: Agency, cde: Staff
) -> None:
    calm = factories.offer(db, cde, title="Calme", days_open=1)
    older_calm = factories.offer(db, cde, title="Calme ancienne", days_open=5)
    very_urgent = factories.offer(db, cde, title="Très urgente", start_in_days=-2)
    watch = factories.offer(db, cde, title="À surveiller", days_open=20)
    forced = factories.offer(
        db, cde, title="Forcée", urgency_override=2, urgency_override_reason="Demande du maire"
    )
    board = _board(db, agency)
    assert [o.id for o in board] == [very_urgent.id, forced.id, watch.id, older_calm.id, calm.id]
    assert board[1].urgency.overridden is True


def test_the_board_lists_open_offers_of_its_agency_only(
    db: Session, agency: Agency, cde: Staff
) -> None:
    shown = factories.offer(db, cde)
    factories.offer(db, cde, status="filled")
    factories.offer(db, cde, status="closed")
    elsewhere = factories.agency(db)
    factories.offer(db, factories.staff(db, elsewhere, "cde"))
    assert [o.id for o in _board(db, agency)] == [shown.id]
    assert len(_board(db, agency, status=None)) == 3


def test_filters_by_tag_search_level_and_owner(db: Session, agency: Agency, cde: Staff) -> None:
    other = factories.staff(db, agency, "cde", name="Julien Baptiste")
    festival = factories.offer(
        db, cde, employer="Brasserie La Placette", commune="Avignon", tags=["Festival"]
    )
    plumber = factories.offer(
        db, other, employer="Plomberie Rhodanienne", commune="Le Pontet", days_open=50
    )
    assert [o.id for o in _board(db, agency, tag="#festival")] == [festival.id]
    assert [o.id for o in _board(db, agency, tag="FESTIVAL")] == [festival.id]
    assert [o.id for o in _board(db, agency, search="  pontet ")] == [plumber.id]
    assert [o.id for o in _board(db, agency, search="placette")] == [festival.id]
    assert [o.id for o in _board(db, agency, level=3)] == [plumber.id]
    assert [o.id for o in _board(db, agency, owner_id=cde.id)] == [festival.id]


def test_the_staff_note_stays_off_public_forms(db: Session, agency: Agency, cde: Staff) -> None:
    offer = factories.offer(db, cde, staff_note="Rappeler le gérant lundi.")
    ctx = offers.OfferContext.for_agency(agency, PUBLIC_URL)
    [staff_view] = offers.to_public(db, [offer], ctx)
    [public_view] = offers.to_public(db, [offer], ctx, staff_view=False)
    assert staff_view.staff_note == "Rappeler le gérant lundi."
    assert public_view.staff_note is None


def test_an_offer_of_another_agency_looks_absent(db: Session, agency: Agency, cde: Staff) -> None:
    offer = factories.offer(db, cde)
    elsewhere = factories.agency(db)
    assert offers.get_offer(db, agency.id, offer.id).id == offer.id
    for wrong_id in (offer.id + 1000, 0, 2**40):
        with pytest.raises(NotFound, match="Offre introuvable"):
            offers.get_offer(db, agency.id, wrong_id)
    with pytest.raises(NotFound, match="Offre introuvable"):
        offers.get_offer(db, elsewhere.id, offer.id)


def test_a_qr_code_finds_its_offer_whatever_the_case_and_spaces(db: Session, cde: Staff) -> None:
    offer = factories.offer(db, cde)
    assert offers.get_by_code(db, f" {offer.code.lower()} ").id == offer.id
    with pytest.raises(NotFound, match="Offre introuvable"):
        offers.get_by_code(db, "ZZZZZZZZ")


def test_an_edit_bumps_the_version_and_is_journaled(db: Session, cde: Staff) -> None:
    offer = factories.offer(db, cde)
    offers.update_offer(db, cde, offer, OfferUpdate(title="Pâtissier·ère", version=1), None)
    assert (offer.title, offer.version) == ("Pâtissier·ère", 2)
    event = db.exec(
        select(AuditEvent).where(AuditEvent.entity == "offer", AuditEvent.action == "update")
    ).one()
    assert event.before["title"] == "Boulanger·ère" and event.after["title"] == "Pâtissier·ère"
    assert event.actor_label == f"{cde.name} (cde)"


def test_an_edit_of_an_older_version_is_refused_and_changes_nothing(
    db: Session, cde: Staff
) -> None:
    offer = factories.offer(db, cde)
    offers.update_offer(db, cde, offer, OfferUpdate(positions=2), None)
    with pytest.raises(StaleVersion) as stale:
        offers.update_offer(db, cde, offer, OfferUpdate(title="Écrasé", version=1), None)
    assert "modifié par quelqu'un d'autre" in stale.value.message
    assert stale.value.current.title == "Boulanger·ère"
    with pytest.raises(StaleVersion):  # If-Match wins over the body's version
        offers.update_offer(db, cde, offer, OfferUpdate(title="Écrasé", version=2), 1)
    db.refresh(offer)
    assert (offer.title, offer.version) == ("Boulanger·ère", 2)


def test_a_forced_urgency_needs_a_reason_and_loses_it_when_lifted(
    db: Session, agency: Agency, cde: Staff
) -> None:
    offer = factories.offer(db, cde)
    with pytest.raises(Invalid) as refused:
        offers.update_offer(db, cde, offer, OfferUpdate(urgency_override=3), None)
    assert refused.value.message == "Une urgence forcée demande une raison."
    assert refused.value.field == "urgency_override_reason"
    offers.update_offer(
        db,
        cde,
        offer,
        OfferUpdate(urgency_override=3, urgency_override_reason="Salon de l'emploi vendredi"),
        None,
    )
    [forced] = _board(db, agency)
    assert forced.urgency.model_dump() == {"level": 3, "label": "très urgent", "overridden": True}
    offers.update_offer(db, cde, offer, OfferUpdate(urgency_override=None), None)
    assert (offer.urgency_override, offer.urgency_override_reason) == (None, None)
    [lifted] = _board(db, agency)
    assert (lifted.urgency.level, lifted.urgency.overridden) == (0, False)


def test_a_required_field_cannot_be_emptied(db: Session, cde: Staff) -> None:
    offer = factories.offer(db, cde)
    with pytest.raises(Invalid) as refused:
        offers.update_offer(db, cde, offer, OfferUpdate(employer=None), None)
    assert refused.value.message == "Le champ employer ne peut pas être vidé."
    offers.update_offer(db, cde, offer, OfferUpdate(tags=None), None)
    assert offer.tags == []


def test_filling_closing_and_reopening(db: Session, cde: Staff) -> None:
    offer = factories.offer(db, cde)
    offers.set_status(db, cde, offer, "filled", 1)
    assert (offer.status, offer.version) == ("filled", 2) and offer.filled_at is not None
    with pytest.raises(Conflict, match=r"^L'offre est déjà pourvue\.$"):
        offers.set_status(db, cde, offer, "filled", None)
    with pytest.raises(StaleVersion):
        offers.set_status(db, cde, offer, "open", 1)
    offers.set_status(db, cde, offer, "open", 2)
    assert (offer.status, offer.filled_at) == ("open", None)
    offers.set_status(db, cde, offer, "closed", None)
    assert offer.closed_at is not None
    with pytest.raises(Conflict, match=r"^L'offre est déjà clôturée\.$"):
        offers.set_status(db, cde, offer, "closed", None)
    actions = db.exec(
        select(AuditEvent.action).where(AuditEvent.entity == "offer").order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "filled", "reopen", "closed"]


def test_filling_a_tpe_offer_counts_once_for_the_running_defi(
    db: Session, agency: Agency, cde: Staff
) -> None:
    manager = factories.staff(db, agency, "manager")
    defi = factories.challenge(db, manager)
    tpe = factories.offer(db, cde, employer="Épicerie Fine")
    not_tpe = factories.offer(db, cde, is_tpe=False)
    offers.set_status(db, cde, tpe, "filled", None)
    offers.set_status(db, cde, tpe, "open", None)
    offers.set_status(db, cde, tpe, "filled", None)  # filled again: still one
    offers.set_status(db, cde, not_tpe, "filled", None)
    assert challenges.progress(db, defi) == {"cde": 1, "cdde": 0, "shared": 0}
    [counted] = challenges.recent_contributions(db, defi)
    assert (counted.offer_id, counted.label) == (tpe.id, "Boulanger·ère — Épicerie Fine")
    assert _board(db, agency) == []  # filled offers leave the board


def test_filling_without_a_running_defi_counts_nowhere(db: Session, cde: Staff) -> None:
    manager = factories.staff(db, factories.agency(db), "manager")
    factories.challenge(db, manager)  # another agency's défi
    offers.set_status(db, cde, factories.offer(db, cde), "filled", None)
    assert db.exec(select(Contribution)).all() == []


def test_candidates_are_listed_oldest_first_and_closed_offers_refuse_them(
    db: Session, agency: Agency, cde: Staff
) -> None:
    cdde = factories.staff(db, agency, "cdde", name="Aurélie Fabre")
    offer = factories.offer(db, cde)
    first, _ = offers.propose_candidate(db, cdde, offer)
    offers.propose_candidate(db, cde, offer)
    listed = offers.list_candidates(db, offer)
    assert [c.proposed_by.name for c in listed] == ["Aurélie Fabre", cde.name]
    assert listed[0].outcome == "pending"
    offers.set_outcome(db, cde, first, "interview")
    assert offers.list_candidates(db, offer)[0].outcome == "interview"
    assert first.outcome_at is not None
    offers.set_status(db, cde, offer, "closed", None)
    with pytest.raises(Conflict) as refused:
        offers.propose_candidate(db, cdde, offer)
    assert refused.value.message == (
        "Cette offre n'est plus en cours : elle ne reçoit plus de candidats."
    )


def test_deleting_an_offer_keeps_the_hires_and_the_defi_count_citing_it(
    db: Session, agency: Agency, cde: Staff
) -> None:
    manager = factories.staff(db, agency, "manager")
    defi = factories.challenge(db, manager)
    offer = factories.offer(db, cde, candidates=2, status="filled")
    story = factories.hire(db, cde, offer_id=offer.id)
    offers.delete_offer(db, cde, offer, None)
    assert db.get(Offer, offer.id) is None
    assert db.exec(select(CandidateProposal)).all() == []
    db.refresh(story)
    assert story.offer_id is None and db.get(Hire, story.id) is not None
    assert challenges.progress(db, defi) == {"cde": 1, "cdde": 0, "shared": 0}


def test_deleting_an_older_version_is_refused(db: Session, cde: Staff) -> None:
    offer = factories.offer(db, cde)
    offers.update_offer(db, cde, offer, OfferUpdate(positions=3), None)
    with pytest.raises(StaleVersion):
        offers.delete_offer(db, cde, offer, 1)
    assert db.get(Offer, offer.id) is not None


def test_a_committed_change_moves_the_agency_revision(
    db: Session, agency: Agency, cde: Staff
) -> None:
    before = db.get(Agency, agency.id, populate_existing=True).revision
    offer = factories.offer(db, cde)
    after_create = db.get(Agency, agency.id, populate_existing=True).revision
    offers.update_offer(db, cde, offer, OfferUpdate(title="Vendeur·se"), None)
    after_edit = db.get(Agency, agency.id, populate_existing=True).revision
    assert before < after_create < after_edit


def test_an_offer_is_new_for_48_hours() -> None:
    assert offers.is_new(utcnow() - timedelta(hours=47))
    assert not offers.is_new(utcnow() - timedelta(hours=49))


def test_two_edits_of_the_same_version_at_the_same_moment_keep_the_first(
    db: Session, engine: Engine, agency: Agency, cde: Staff
) -> None:
    offer = factories.offer(db, cde, title="Boulanger·ère")
    # A colleague's request loaded the same version a moment before this one saved.
    with Session(engine, expire_on_commit=False) as colleague_db:
        colleague = colleague_db.get(Staff, cde.id)
        theirs = offers.get_offer(colleague_db, agency.id, offer.id)
        offers.update_offer(db, cde, offer, OfferUpdate(title="Pâtissier·ère"), offer.version)
        assert colleague is not None
        with pytest.raises(StaleDataError):
            offers.update_offer(
                colleague_db, colleague, theirs, OfferUpdate(title="Tourier·ère"), theirs.version
            )
    db.refresh(offer)
    assert offer.title == "Pâtissier·ère"
    assert offer.version == 2
