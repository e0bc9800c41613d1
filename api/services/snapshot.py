"""Builds the snapshot a screen shows (api.contract) and its ETag.

What screens of one agency share (offers, gallery, défi, announcements) is built and serialised
once per agency revision, and kept until time alone would change it; each screen adds only its
own settings. 2,000 screens of 900 agencies cost 900 builds, not 2,000, and none while nothing
changes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from api.changes import ChangeBroker
from api.clock import aware, local_today, utcnow, zone
from api.contract import (
    PHOTOS_PATH,
    SCHEMA_VERSION,
    ActivityChantier,
    ActivityFillDays,
    ActivityMonth,
    Contribution,
    OpeningSlot,
    PlaylistEntry,
    PlaylistScene,
    Snapshot,
    SnapshotActivity,
    SnapshotAgency,
    SnapshotAnnouncement,
    SnapshotChallenge,
    SnapshotEvent,
    SnapshotHire,
    SnapshotOffer,
    SnapshotScreen,
    Urgency,
)
from api.models import Agency, Announcement, Challenge, Screen
from api.models.agenda import KIND_LABELS
from api.models.chantier import KIND_LABELS as CHANTIER_KINDS
from api.models.chantier import STATE_LABELS as CHANTIER_STATES
from api.services import activity, agenda, announcements, challenges, criee, hires, offers
from api.services.common import staff_refs

# Time alone changes a snapshot at known instants (midnight, an announcement's start or end, an
# offer ceasing to be new); this bounds how long an instant missed by that list could linger.
MAX_AGE = timedelta(minutes=10)
# A change made without a notification (SQLite written by another process: the CLI) is seen
# within this: the agency's revision is read again, a cheap query, not a rebuild.
REVALIDATE_S = 60.0


@dataclass
class AgencyPart:
    """What every screen of an agency shows, serialised once, and each screen's own settings."""

    agency_id: int
    revision: int
    valid_until: datetime
    core: bytes  # the snapshot's JSON object without "generated_at" and "screen"
    digest: str  # of ``core``: the ETag's agency half
    generated_at: bytes
    # The agency's live screens, by id: their own part of the snapshot, serialised. Editing,
    # pairing or revoking a screen moves the agency's revision, so a current part is also the
    # list of screens allowed to read it: a woken stream needs no query of its own.
    screens: dict[int, bytes]
    checked_at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class CachedSnapshot:
    """One screen's view: its ETag, and its body composed on demand from the shared part."""

    part: AgencyPart
    screen_json: bytes
    etag: str

    @property
    def body(self) -> bytes:
        """The snapshot's JSON (``api.contract.Snapshot``)."""
        return b"".join(
            (
                b'{"generated_at":',
                self.part.generated_at,
                b',"screen":',
                self.screen_json,
                b",",
                self.part.core[1:],
            )
        )


# Built once, the agency bound at execution (as the other queries of a build: a statement
# costs more to build than PostgreSQL takes to run it). Only what a screen's own part shows,
# as plain rows (ScreenPart): a screen has 27 columns.
_LIVE_SCREENS = select(
    col(Screen.id),
    col(Screen.name),
    col(Screen.rotation),
    col(Screen.playlist),
    col(Screen.schedule),
).where(Screen.agency_id == bindparam("agency_id"), col(Screen.revoked_at).is_(None))


class ScreenPart(Protocol):
    """What a screen's own part of the snapshot is made of (a row of _LIVE_SCREENS, or a
    Screen)."""

    id: int | None
    name: str
    rotation: int
    playlist: list[dict[str, Any]]
    schedule: list[dict[str, Any]]


def build(db: Session, screen: Screen, public_url: str) -> Snapshot:
    """Everything ``screen`` needs right now, as a validated model (tests, tools)."""
    agency = db.get(Agency, screen.agency_id)
    assert agency is not None
    part = build_agency_part(db, agency, public_url)
    screen_json = part.screens.get(screen.id) or _screen_json(screen, agency.opening_hours)  # type: ignore[arg-type]
    return Snapshot.model_validate_json(_compose(part, screen_json).body)


def build_agency_part(db: Session, agency: Agency, public_url: str) -> AgencyPart:
    """Read and serialise what all screens of ``agency`` share, and until when it holds."""
    now = utcnow()
    revision = agency.revision  # read before the rest: a later change only makes it fresher
    live = list(db.exec(_LIVE_SCREENS, params={"agency_id": agency.id}))
    notices = announcements.not_ended(db, agency.id, now)  # type: ignore[arg-type]
    shown = [a for a in notices if aware(a.starts_at) <= now]
    activity = _plays(live, PlaylistScene.ACTIVITY)
    snapshot = _agency_snapshot(db, agency, public_url, shown, with_activity=activity)
    core = snapshot.model_dump_json(exclude={"generated_at", "screen"}).encode()
    return AgencyPart(
        agency_id=agency.id,  # type: ignore[arg-type]
        revision=revision,
        valid_until=_valid_until(agency, snapshot, announcements.next_change(notices, now), now),
        core=core,
        digest=hashlib.sha256(core).hexdigest(),
        generated_at=f'"{now.isoformat().replace("+00:00", "Z")}"'.encode(),
        screens={screen.id: _screen_json(screen, agency.opening_hours) for screen in live},  # type: ignore[misc]
    )


def _agency_snapshot(
    db: Session,
    agency: Agency,
    public_url: str,
    shown_announcements: list[Announcement],
    *,
    with_activity: bool,
) -> Snapshot:
    ctx = offers.OfferContext.for_agency(agency, public_url)
    entries = offers.board(db, agency.id, ctx, status="open", for_screen=True)
    gallery = hires.published_hires(db, agency.id, ctx.today)
    people = staff_refs(db, [h.cde_id for h in gallery] + [h.cdde_id for h in gallery])
    challenge = challenges.active_challenge(db, agency)
    return Snapshot(
        schema_version=SCHEMA_VERSION,
        generated_at=datetime.now(UTC),
        agency=SnapshotAgency(code=agency.code, name=agency.name, timezone=agency.timezone),
        screen=_PLACEHOLDER_SCREEN,  # each screen's own part is added by _compose
        offers=[_offer(entry, ctx) for entry in entries],
        hires=[
            SnapshotHire(
                id=h.id,
                employer=h.employer,
                title=h.title,
                story=h.story,
                cde_name=people[h.cde_id].name if h.cde_id in people else None,
                cdde_name=people[h.cdde_id].name if h.cdde_id in people else None,
                hired_on=h.hired_on,
                photo_path=f"{PHOTOS_PATH}/{h.id}?v={h.version}"
                if hires.publishable_photo(h)
                else None,
            )
            for h in gallery
        ],
        challenge=_challenge(db, challenge, ctx.today) if challenge else None,
        announcements=[
            SnapshotAnnouncement(
                id=a.id,
                message=a.message,
                urgent=a.urgent,
                starts_at=aware(a.starts_at),
                ends_at=aware(a.ends_at),
            )
            for a in shown_announcements
        ],
        agenda=_agenda(db, agency, public_url),
        criee=criee.ticker(db, agency, public_url, board=entries),
        activity=_activity(db, agency) if with_activity else None,
    )


def _offer(entry: offers.BoardEntry, ctx: offers.OfferContext) -> SnapshotOffer:
    """One open offer as the screen shows it, from the board's row and what it computed."""
    o, u = entry.offer, entry.urgency
    return SnapshotOffer(
        code=o.code,
        title=o.title,
        employer=o.employer,
        contract=o.contract,
        commune=o.commune,
        positions=o.positions - o.positions_filled,  # still to fill, as described
        start_date=o.start_date,
        opened_at=aware(o.opened_at),
        days_open=entry.days_open,
        candidates_count=entry.candidates_count,
        tags=o.tags,
        first_tag=o.tags[0] if o.tags else None,
        urgency=Urgency(level=u.level, label=u.label, overridden=u.overridden),
        qr_url=offers.qr_url(ctx.public_url, o.code),
        is_new=offers.is_new(o.opened_at),
    )


def _plays(screens: list[ScreenPart], scene: PlaylistScene) -> bool:
    """Whether one of ``screens`` has ``scene`` in its playlist. The activity figures cost a
    third of a build; most agencies show no such scene, and adding it to a playlist changes the
    agency's revision, so the next build includes it."""
    return any(entry.get("scene") == scene.value for s in screens for entry in s.playlist)


def _activity(db: Session, agency: Agency) -> SnapshotActivity:
    """The activity scene's figures: collective, month by month; chantiers not yet done."""
    figures = activity.summarise(db, agency)
    return SnapshotActivity(
        month_label=figures.current.month.label,
        months=[
            ActivityMonth(
                month=m.month.key,
                label=m.month.short,
                opened=m.opened.total,
                opened_tpe=m.opened.tpe,
                filled=m.filled.total,
                filled_tpe=m.filled.tpe,
                closed=m.closed.total,
                proposals=m.proposals,
                proposals_hired=m.outcomes["hired"],
                hires=m.hires,
            )
            for m in figures.months
        ],
        fill_days=[
            ActivityFillDays(level=f.level, label=f.label, median_days=f.median, count=f.count)
            for f in figures.fill_days
        ],
        chantiers=[
            ActivityChantier(
                title=c.title,
                kind_label=CHANTIER_KINDS.get(c.kind, c.kind),
                state=c.state,  # type: ignore[arg-type]
                state_label=CHANTIER_STATES.get(c.state, c.state),
            )
            for c in figures.chantiers
            if c.state != "termine"
        ],
    )


def _agenda(db: Session, agency: Agency, public_url: str) -> list[SnapshotEvent]:
    """The next 14 days of the agenda, from midnight today (agency time); no names."""
    start = datetime.combine(
        local_today(agency.timezone), datetime.min.time(), zone(agency.timezone)
    )
    found = agenda.agency_occurrences(db, agency, start, start + agenda.SCREEN_SPAN)
    grouped = agenda.answers(db, found)
    return [
        SnapshotEvent(
            id=o.event.id,
            title=o.event.title,
            kind=o.event.kind,
            kind_label=KIND_LABELS.get(o.event.kind, o.event.kind),
            starts_at=o.starts_at.astimezone(UTC),
            ends_at=o.ends_at.astimezone(UTC),
            place=o.event.place,
            capacity=o.event.capacity,
            counts=agenda.counts(grouped.get(o.key, [])).model_dump(),
            qr_url=public_url.rstrip("/") + agenda.event_path(o.event.id or 0, o.occurs_on),
        )
        for o in found
    ]


def _challenge(db: Session, challenge: Challenge, today: date) -> SnapshotChallenge:
    split = challenges.progress(db, challenge)
    return SnapshotChallenge(
        id=challenge.id,
        title=challenge.title,
        unit=challenge.unit,
        goal=challenge.goal,
        starts_on=challenge.starts_on,
        ends_on=challenge.ends_on,
        days_left=max(0, (challenge.ends_on - today).days),
        total=sum(split.values()),
        by_service=challenges.by_service(split),
        shared=split[challenges.SHARED],
        recent=[
            Contribution(
                service=c.service,
                amount=c.amount,
                label=c.label,
                at=aware(c.created_at),
                shared=c.shared,
            )
            for c in challenges.recent_contributions(db, challenge)
        ],
    )


_PLACEHOLDER_SCREEN = SnapshotScreen(name="-", rotation=0, playlist=[], schedule=[])


def _valid_until(
    agency: Agency, snapshot: Snapshot, next_announcement: datetime | None, now: datetime
) -> datetime:
    """The first instant at which time alone changes what the agency's screens show."""
    zone = ZoneInfo(agency.timezone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    moments = [
        now + MAX_AGE,
        datetime.combine(tomorrow, datetime.min.time(), zone).astimezone(UTC),  # days, défi
        *(o.opened_at + timedelta(hours=offers.NEW_OFFER_HOURS) for o in snapshot.offers),
    ]
    if next_announcement is not None:
        moments.append(next_announcement)
    return min(m for m in moments if m > now)


def _screen_json(screen: ScreenPart, opening_hours: list[dict[str, object]]) -> bytes:
    part = SnapshotScreen(
        name=screen.name,
        rotation=screen.rotation,  # type: ignore[arg-type]
        playlist=[PlaylistEntry(**entry) for entry in screen.playlist],
        schedule=[OpeningSlot(**slot) for slot in (screen.schedule or opening_hours)],  # type: ignore[arg-type]
    )
    return part.model_dump_json().encode()


def _compose(part: AgencyPart, screen_json: bytes) -> CachedSnapshot:
    digest = hashlib.sha256(part.digest.encode() + screen_json).hexdigest()[:32]
    return CachedSnapshot(part, screen_json, f'"{digest}"')


class ScreenKey(Protocol):
    """What the cache needs to know of a screen: which one, and of which agency."""

    id: int
    agency_id: int


class SnapshotCache:
    """Agency parts by agency, and each screen's view of the current part.

    A part holds while its revision is the last one heard of and time has not changed it;
    when changes from other processes cannot be heard (SQLite, a listener reconnecting), only
    while its revision was confirmed in the database less than ``revalidate_s`` ago. Memory:
    one part per agency with a screen, and a few hundred bytes per screen.
    """

    def __init__(
        self,
        broker: ChangeBroker,
        revalidate_s: float = REVALIDATE_S,
        before_build: Callable[[], object] | None = None,
    ) -> None:
        self._broker = broker
        self._revalidate_s = revalidate_s
        # Called before reading the database for a part (api.changes.priority: writes first).
        self._before_build = before_build
        self._lock = threading.Lock()
        self._parts: dict[int, AgencyPart] = {}
        self._screens: dict[int, CachedSnapshot] = {}
        self._building: dict[int, threading.Lock] = {}

    def _current(self, part: AgencyPart | None) -> bool:
        return (
            part is not None
            # Equal, not "at least": a database restored from a backup goes back.
            and part.revision == self._broker.revision(part.agency_id)
            and utcnow() < part.valid_until
            # A process that hears every change (PostgreSQL, listening) need not ask again.
            and (
                self._broker.listening is True
                or time.monotonic() - part.checked_at < self._revalidate_s
            )
        )

    def peek(self, screen_id: int, agency_id: int) -> CachedSnapshot | None:
        """The screen's current view if memory alone can tell it is current (no database).

        None when it cannot (``get`` then asks the database), and for a screen the current
        part does not list (revoked: ``get`` confirms it).
        """
        with self._lock:
            part = self._parts.get(agency_id)
        if not self._current(part):
            return None
        return self._view(part, screen_id)  # type: ignore[arg-type]

    def get(self, db: Session, screen: ScreenKey, public_url: str) -> CachedSnapshot | None:
        """The screen's current view, the agency part rebuilt only when stale; None when the
        screen is no longer one of its agency's live screens (revoked or deleted)."""
        part = self._agency_part(db, screen.agency_id, public_url)
        return self._view(part, screen.id)  # type: ignore[arg-type]

    def _view(self, part: AgencyPart, screen_id: int) -> CachedSnapshot | None:
        screen_json = part.screens.get(screen_id)
        if screen_json is None:
            return None
        with self._lock:
            entry = self._screens.get(screen_id)
        if entry is None or entry.part is not part:
            entry = _compose(part, screen_json)
            with self._lock:
                self._screens[screen_id] = entry
        return entry

    def _agency_part(self, db: Session, agency_id: int, public_url: str) -> AgencyPart:
        with self._lock:
            building = self._building.setdefault(agency_id, threading.Lock())
        with building:  # concurrent requests of one agency wait for one build
            with self._lock:
                part = self._parts.get(agency_id)
            if self._current(part):
                return part  # type: ignore[return-value]
            if self._before_build is not None:
                self._before_build()
            agency = db.get(Agency, agency_id, populate_existing=True)
            assert agency is not None
            self._broker.publish(agency_id, agency.revision)  # news from another process?
            if (
                part is not None
                and part.revision == agency.revision
                and utcnow() < part.valid_until
            ):
                part.checked_at = time.monotonic()  # confirmed: trusted for another while
                return part
            part = build_agency_part(db, agency, public_url)
            with self._lock:
                self._parts[agency_id] = part
            return part
