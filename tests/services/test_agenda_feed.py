"""The private calendar feed, read back with a real iCalendar library: recurrences, cancelled
dates and Europe/Paris across daylight-saving changes; tokens revocable and regenerable."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr
from sqlmodel import Session

from api.models import Agency, Staff
from api.services import agenda, agenda_ics
from tests import factories

PARIS = ZoneInfo("Europe/Paris")
PUBLIC = "https://couloir.example.fr"


def _feed(db: Session, me: Staff) -> icalendar.Calendar:
    agency, events, mine = agenda.feed_events(db, me)
    names = agenda.feed_tag_names(db, events)
    body = agenda_ics.calendar(agency, events, mine, public_url=PUBLIC, tag_names=names)
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    return icalendar.Calendar.from_ical(body)


def _expand(vevent: icalendar.Event, until: datetime) -> list[datetime]:
    """The occurrences a calendar program computes from DTSTART, RRULE and EXDATE."""
    start = vevent.decoded("DTSTART")
    rule = rrulestr(vevent["RRULE"].to_ical().decode(), dtstart=start)
    excluded = set()
    exdates = vevent.get("EXDATE", [])
    for group in exdates if isinstance(exdates, list) else [exdates]:
        excluded |= {d.dt for d in group.dts}
    return [m for m in rule.between(start, until, inc=True) if m not in excluded]


def test_the_feed_repeats_the_first_friday_at_nine_paris_time_across_both_changes(
    db: Session, agency: Agency, manager: Staff
) -> None:
    event = factories.event(
        db,
        manager,
        title="Petit-déj d'échange de pratiques, salle « Durance »; café",
        starts_at=datetime(2026, 12, 4, 9, 0),
        recurrence="monthly_nth",
        place="Salle Durance, 1er étage",
    )
    agenda.set_cancelled(db, manager, agency, event, date(2027, 1, 1), True)
    calendar = _feed(db, manager)
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Paris"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert str(vevent["LOCATION"]) == "Salle Durance, 1er étage"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert vevent["RRULE"]["FREQ"] == ["MONTHLY"] and vevent["RRULE"]["BYDAY"] == ["1FR"]
    starts = _expand(vevent, datetime(2027, 11, 30, tzinfo=PARIS))
    days = [s.date() for s in starts]
    assert date(2027, 1, 1) not in days  # the cancelled date
    assert days[:4] == [date(2026, 12, 4), date(2027, 2, 5), date(2027, 3, 5), date(2027, 4, 2)]
    assert {(s.astimezone(PARIS).hour, s.astimezone(PARIS).minute) for s in starts} == {(9, 0)}
    in_utc = {s.date(): s.astimezone(UTC).hour for s in starts}
    assert in_utc[date(2027, 3, 5)] == 8  # winter, before 28 March
    assert in_utc[date(2027, 4, 2)] == 7  # summer
    assert in_utc[date(2027, 10, 1)] == 7  # summer, before 31 October
    assert in_utc[date(2027, 11, 5)] == 8  # winter again
    # What the service computes and what a subscriber computes agree.
    ours = agenda.occurrences(
        event, PARIS, datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 11, 30, tzinfo=PARIS)
    )
    assert [o.starts_at for o in ours] == starts


def test_the_zone_definition_says_when_paris_changes_its_clocks(
    db: Session, manager: Staff
) -> None:
    factories.event(db, manager, starts_at=datetime(2027, 10, 21, 9, 0), recurrence="weekly")
    [zone] = _feed(db, manager).walk("VTIMEZONE")
    parts = {c.name: c for c in zone.subcomponents}
    summer, winter = parts["DAYLIGHT"], parts["STANDARD"]
    assert summer["RRULE"]["BYMONTH"] == [3] and summer["RRULE"]["BYDAY"] == ["-1SU"]
    assert winter["RRULE"]["BYMONTH"] == [10] and winter["RRULE"]["BYDAY"] == ["-1SU"]
    assert summer["TZOFFSETTO"].to_ical() == "+0200"
    assert winter["TZOFFSETTO"].to_ical() == "+0100"
    assert summer.decoded("DTSTART").hour == 2 and winter.decoded("DTSTART").hour == 3


def test_repetitions_end_in_utc_and_one_off_events_have_no_rule(
    db: Session, manager: Staff
) -> None:
    factories.event(
        db,
        manager,
        title="Réunion #antiplôme",
        kind="reunion",
        tag="antiplôme",
        starts_at=datetime(2027, 1, 5, 10, 0),
        recurrence="weekly",
        repeat_until=date(2027, 1, 26),
    )
    factories.event(
        db, manager, title="Job dating 🎯", kind="job_dating", starts_at=datetime(2027, 2, 3, 14, 0)
    )
    events = {str(e["SUMMARY"]): e for e in _feed(db, manager).walk("VEVENT")}
    weekly = events["Réunion #antiplôme"]
    assert weekly["RRULE"]["UNTIL"][0] == datetime(2027, 1, 26, 22, 59, 59, tzinfo=UTC)
    assert len(_expand(weekly, datetime(2027, 12, 31, tzinfo=UTC))) == 4
    assert [str(c) for c in weekly["CATEGORIES"].cats] == ["Réunion thématique", "#antiplôme"]
    once = events["Job dating 🎯"]
    assert "RRULE" not in once
    assert once.decoded("DTSTART") == datetime(2027, 2, 3, 14, 0, tzinfo=PARIS)
    assert str(once["CATEGORIES"].cats[0]) == "Job dating CDE × CDDE"


def test_a_feed_token_is_secret_revocable_and_regenerable(
    db: Session, agency: Agency, manager: Staff
) -> None:
    cdde = factories.staff(db, agency, "cdde")
    secret = "s" * 40
    assert agenda.feed_token(db, cdde, secret) is None
    first = agenda.new_feed(db, cdde, secret)
    assert agenda.staff_for_feed(db, first) == cdde
    assert agenda.feed_token(db, cdde, secret) == first  # shown again on its owner's page
    assert agenda.feed_token(db, cdde, "t" * 40) is None  # another key: make a new one
    assert first not in str(agenda.feed_of(db, cdde))  # the database holds no token
    assert agenda.feed_url(PUBLIC, first) == f"{PUBLIC}/api/v1/agenda/feed/{first}.ics"
    second = agenda.new_feed(db, cdde, secret)
    assert second != first
    assert agenda.staff_for_feed(db, first) is None
    assert agenda.staff_for_feed(db, second) == cdde
    assert agenda.revoke_feed(db, cdde) is True
    assert agenda.staff_for_feed(db, second) is None
    assert agenda.revoke_feed(db, cdde) is False
    assert agenda.staff_for_feed(db, "x" * 500) is None


def test_asking_for_the_address_twice_gives_the_same_one(db: Session, manager: Staff) -> None:
    first = agenda.ensure_feed(db, manager, "s" * 40)
    assert agenda.ensure_feed(db, manager, "s" * 40) == first
    agenda.revoke_feed(db, manager)
    assert agenda.ensure_feed(db, manager, "s" * 40) != first
