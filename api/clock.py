"""Time helpers: the database stores naive UTC; the edges speak aware datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Current time as naive UTC, the form stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def aware(moment: datetime) -> datetime:
    """Attach UTC to a naive database datetime (aware ones pass through)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_naive_utc(moment: datetime) -> datetime:
    """Normalise a client datetime to naive UTC for storage."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Today's date in ``timezone``."""
    return aware(now or utcnow()).astimezone(ZoneInfo(timezone)).date()
