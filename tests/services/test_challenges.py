"""The défi TPE in-process: which défi runs, contributions by service, edits and closing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from api.errors import Conflict, StaleVersion
from api.models import Agency, Staff
from api.models.challenge import ChallengeUpdate, ContributionCreate
from api.services import challenges, offers
from tests import factories


def test_the_running_defi_is_the_latest_started_open_one(
    db: Session, agency: Agency, manager: Staff
) -> None:
    assert challenges.active_challenge(db, agency) is None
    factories.challenge(db, manager, title="Passé", started_days_ago=60, days=10)
    factories.challenge(db, manager, title="À venir", started_days_ago=-5)
    earlier = factories.challenge(db, manager, title="Hiver", started_days_ago=20, days=40)
    later = factories.challenge(db, manager, title="Printemps", started_days_ago=3)
    assert challenges.active_challenge(db, agency).id == later.id  # type: ignore[union-attr]
    challenges.update_challenge(db, manager, later, ChallengeUpdate(closed=True))
    assert challenges.active_challenge(db, agency).id == earlier.id  # type: ignore[union-attr]
    titles = [c.title for c in challenges.list_challenges(db, agency.id)]
    assert titles == ["À venir", "Printemps", "Hiver", "Passé"]


def test_a_defi_on_its_last_day_still_runs(db: Session, agency: Agency, manager: Staff) -> None:
    last_day = factories.challenge(db, manager, started_days_ago=10, days=10)
    today = factories.today(agency)
    assert challenges.is_active(last_day, today)
    assert not challenges.is_active(last_day, today + timedelta(days=1))


def test_contributions_count_by_service_never_by_person(
    db: Session, agency: Agency, manager: Staff
) -> None:
    defi = factories.challenge(db, manager, goal=10)
    today = factories.today(agency)
    cdde = factories.staff(db, agency, "cdde")
    for person, amount in ((cdde, 2), (factories.staff(db, agency, "cde"), 3), (manager, 1)):
        challenges.contribute(db, person, defi, ContributionCreate(amount=amount), today)
    db.commit()
    assert challenges.progress(db, defi) == {"cde": 4, "cdde": 2, "shared": 0}
    public = challenges.to_public(db, defi, today)
    assert (public.total, public.by_service, public.active) == (6, {"cde": 4, "cdde": 2}, True)
    assert public.shared == 0
    recent = challenges.recent_contributions(db, defi, limit=2)
    assert [c.amount for c in recent] == [1, 3]


def test_a_defi_with_no_contribution_shows_zero_for_both_services(
    db: Session, manager: Staff
) -> None:
    defi = factories.challenge(db, manager)
    assert challenges.progress(db, defi) == {"cde": 0, "cdde": 0, "shared": 0}


@pytest.mark.parametrize("state", ["closed", "ended", "not started"])
def test_a_defi_not_running_refuses_contributions(
    db: Session, agency: Agency, manager: Staff, state: str
) -> None:
    if state == "closed":
        defi = factories.challenge(db, manager)
        challenges.update_challenge(db, manager, defi, ChallengeUpdate(closed=True))
    elif state == "ended":
        defi = factories.challenge(db, manager, started_days_ago=40, days=10)
    else:
        defi = factories.challenge(db, manager, started_days_ago=-1)
    with pytest.raises(Conflict) as refused:
        challenges.contribute(db, manager, defi, ContributionCreate(), factories.today(agency))
    assert refused.value.message == (
        "Ce défi n'est pas en cours : il ne reçoit plus de contributions."
    )


def test_an_end_before_the_start_is_refused(db: Session, manager: Staff) -> None:
    defi = factories.challenge(db, manager)
    with pytest.raises(Conflict, match=r"^La date de fin précède la date de début\.$"):
        challenges.update_challenge(
            db, manager, defi, ChallengeUpdate(ends_on=defi.starts_on - timedelta(days=1))
        )


def test_an_edit_bumps_the_version_and_an_older_one_is_refused(db: Session, manager: Staff) -> None:
    defi = factories.challenge(db, manager, goal=20)
    challenges.update_challenge(db, manager, defi, ChallengeUpdate(goal=30, version=1))
    assert (defi.goal, defi.version) == (30, 2)
    with pytest.raises(StaleVersion):
        challenges.update_challenge(db, manager, defi, ChallengeUpdate(goal=40, version=1))
    assert defi.goal == 30


@pytest.mark.parametrize(
    "hired_first", [True, False], ids=["hired then filled", "filled then hired"]
)
def test_a_cdde_candidate_hired_on_a_cde_offer_counts_for_both_together(
    db: Session, agency: Agency, manager: Staff, hired_first: bool
) -> None:
    """Shared, never a competition: the défi shows it as what the two services did together."""
    defi = factories.challenge(db, manager, goal=10)
    cde, cdde = factories.staff(db, agency, "cde"), factories.staff(db, agency, "cdde")
    offer = factories.offer(db, cde, is_tpe=True)
    proposal, _ = offers.propose_candidate(db, cdde, offer)
    if hired_first:
        offers.set_outcome(db, cde, proposal, "hired")
    offer = offers.set_status(db, cde, offer, "filled", None)
    if not hired_first:
        offers.set_outcome(db, cde, proposal, "hired")
    assert challenges.progress(db, defi) == {"cde": 0, "cdde": 0, "shared": 1}
    public = challenges.to_public(db, defi, factories.today(agency))
    assert (public.total, public.by_service, public.shared) == (1, {"cde": 0, "cdde": 0}, 1)
    [latest] = challenges.recent_contributions(db, defi, limit=1)
    assert latest.shared and latest.service == "cde"


def test_a_cde_filling_alone_or_a_candidate_not_hired_counts_for_the_cde(
    db: Session, agency: Agency, manager: Staff
) -> None:
    defi = factories.challenge(db, manager, goal=10)
    cde, cdde = factories.staff(db, agency, "cde"), factories.staff(db, agency, "cdde")
    alone = factories.offer(db, cde, is_tpe=True)
    offers.set_status(db, cde, alone, "filled", None)
    with_interview = factories.offer(db, cde, is_tpe=True)
    proposal, _ = offers.propose_candidate(db, cdde, with_interview)
    offers.set_outcome(db, cde, proposal, "interview")
    offers.set_status(db, cde, with_interview, "filled", None)
    assert challenges.progress(db, defi) == {"cde": 2, "cdde": 0, "shared": 0}
