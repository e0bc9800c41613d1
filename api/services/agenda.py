"""The agency's agenda: events, their occurrences, « je viens », and private calendar feeds.

Recurrences are computed by dateutil's ``rrule`` on the agency's wall clock, so an event at
9:00 stays at 9:00 on both sides of a daylight-saving change; cancelled dates are the rule's
exceptions (``rruleset.exdate``). Times are stored in UTC and shown in the agency's zone.

    occurrences = agenda.agency_occurrences(db, agency, start, end)
    agenda.attend(db, me, agency, event, occurrences[0].occurs_on)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule, rruleset
from sqlalchemy import bindparam
from sqlmodel import Session, and_, col, delete, or_, select

from api.clock import aware, utcnow, zone
from api.domain import french
from api.domain.codes import token_hash
from api.errors import Invalid, NotFound
from api.models import Agency, Staff, Tag
from api.models.agenda import (
    KIND_LABELS,
    MAX_CANCELLED,
    AgendaAttendance,
    AgendaEvent,
    AgendaEventCreate,
    AgendaEventPublic,
    AgendaEventUpdate,
    Attendee,
    CalendarFeed,
    OccurrencePublic,
    ServiceCounts,
)
from api.models.tag import TagRef
from api.services import audit, tags
from api.services.common import apply_changes, check_version, get_scoped

EVENT_PAGE = "/admin/agenda"  # + "/{id}?le=AAAA-MM-JJ": an occurrence's page (QR target)
FEED_PATH = "/api/v1/agenda/feed"  # + "/{token}.ics"
# Occurrences before this year or after the last one are refused: a rule started in year 1
# would cost a request hundreds of thousands of steps.
FIRST_YEAR, LAST_YEAR = 2000, 2100
FEED_PAST = timedelta(days=90)
SCREEN_SPAN = timedelta(
    days=14
)  # what the corridor screen shows  # how far back a calendar feed reaches (one-off events)

WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
_ORDINALS = {1: "premier", 2: "deuxième", 3: "troisième", 4: "quatrième", 5: "cinquième"}
FULL = "Complet : les {n} places sont prises."
CANCELLED = "Cette date est annulée."
NO_SUCH_DATE = "Ce rendez-vous n'a pas lieu ce jour-là."
PAST = "Ce rendez-vous est passé : la réponse ne peut plus changer."


@dataclass(frozen=True)
class Occurrence:
    """One time an event takes place; times are aware, in the agency's zone."""

    event: AgendaEvent
    occurs_on: date
    starts_at: datetime
    ends_at: datetime

    @property
    def key(self) -> tuple[int, date]:
        return (self.event.id or 0, self.occurs_on)


# --- recurrence ------------------------------------------------------------------------------


def _local_start(event: AgendaEvent, tz: ZoneInfo) -> datetime:
    """The first start on the agency's wall clock, naive (what the rule repeats)."""
    return aware(event.starts_at).astimezone(tz).replace(tzinfo=None)


def _duration(event: AgendaEvent) -> timedelta:
    return aware(event.ends_at) - aware(event.starts_at)


def rule(event: AgendaEvent, tz: ZoneInfo) -> rrule | None:
    """The event's repetition as a dateutil rule on naive local times; None: once only."""
    start = _local_start(event, tz)
    until = datetime.combine(event.repeat_until, time.max) if event.repeat_until else None
    weekday = WEEKDAYS[start.weekday()]
    if event.recurrence == "weekly":
        return rrule(WEEKLY, dtstart=start, until=until)
    if event.recurrence == "biweekly":
        return rrule(WEEKLY, interval=2, dtstart=start, until=until)
    if event.recurrence == "monthly_nth":
        return rrule(MONTHLY, dtstart=start, until=until, byweekday=weekday(_nth(start.date())))
    if event.recurrence == "monthly_last":
        return rrule(MONTHLY, dtstart=start, until=until, byweekday=weekday(-1))
    return None


def _nth(day: date) -> int:
    """Which of its weekday ``day`` is in its month (the 3rd Friday: 3)."""
    return (day.day - 1) // 7 + 1


def _ruleset(event: AgendaEvent, tz: ZoneInfo) -> rruleset | None:
    repeat = rule(event, tz)
    if repeat is None:
        return None
    rules = rruleset()
    rules.rrule(repeat)
    start_time = _local_start(event, tz).time()
    for text in event.cancelled:
        rules.exdate(datetime.combine(date.fromisoformat(text), start_time))
    return rules


def recurrence_label(event: AgendaEvent, tz: ZoneInfo) -> str:
    """The repetition in words: « le premier vendredi du mois », « chaque semaine, le mardi »."""
    start = _local_start(event, tz)
    day = french.WEEKDAYS[start.weekday()]
    until = f", jusqu'au {french.long_date(event.repeat_until)}" if event.repeat_until else ""
    if event.recurrence == "weekly":
        return f"chaque semaine, le {day}{until}"
    if event.recurrence == "biweekly":
        return f"toutes les deux semaines, le {day}{until}"
    if event.recurrence == "monthly_nth":
        return f"le {_ORDINALS[_nth(start.date())]} {day} du mois{until}"
    if event.recurrence == "monthly_last":
        return f"le dernier {day} du mois{until}"
    return "une seule fois"


def occurrences(
    event: AgendaEvent, tz: ZoneInfo, start: datetime, end: datetime
) -> list[Occurrence]:
    """The event's occurrences overlapping [start, end) (aware bounds), cancelled ones left out."""
    length = _duration(event)
    rules = _ruleset(event, tz)
    if rules is None:
        first = aware(event.starts_at).astimezone(tz)
        if event.cancelled and first.date().isoformat() in event.cancelled:
            return []
        starts = [first.replace(tzinfo=None)]
    else:
        low = (start - length).astimezone(tz).replace(tzinfo=None)
        high = end.astimezone(tz).replace(tzinfo=None)
        starts = rules.between(low, high, inc=True)
    found = []
    for wall in starts:
        begins = wall.replace(tzinfo=tz)
        finishes = (begins.astimezone(UTC) + length).astimezone(tz)
        if begins < end and finishes > start:
            found.append(Occurrence(event, begins.date(), begins, finishes))
    return found


def occurrence_on(event: AgendaEvent, tz: ZoneInfo, day: date) -> Occurrence | None:
    """The occurrence starting on local ``day`` (cancelled: None)."""
    begin = datetime.combine(day, time.min, tz)
    for found in occurrences(event, tz, begin, begin + timedelta(days=1, hours=2)):
        if found.occurs_on == day:
            return found
    return None


def next_occurrence(event: AgendaEvent, tz: ZoneInfo, after: datetime) -> Occurrence | None:
    """The first occurrence not yet over at ``after`` (within a year), or None."""
    found = occurrences(event, tz, after, after + timedelta(days=400))
    return found[0] if found else None


def list_events(db: Session, agency_id: int) -> list[AgendaEvent]:
    """The agency's events, earliest first start first."""
    return list(
        db.exec(
            select(AgendaEvent)
            .where(AgendaEvent.agency_id == agency_id)
            .order_by(col(AgendaEvent.starts_at), col(AgendaEvent.id))
        )
    )


# Built once, its bounds bound at execution: every snapshot build reads it (api.services.snapshot).
_OVERLAPPING = select(AgendaEvent).where(
    AgendaEvent.agency_id == bindparam("agency_id"),
    col(AgendaEvent.starts_at) < bindparam("end"),
    # Past one-off events and ended series cannot occur: the history is not read.
    or_(
        col(AgendaEvent.ends_at) > bindparam("start"),
        and_(
            AgendaEvent.recurrence != "none",
            or_(
                col(AgendaEvent.repeat_until).is_(None),
                col(AgendaEvent.repeat_until) >= bindparam("series_end"),
            ),
        ),
    ),
)


def agency_occurrences(
    db: Session, agency: Agency, start: datetime, end: datetime
) -> list[Occurrence]:
    """Every occurrence of the agency's events overlapping [start, end), in time order."""
    tz = zone(agency.timezone)
    rows = db.exec(
        _OVERLAPPING,
        params={
            "agency_id": agency.id,
            "start": start,
            "end": end,
            "series_end": (start - timedelta(days=1)).date(),
        },
    )
    found = [o for event in rows for o in occurrences(event, tz, start, end)]
    return sorted(found, key=lambda o: (o.starts_at, o.event.id or 0))


# --- events ----------------------------------------------------------------------------------


def get_event(db: Session, agency_id: int, event_id: int) -> AgendaEvent:
    """One event of this agency, or NotFound."""
    return get_scoped(db, AgendaEvent, event_id, agency_id, "Rendez-vous")


def _moment(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A client time in UTC: a naive one is read on the agency's wall clock."""
    try:
        local = value if value.tzinfo else value.replace(tzinfo=tz)
        moment = local.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid("Date hors des limites du calendrier.", field=field) from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise Invalid(f"La date doit être entre {FIRST_YEAR} et {LAST_YEAR}.", field=field)
    return moment


def _check_period(event: AgendaEvent) -> None:
    if aware(event.ends_at) <= aware(event.starts_at):
        raise Invalid("La fin doit venir après le début.", field="ends_at")
    if event.recurrence != "none" and _duration(event) > timedelta(days=1):
        raise Invalid("Un rendez-vous qui se répète dure une journée au plus.", field="ends_at")
    if event.repeat_until is not None:
        if event.repeat_until.year > LAST_YEAR:
            raise Invalid(f"La date doit être avant {LAST_YEAR}.", field="repeat_until")
        if event.repeat_until < aware(event.starts_at).date() - timedelta(days=1):
            raise Invalid("La fin des répétitions vient avant le début.", field="repeat_until")


def _check_hosts(db: Session, agency_id: int, host_ids: list[int]) -> list[int]:
    wanted = list(dict.fromkeys(host_ids))
    if not wanted:
        return []
    found = set(
        db.exec(
            select(Staff.id).where(
                col(Staff.id).in_(wanted), Staff.agency_id == agency_id, col(Staff.active)
            )
        )
    )
    if len(found) != len(wanted):
        raise Invalid("Un des collègues qui animent n'existe pas dans l'agence.", field="host_ids")
    return wanted


def _tag_id(db: Session, agency: Agency, typed: str | None) -> int | None:
    """The agency's tag for ``typed`` (found without case or accents, made when new)."""
    if not typed:
        return None
    found = tags.resolve(db, agency.id, [typed])  # type: ignore[arg-type]
    return found[0].id if found else None


def tag_of(db: Session, event: AgendaEvent) -> TagRef | None:
    """The event's tag as pages link it, if any."""
    tag = db.get(Tag, event.tag_id) if event.tag_id else None
    return TagRef(name=tag.name, slug=tag.slug) if tag else None


def create_event(db: Session, actor: Staff, agency: Agency, data: AgendaEventCreate) -> AgendaEvent:
    """Add an event to the agency's agenda (times read in the agency's zone when naive)."""
    tz = zone(agency.timezone)
    event = AgendaEvent(
        agency_id=agency.id,  # type: ignore[arg-type]
        title=data.title,
        kind=data.kind,
        starts_at=_moment(data.starts_at, tz, "starts_at"),
        ends_at=_moment(data.ends_at, tz, "ends_at"),
        place=data.place or "",
        capacity=data.capacity,
        recurrence=data.recurrence,
        repeat_until=data.repeat_until,
        host_ids=_check_hosts(db, agency.id, data.host_ids),  # type: ignore[arg-type]
        tag_id=_tag_id(db, agency, data.tag),
        created_by_id=actor.id,  # type: ignore[arg-type]
    )
    _check_period(event)
    db.add(event)
    db.flush()
    audit.record(db, actor, "create", event)
    db.commit()
    db.refresh(event)
    return event


def update_event(
    db: Session, actor: Staff, agency: Agency, event: AgendaEvent, data: AgendaEventUpdate
) -> AgendaEvent:
    """Change an event; ``data.version`` older than the stored one is refused (409)."""
    tz = zone(agency.timezone)
    check_version(
        event, data.version, to_public(event, tz, tag_of(db, event)).model_dump(mode="json")
    )
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("starts_at", "ends_at"):
        if changes.get(name) is not None:
            changes[name] = _moment(changes[name], tz, name)
    if "place" in changes:
        changes["place"] = changes["place"] or ""
    if "recurrence" in changes and changes["recurrence"] is None:
        changes["recurrence"] = "none"
    if changes.get("host_ids") is not None:
        changes["host_ids"] = _check_hosts(db, agency.id, changes["host_ids"])  # type: ignore[arg-type]
    if "tag" in changes:
        changes["tag_id"] = _tag_id(db, agency, changes.pop("tag"))
    before = audit.state_of(event)
    apply_changes(event, changes)
    try:
        _check_period(event)
    except Invalid:
        db.rollback()
        db.refresh(event)
        raise
    audit.record(db, actor, "update", event, before=before)
    db.commit()
    db.refresh(event)
    return event


def delete_event(db: Session, actor: Staff, event: AgendaEvent) -> None:
    """Remove an event, every occurrence and answer with it."""
    db.exec(delete(AgendaAttendance).where(col(AgendaAttendance.event_id) == event.id))
    audit.record(db, actor, "delete", event, before=audit.state_of(event))
    db.delete(event)
    db.commit()


def set_cancelled(
    db: Session, actor: Staff, agency: Agency, event: AgendaEvent, day: date, cancelled: bool
) -> AgendaEvent:
    """Cancel one occurrence (an exception to the rule) or bring it back (idempotent)."""
    tz = zone(agency.timezone)
    text = day.isoformat()
    if (text in event.cancelled) == cancelled:
        return event  # already so: answering twice changes nothing
    if cancelled:
        if occurrence_on(event, tz, day) is None:
            raise Invalid(NO_SUCH_DATE, field="occurs_on")
        if len(event.cancelled) >= MAX_CANCELLED:
            raise Invalid(f"{MAX_CANCELLED} dates annulées au plus.", field="occurs_on")
        dates = sorted({*event.cancelled, text})
    else:
        dates = [d for d in event.cancelled if d != text]
    before = audit.state_of(event)
    event.cancelled = dates
    event.version += 1
    audit.record(db, actor, "cancel" if cancelled else "restore", event, before=before)
    db.commit()
    db.refresh(event)
    return event


def to_public(event: AgendaEvent, tz: ZoneInfo, tag: TagRef | None = None) -> AgendaEventPublic:
    """The event as the API shows it (with ``tag``, its tag as ``tag_of`` reads it)."""
    return AgendaEventPublic(
        id=event.id,  # type: ignore[arg-type]
        title=event.title,
        kind=event.kind,
        kind_label=KIND_LABELS.get(event.kind, event.kind),
        starts_at=aware(event.starts_at),
        ends_at=aware(event.ends_at),
        place=event.place,
        capacity=event.capacity,
        recurrence=event.recurrence,
        recurrence_label=recurrence_label(event, tz),
        repeat_until=event.repeat_until,
        cancelled=[date.fromisoformat(d) for d in event.cancelled],
        host_ids=list(event.host_ids),
        tag=tag,
        version=event.version,
    )


# --- attendance ------------------------------------------------------------------------------


def answers(db: Session, found: list[Occurrence]) -> dict[tuple[int, date], list[AgendaAttendance]]:
    """Who answered « je viens » to each of ``found``, in answer order."""
    ids = {o.event.id for o in found}
    if not ids:
        return {}
    days = {o.occurs_on for o in found}
    rows = db.exec(
        select(AgendaAttendance)
        .where(
            col(AgendaAttendance.event_id).in_(ids),
            col(AgendaAttendance.occurs_on).in_(days),
        )
        .order_by(col(AgendaAttendance.created_at), col(AgendaAttendance.id))
    )
    grouped: dict[tuple[int, date], list[AgendaAttendance]] = defaultdict(list)
    for row in rows:
        grouped[(row.event_id, row.occurs_on)].append(row)
    return grouped


def counts(rows: list[AgendaAttendance]) -> ServiceCounts:
    """How many come, by service."""
    return ServiceCounts(
        cde=sum(r.service == "cde" for r in rows), cdde=sum(r.service == "cdde" for r in rows)
    )


def _answerable(db: Session, agency: Agency, event: AgendaEvent, day: date) -> Occurrence:
    tz = zone(agency.timezone)
    if day.isoformat() in event.cancelled:
        raise Invalid(CANCELLED, field="occurs_on")
    found = occurrence_on(event, tz, day)
    if found is None:
        raise Invalid(NO_SUCH_DATE, field="occurs_on")
    if found.ends_at <= utcnow():
        raise Invalid(PAST, field="occurs_on")
    return found


def attend(db: Session, me: Staff, agency: Agency, event: AgendaEvent, day: date) -> Occurrence:
    """Answer « je viens » to the occurrence of ``day``; refused in French when full."""
    found = _answerable(db, agency, event, day)
    rows = answers(db, [found]).get(found.key, [])
    if any(r.staff_id == me.id for r in rows):
        return found
    if event.capacity is not None and len(rows) >= event.capacity:
        raise Invalid(FULL.format(n=event.capacity), field="occurs_on")
    db.add(
        AgendaAttendance(
            agency_id=event.agency_id,
            event_id=event.id,  # type: ignore[arg-type]
            staff_id=me.id,  # type: ignore[arg-type]
            occurs_on=day,
            service=me.service,
        )
    )
    db.commit()
    return found


def withdraw(db: Session, me: Staff, agency: Agency, event: AgendaEvent, day: date) -> Occurrence:
    """Take back one's « je viens » (frees a place)."""
    found = _answerable(db, agency, event, day)
    for row in answers(db, [found]).get(found.key, []):
        if row.staff_id == me.id:
            db.delete(row)  # through the session: the agency's screens hear of it
    db.commit()
    return found


def resolve_day(agency: Agency, event: AgendaEvent, day: date | None) -> date:
    """``day``, or the date of the event's next occurrence (NotFound when none is left)."""
    if day is not None:
        return day
    found = next_occurrence(event, zone(agency.timezone), utcnow())
    if found is None:
        raise NotFound("Ce rendez-vous n'a plus de date à venir.")
    return found.occurs_on


def occurrence_public(db: Session, me: Staff, found: list[Occurrence]) -> list[OccurrencePublic]:
    """Occurrences with their counts and attendees (a staff-only view)."""
    grouped = answers(db, found)
    people = {
        s.id: s.name
        for s in db.exec(
            select(Staff).where(
                col(Staff.id).in_({r.staff_id for rows in grouped.values() for r in rows})
            )
        )
    }
    out = []
    for o in found:
        rows = grouped.get(o.key, [])
        out.append(
            OccurrencePublic(
                event_id=o.event.id,  # type: ignore[arg-type]
                title=o.event.title,
                kind=o.event.kind,
                kind_label=KIND_LABELS.get(o.event.kind, o.event.kind),
                occurs_on=o.occurs_on,
                starts_at=o.starts_at,
                ends_at=o.ends_at,
                place=o.event.place,
                capacity=o.event.capacity,
                counts=counts(rows),
                attendees=[
                    Attendee(id=r.staff_id, name=people.get(r.staff_id, "?"), service=r.service)
                    for r in rows
                ],
                attending=any(r.staff_id == me.id for r in rows),
                full=o.event.capacity is not None and len(rows) >= o.event.capacity,
            )
        )
    return out


def event_path(event_id: int, day: date | None = None) -> str:
    """The phone page of an event (of one occurrence when ``day`` is given).

    >>> event_path(3, date(2026, 12, 4))
    '/admin/agenda/3?le=2026-12-04'
    """
    return f"{EVENT_PAGE}/{event_id}" + (f"?le={day.isoformat()}" if day else "")


# --- private calendar feeds ------------------------------------------------------------------


def feed_of(db: Session, me: Staff) -> CalendarFeed | None:
    """The staff member's calendar feed, if they have one."""
    return db.exec(select(CalendarFeed).where(CalendarFeed.staff_id == me.id)).first()


def _feed_token(nonce: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"agenda-feed|{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_feed(db: Session, me: Staff, secret: str) -> str:
    """Make (or make again) the staff member's private feed; returns its secret token.

    The previous address stops working at once.
    """
    nonce = secrets.token_urlsafe(32)
    token = _feed_token(nonce, secret)
    current = feed_of(db, me)
    if current is None:
        current = CalendarFeed(staff_id=me.id, nonce=nonce, token_hash=token_hash(token))  # type: ignore[arg-type]
    else:
        current.nonce = nonce
        current.token_hash = token_hash(token)
        current.created_at = utcnow()
    db.add(current)
    db.commit()
    return token


def feed_token(db: Session, me: Staff, secret: str) -> str | None:
    """The staff member's current feed token (None: no feed, or the secret key changed since)."""
    current = feed_of(db, me)
    if current is None:
        return None
    token = _feed_token(current.nonce, secret)
    return token if token_hash(token) == current.token_hash else None


def ensure_feed(db: Session, me: Staff, secret: str) -> str:
    """The staff member's feed token, made if they have none (asking twice changes nothing)."""
    return feed_token(db, me, secret) or new_feed(db, me, secret)


def revoke_feed(db: Session, me: Staff) -> bool:
    """Stop the staff member's feed; True when there was one."""
    current = feed_of(db, me)
    if current is None:
        return False
    db.delete(current)
    db.commit()
    return True


def staff_for_feed(db: Session, token: str) -> Staff | None:
    """The active staff member whose feed token this is, or None."""
    if not token or len(token) > 200:
        return None
    feed = db.exec(select(CalendarFeed).where(CalendarFeed.token_hash == token_hash(token))).first()
    person = db.get(Staff, feed.staff_id) if feed else None
    return person if person is not None and person.active else None


def feed_url(public_url: str, token: str) -> str:
    """The address a calendar program subscribes to."""
    return f"{public_url.rstrip('/')}{FEED_PATH}/{token}.ics"


def feed_tag_names(db: Session, events: list[AgendaEvent]) -> dict[int, str]:
    """The names of the events' tags, by tag id (for the feed's categories)."""
    ids = {e.tag_id for e in events if e.tag_id}
    if not ids:
        return {}
    return {t.id: t.name for t in db.exec(select(Tag).where(col(Tag.id).in_(ids)))}  # type: ignore[misc]


def feed_events(db: Session, me: Staff) -> tuple[Agency, list[AgendaEvent], set[tuple[int, date]]]:
    """What a feed shows: the agency, its events still running or recent, and ``me``'s answers."""
    agency = db.get(Agency, me.agency_id)
    assert agency is not None
    since = utcnow() - FEED_PAST
    events = [
        e
        for e in list_events(db, me.agency_id)
        if e.recurrence != "none" or aware(e.ends_at) >= since
    ]
    mine = {
        (a.event_id, a.occurs_on)
        for a in db.exec(select(AgendaAttendance).where(AgendaAttendance.staff_id == me.id))
    }
    return agency, events, mine
