"""A staff member's private agenda feed as iCalendar (RFC 5545), for Outlook and Thunderbird.

Events are written on the agency's wall clock (``DTSTART;TZID=Europe/Paris``) with their rule
(``RRULE``) and cancelled dates (``EXDATE``), and the calendar carries the zone's definition
(``VTIMEZONE``) derived from the system's time zone data, so a subscriber in any zone sees the
9:00 petit-déj at 9:00 Paris time on both sides of a daylight-saving change.

    body = agenda_ics.calendar(agency, events, mine, public_url="https://couloir.example.fr")
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from api.clock import aware, utcnow, zone
from api.models import Agency
from api.models.agenda import KIND_LABELS, AgendaEvent
from api.services import agenda

_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def escape(text: str) -> str:
    r"""A TEXT value: backslash, semicolon, comma and line breaks escaped.

    >>> escape("Salle 2, étage 1; café\nboissons")
    'Salle 2\\, étage 1\\; café\\nboissons'
    """
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """One content line folded at 75 octets (never inside a UTF-8 character), CRLF-ended."""
    raw = line.encode()
    parts: list[bytes] = []
    limit = 75
    while len(raw) > limit:
        cut = limit
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:  # a continuation byte: step back
            cut -= 1
        parts.append(raw[:cut])
        raw = raw[cut:]
        limit = 74  # continuation lines start with a space
    parts.append(raw)
    return "\r\n ".join(p.decode() for p in parts) + "\r\n"


def _local(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def _utc(moment: datetime) -> str:
    return aware(moment).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _transitions(tz: ZoneInfo, year: int) -> list[tuple[datetime, timedelta, timedelta]]:
    """The zone's offset changes during ``year``: (UTC instant, offset before, after)."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = moment.astimezone(tz).utcoffset()
    step = timedelta(hours=1)
    while moment < end:
        after = (moment + step).astimezone(tz).utcoffset()
        if after != before:
            low, high = moment, moment + step  # narrow to the minute
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                if mid.astimezone(tz).utcoffset() == before:
                    low = mid
                else:
                    high = mid
            found.append((high.replace(second=0, microsecond=0), before, after))
            before = after
        moment += step
    return found


def _yearly_rule(local: datetime) -> str:
    """« the same weekday of the same rank (or the last) of the month », as an RRULE."""
    last_day = _calendar.monthrange(local.year, local.month)[1]
    rank = "-1" if local.day + 7 > last_day else str((local.day - 1) // 7 + 1)
    return f"FREQ=YEARLY;BYMONTH={local.month};BYDAY={rank}{_BYDAY[local.weekday()]}"


def vtimezone(tz: ZoneInfo, first_year: int) -> list[str]:
    """The VTIMEZONE of ``tz`` from ``first_year`` on (yearly rules, as the zone does now)."""
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz.key}"]
    changes = _transitions(tz, first_year)
    if len(changes) != 2:  # no daylight saving (or an irregular year): one fixed offset
        offset = _offset(datetime(first_year, 1, 1, tzinfo=tz).utcoffset())
        name = datetime(first_year, 1, 1, tzinfo=tz).tzname() or tz.key
        lines += [
            "BEGIN:STANDARD",
            f"DTSTART:{first_year}0101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            f"TZNAME:{name}",
            "END:STANDARD",
        ]
    for instant, before, after in changes if len(changes) == 2 else ():
        local = (instant + before).replace(tzinfo=None)  # the wall clock just before the change
        kind = "DAYLIGHT" if after > before else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            f"DTSTART:{_local(local)}",
            f"RRULE:{_yearly_rule(local)}",
            f"TZOFFSETFROM:{_offset(before)}",
            f"TZOFFSETTO:{_offset(after)}",
            f"TZNAME:{(instant + timedelta(minutes=1)).astimezone(tz).tzname()}",
            f"END:{kind}",
        ]
    return [*lines, "END:VTIMEZONE"]


def rrule_text(event: AgendaEvent, tz: ZoneInfo) -> str | None:
    """The event's RRULE value (UNTIL in UTC, as RFC 5545 asks with a TZID start)."""
    repeat = agenda.rule(event, tz)
    if repeat is None:
        return None
    start = aware(event.starts_at).astimezone(tz)
    day = _BYDAY[start.weekday()]
    text = {
        "weekly": f"FREQ=WEEKLY;BYDAY={day}",
        "biweekly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
        "monthly_nth": f"FREQ=MONTHLY;BYDAY={(start.day - 1) // 7 + 1}{day}",
        "monthly_last": f"FREQ=MONTHLY;BYDAY=-1{day}",
    }[event.recurrence]
    if event.repeat_until:
        until = datetime.combine(event.repeat_until, time(23, 59, 59), tz)
        text += f";UNTIL={_utc(until)}"
    return text


def _vevent(
    event: AgendaEvent,
    tz: ZoneInfo,
    host: str,
    public_url: str,
    mine: set[tuple[int, date]],
    tags: list[str],
) -> list[str]:
    start = aware(event.starts_at).astimezone(tz)
    end = aware(event.ends_at).astimezone(tz)
    page = f"{public_url.rstrip('/')}{agenda.event_path(event.id or 0)}"
    about = [KIND_LABELS.get(event.kind, event.kind), agenda.recurrence_label(event, tz)]
    coming = sorted(day for (event_id, day) in mine if event_id == event.id)
    if coming:
        about.append(
            "Vous avez répondu « je viens » pour le "
            + ", ".join(agenda.french.long_date(d) for d in coming[-5:])
        )
    about.append(page)
    lines = [
        "BEGIN:VEVENT",
        f"UID:agenda-{event.id}@{host}",
        f"DTSTAMP:{_utc(utcnow())}",
        f"CREATED:{_utc(event.created_at)}",
        f"SEQUENCE:{event.version}",
        f"DTSTART;TZID={tz.key}:{_local(start)}",
        f"DTEND;TZID={tz.key}:{_local(end)}",
    ]
    rule = rrule_text(event, tz)
    if rule:
        lines.append(f"RRULE:{rule}")
        start_time = start.time().replace(tzinfo=None)
        for text in event.cancelled:
            moment = datetime.combine(date.fromisoformat(text), start_time)
            lines.append(f"EXDATE;TZID={tz.key}:{_local(moment)}")
    status = "CONFIRMED"
    if not rule and start.date().isoformat() in event.cancelled:
        status = "CANCELLED"
    lines += [
        f"SUMMARY:{escape(event.title)}",
        "CATEGORIES:"
        + ",".join(escape(c) for c in [KIND_LABELS.get(event.kind, event.kind), *tags]),
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        f"URL:{page}",
        f"DESCRIPTION:{escape(chr(10).join(about))}",
    ]
    if event.place:
        lines.append(f"LOCATION:{escape(event.place)}")
    return [*lines, "END:VEVENT"]


def calendar(
    agency: Agency,
    events: Iterable[AgendaEvent],
    mine: set[tuple[int, date]],
    *,
    public_url: str,
    tag_names: dict[int, str] | None = None,
) -> bytes:
    """The whole feed, CRLF lines folded at 75 octets (``tag_names``: tag id → name)."""
    tz = zone(agency.timezone)
    events = list(events)
    host = urlsplit(public_url).hostname or "couloir"
    first_year = min((aware(e.starts_at).year for e in events), default=utcnow().year) - 1
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Couloir//Agenda de l'agence//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(f'Couloir · {agency.name}')}",
        f"X-WR-TIMEZONE:{tz.key}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
        *vtimezone(tz, first_year),
    ]
    for event in events:
        tag = (tag_names or {}).get(event.tag_id or 0)
        lines += _vevent(event, tz, host, public_url, mine, [f"#{tag}"] if tag else [])
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines).encode()
