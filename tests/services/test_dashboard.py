"""The staff home, in-process: each role sees the sections the permissions table gives it, and
its offers come from the board in the board's order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from api.clock import utcnow
from api.models import Agency, Staff
from api.models.offer import OfferCreate, OfferUpdate
from api.services import dashboard, offers
from tests import factories
from tests.support.agencies import ROLES


@pytest.fixture
def people(db: Session, agency: Agency) -> dict[str, Staff]:
    return {role: factories.staff(db, agency, role) for role in ROLES}


def _offer(db: Session, owner: Staff, title: str, *, urgency: int | None = None) -> None:
    offer = offers.create_offer(
        db, owner, OfferCreate(employer="Garage", title=title, contract="CDI", commune="Apt")
    )
    if urgency is not None:
        change = OfferUpdate(urgency_override=urgency, urgency_override_reason="test")
        offers.update_offer(db, owner, offer, change, None)


def test_each_role_sees_the_sections_its_permissions_give(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    _offer(db, people["cde"], "Mécanicien")
    ctx = offers.OfferContext.for_agency(agency, "http://couloir.test")
    views = {role: dashboard.for_staff(db, people[role], agency, ctx) for role in ROLES}
    assert views["cde"].own_offers_apart and views["cde"].mine_count == 1
    assert views["cde"].urgent == []  # a CDE's own offer is in "mine", not among the others'
    assert [e.offer.title for e in views["manager"].urgent] == ["Mécanicien"]
    assert [role for role in ROLES if views[role].follows_proposals] == ["cdde"]
    assert all(v.open_count == 1 for v in views.values())


def test_the_home_shows_the_board_in_the_boards_order(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    _offer(db, people["cde"], "Calme", urgency=0)
    _offer(db, people["cde"], "Très urgent", urgency=3)
    _offer(db, people["manager"], "Urgent", urgency=2)
    ctx = offers.OfferContext.for_agency(agency, "http://couloir.test")
    view = dashboard.for_staff(db, people["cdde"], agency, ctx)
    board = offers.board(db, agency.id, ctx)
    assert [e.offer.title for e in view.urgent] == [e.offer.title for e in board]
    assert [e.offer.title for e in board] == ["Très urgent", "Urgent", "Calme"]
    listed = offers.list_offers(db, agency.id, ctx)
    assert [o.title for o in listed] == ["Très urgent", "Urgent", "Calme"]


def test_the_board_breaks_ties_by_age_then_id(
    db: Session, agency: Agency, people: dict[str, Staff]
) -> None:
    for title in ("Premier", "Deuxième", "Troisième"):
        _offer(db, people["cde"], title, urgency=1)
    ctx = offers.OfferContext.for_agency(agency, "http://couloir.test")
    entries = offers.board(db, agency.id, ctx)
    entries[2].offer.opened_at = utcnow() - timedelta(days=30)  # the oldest comes first
    db.add(entries[2].offer)
    db.commit()
    again = offers.board(db, agency.id, ctx)
    assert [e.offer.title for e in again] == ["Troisième", "Premier", "Deuxième"]
