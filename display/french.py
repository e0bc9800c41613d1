"""French wording of dates, times and counts as the corridor screen shows them.

>>> french_date(date(2026, 11, 28))
'samedi 28 novembre'
"""

from __future__ import annotations

from datetime import date, datetime

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _day(d: date) -> str:
    # French writes the first of the month as an ordinal: « 1er décembre ».
    return "1er" if d.day == 1 else str(d.day)


def french_date(d: date, *, weekday: bool = True, year: bool = False) -> str:
    """Return e.g. 'samedi 28 novembre' (optionally without weekday, with year)."""
    text = f"{_day(d)} {MONTHS[d.month - 1]}"
    if weekday:
        text = f"{WEEKDAYS[d.weekday()]} {text}"
    if year:
        text = f"{text} {d.year}"
    return text


def clock(t: datetime) -> str:
    """24-hour clock 'HH:MM'."""
    return f"{t.hour:02d}:{t.minute:02d}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """'1 candidat', '0 candidat', '3 candidats' (French: 0 and 1 take the singular)."""
    word = singular if abs(n) <= 1 else (plural_form or singular + "s")
    return f"{n} {word}"


def days_open(n: int) -> str:
    """How long an offer has been open, short enough for a card."""
    if n <= 0:
        return "ouverte aujourd'hui"
    if n == 1:
        return "ouverte depuis 1 jour"
    return f"ouverte depuis {n} jours"


def days_left(n: int) -> str:
    """Days left in a challenge."""
    if n < 0:
        return "défi terminé"
    if n == 0:
        return "dernier jour"
    if n == 1:
        return "encore 1 jour"
    return f"encore {n} jours"
