"""Urgency of an offer: the one definition used by the API, the staff pages and the screen.

Pure functions only: no database, no clock. Callers pass ``today``.

    >>> compute_level(start_date=None, opened_on=date(2026, 1, 1), candidates=0,
    ...               today=date(2026, 1, 2), thresholds=UrgencyThresholds())
    0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field


@dataclass(frozen=True)
class UrgencyLevel:
    """How one level is named and drawn everywhere (never colour alone)."""

    level: int
    label: str
    colour: str  # sRGB hex, chosen to stay distinct under colour-vision deficiencies
    ink: str  # text colour drawn on top of ``colour``
    icon: str  # shape name: circle, triangle, diamond, octagon


LEVELS: tuple[UrgencyLevel, ...] = (
    UrgencyLevel(0, "à pourvoir", "#1b9e8a", "#ffffff", "circle"),
    UrgencyLevel(1, "à surveiller", "#f4d03f", "#1a1a1a", "triangle"),
    UrgencyLevel(2, "urgent", "#e67e22", "#1a1a1a", "diamond"),
    UrgencyLevel(3, "très urgent", "#8e1b3a", "#ffffff", "octagon"),
)
LABELS: tuple[str, ...] = tuple(level.label for level in LEVELS)
MAX_LEVEL = len(LEVELS) - 1


class UrgencyThresholds(BaseModel):
    """Per-agency thresholds (days). Stored as JSON on the agency."""

    watch_after_days_open: int = Field(14, ge=1, le=365)
    urgent_after_days_open: int = Field(30, ge=1, le=365)
    very_urgent_after_days_open: int = Field(45, ge=1, le=365)
    watch_when_start_within_days: int = Field(21, ge=0, le=365)
    urgent_when_start_within_days: int = Field(7, ge=0, le=365)
    candidates_to_relieve: int = Field(2, ge=1, le=100)

    def model_post_init(self, __context: object) -> None:
        if not (
            self.watch_after_days_open
            <= self.urgent_after_days_open
            <= self.very_urgent_after_days_open
        ):
            raise ValueError("les seuils d'ancienneté doivent être croissants")
        if self.urgent_when_start_within_days > self.watch_when_start_within_days:
            raise ValueError("le seuil « urgent » doit être plus court que « à surveiller »")


def _level_from_age(days_open: int, t: UrgencyThresholds) -> int:
    if days_open >= t.very_urgent_after_days_open:
        return 3
    if days_open >= t.urgent_after_days_open:
        return 2
    if days_open >= t.watch_after_days_open:
        return 1
    return 0


def _level_from_start(days_to_start: int | None, t: UrgencyThresholds) -> int:
    if days_to_start is None:
        return 0
    if days_to_start < 0:
        return 3  # the employer wanted someone already
    if days_to_start <= t.urgent_when_start_within_days:
        return 2
    if days_to_start <= t.watch_when_start_within_days:
        return 1
    return 0


def compute_level(
    *,
    start_date: date | None,
    opened_on: date,
    candidates: int,
    today: date,
    thresholds: UrgencyThresholds,
    override: int | None = None,
) -> int:
    """Return the urgency level 0–3 of an open offer.

    The worse of "how long it has been open" and "how soon the job starts"; enough
    candidates proposed lowers it by one. A CDE's manual override wins.
    """
    if override is not None:
        return clamp(override)
    days_open = max(0, (today - opened_on).days)
    days_to_start = None if start_date is None else (start_date - today).days
    level = max(
        _level_from_age(days_open, thresholds), _level_from_start(days_to_start, thresholds)
    )
    if candidates >= thresholds.candidates_to_relieve:
        level -= 1
    return clamp(level)


def clamp(level: int) -> int:
    """Bound any integer to a valid level."""
    return max(0, min(MAX_LEVEL, level))


def describe(level: int) -> UrgencyLevel:
    """Return the naming and styling of ``level``."""
    return LEVELS[clamp(level)]


def level_from_label(label: str) -> int | None:
    """Map a French label (or a digit) back to its level; None when unknown."""
    text = label.strip().lower()
    if text.isascii() and text.isdigit() and int(text) <= MAX_LEVEL:
        return int(text)
    for entry in LEVELS:
        if entry.label == text:
            return entry.level
    return None
