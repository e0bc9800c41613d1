"""The agenda in-process: recurrences on the agency's wall clock, cancelled dates, capacity,
« je viens » counted by service, and agency boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from api.errors import Invalid, NotFound, StaleVersion
from api.models import Agency, Staff
from api.models.agenda import AgendaEventUpdate
from api.services import agenda
from tests import factories

PARIS = ZoneInfo("Europe/Paris")


def _between(db: Session, agency: Agency, first: date, last: date) -> list[agenda.Occurrence]:
    return agenda.agency_occurrences(
        db,
        agency,
        datetime.combine(first, datetime.min.time(), PARIS),
        datetime.combine(last, datetime.min.time(), PARIS),
    )


def test_the_first_friday_of_the_month_repeats_at_nine_on_both_sides_of_summer_time(
    db: Session, agency: Agency, manager: Staff
) -> None:
    event = factories.event(
        db, manager, starts_at=datetime(2026, 12, 4, 9, 0), recurrence="monthly_nth"
    )
    assert agenda.recurrence_label(event, PARIS) == "le premier vendredi du mois"
    found = _between(db, agency, date(2026, 12, 1), date(2027, 7, 1))
    assert [o.occurs_on for o in found] == [
        date(2026, 12, 4),
        date(2027, 1, 1),
        date(2027, 2, 5),
        date(2027, 3, 5),
        date(2027, 4, 2),  # after the change of 28 March 2027
        date(2027, 5, 7),
        date(2027, 6, 4),
    ]
    assert all(o.starts_at.weekday() == 4 and o.starts_at.day <= 7 for o in found)
    assert {(o.starts_at.hour, o.starts_at.minute) for o in found} == {(9, 0)}
    assert [o.starts_at.astimezone(UTC).hour for o in found] == [8, 8, 8, 8, 7, 7, 7]
    assert all(o.ends_at - o.starts_at == timedelta(hours=1, minutes=30) for o in found)


def test_a_weekly_event_keeps_its_local_hour_across_the_last_sunday_of_october(
    db: Session, agency: Agency, manager: Staff
) -> None:
    factories.event(db, manager, starts_at=datetime(2027, 10, 21, 9, 0), recurrence="weekly")
    found = _between(db, agency, date(2027, 10, 20), date(2027, 11, 12))
    assert [o.occurs_on for o in found] == [
        date(2027, 10, 21),
        date(2027, 10, 28),
        date(2027, 11, 4),
        date(2027, 11, 11),
    ]
    assert [o.starts_at.hour for o in found] == [9, 9, 9, 9]
    assert [o.starts_at.astimezone(UTC).hour for o in found] == [7, 7, 8, 8]


def test_other_rules_and_the_end_of_repetitions(
    db: Session, agency: Agency, manager: Staff
) -> None:
    last = factories.event(
        db, manager, starts_at=datetime(2027, 1, 28, 14, 0), recurrence="monthly_last"
    )
    assert agenda.recurrence_label(last, PARIS) == "le dernier jeudi du mois"
    every_other = factories.event(
        db,
        manager,
        starts_at=datetime(2027, 1, 5, 10, 0),
        recurrence="biweekly",
        repeat_until=date(2027, 2, 16),
    )
    assert agenda.recurrence_label(every_other, PARIS).startswith(
        "toutes les deux semaines, le mardi"
    )
    days = [
        (o.event.id, o.occurs_on) for o in _between(db, agency, date(2027, 1, 1), date(2027, 4, 1))
    ]
    assert [d for i, d in days if i == last.id] == [
        date(2027, 1, 28),
        date(2027, 2, 25),
        date(2027, 3, 25),
    ]
    assert [d for i, d in days if i == every_other.id] == [
        date(2027, 1, 5),
        date(2027, 1, 19),
        date(2027, 2, 2),
        date(2027, 2, 16),
    ]


def test_a_cancelled_date_is_an_exception_to_the_rule_and_can_come_back(
    db: Session, agency: Agency, manager: Staff
) -> None:
    event = factories.event(
        db, manager, starts_at=datetime(2026, 12, 4, 9, 0), recurrence="monthly_nth"
    )
    agenda.set_cancelled(db, manager, agency, event, date(2027, 1, 1), True)
    assert event.cancelled == ["2027-01-01"]
    days = [o.occurs_on for o in _between(db, agency, date(2026, 12, 1), date(2027, 3, 1))]
    assert days == [date(2026, 12, 4), date(2027, 2, 5)]
    with pytest.raises(Invalid, match="n'a pas lieu"):
        agenda.set_cancelled(db, manager, agency, event, date(2027, 1, 8), True)
    with pytest.raises(Invalid, match="annulée"):
        agenda.attend(db, manager, agency, event, date(2027, 1, 1))
    agenda.set_cancelled(db, manager, agency, event, date(2027, 1, 1), False)
    assert date(2027, 1, 1) in [
        o.occurs_on for o in _between(db, agency, date(2026, 12, 1), date(2027, 3, 1))
    ]


def test_je_viens_is_counted_by_service_and_a_full_event_says_so_in_french(
    db: Session, agency: Agency, manager: Staff
) -> None:
    event = factories.event(db, manager, kind="job_dating", title="Job dating", capacity=2)
    day = event.starts_at.astimezone(PARIS).date()
    cde = factories.staff(db, agency, "cde")
    cdde = factories.staff(db, agency, "cdde")
    agenda.attend(db, cde, agency, event, day)
    agenda.attend(db, cde, agency, event, day)  # answering twice counts once
    agenda.attend(db, cdde, agency, event, day)
    found = agenda.occurrence_on(event, PARIS, day)
    assert found is not None
    [shown] = agenda.occurrence_public(db, cdde, [found])
    assert shown.counts.model_dump() == {"cde": 1, "cdde": 1}
    assert shown.full and shown.attending
    assert [a.name for a in shown.attendees] == [cde.name, cdde.name]
    with pytest.raises(Invalid, match="Complet : les 2 places sont prises"):
        agenda.attend(db, manager, agency, event, day)
    agenda.withdraw(db, cde, agency, event, day)
    agenda.attend(db, manager, agency, event, day)  # the freed place; a manager counts as CDE
    [shown] = agenda.occurrence_public(db, cde, [found])
    assert shown.counts.model_dump() == {"cde": 1, "cdde": 1}
    assert not shown.attending


def test_answers_to_a_date_without_occurrence_or_already_over_are_refused(
    db: Session, agency: Agency, manager: Staff
) -> None:
    event = factories.event(db, manager, recurrence="weekly")
    day = event.starts_at.astimezone(PARIS).date()
    with pytest.raises(Invalid, match="n'a pas lieu"):
        agenda.attend(db, manager, agency, event, day + timedelta(days=1))
    past = factories.event(db, manager, starts_at=datetime(2025, 3, 7, 9, 0))
    with pytest.raises(Invalid, match="passé"):
        agenda.attend(db, manager, agency, past, date(2025, 3, 7))
    assert agenda.resolve_day(agency, event, None) == day
    with pytest.raises(NotFound):
        agenda.resolve_day(agency, past, None)


def test_events_stay_within_their_agency_and_hosts_must_be_colleagues(
    db: Session, agency: Agency, manager: Staff
) -> None:
    event = factories.event(db, manager)
    elsewhere = factories.agency(db)
    stranger = factories.staff(db, elsewhere, "cde")
    with pytest.raises(NotFound, match="Rendez-vous introuvable"):
        agenda.get_event(db, elsewhere.id, event.id)
    with pytest.raises(Invalid, match="collègues qui animent"):
        factories.event(db, manager, host_ids=[stranger.id])
    host = factories.staff(db, agency, "cdde")
    hosted = factories.event(db, manager, host_ids=[host.id, host.id])
    assert hosted.host_ids == [host.id]


def test_times_are_stored_in_utc_and_naive_ones_read_on_the_agency_clock(
    db: Session, manager: Staff
) -> None:
    event = factories.event(db, manager, starts_at=datetime(2027, 7, 2, 9, 0))
    assert event.starts_at.astimezone(UTC) == datetime(2027, 7, 2, 7, 0, tzinfo=UTC)
    tokyo = factories.agency(db, timezone="Asia/Tokyo")
    boss = factories.staff(db, tokyo, "manager")
    far = factories.event(db, boss, starts_at=datetime(2027, 7, 2, 9, 0))
    assert far.starts_at.astimezone(UTC) == datetime(2027, 7, 2, 0, 0, tzinfo=UTC)
    with pytest.raises(Invalid, match="entre 2000 et 2100"):
        factories.event(db, manager, starts_at=datetime(1, 1, 2, 9, 0), recurrence="weekly")


def test_an_edit_of_an_older_version_is_refused_and_a_bad_period_changes_nothing(
    db: Session, agency: Agency, manager: Staff
) -> None:
    event = factories.event(db, manager)
    agenda.update_event(db, manager, agency, event, AgendaEventUpdate(title="Nouveau", version=1))
    assert event.version == 2
    with pytest.raises(StaleVersion):
        agenda.update_event(db, manager, agency, event, AgendaEventUpdate(title="X", version=1))
    with pytest.raises(Invalid, match="après le début"):
        agenda.update_event(
            db,
            manager,
            agency,
            event,
            AgendaEventUpdate(ends_at=event.starts_at - timedelta(hours=1)),
        )
    db.refresh(event)
    assert event.title == "Nouveau" and event.ends_at > event.starts_at


def test_deleting_an_event_removes_its_answers(db: Session, agency: Agency, manager: Staff) -> None:
    event = factories.event(db, manager)
    day = event.starts_at.astimezone(PARIS).date()
    agenda.attend(db, manager, agency, event, day)
    agenda.delete_event(db, manager, event)
    assert agenda.list_events(db, agency.id) == []


def test_the_screen_snapshot_shows_two_weeks_counted_by_service_and_names_nobody(
    db: Session, agency: Agency, manager: Staff
) -> None:
    from api.services import snapshot

    cde = factories.staff(db, agency, "cde", name="Inès Carpentier")
    cdde = factories.staff(db, agency, "cdde", name="Yanis Obrecht")
    event = factories.event(db, manager, kind="job_dating", title="Job dating", capacity=8)
    factories.event(db, manager, title="Trop loin", starts_at=datetime.now() + timedelta(days=20))
    day = event.starts_at.astimezone(PARIS).date()
    db.refresh(agency)
    revision = agency.revision
    agenda.attend(db, cde, agency, event, day)
    agenda.attend(db, cdde, agency, event, day)
    db.refresh(agency)
    assert agency.revision == revision + 2  # each answer reaches the screens
    screen = factories.screen(db, agency)
    shown = snapshot.build(db, screen, "https://couloir.example.fr")
    [item] = shown.agenda
    assert item.title == "Job dating" and item.counts == {"cde": 1, "cdde": 1}
    assert item.qr_url == f"https://couloir.example.fr/admin/agenda/{event.id}?le={day}"
    body = shown.model_dump_json()
    assert "Carpentier" not in body and "Obrecht" not in body
    db.refresh(agency)
    revision = agency.revision
    agenda.withdraw(db, cde, agency, event, day)
    db.refresh(agency)
    assert agency.revision == revision + 1
    assert snapshot.build(db, screen, "https://x.test").agenda[0].counts == {"cde": 0, "cdde": 1}


def test_a_thematic_meeting_is_tied_to_the_agencys_tag_found_without_accents(
    db: Session, agency: Agency, manager: Staff
) -> None:
    from api.services import tags

    [known] = tags.resolve(db, agency.id, ["antiplôme"])
    db.commit()
    meeting = factories.event(db, manager, kind="reunion", title="Réunion", tag="#Antiplome")
    assert meeting.tag_id == known.id
    assert agenda.tag_of(db, meeting).slug == known.slug
    agenda.update_event(db, manager, agency, meeting, AgendaEventUpdate(tag=None))
    assert meeting.tag_id is None and agenda.tag_of(db, meeting) is None
    elsewhere = factories.staff(db, factories.agency(db), "manager")
    other = factories.event(db, elsewhere, kind="reunion", tag="antiplôme")
    assert other.tag_id != known.id  # each agency its own words


def test_the_agenda_of_a_period_reads_series_still_running_not_the_past(
    db: Session, agency: Agency, manager: Staff
) -> None:
    old_one_off = factories.event(db, manager, starts_at=datetime(2026, 1, 8, 9, 0))
    old_series = factories.event(
        db,
        manager,
        starts_at=datetime(2026, 1, 5, 9, 0),
        recurrence="weekly",
        repeat_until=date(2026, 3, 2),
    )
    running = factories.event(
        db, manager, starts_at=datetime(2026, 1, 2, 9, 0), recurrence="monthly_nth"
    )
    # Ends on the evening before the period, local time: still read, not shown.
    late = factories.event(db, manager, starts_at=datetime(2027, 2, 28, 22, 0))
    days = [
        (o.event.id, o.occurs_on) for o in _between(db, agency, date(2027, 3, 1), date(2027, 4, 1))
    ]
    assert days == [(running.id, date(2027, 3, 5))]
    assert old_one_off.id not in {i for i, _ in days} and old_series.id not in {i for i, _ in days}
    assert late.id not in {i for i, _ in days}
