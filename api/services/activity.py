"""The agency's activity dashboard: collective figures month by month, never a person's.

For the running month and the six before it (months of the agency's own calendar, so that an
offer filled at 00:30 on the 1st in Paris counts in that month whatever UTC says): offers
opened, filled and withdrawn or closed (with how many were from TPE), median days to fill by
urgency level, the candidates the CDDE proposed and what became of them, the hires told, the
units brought to the défi; beside them the running défi and the « chantiers » a manager lists.
Nothing here is counted per person nor ranked: the queries never group by staff member.

    figures = summarise(db, agency)
    figures.current.filled.total  # offers filled this month
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, or_, select

from api.clock import aware, utcnow, zone
from api.domain import french, urgency
from api.models import Agency, CandidateProposal, Chantier, Contribution, Hire, Offer
from api.models.activity import ActivityPublic, FillDaysPublic, MonthPublic, SplitPublic
from api.models.challenge import ChallengePublic
from api.models.offer import OUTCOME_LABELS
from api.services import challenges, chantiers

MONTHS_BEFORE = 6  # the running month and the six before it
OUTCOMES: tuple[str, ...] = tuple(OUTCOME_LABELS)  # pending, interview, hired, declined


@dataclass(frozen=True, order=True)
class Month:
    """One month of the agency's calendar.

    >>> Month(2026, 3).label, Month(2026, 3).short, Month(2026, 1).previous()
    ('mars 2026', 'mars', Month(year=2025, month=12))
    """

    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        """The month ``day`` falls in."""
        return cls(day.year, day.month)

    def previous(self) -> Month:
        """The month before."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        """The month after."""
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def key(self) -> str:
        """« 2026-03 »."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """« mars 2026 »."""
        return f"{french.month_name(self.month)} {self.year}"

    @property
    def short(self) -> str:
        """« mars », « nov. »."""
        return french.MONTHS_SHORT[self.month - 1]

    def starts_at(self, tz: ZoneInfo) -> datetime:
        """Midnight of its first day in ``tz``, in UTC."""
        return datetime(self.year, self.month, 1, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True)
class Split:
    """A count of offers and how many of them were from TPE."""

    total: int = 0
    tpe: int = 0

    @property
    def tpe_share(self) -> int | None:
        """The TPE share in whole percent, None when there is nothing to share."""
        return round(100 * self.tpe / self.total) if self.total else None


@dataclass(frozen=True)
class FillDays:
    """Median days from opening to filled, for offers at one urgency level when filled."""

    level: int
    label: str
    median: float | None
    count: int


@dataclass
class MonthFigures:
    """One month's collective figures."""

    month: Month
    opened: Split = Split()
    filled: Split = Split()
    closed: Split = Split()
    proposals: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    hires: int = 0
    challenge_units: int = 0
    fill_days: list[FillDays] = field(default_factory=list)


@dataclass
class Activity:
    """The dashboard: seven months, oldest first (the running one last), the défi, chantiers."""

    agency: Agency
    today: date
    months: list[MonthFigures]
    fill_days: list[FillDays]  # over the seven months
    challenge: ChallengePublic | None
    chantiers: list[Chantier]

    @property
    def current(self) -> MonthFigures:
        """The running month."""
        return self.months[-1]


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _fill_days(by_level: dict[int, list[int]]) -> list[FillDays]:
    return [
        FillDays(
            entry.level, entry.label, _median(by_level[entry.level]), len(by_level[entry.level])
        )
        for entry in urgency.LEVELS
    ]


def level_when_filled(
    offer: Offer,
    opened_on: date,
    filled_on: date,
    candidates: int,
    thresholds: urgency.UrgencyThresholds,
) -> int:
    """The offer's urgency level on the day it was filled, by the one urgency rule."""
    return urgency.compute_level(
        start_date=offer.start_date,
        opened_on=opened_on,
        candidates=candidates,
        today=filled_on,
        thresholds=thresholds,
        override=offer.urgency_override,
    )


def summarise(db: Session, agency: Agency, now: datetime | None = None) -> Activity:
    """The agency's activity for the running month and the six before it, at ``now``."""
    tz = zone(agency.timezone)
    now = aware(now or utcnow())
    today = now.astimezone(tz).date()
    months = [Month.of(today)]
    for _ in range(MONTHS_BEFORE):
        months.insert(0, months[0].previous())
    since = months[0].starts_at(tz)
    until = months[-1].next().starts_at(tz)
    wanted = set(months)

    def month_of(moment: datetime | None) -> Month | None:
        if moment is None:
            return None
        found = Month.of(aware(moment).astimezone(tz).date())
        return found if found in wanted else None

    figures = {m: MonthFigures(m) for m in months}
    opened: Counter[tuple[Month, bool]] = Counter()
    filled: Counter[tuple[Month, bool]] = Counter()
    closed: Counter[tuple[Month, bool]] = Counter()
    days_by_month: dict[Month, dict[int, list[int]]] = {m: defaultdict(list) for m in months}
    days_all: dict[int, list[int]] = defaultdict(list)
    thresholds = urgency.UrgencyThresholds(**(agency.urgency_thresholds or {}))
    offers = db.exec(
        select(Offer).where(
            Offer.agency_id == agency.id,
            or_(
                col(Offer.opened_at) >= since,
                col(Offer.filled_at) >= since,
                col(Offer.closed_at) >= since,
            ),
        )
    ).all()
    filled_offers = [o for o in offers if month_of(o.filled_at) and o.status == "filled"]
    proposed_before = _proposals_before_fill(db, filled_offers)
    for offer in offers:
        if m := month_of(offer.opened_at):
            opened[m, offer.is_tpe] += 1
        if offer.status == "closed" and (m := month_of(offer.closed_at)):
            closed[m, offer.is_tpe] += 1
    for offer in filled_offers:
        m = month_of(offer.filled_at)
        assert m is not None and offer.filled_at is not None
        filled[m, offer.is_tpe] += 1
        opened_on = aware(offer.opened_at).astimezone(tz).date()
        filled_on = aware(offer.filled_at).astimezone(tz).date()
        days = max(0, (filled_on - opened_on).days)
        level = level_when_filled(
            offer, opened_on, filled_on, proposed_before.get(offer.id or 0, 0), thresholds
        )
        days_by_month[m][level].append(days)
        days_all[level].append(days)
    for m, row in figures.items():
        row.opened = Split(opened[m, True] + opened[m, False], opened[m, True])
        row.filled = Split(filled[m, True] + filled[m, False], filled[m, True])
        row.closed = Split(closed[m, True] + closed[m, False], closed[m, True])
        row.fill_days = _fill_days(days_by_month[m])
    proposals = db.exec(
        select(CandidateProposal.created_at, CandidateProposal.outcome).where(
            CandidateProposal.agency_id == agency.id,
            col(CandidateProposal.created_at) >= since,
            col(CandidateProposal.created_at) < until,
        )
    ).all()
    for created_at, outcome in proposals:
        if m := month_of(created_at):
            figures[m].proposals += 1
            figures[m].outcomes[outcome if outcome in OUTCOMES else "pending"] += 1
    told = db.exec(
        select(Hire.hired_on).where(
            Hire.agency_id == agency.id,
            col(Hire.status) != "withdrawn",
            col(Hire.hired_on) >= date(months[0].year, months[0].month, 1),
            col(Hire.hired_on) <= today,
        )
    ).all()
    for hired_on in told:
        if (m := Month.of(hired_on)) in figures:
            figures[m].hires += 1
    units = db.exec(
        select(Contribution.created_at, Contribution.amount).where(
            Contribution.agency_id == agency.id,
            col(Contribution.created_at) >= since,
            col(Contribution.created_at) < until,
        )
    ).all()
    for created_at, amount in units:
        if m := month_of(created_at):
            figures[m].challenge_units += amount
    running = challenges.active_challenge(db, agency)
    return Activity(
        agency=agency,
        today=today,
        months=[figures[m] for m in months],
        fill_days=_fill_days(days_all),
        challenge=challenges.to_public(db, running, today) if running else None,
        chantiers=chantiers.list_chantiers(db, agency.id),  # type: ignore[arg-type]
    )


def _proposals_before_fill(db: Session, filled: list[Offer]) -> dict[int, int]:
    """Candidates proposed on each filled offer before it was filled (its urgency then)."""
    if not filled:
        return {}
    filled_at = {o.id: aware(o.filled_at) for o in filled if o.filled_at is not None}
    rows = db.exec(
        select(CandidateProposal.offer_id, CandidateProposal.created_at).where(
            col(CandidateProposal.offer_id).in_(list(filled_at))
        )
    ).all()
    counts: Counter[int] = Counter()
    for offer_id, created_at in rows:
        if aware(created_at) <= filled_at[offer_id]:
            counts[offer_id] += 1
    return dict(counts)


def days_words(value: float | None) -> str:
    """A median in days as people read it.

    >>> days_words(12.0), days_words(12.5), days_words(None), days_words(1.0)
    ('12 jours', '12,5 jours', '—', '1 jour')
    >>> days_words(0.0)
    '0 jour'
    """
    if value is None:
        return "—"
    if value == int(value):
        return french.plural(int(value), "jour")
    return f"{value:.1f}".replace(".", ",") + " jours"


CSV_HEADERS = (
    "Mois",
    "Offres ouvertes",
    "dont TPE",
    "Offres pourvues",
    "dont TPE",
    "Offres retirées ou clôturées",
    "dont TPE",
    "Candidats proposés",
    *(f"Candidats : {OUTCOME_LABELS[o]}" for o in OUTCOMES),
    "Embauches racontées",
    "Apports au défi",
    *(f"Délai médian (jours), {entry.label}" for entry in urgency.LEVELS),
)


def _csv_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else f"{value:.1f}".replace(".", ",")


def to_csv(activity: Activity) -> bytes:
    """The seven months as a CSV file for a spreadsheet: French headers, « ; », UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for row in activity.months:
        writer.writerow(
            [
                row.month.label,
                row.opened.total,
                row.opened.tpe,
                row.filled.total,
                row.filled.tpe,
                row.closed.total,
                row.closed.tpe,
                row.proposals,
                *(row.outcomes[o] for o in OUTCOMES),
                row.hires,
                row.challenge_units,
                *(_csv_number(f.median) for f in row.fill_days),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _split(split: Split) -> SplitPublic:
    return SplitPublic(total=split.total, tpe=split.tpe, tpe_share=split.tpe_share)


def _days(rows: list[FillDays]) -> list[FillDaysPublic]:
    return [
        FillDaysPublic(level=f.level, label=f.label, median_days=f.median, count=f.count)
        for f in rows
    ]


def to_public(activity: Activity) -> ActivityPublic:
    """The API's form of the dashboard."""
    return ActivityPublic(
        today=activity.today,
        months=[
            MonthPublic(
                month=row.month.key,
                label=row.month.label,
                opened=_split(row.opened),
                filled=_split(row.filled),
                closed=_split(row.closed),
                proposals=row.proposals,
                outcomes=row.outcomes,
                hires=row.hires,
                challenge_units=row.challenge_units,
                fill_days=_days(row.fill_days),
            )
            for row in activity.months
        ],
        fill_days=_days(activity.fill_days),
        challenge=activity.challenge,
        chantiers=[chantiers.to_public(c) for c in activity.chantiers],
    )
