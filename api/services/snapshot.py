"""Builds the snapshot a screen shows (api.contract) and its ETag, cached per screen."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from api.clock import aware, utcnow
from api.contract import (
    SCHEMA_VERSION,
    Contribution,
    OpeningSlot,
    PlaylistEntry,
    Snapshot,
    SnapshotAgency,
    SnapshotAnnouncement,
    SnapshotChallenge,
    SnapshotHire,
    SnapshotOffer,
    SnapshotScreen,
    Urgency,
)
from api.events import broker
from api.models import Agency, Challenge, Screen
from api.services import announcements, challenges, hires, offers
from api.services.common import staff_refs


def build(db: Session, screen: Screen, public_url: str) -> Snapshot:
    """Everything ``screen`` needs right now, from the database."""
    agency = db.get(Agency, screen.agency_id)
    assert agency is not None
    ctx = offers.OfferContext.for_agency(agency, public_url)
    board = offers.list_offers(db, agency.id, ctx, status="open")
    gallery = hires.published_hires(db, agency.id, ctx.today)
    people = staff_refs(db, [h.cde_id for h in gallery] + [h.cdde_id for h in gallery])
    challenge = challenges.active_challenge(db, agency)
    schedule = screen.schedule or agency.opening_hours
    return Snapshot(
        schema_version=SCHEMA_VERSION,
        generated_at=datetime.now(UTC),
        agency=SnapshotAgency(code=agency.code, name=agency.name, timezone=agency.timezone),
        screen=SnapshotScreen(
            name=screen.name,
            rotation=screen.rotation,  # type: ignore[arg-type]
            playlist=[PlaylistEntry(**entry) for entry in screen.playlist],
            schedule=[OpeningSlot(**slot) for slot in schedule],
        ),
        offers=[
            SnapshotOffer(
                code=o.code,
                title=o.title,
                employer=o.employer,
                contract=o.contract,
                commune=o.commune,
                positions=o.positions,
                start_date=o.start_date,
                opened_at=aware(o.opened_at),
                days_open=o.days_open,
                candidates_count=o.candidates_count,
                tags=o.tags,
                urgency=Urgency(**o.urgency.model_dump()),
                qr_url=o.qr_url,
                is_new=offers.is_new(o.opened_at),
            )
            for o in board
        ],
        hires=[
            SnapshotHire(
                id=h.id,
                employer=h.employer,
                title=h.title,
                story=h.story,
                cde_name=people[h.cde_id].name if h.cde_id in people else None,
                cdde_name=people[h.cdde_id].name if h.cdde_id in people else None,
                hired_on=h.hired_on,
                photo_path=f"/api/v1/display/photos/{h.id}?v={h.version}"
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
            for a in announcements.list_announcements(db, agency.id, active_only=True)
        ],
    )


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
        by_service=split,
        recent=[
            Contribution(service=c.service, amount=c.amount, label=c.label, at=aware(c.created_at))
            for c in challenges.recent_contributions(db, challenge)
        ],
    )


def etag_of(snapshot: Snapshot) -> str:
    """A strong ETag over the content (the generation time left out)."""
    body = snapshot.model_dump_json(exclude={"generated_at"})
    return '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class CachedSnapshot:
    key: tuple[int, int, str]
    etag: str
    body: bytes


class SnapshotCache:
    """Per-screen cache keyed by the agency's revision and the current minute.

    Time alone changes a snapshot (days open, announcement periods), so entries live at
    most one minute; a committed change bumps the revision and invalidates at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, CachedSnapshot] = {}

    @staticmethod
    def _key(agency_id: int, screen_version: int) -> tuple[int, int, str]:
        return (broker.revision(agency_id), screen_version, utcnow().strftime("%Y%m%d%H%M"))

    def peek(self, screen_id: int, agency_id: int, screen_version: int) -> CachedSnapshot | None:
        """The cached entry if still current, without touching the database."""
        with self._lock:
            entry = self._entries.get(screen_id)
        if entry is not None and entry.key == self._key(agency_id, screen_version):
            return entry
        return None

    def get(self, db: Session, screen: Screen, public_url: str) -> CachedSnapshot:
        """The current (etag, JSON body) for ``screen``, rebuilt only when stale."""
        key = self._key(screen.agency_id, screen.version)
        with self._lock:
            entry = self._entries.get(screen.id)
        if entry is not None and entry.key == key:
            return entry
        snapshot = build(db, screen, public_url)
        entry = CachedSnapshot(
            key=key, etag=etag_of(snapshot), body=snapshot.model_dump_json().encode()
        )
        with self._lock:
            self._entries[screen.id] = entry
        return entry
