"""The demo tells one consistent story: what the défi counts exists as filled offers, the hires
come from them, and the candidates waiting on a CDE's home come from several colleagues at
different moments."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from api.clock import aware, local_today
from api.demo import FILLED, HIRES, seed_demo
from api.models import Agency, Challenge, Contribution, Hire, Offer, Staff
from api.services import challenges, offers
from api.services import hires as hires_service


def test_the_defi_counts_the_filled_offers_that_exist(db: Session) -> None:
    seed_demo(db)
    agency = db.exec(select(Agency)).one()
    challenge = challenges.active_challenge(db, agency)
    assert challenge is not None
    total = sum(challenges.progress(db, challenge).values())
    zone = ZoneInfo(agency.timezone)
    everything = list(db.exec(select(Offer).where(Offer.status == "filled", col(Offer.is_tpe))))

    def filled_on(offer: Offer) -> date:
        assert offer.filled_at is not None and offer.opened_at < offer.filled_at
        return aware(offer.filled_at).astimezone(zone).date()

    # The past months' offers (api.demo_history) were filled before this défi began.
    filled = [o for o in everything if filled_on(o) >= challenge.starts_on]
    assert total == len(filled) == len(FILLED) == 19
    counted = set(
        db.exec(select(Contribution.offer_id).where(Contribution.challenge_id == challenge.id))
    )
    assert counted == {offer.id for offer in filled}
    for offer in filled:
        assert challenge.starts_on <= filled_on(offer) <= challenge.ends_on
    # Every filled TPE offer, past ones included, counts once, in the défi of its month.
    for offer in everything:
        [defi] = db.exec(
            select(Challenge)
            .join(Contribution, col(Contribution.challenge_id) == col(Challenge.id))
            .where(Contribution.offer_id == offer.id)
        ).all()
        assert defi.starts_on <= filled_on(offer) <= defi.ends_on


def test_every_hire_comes_from_a_filled_offer(db: Session) -> None:
    seed_demo(db)
    hires = list(db.exec(select(Hire)))
    agency = db.exec(select(Agency)).one()
    today = local_today(agency.timezone)
    # The gallery shows this month's stories; the past months' (api.demo_history) are off it.
    gallery = hires_service.published_hires(db, agency.id, today)
    assert len(gallery) == len(HIRES)
    past = [h for h in hires if h.id not in {g.id for g in gallery}]
    assert past and all(h.expires_on is not None and h.expires_on < today for h in past)
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
