"""La criée in-process: weeks on the agency's wall clock, and what each week's issue holds."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from api.models import Agency, Staff
from api.models.challenge import ContributionCreate
from api.services import challenges, criee, snapshot
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
# 2026-W43 runs from Monday 19 to Sunday 25 October; summer time ends on the Sunday at 3:00.
DST_WEEK = criee.Week(2026, 43)


def _paris(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def test_weeks_are_named_parsed_and_bounded_on_the_agency_clock() -> None:
    assert criee.parse_week("2026-W43") == DST_WEEK
    assert DST_WEEK.key == "2026-W43"
    assert DST_WEEK.label() == "semaine 43, du 19 au 25 octobre 2026"
    assert criee.Week(2026, 49).label() == "semaine 49, du 30 novembre au 6 décembre 2026"
    assert criee.Week(2026, 53).label() == "semaine 53, du 28 décembre 2026 au 3 janvier 2027"
    for wrong in ("2025-W53", "2026-W00", "2026-W54", "2026-43", "", "2026-W4x", "２０２６-W43"):
        assert criee.parse_week(wrong) is None, wrong
    start, end = DST_WEEK.bounds("Europe/Paris")
    assert start == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=169)
    spring_start, spring_end = criee.Week(2026, 13).bounds("Europe/Paris")
    assert spring_end - spring_start == timedelta(hours=167)
    assert DST_WEEK.previous() == criee.Week(2026, 42)
    assert criee.Week(2026, 53).next() == criee.Week(2027, 1)
    assert criee.week_of(date(2027, 1, 1)) == criee.Week(2026, 53)


def test_the_week_hires_come_with_their_pair_and_only_consented_photos(
    db: Session, agency: Agency, manager: Staff
) -> None:
    cde = factories.staff(db, agency, "cde", name="Claire Dumas")
    cdde = factories.staff(db, agency, "cdde", name="Paul Reynaud")
    pair = {"cde_id": cde.id, "cdde_id": cdde.id}
    monday, sunday = DST_WEEK.monday, DST_WEEK.sunday
    first = factories.hire(
        db, cde, status="published", photo=True, hired_on=monday, employer="Garage A", **pair
    )
    second = factories.hire(
        db, cde, status="published", photo=True, photo_consent=False, hired_on=sunday,
        employer="Garage B", expires_on=sunday,
    )  # fmt: skip
    factories.hire(db, cde, hired_on=monday, employer="Brouillon")
    factories.hire(db, cde, status="withdrawn", hired_on=monday, employer="Retirée")
    factories.hire(db, cde, status="published", hired_on=sunday + timedelta(days=1))
    factories.hire(db, cde, status="published", hired_on=monday - timedelta(days=1))
    issue = criee.compose(db, agency, DST_WEEK)
    assert [h.hire.id for h in issue.hires] == [first.id, second.id]
    assert (issue.hires[0].cde.name, issue.hires[0].cdde.name) == ("Claire Dumas", "Paul Reynaud")  # type: ignore[union-attr]
    assert issue.hires[0].photo_sha256 == first.photo_sha256 is not None
    assert issue.hires[1].photo_sha256 is None  # a photo without consent is never cried
    assert issue.hires[1].cdde is None


def test_the_testimony_is_the_week_latest_on_the_paris_clock_across_the_dst_change(
    db: Session, agency: Agency, manager: Staff
) -> None:
    written = {}
    for name, moment in (
        ("mercredi", _paris(date(2026, 10, 21), time(10, 0))),
        ("dimanche soir", _paris(date(2026, 10, 25), time(23, 30))),  # 22:30 UTC, winter time
        ("lundi suivant", _paris(date(2026, 10, 26), time(0, 30))),  # 23:30 UTC on Sunday
    ):
        item = factories.testimony(db, manager, text=f"Témoignage du {name}.")
        item.created_at = moment
        written[name] = item
    db.commit()
    issue = criee.compose(db, agency, DST_WEEK)
    assert issue.testimony is not None
    assert issue.testimony.text == "Témoignage du dimanche soir."
    following = criee.compose(db, agency, DST_WEEK.next())
    assert following.testimony.text == "Témoignage du lundi suivant."  # type: ignore[union-attr]
    assert criee.compose(db, agency, DST_WEEK.previous()).testimony is None


def test_the_defi_progress_is_counted_up_to_the_week_end(
    db: Session, agency: Agency, manager: Staff
) -> None:
    defi = factories.challenge(db, manager, goal=10, started_days_ago=14, days=60)
    today = factories.today(agency)
    week = criee.current_week(agency)
    _, end = week.bounds(agency.timezone)
    cdde = factories.staff(db, agency, "cdde")
    inside = challenges.contribute(db, cdde, defi, ContributionCreate(amount=2), today)
    later = challenges.contribute(db, manager, defi, ContributionCreate(amount=3), today)
    earlier = challenges.contribute(db, manager, defi, ContributionCreate(amount=1), today)
    later.created_at = end + timedelta(minutes=1)
    earlier.created_at = end - timedelta(days=8)
    db.commit()
    assert inside.id
    issue = criee.compose(db, agency, week)
    assert issue.challenge is not None
    assert (issue.challenge.id, issue.challenge.total) == (defi.id, 3)
    assert issue.challenge.by_service == {"cde": 1, "cdde": 2}
    assert criee.compose(db, agency, week.previous()).challenge.total == 1  # type: ignore[union-attr]
    assert criee.compose(db, agency, criee.week_of(today - timedelta(days=30))).challenge is None


def test_urgent_offers_are_those_urgent_and_opened_or_changed_this_week(
    db: Session, agency: Agency
) -> None:
    cde = factories.staff(db, agency, "cde")
    week = criee.current_week(agency)
    start, _ = week.bounds(agency.timezone)
    very = factories.offer(db, cde, days_open=50, title="Très urgente")  # changed just now
    soon = factories.offer(db, cde, start_in_days=2, title="Démarre bientôt")
    factories.offer(db, cde, title="Tranquille")
    quiet = factories.offer(db, cde, days_open=60, title="Urgente mais oubliée")
    quiet.updated_at = start - timedelta(hours=1)
    db.commit()
    issue = criee.compose(db, agency, week, public_url="https://couloir.test")
    assert [e.offer.title for e in issue.urgent_offers] == [very.title, soon.title]
    assert [e.urgency.label for e in issue.urgent_offers] == ["très urgent", "urgent"]
    before = criee.compose(db, agency, week.previous()).urgent_offers
    assert [(e.offer.title, e.urgency.label) for e in before] == [(quiet.title, "très urgent")]
    assert criee.compose(db, agency, week.next()).urgent_offers == []


def test_the_agenda_covers_the_two_weeks_from_the_issue_monday(
    db: Session, agency: Agency, manager: Staff
) -> None:
    week = criee.current_week(agency)
    inside = factories.event(
        db, manager, title="Job dating", kind="job_dating",
        starts_at=datetime.combine(week.monday + timedelta(days=13), time(17, 0)),
    )  # fmt: skip
    factories.event(
        db, manager, title="Trop tard",
        starts_at=datetime.combine(week.monday + timedelta(days=14), time(9, 0)),
    )  # fmt: skip
    factories.event(
        db, manager, title="Trop tôt",
        starts_at=datetime.combine(week.monday - timedelta(days=1), time(9, 0)),
    )  # fmt: skip
    issue = criee.compose(db, agency, week)
    assert [o.event.id for o in issue.agenda] == [inside.id]


def test_an_empty_week_has_an_empty_issue(db: Session, agency: Agency) -> None:
    issue = criee.compose(db, agency, DST_WEEK)
    assert issue.empty
    assert (issue.hires, issue.urgent_offers, issue.agenda) == ([], [], [])
    assert (issue.challenge, issue.testimony) == (None, None)


def test_the_screen_ticker_cries_this_week_issue(
    db: Session, agency: Agency, manager: Staff
) -> None:
    cde = factories.staff(db, agency, "cde", name="Claire Dumas")
    cdde = factories.staff(db, agency, "cdde", name="Paul Reynaud")
    today = factories.today(agency)
    week = criee.current_week(agency)
    monday = week.monday
    factories.hire(
        db, cde, status="published", hired_on=monday, title="Plombier",
        employer="Plomberie Rhodanienne", cde_id=cde.id, cdde_id=cdde.id,
    )  # fmt: skip
    factories.hire(
        db, cde, status="published", hired_on=today, title="Vendeuse",
        employer="Fromagerie Les Alpilles", cde_id=cde.id,
    )  # fmt: skip
    if today > monday:  # its display ended yesterday: the page keeps it, the screen does not
        factories.hire(
            db, cde, status="published", hired_on=monday, expires_on=today - timedelta(days=1),
            title="Caviste", employer="Cave des Papes",
        )  # fmt: skip
    factories.hire(db, cde, status="published", hired_on=monday - timedelta(days=1))
    factories.testimony(db, manager, text="Un témoignage reste entre collègues.")
    for n in range(5):
        factories.offer(
            db, cde, days_open=50 + n, title=f"Poste {n}", employer=f"TPE {n}", commune="Sorgues"
        )
    screen = factories.screen(db, agency)
    shown = snapshot.build(db, screen, "https://couloir.test").criee
    assert shown == [
        "Bravo ! Vendeuse chez Fromagerie Les Alpilles — merci Claire Dumas",
        "Bravo ! Plombier chez Plomberie Rhodanienne — merci Claire Dumas et Paul Reynaud",
        "Très urgent cette semaine : Poste 4 chez TPE 4, à Sorgues",
        "Très urgent cette semaine : Poste 3 chez TPE 3, à Sorgues",
        "Très urgent cette semaine : Poste 2 chez TPE 2, à Sorgues",
        "Et 2 autres offres urgentes cette semaine : demandez la criée à l'accueil !",
    ]
    issue = criee.compose(db, agency, week)
    assert shown == criee.ticker_items(issue, today)
    assert len(issue.hires) == (3 if today > monday else 2)


def test_the_demo_has_three_lived_in_weekly_issues(db: Session) -> None:
    from api.demo import seed_demo

    seed_demo(db)
    agency = db.exec(select(Agency)).one()
    week = criee.current_week(agency)
    counts = []
    for _ in range(3):
        issue = criee.compose(db, agency, week)
        counts.append(len(issue.hires))
        week = week.previous()
    assert all(counts), counts
    assert sum(counts) == 8
