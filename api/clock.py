"""Time helpers. Datetimes are timezone-aware UTC everywhere (SQLModel stores them so)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Current time, aware, in UTC."""
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """Treat a naive datetime as UTC (aware ones pass through)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def to_utc(moment: datetime) -> datetime:
    """Normalise a client datetime to aware UTC (naive means UTC)."""
    return aware(moment).astimezone(UTC)


def local_today(timezone: str, now: datetime | None = None) -> date:
    """Today's date in ``timezone``."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def local_datetime(moment: datetime, timezone: str) -> datetime:
    """``moment`` in the agency's local time."""
    return aware(moment).astimezone(ZoneInfo(timezone))
