"""The demo tells one consistent story: what the défi counts exists as filled offers, the hires
come from them, and the candidates waiting on a CDE's home come from several colleagues at
different moments."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from api.clock import aware
from api.demo import FILLED, HIRES, seed_demo
from api.models import Agency, Contribution, Hire, Offer, Staff
from api.services import challenges, offers


def test_the_defi_counts_the_filled_offers_that_exist(db: Session) -> None:
    seed_demo(db)
    agency = db.exec(select(Agency)).one()
    challenge = challenges.active_challenge(db, agency)
    assert challenge is not None
    total = sum(challenges.progress(db, challenge).values())
    filled = list(db.exec(select(Offer).where(Offer.status == "filled", col(Offer.is_tpe))))
    assert total == len(filled) == len(FILLED) == 19
    counted = set(
        db.exec(select(Contribution.offer_id).where(Contribution.challenge_id == challenge.id))
    )
    assert counted == {offer.id for offer in filled}
    zone = ZoneInfo(agency.timezone)
    for offer in filled:
        assert offer.filled_at is not None and offer.opened_at < offer.filled_at
        day = aware(offer.filled_at).astimezone(zone).date()
        assert challenge.starts_on <= day <= challenge.ends_on


def test_every_hire_comes_from_a_filled_offer(db: Session) -> None:
    seed_demo(db)
    hires = list(db.exec(select(Hire)))
    assert len(hires) == len(HIRES)
    for hire in hires:
        offer = db.get(Offer, hire.offer_id)
        assert offer is not None and offer.status == "filled"
        assert (offer.employer, offer.title) == (hire.employer, hire.title)


def test_a_cdes_waiting_candidates_come_from_several_colleagues_at_different_moments(
    db: Session,
) -> None:
    seed_demo(db)
    for cde in db.exec(select(Staff).where(Staff.role == "cde")):
        waiting = offers.waiting_proposals(db, cde)
        if len(waiting) < 3:
            continue
        assert len({by.id for _, _, by in waiting}) >= 2, cde.name
        minutes = {p.created_at.replace(second=0, microsecond=0) for p, _, _ in waiting}
        assert len(minutes) == len(waiting), cde.name
        for proposal, offer, _ in waiting:
            assert offer.opened_at <= proposal.created_at


def test_the_demos_filled_offers_have_all_their_positions_filled(db: Session) -> None:
    seed_demo(db)
    filled = list(db.exec(select(Offer).where(Offer.status == "filled")))
    assert filled and all(o.positions_filled == o.positions for o in filled)
