"""« La criée »: the agency's weekly visual newsletter, composed from recorded data only.

One issue per ISO week (Monday 00:00 to Sunday 24:00 on the agency's wall clock, so a week
across a daylight-saving change lasts 167 or 169 hours): the week's published hires with their
CDE + CDDE pair and photo when consented, the offers that are urgent and moved that week, the
défi's progress at the week's end, the agenda of the two weeks from the issue's Monday and the
week's most recent testimony. The staff pages and the screen's ticker read the same issue, so
they never disagree. Every rule comes from the service that owns it (hires, offers' urgency,
challenges, agenda, testimonies); this module only chooses the week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, or_, select

from api.clock import local_today, utcnow, zone
from api.domain import french, urgency
from api.models import Agency, Challenge, Hire, Testimony
from api.models.challenge import ChallengePublic
from api.models.staff import StaffRef
from api.models.testimony import TestimonyPublic
from api.services import agenda, challenges, hires, offers, testimonies
from api.services.common import staff_refs

# How far the issue's agenda looks, from its Monday.
AGENDA_DAYS = 14
# Urgency levels an offer needs to be cried: « urgent » and « très urgent ».
URGENT_FROM = 2
WEEK_PATTERN = re.compile(r"^([0-9]{4})-W([0-9]{2})$")


CRIEE_PAGE = "/admin/criee"  # the staff page of the running week; a week's is CRIEE_PAGE/2026-W48


@dataclass(frozen=True)
class Week:
    """One ISO week; ``key`` is how addresses name it (``2026-W48``)."""

    year: int
    number: int

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def key(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) on the agency's wall clock, as aware UTC moments."""
        tz = zone(timezone)
        start = datetime.combine(self.monday, time(0), tzinfo=tz)
        end = datetime.combine(self.monday + timedelta(days=7), time(0), tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def previous(self) -> Week:
        return week_of(self.monday - timedelta(days=7))

    def next(self) -> Week:
        return week_of(self.monday + timedelta(days=7))

    def label(self) -> str:
        """« semaine 48, du 23 au 29 novembre 2026 » (French, months spelt out)."""
        first, last = self.monday, self.sunday
        same_month = (first.year, first.month) == (last.year, last.month)
        start = (
            french.day_number(first)
            if same_month
            else french.long_date(first, weekday=False, year=first.year != last.year)
        )
        end = french.long_date(last, weekday=False, year=True)
        return f"semaine {self.number}, du {start} au {end}"


def week_of(day: date) -> Week:
    """The ISO week holding ``day``."""
    year, number, _ = day.isocalendar()
    return Week(year, number)


def current_week(agency: Agency, now: datetime | None = None) -> Week:
    """The week running now on the agency's wall clock."""
    return week_of(local_today(agency.timezone, now))


def parse_week(text: str) -> Week | None:
    """``2026-W48`` as a Week, or None when it names no ISO week."""
    found = WEEK_PATTERN.match(text)
    if not found:
        return None
    try:
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        return None
    return week_of(monday)


@dataclass(frozen=True)
class CrieeHire:
    """A hire of the week with its pair; ``photo_sha256`` only when the photo may be shown."""

    hire: Hire
    cde: StaffRef | None
    cdde: StaffRef | None
    photo_sha256: str | None


@dataclass(frozen=True)
class Issue:
    """One week's issue of la criée."""

    agency: Agency
    week: Week
    hires: list[CrieeHire]
    urgent_offers: list[offers.BoardEntry]
    challenge: ChallengePublic | None
    agenda: list[agenda.Occurrence]
    testimony: TestimonyPublic | None

    @property
    def empty(self) -> bool:
        return not (self.hires or self.urgent_offers or self.testimony)


# Read at every snapshot build (the ticker): built once, the agency and week bound at execution.
_WEEK_HIRES = (
    select(Hire)
    .where(
        Hire.agency_id == bindparam("agency_id"),
        Hire.status == "published",
        col(Hire.hired_on) >= bindparam("monday"),
        col(Hire.hired_on) <= bindparam("sunday"),
    )
    .order_by(col(Hire.hired_on), col(Hire.id))
)


def week_hires(db: Session, agency: Agency, week: Week) -> list[CrieeHire]:
    """Published hires dated in the week, oldest first; expired ones stay in their week's issue
    (the archive keeps what was cried), withdrawn ones never appear."""
    bounds = {"agency_id": agency.id, "monday": week.monday, "sunday": week.sunday}
    rows = list(db.exec(_WEEK_HIRES, params=bounds))
    people = staff_refs(db, [h.cde_id for h in rows] + [h.cdde_id for h in rows])
    return [
        CrieeHire(
            hire=h,
            cde=people.get(h.cde_id) if h.cde_id else None,
            cdde=people.get(h.cdde_id) if h.cdde_id else None,
            photo_sha256=hires.publishable_photo(h),
        )
        for h in rows
    ]


def urgent_offers(
    db: Session,
    agency: Agency,
    week: Week,
    public_url: str,
    today: date,
    board: list[offers.BoardEntry] | None = None,
) -> list[offers.BoardEntry]:
    """Open offers urgent or very urgent that were opened or changed during the week.

    « Became urgent that week » cannot be read from history: urgency is computed from the
    offer's age, start date and candidates (api.domain.urgency), never recorded, and the journal
    only keeps forced levels. So this is « urgent at the week's end (or today, for the running
    week), opened or changed this week », in the board's order, levels computed by the board.
    ``board``: today's open board when the caller has it already (the running week only).
    """
    start, end = week.bounds(agency.timezone)
    ctx = offers.OfferContext(
        agency=agency,
        today=min(today, week.sunday),
        public_url=public_url,
        thresholds=urgency.UrgencyThresholds(**(agency.urgency_thresholds or {})),
    )
    if board is None or ctx.today != today:
        board = offers.board(db, agency.id, ctx, status="open")  # type: ignore[arg-type]
    return [
        entry
        for entry in board
        if entry.urgency.level >= URGENT_FROM
        and (
            start <= _utc(entry.offer.opened_at) < end
            or start <= _utc(entry.offer.updated_at) < end
        )
    ]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def week_challenge(db: Session, agency: Agency, week: Week, today: date) -> ChallengePublic | None:
    """The défi running during the week (the latest started), its progress counted up to the
    week's end (a past issue keeps its figures)."""
    found = db.exec(
        select(Challenge)
        .where(
            Challenge.agency_id == agency.id,
            col(Challenge.starts_on) <= week.sunday,
            col(Challenge.ends_on) >= week.monday,
            or_(col(Challenge.closed).is_(False), col(Challenge.ends_on) <= week.sunday),
        )
        .order_by(col(Challenge.starts_on).desc(), col(Challenge.id).desc())
    ).first()
    if found is None:
        return None
    _, end = week.bounds(agency.timezone)
    return challenges.to_public(db, found, min(today, week.sunday), until=end)


def week_testimony(db: Session, agency: Agency, week: Week) -> TestimonyPublic | None:
    """The most recent testimony written during the week."""
    start, end = week.bounds(agency.timezone)
    found = db.exec(
        select(Testimony)
        .where(
            Testimony.agency_id == agency.id,
            col(Testimony.created_at) >= start,
            col(Testimony.created_at) < end,
        )
        .order_by(col(Testimony.created_at).desc(), col(Testimony.id).desc())
    ).first()
    return testimonies.to_public(db, [found])[0] if found else None


def compose(
    db: Session,
    agency: Agency,
    week: Week,
    *,
    public_url: str = "",
    now: datetime | None = None,
    agenda_from: date | None = None,
) -> Issue:
    """The issue of ``week`` for ``agency``; its agenda covers ``AGENDA_DAYS`` from the week's
    Monday, or from ``agenda_from`` (the e-mail sent the Monday after looks ahead, not back)."""
    today = local_today(agency.timezone, now or utcnow())
    tz = zone(agency.timezone)
    first_day = agenda_from or week.monday
    agenda_start = datetime.combine(first_day, time(0), tzinfo=tz)
    agenda_end = datetime.combine(first_day + timedelta(days=AGENDA_DAYS), time(0), tzinfo=tz)
    return Issue(
        agency=agency,
        week=week,
        hires=week_hires(db, agency, week),
        urgent_offers=urgent_offers(db, agency, week, public_url, today),
        challenge=week_challenge(db, agency, week, today),
        agenda=agenda.agency_occurrences(db, agency, agenda_start, agenda_end),
        testimony=week_testimony(db, agency, week),
    )


def issue_photos(db: Session, issue: Issue, side_px: int) -> dict[int, bytes]:
    """JPEG thumbnails of the issue's consented hire photos, by hire id (the page and the
    e-mail show the same ones)."""
    photos: dict[int, bytes] = {}
    for item in issue.hires:
        if item.photo_sha256 and item.hire.id is not None:
            stored = hires.load_photo(db, item.hire)
            if stored is not None and stored.data is not None:
                photos[item.hire.id] = hires.thumbnail(stored.data, side_px)
    return photos


# The screen's ticker cries at most this many of the week's hires and urgent offers.
TICKER_HIRES = 6
TICKER_OFFERS = 3


def ticker_items(issue: Issue, today: date) -> list[str]:
    """The issue as the screen's ticker « la criée » says it: the week's hires, newest first,
    then its urgent offers. Testimonies stay with staff (the screen faces visitors), and a hire
    whose display ended (``expires_on``) is no longer cried on the screen."""
    items: list[str] = []
    shown = [h for h in issue.hires if h.hire.expires_on is None or h.hire.expires_on >= today]
    for item in list(reversed(shown))[:TICKER_HIRES]:
        names = [p.name for p in (item.cde, item.cdde) if p is not None]
        thanks = f" — merci {' et '.join(names)}" if names else ""
        items.append(f"Bravo ! {item.hire.title} chez {item.hire.employer}{thanks}")
    for entry in issue.urgent_offers[:TICKER_OFFERS]:
        offer = entry.offer
        items.append(
            f"{entry.urgency.label.capitalize()} cette semaine : {offer.title} chez "
            f"{offer.employer}, à {offer.commune}"
        )
    more = len(issue.urgent_offers) - TICKER_OFFERS
    if more > 0:
        others = "une autre offre urgente" if more == 1 else f"{more} autres offres urgentes"
        items.append(f"Et {others} cette semaine : demandez la criée à l'accueil !")
    return items


def ticker(
    db: Session,
    agency: Agency,
    public_url: str,
    now: datetime | None = None,
    board: list[offers.BoardEntry] | None = None,
) -> list[str]:
    """The ticker's items from this week's issue, for the screen's snapshot: only the parts it
    cries are read (hires and urgent offers, by the functions ``compose`` uses). ``board``:
    today's open board, when the snapshot has read it already."""
    moment = now or utcnow()
    today = local_today(agency.timezone, moment)
    week = week_of(today)
    issue = Issue(
        agency=agency,
        week=week,
        hires=week_hires(db, agency, week),
        urgent_offers=urgent_offers(db, agency, week, public_url, today, board),
        challenge=None,
        agenda=[],
        testimony=None,
    )
    return ticker_items(issue, today)
