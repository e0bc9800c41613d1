"""Announcements in-process: which are on screen now, the next change, ending one early."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from api.clock import aware, utcnow
from api.models import Agency, Staff
from api.services import announcements
from tests import factories


def test_only_announcements_within_their_period_are_on_screen(
    db: Session, agency: Agency, manager: Staff
) -> None:
    now = utcnow()
    current = factories.announcement(db, manager, message="En cours")
    factories.announcement(
        db, manager, message="Finie", starts_at=now - timedelta(days=2), lasts=timedelta(hours=1)
    )
    factories.announcement(db, manager, message="Demain", starts_at=now + timedelta(days=1))
    factories.announcement(db, factories.staff(db, factories.agency(db), "manager"))
    active = announcements.list_announcements(db, agency.id, active_only=True)
    assert [a.message for a in active] == ["En cours"]
    assert announcements.to_public(current).active is True
    every = announcements.list_announcements(db, agency.id)
    assert [a.message for a in every] == ["Demain", "En cours", "Finie"]  # latest start first


def test_the_next_change_is_the_nearest_start_or_end(
    db: Session, agency: Agency, manager: Staff
) -> None:
    now = utcnow()
    assert announcements.next_change_at(db, agency.id, now) is None
    factories.announcement(
        db, manager, starts_at=now - timedelta(hours=1), lasts=timedelta(hours=5)
    )
    soon = now + timedelta(hours=2)
    factories.announcement(db, manager, starts_at=soon)
    assert announcements.next_change_at(db, agency.id, now) == soon
    assert announcements.next_change_at(db, agency.id, now + timedelta(hours=3)) == (
        now + timedelta(hours=4)
    )


def test_ending_an_announcement_takes_it_off_the_screen_now(
    db: Session, agency: Agency, manager: Staff
) -> None:
    shown = factories.announcement(db, manager)
    announcements.end_announcement(db, manager, shown)
    assert announcements.to_public(shown).active is False
    assert shown.version == 2
    assert announcements.list_announcements(db, agency.id, active_only=True) == []


def test_ending_an_announcement_not_yet_started_means_it_never_shows(
    db: Session, agency: Agency, manager: Staff
) -> None:
    later = factories.announcement(db, manager, starts_at=utcnow() + timedelta(days=1))
    announcements.end_announcement(db, manager, later)
    assert later.starts_at == later.ends_at <= aware(utcnow())
    assert announcements.list_announcements(db, agency.id, active_only=True) == []


def test_times_are_stored_in_utc(db: Session, manager: Staff) -> None:
    paris = datetime(2030, 7, 14, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    made = factories.announcement(db, manager, starts_at=paris)
    db.expire(made)
    assert aware(made.starts_at) == paris
    assert aware(made.starts_at).hour == 8
