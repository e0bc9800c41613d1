"""Offers for several positions in-process: filled one by one, and each counted once in the défi."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from api.errors import Invalid
from api.models import Agency, AuditEvent, Offer, Staff
from api.models.offer import OfferUpdate
from api.services import challenges, offers, snapshot
from tests import factories

PUBLIC_URL = "https://couloir.example.fr"


@pytest.fixture
def agency(db: Session) -> Agency:
    return factories.agency(db)


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


def _public(db: Session, agency: Agency, offer: Offer) -> offers.OfferPublic:
    ctx = offers.OfferContext.for_agency(agency, PUBLIC_URL)
    return offers.to_public(db, [offer], ctx)[0]


def test_the_first_hire_of_two_positions_leaves_the_offer_open(
    db: Session, agency: Agency, cde: Staff
) -> None:
    offer = factories.offer(db, cde, positions=2)
    assert _public(db, agency, offer).positions_label == "2 postes"
    offers.set_status(db, cde, offer, "filled", None)
    public = _public(db, agency, offer)
    assert (public.status, public.positions_filled) == ("open", 1)
    assert public.positions_label == "1 poste sur 2 pourvu"
    assert offer.filled_at is None
    offers.set_status(db, cde, offer, "filled", None)
    public = _public(db, agency, offer)
    assert (public.status, public.positions_filled) == ("filled", 2)
    assert public.positions_label == "2 postes sur 2 pourvus"
    assert offer.filled_at is not None
    actions = db.exec(
        select(AuditEvent.action).where(AuditEvent.entity == "offer").order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", offers.FILL_ONE, "filled"]


def test_a_single_position_offer_is_filled_by_its_hire(
    db: Session, agency: Agency, cde: Staff
) -> None:
    offer = factories.offer(db, cde)
    offers.set_status(db, cde, offer, "filled", None)
    public = _public(db, agency, offer)
    assert (public.status, public.positions_filled, public.positions_label) == (
        "filled",
        1,
        "1 poste pourvu",
    )


def test_each_position_counts_once_in_the_defi_whatever_the_reopenings(
    db: Session, agency: Agency, cde: Staff
) -> None:
    manager = factories.staff(db, agency, "manager")
    defi = factories.challenge(db, manager)
    offer = factories.offer(db, cde, positions=3, employer="Épicerie Fine")
    offers.set_status(db, cde, offer, "filled", None)
    assert challenges.progress(db, defi)["cde"] == 1
    offers.set_status(db, cde, offer, "filled", None)
    offers.set_status(db, cde, offer, "filled", None)
    assert offer.status == "filled"
    assert challenges.progress(db, defi)["cde"] == 3
    offers.set_status(db, cde, offer, "open", None)  # a hire fell through: one position again
    assert (offer.status, offer.positions_filled) == ("open", 2)
    offers.set_status(db, cde, offer, "filled", None)  # filled again: no fourth position
    assert challenges.progress(db, defi)["cde"] == 3
    labels = [c.label for c in challenges.recent_contributions(db, defi)]
    assert labels == [f"Boulanger·ère — Épicerie Fine · {n} sur 3" for n in (3, 2, 1)]


def test_closing_keeps_the_filled_positions_and_reopening_a_closed_offer_too(
    db: Session, agency: Agency, cde: Staff
) -> None:
    offer = factories.offer(db, cde, positions=2)
    offers.set_status(db, cde, offer, "filled", None)
    offers.set_status(db, cde, offer, "closed", None)
    assert (offer.status, offer.positions_filled) == ("closed", 1)
    offers.set_status(db, cde, offer, "open", None)
    assert (offer.status, offer.positions_filled) == ("open", 1)


def test_the_number_of_positions_keeps_the_filled_ones_true(
    db: Session, agency: Agency, cde: Staff
) -> None:
    offer = factories.offer(db, cde, positions=3)
    offers.set_status(db, cde, offer, "filled", None)
    offers.set_status(db, cde, offer, "filled", None)
    version = offer.version
    for positions, words in (
        (1, "ne peut pas compter moins de 2 postes"),
        (2, "marquez le dernier poste pourvu ou clôturez l'offre"),
    ):
        with pytest.raises(Invalid) as refused:
            offers.update_offer(db, cde, offer, OfferUpdate(positions=positions), None)
        assert words in refused.value.message and refused.value.field == "positions"
    db.refresh(offer)
    assert (offer.positions, offer.positions_filled, offer.version) == (3, 2, version)
    offers.update_offer(db, cde, offer, OfferUpdate(positions=4), None)
    assert _public(db, agency, offer).positions_label == "2 postes sur 4 pourvus"
    filled = factories.offer(db, cde, positions=2, status="filled")
    with pytest.raises(Invalid) as more:
        offers.update_offer(db, cde, filled, OfferUpdate(positions=3), None)
    assert "remettez-la en cours" in more.value.message


def test_the_board_and_the_list_show_the_positions(db: Session, agency: Agency, cde: Staff) -> None:
    offer = factories.offer(db, cde, positions=2)
    offers.set_status(db, cde, offer, "filled", None)
    ctx = offers.OfferContext.for_agency(agency, PUBLIC_URL)
    [listed] = offers.list_offers(db, agency.id, ctx)
    assert (listed.positions, listed.positions_filled) == (2, 1)
    [entry] = offers.board(db, agency.id, ctx)
    assert entry.offer.positions_filled == 1


def test_the_corridor_screen_counts_the_positions_still_to_fill(
    db: Session, agency: Agency, cde: Staff
) -> None:
    offer = factories.offer(db, cde, positions=3)
    offers.set_status(db, cde, offer, "filled", None)
    [shown] = snapshot.build(db, factories.screen(db, agency), PUBLIC_URL).offers
    assert (shown.code, shown.positions) == (offer.code, 2)
