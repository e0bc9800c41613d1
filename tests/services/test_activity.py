"""The activity dashboard on fixed data with known answers: months of the agency's calendar
(across month ends and the October change of time), TPE shares, medians by urgency level,
proposals and their outcomes, hires told, the défi, the chantiers and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from api.errors import Forbidden, Invalid, StaleVersion
from api.models import Agency, Contribution, Offer, Staff
from api.models.chantier import ChantierCreate, ChantierUpdate
from api.services import activity, chantiers, offers
from api.services.activity import Month
from tests import factories

# Sunday 15 November 2026, 13:00 in Paris: the window runs from 1 May to 30 November 2026.
NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def _offer(
    db: Session,
    owner: Staff,
    opened: datetime,
    *,
    filled: datetime | None = None,
    closed: datetime | None = None,
    tpe: bool = True,
    proposals: list[datetime] = (),  # type: ignore[assignment]
    proposer: Staff | None = None,
) -> Offer:
    """An offer with its history at fixed instants (as if it had been lived then)."""
    made = factories.offer(db, owner, is_tpe=tpe)
    for at in proposals:
        proposal, _ = offers.propose_candidate(db, proposer or owner, made, another=True)
        proposal.created_at = at
    if filled is not None:
        made = offers.set_status(db, owner, made, "filled", None)
        made.filled_at = filled
    if closed is not None:
        made = offers.set_status(db, owner, made, "closed", None)
        made.closed_at = closed
    made.opened_at = opened
    db.add(made)
    db.commit()
    return made


def _month(figures: activity.Activity, key: str) -> activity.MonthFigures:
    return next(m for m in figures.months if m.month.key == key)


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


def test_the_window_is_the_running_month_and_the_six_before(db: Session, agency: Agency) -> None:
    figures = activity.summarise(db, agency, now=NOW)
    assert [m.month.key for m in figures.months] == [
        "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    ]  # fmt: skip
    assert figures.current.month == Month(2026, 11)
    assert figures.today == date(2026, 11, 15)
    january = activity.summarise(db, agency, now=utc(2027, 1, 3, 9))
    assert [m.month.key for m in january.months][:2] == ["2026-07", "2026-08"]
    assert january.current.month.label == "janvier 2027"


def test_months_follow_the_agency_clock_across_month_ends_and_the_time_change(
    db: Session, agency: Agency, cde: Staff
) -> None:
    # Paris is UTC+2 until Sunday 25 October 2026 at 3:00, then UTC+1.
    _offer(db, cde, utc(2026, 10, 31, 23, 30))  # 1 Nov 00:30 in Paris (winter time)
    _offer(db, cde, utc(2026, 10, 31, 22, 30))  # 31 Oct 23:30 in Paris
    _offer(db, cde, utc(2026, 9, 30, 22, 0))  # 1 Oct 00:00 in Paris (summer time)
    _offer(db, cde, utc(2026, 9, 30, 21, 59))  # 30 Sep 23:59 in Paris
    _offer(db, cde, utc(2026, 4, 30, 22, 30))  # 1 May 00:30 in Paris: first day of the window
    _offer(db, cde, utc(2026, 4, 30, 21, 30))  # 30 Apr 23:30 in Paris: before the window
    # Filled just before and just after midnight on 31 October, Paris time.
    _offer(db, cde, utc(2026, 10, 20, 8), filled=utc(2026, 10, 31, 22, 59))
    _offer(db, cde, utc(2026, 10, 20, 8), filled=utc(2026, 10, 31, 23, 0))
    figures = activity.summarise(db, agency, now=NOW)
    opened = {m.month.key: m.opened.total for m in figures.months}
    assert opened == {
        "2026-05": 1, "2026-06": 0, "2026-07": 0, "2026-08": 0,
        "2026-09": 1, "2026-10": 4, "2026-11": 1,
    }  # fmt: skip
    assert _month(figures, "2026-10").filled.total == 1
    assert _month(figures, "2026-11").filled.total == 1
    # The same instants read in UTC would have put the 1 Nov one in October.
    in_utc = factories.agency(db, timezone="UTC")
    assert activity.summarise(db, in_utc, now=NOW).current.opened.total == 0


def test_opened_filled_and_closed_with_their_tpe_share(
    db: Session, agency: Agency, cde: Staff
) -> None:
    nov = utc(2026, 11, 2, 9)
    _offer(db, cde, nov)
    _offer(db, cde, nov, tpe=False)
    _offer(db, cde, nov, filled=utc(2026, 11, 10, 9))
    _offer(db, cde, nov, filled=utc(2026, 11, 12, 9), tpe=False)
    _offer(db, cde, utc(2026, 10, 5, 9), filled=utc(2026, 11, 3, 9))  # opened in October
    _offer(db, cde, nov, closed=utc(2026, 11, 4, 9))
    _offer(db, cde, utc(2026, 9, 1, 9), closed=utc(2026, 11, 5, 9), tpe=False)
    # Filled, then closed: it counts as closed, not filled.
    _offer(db, cde, nov, filled=utc(2026, 11, 6, 9), closed=utc(2026, 11, 7, 9))
    current = activity.summarise(db, agency, now=NOW).current
    assert current.opened == activity.Split(total=6, tpe=4)
    assert current.filled == activity.Split(total=3, tpe=2)
    assert current.closed == activity.Split(total=3, tpe=2)
    assert current.opened.tpe_share == 67
    assert activity.Split().tpe_share is None


def test_median_days_to_fill_by_the_urgency_level_the_offer_had_when_filled(
    db: Session, agency: Agency, cde: Staff
) -> None:
    cdde = factories.staff(db, agency, "cdde")
    # Default thresholds: « à surveiller » from 14 days open, « urgent » 30, « très urgent » 45;
    # two candidates proposed lower the level by one.
    _offer(db, cde, utc(2026, 11, 1, 9), filled=utc(2026, 11, 11, 9))  # 10 days: level 0
    _offer(db, cde, utc(2026, 10, 1, 9), filled=utc(2026, 10, 21, 9))  # 20 days: level 1
    _offer(db, cde, utc(2026, 9, 20, 9), filled=utc(2026, 10, 6, 9))  # 16 days: level 1
    _offer(db, cde, utc(2026, 9, 1, 9), filled=utc(2026, 10, 1, 9))  # 30 days: level 2
    _offer(db, cde, utc(2026, 8, 1, 9), filled=utc(2026, 10, 5, 9))  # 65 days: level 3
    # 20 days with two candidates before it was filled: level 0; a third one came after.
    _offer(
        db,
        cde,
        utc(2026, 9, 1, 9),
        filled=utc(2026, 9, 21, 9),
        proposals=[utc(2026, 9, 5, 9), utc(2026, 9, 6, 9), utc(2026, 9, 22, 9)],
        proposer=cdde,
    )
    # 20 days but proposals came after it was filled: level 1.
    _offer(
        db,
        cde,
        utc(2026, 7, 1, 9),
        filled=utc(2026, 7, 21, 9),
        proposals=[utc(2026, 7, 25, 9), utc(2026, 7, 26, 9)],
        proposer=cdde,
    )
    figures = activity.summarise(db, agency, now=NOW)
    medians = {f.label: (f.median, f.count) for f in figures.fill_days}
    assert medians == {
        "à pourvoir": (15.0, 2),
        "à surveiller": (20.0, 3),
        "urgent": (30.0, 1),
        "très urgent": (65.0, 1),
    }
    october = {f.level: f.median for f in _month(figures, "2026-10").fill_days}
    assert october == {0: None, 1: 18.0, 2: 30.0, 3: 65.0}


def test_a_manual_override_is_the_level_it_was_filled_at(
    db: Session, agency: Agency, cde: Staff
) -> None:
    made = _offer(db, cde, utc(2026, 11, 1, 9), filled=utc(2026, 11, 4, 9))
    made.urgency_override, made.urgency_override_reason = 3, "Saison qui commence"
    db.add(made)
    db.commit()
    figures = activity.summarise(db, agency, now=NOW)
    assert [(f.level, f.median) for f in figures.fill_days if f.count] == [(3, 3.0)]


def test_proposals_and_their_outcomes_by_the_month_they_were_made(
    db: Session, agency: Agency, cde: Staff
) -> None:
    cdde = factories.staff(db, agency, "cdde")
    other = factories.staff(db, agency, "cdde", name="Inès Roux")
    made = _offer(db, cde, utc(2026, 10, 1, 9))
    outcomes = ["hired", "interview", "declined", "pending"]
    at = [utc(2026, 11, 2, 9), utc(2026, 11, 3, 9), utc(2026, 10, 31, 23, 30), utc(2026, 10, 9)]
    for i, (outcome, moment) in enumerate(zip(outcomes, at, strict=True)):
        proposal, _ = offers.propose_candidate(db, cdde if i % 2 else other, made, another=True)
        if outcome != "pending":
            offers.set_outcome(db, cde, proposal, outcome)  # type: ignore[arg-type]
        proposal.created_at = moment
        db.add(proposal)
    db.commit()
    figures = activity.summarise(db, agency, now=NOW)
    assert figures.current.proposals == 3  # 31 Oct 23:30 UTC is 1 Nov in Paris
    assert figures.current.outcomes == {"pending": 0, "interview": 1, "hired": 1, "declined": 1}
    assert _month(figures, "2026-10").outcomes == {
        "pending": 1, "interview": 0, "hired": 0, "declined": 0,
    }  # fmt: skip


def test_hires_told_count_by_hiring_day_and_withdrawn_ones_do_not(
    db: Session, agency: Agency, cde: Staff
) -> None:
    today = factories.today(agency)
    for days_ago in (1, 2, 40):
        factories.hire(db, cde, hired_days_ago=days_ago, status="published")
    factories.hire(db, cde, hired_days_ago=3)  # a draft: told, not yet moderated
    factories.hire(db, cde, hired_days_ago=4, status="withdrawn")
    figures = activity.summarise(db, agency)
    told = {m.month.key: m.hires for m in figures.months if m.hires}
    expected: dict[str, int] = {}
    for days_ago in (1, 2, 40, 3):
        key = Month.of(today - timedelta(days=days_ago)).key
        expected[key] = expected.get(key, 0) + 1
    assert told == expected


def test_the_defi_and_its_units_per_month(db: Session, agency: Agency, cde: Staff) -> None:
    manager = factories.staff(db, agency, "manager")
    running = factories.challenge(db, manager, goal=12)
    _offer(db, cde, utc(2026, 11, 1, 9), filled=utc(2026, 11, 3, 9))  # brings one unit
    for contribution in db.exec(select(Contribution)).all():
        contribution.created_at = utc(2026, 10, 31, 23, 15)  # 1 Nov 00:15 in Paris
        db.add(contribution)
    db.commit()
    figures = activity.summarise(db, agency, now=NOW)
    assert figures.current.challenge_units == 1
    assert _month(figures, "2026-10").challenge_units == 0
    today_figures = activity.summarise(db, agency)
    assert today_figures.challenge is not None
    assert (today_figures.challenge.id, today_figures.challenge.goal) == (running.id, 12)
    assert today_figures.challenge.total == 1


def test_other_agencies_are_not_counted(db: Session, agency: Agency, cde: Staff) -> None:
    elsewhere = factories.agency(db)
    their_cde = factories.staff(db, elsewhere, "cde")
    _offer(db, their_cde, utc(2026, 11, 2, 9), filled=utc(2026, 11, 4, 9))
    manager = factories.staff(db, elsewhere, "manager")
    factories.chantier(db, manager)
    figures = activity.summarise(db, agency, now=NOW)
    assert all(m.opened.total == m.filled.total == 0 for m in figures.months)
    assert figures.chantiers == []


def test_nothing_is_counted_per_person(db: Session, agency: Agency, cde: Staff) -> None:
    """The same history made by one CDE or by two gives the same figures: no one is counted."""
    alone = activity.summarise(db, agency, now=NOW)
    other = factories.staff(db, agency, "cde", name="Léa Martin")
    _offer(db, cde, utc(2026, 11, 2, 9), filled=utc(2026, 11, 4, 9))
    _offer(db, other, utc(2026, 11, 2, 9), filled=utc(2026, 11, 4, 9))
    both = activity.summarise(db, agency, now=NOW)
    assert both.current.filled.total == alone.current.filled.total + 2
    names = {"Sophie Marchal", "Léa Martin", str(cde.id), str(other.id)}
    text = activity.to_csv(both).decode("utf-8-sig")
    assert not any(name in text for name in names if not name.isdigit())
    assert all("staff" not in f and "owner" not in f for f in vars(both.current))


def test_the_csv_export_opens_in_a_french_spreadsheet(
    db: Session, agency: Agency, cde: Staff
) -> None:
    _offer(db, cde, utc(2026, 11, 1, 9), filled=utc(2026, 11, 11, 9))
    _offer(db, cde, utc(2026, 11, 1, 9), filled=utc(2026, 11, 12, 9), tpe=False)
    body = activity.to_csv(activity.summarise(db, agency, now=NOW))
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Mois", "Offres ouvertes", "dont TPE", "Offres pourvues"]
    assert rows[0][-1] == "Délai médian (jours), très urgent"
    assert [r[0] for r in rows[1:]] == [
        "mai 2026", "juin 2026", "juillet 2026", "août 2026",
        "septembre 2026", "octobre 2026", "novembre 2026",
    ]  # fmt: skip
    november = dict(zip(rows[0], rows[-1], strict=False))
    assert november["Offres ouvertes"] == "2"
    assert november["Offres pourvues"] == "2"
    assert rows[-1][4] == "1"  # filled, of which TPE
    assert november["Délai médian (jours), à pourvoir"] == "10,5"
    assert november["Délai médian (jours), urgent"] == ""


def test_chantiers_are_listed_running_first_and_only_managers_change_them(
    db: Session, agency: Agency, manager: Staff, cde: Staff
) -> None:
    done = factories.chantier(db, manager, title="Job dating de la rentrée", state="termine")
    coming = factories.chantier(
        db, manager, title="Grappe TPE du marché", kind="grappe_tpe", state="a_venir",
        starts_on=date(2026, 12, 1),
    )  # fmt: skip
    running = factories.chantier(db, manager, note="Douze postes de vendangeurs")
    listed = chantiers.list_chantiers(db, agency.id)  # type: ignore[arg-type]
    assert [c.id for c in listed] == [running.id, coming.id, done.id]
    public = chantiers.to_public(coming)
    assert (public.kind_label, public.state_label) == ("Grappe TPE", "à venir")
    with pytest.raises(Forbidden):
        chantiers.create_chantier(db, cde, ChantierCreate(title="Pas le mien"))
    with pytest.raises(Forbidden):
        chantiers.update_chantier(db, cde, running, ChantierUpdate(state="termine"))
    with pytest.raises(Forbidden):
        chantiers.delete_chantier(db, cde, running)
    updated = chantiers.update_chantier(
        db, manager, coming, ChantierUpdate(state="en_cours", version=1)
    )
    assert (updated.state, updated.version) == ("en_cours", 2)
    with pytest.raises(StaleVersion):
        chantiers.update_chantier(db, manager, coming, ChantierUpdate(note="x", version=1))
    with pytest.raises(Invalid):
        chantiers.update_chantier(db, manager, coming, ChantierUpdate(ends_on=date(2026, 11, 1)))
    with pytest.raises(Invalid):
        chantiers.update_chantier(db, manager, coming, ChantierUpdate(title=None))
    with pytest.raises(ValueError):
        ChantierCreate(title="À l'envers", starts_on=date(2026, 5, 2), ends_on=date(2026, 5, 1))
    chantiers.delete_chantier(db, manager, done)
    # Both running now: the one with a start date first.
    assert [c.id for c in activity.summarise(db, agency).chantiers] == [coming.id, running.id]


def test_the_demo_tells_six_months_of_story(db: Session) -> None:
    from api.demo import seed_demo

    seed_demo(db)
    agency = db.exec(select(Agency)).one()
    figures = activity.summarise(db, agency)
    for row in figures.months[:-1]:  # every past month has its offers, candidates and défi
        assert row.opened.total > 0 and row.filled.total > 0, row.month
        assert 0 < row.filled.tpe < row.filled.total or row.filled.total == row.filled.tpe
        assert row.proposals > 0 and row.challenge_units == row.filled.tpe, row.month
    assert sum(row.hires for row in figures.months[:-1]) > 0
    assert figures.current.filled.total >= 19  # this month's défi counts 19 TPE offers
    assert all(f.count for f in figures.fill_days[:3])
    assert {c.state for c in figures.chantiers} == {"termine", "en_cours", "a_venir"}


def test_the_journal_tells_a_chantier_s_changes_in_french(
    db: Session, agency: Agency, manager: Staff
) -> None:
    from api.services import audit

    made = factories.chantier(db, manager, title="Grappe TPE des Halles", state="a_venir")
    chantiers.update_chantier(db, manager, made, ChantierUpdate(state="en_cours"))
    events = audit.list_events(db, agency.id, entity="chantier")  # type: ignore[arg-type]
    latest, first = audit.tell(db, events, agency.timezone)
    assert (latest.before, latest.subject) == (
        "a modifié le chantier ",
        "« Grappe TPE des Halles »",
    )
    assert [(c.field, c.before, c.after) for c in latest.changes] == [
        ("état", "à venir", "en cours")
    ]
    assert first.before.startswith("a créé le chantier")
    assert latest.link == ("activity", 0)
