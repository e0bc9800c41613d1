"""Time helpers. Datetimes are timezone-aware UTC everywhere (SQLModel stores them so)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

DEFAULT_TIMEZONE = "Europe/Paris"


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


def zone(name: str | None) -> ZoneInfo:
    """The timezone called ``name``; Europe/Paris when the name is empty or unknown.

    The one fallback of the staff pages and the screen: a screen whose snapshot names a zone
    its system lacks keeps showing French time rather than failing.
    """
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("unknown timezone %r, using %s", name, DEFAULT_TIMEZONE)
    return ZoneInfo(DEFAULT_TIMEZONE)
