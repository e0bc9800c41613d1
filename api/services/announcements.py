"""Announcements for the screen."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from api.clock import aware, to_utc, utcnow
from api.models import Announcement, Staff
from api.models.announcement import AnnouncementCreate, AnnouncementPublic
from api.services import audit
from api.services.common import get_scoped


def is_active(announcement: Announcement, now: datetime) -> bool:
    """Within its period at ``now`` (naive UTC)."""
    return announcement.starts_at <= now < announcement.ends_at


def to_public(announcement: Announcement) -> AnnouncementPublic:
    """Public form, with whether it is on screen now."""
    return AnnouncementPublic(
        **announcement.model_dump(exclude={"agency_id", "created_by_id", "created_at"}),
        active=is_active(announcement, utcnow()),
    )


def get_announcement(db: Session, agency_id: int, announcement_id: int) -> Announcement:
    """One announcement of this agency, or NotFound."""
    return get_scoped(db, Announcement, announcement_id, agency_id, "Annonce")


def list_announcements(
    db: Session, agency_id: int, *, active_only: bool = False
) -> list[Announcement]:
    """The agency's announcements, latest first."""
    query = select(Announcement).where(Announcement.agency_id == agency_id)
    if active_only:
        now = utcnow()
        query = query.where(col(Announcement.starts_at) <= now, col(Announcement.ends_at) > now)
    return list(
        db.exec(query.order_by(col(Announcement.starts_at).desc(), col(Announcement.id).desc()))
    )


# Read at every snapshot build: built once, the agency and the moment bound at execution.
_NOT_ENDED = (
    select(Announcement)
    .where(
        Announcement.agency_id == bindparam("agency_id"),
        col(Announcement.ends_at) > bindparam("now"),
    )
    .order_by(col(Announcement.starts_at).desc(), col(Announcement.id).desc())
)


def not_ended(db: Session, agency_id: int, now: datetime) -> list[Announcement]:
    """The agency's announcements not over at ``now`` (showing or still to come), latest first."""
    return list(db.exec(_NOT_ENDED, params={"agency_id": agency_id, "now": now}))


def next_change(found: Iterable[Announcement], now: datetime) -> datetime | None:
    """The next instant after ``now`` (aware) at which one of ``found`` starts or ends."""
    moments = (aware(m) for a in found for m in (a.starts_at, a.ends_at))
    return min((m for m in moments if m > now), default=None)


def next_change_at(db: Session, agency_id: int, now: datetime) -> datetime | None:
    """The next instant an announcement of the agency starts or ends, if any."""
    return next_change(not_ended(db, agency_id, now), aware(now))


def create_announcement(db: Session, actor: Staff, data: AnnouncementCreate) -> Announcement:
    """Post an announcement (times stored as UTC)."""
    announcement = Announcement(
        message=data.message,
        urgent=data.urgent,
        starts_at=to_utc(data.starts_at),
        ends_at=to_utc(data.ends_at),
        agency_id=actor.agency_id,
        created_by_id=actor.id,
    )
    db.add(announcement)
    db.flush()
    audit.record(db, actor, "create", announcement)
    db.commit()
    db.refresh(announcement)
    return announcement


def end_announcement(db: Session, actor: Staff, announcement: Announcement) -> Announcement:
    """Take an announcement off the screen now."""
    before = audit.state_of(announcement)
    now = utcnow()
    announcement.ends_at = max(announcement.starts_at, now)
    if announcement.starts_at > now:
        announcement.starts_at = now
        announcement.ends_at = now
    announcement.version += 1
    audit.record(db, actor, "end", announcement, before=before)
    db.commit()
    db.refresh(announcement)
    return announcement
