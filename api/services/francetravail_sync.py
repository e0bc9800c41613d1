"""The periodic France Travail sync: linked offers refreshed, local work never lost.

For each open offer with a France Travail number, the offer is fetched again and mapped as the
new-offer form pre-fills it (``api.francetravail.prefill``). A field France Travail changed
since the last sync (its *baseline*) is written to the offer and journaled « France Travail a
mis à jour … », unless the CDE edited that field in Couloir: then the CDE's text is kept and
the offer's page says what France Travail changed. An offer France Travail no longer knows is
marked « retirée chez France Travail » and its CDE is asked to close it; it is never deleted,
and the urgency override, staff note, tags, proposals and hires are never touched.

One run at a time across every process and host: a PostgreSQL advisory lock held on a
connection of its own (``pg_try_advisory_lock``); on SQLite, a lock on a file beside the
database. The shared ``FranceTravailSync`` row says when the last run ended, so however many
processes wake up, one run happens per interval. When France Travail is down, a run stops at
the first call that fails for good, keeps every offer's last good data, and counts the failure;
the next runs wait longer (twice, then four times the interval), and after ``ALERT_AFTER``
failures in a row the managers' screens page shows an alert.

report = sync_once(engine, settings)  # None when another process is running it or not due
report.updated, report.withdrawn
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from api.clock import aware, utcnow
from api.domain import french
from api.francetravail.client import FranceTravailClient, FranceTravailError, UnexpectedAnswer
from api.francetravail.prefill import prefill_from
from api.models import FranceTravailLink, FranceTravailSync, Offer
from api.models.offer import OfferUpdate
from api.services import audit, francetravail_suggestions
from api.settings import Settings

log = logging.getLogger("couloir.francetravail.sync")

SYNC_LOCK_KEY = 0x636F756C_66747379  # PostgreSQL advisory lock: one sync at a time
STATE_ID = 1
ALERT_AFTER = 3  # failed runs in a row before the managers' screens page says so
BACKOFF_MAX = 4  # after failures, runs wait up to this many intervals
TICK_S = 60.0  # how often each server process asks whether a run is due
# The fields France Travail owns, in the order the notices name them.
FT_FIELDS = ("title", "employer", "contract", "commune", "positions", "description")
FIELD_WORDS = {name: audit.FIELD_LABELS[name] for name in FT_FIELDS}
JOURNAL_LABEL = "France Travail"
ACTION_UPDATE = "ft_update"
ACTION_WITHDRAWN = "ft_withdrawn"
ACTION_BACK = "ft_back"


@dataclass
class SyncReport:
    """What one run did; ``failed`` carries the French reason when France Travail failed."""

    checked: int = 0
    updated: int = 0
    kept: int = 0
    withdrawn: int = 0
    malformed: int = 0
    skipped: int = 0  # edited in Couloir during the run: checked again next time
    suggested: int = 0  # new « À importer » suggestions over every agency
    failed: str | None = None
    offers: list[int] = field(default_factory=list)


# -- the lock -----------------------------------------------------------------------------------
_local_guard = threading.Lock()  # SQLite without a file (in memory): one thread at a time


def _lock_file(engine: Engine) -> Path | None:
    database = engine.url.database or ""
    return None if database in {"", ":memory:"} else Path(database + ".ftsync.lock")


@contextmanager
def run_lock(engine: Engine) -> Iterator[bool]:
    """Yield True when this caller alone may sync now, False when another one is syncing.

    PostgreSQL: a session advisory lock on a connection kept for the run (no transaction stays
    open meanwhile), released at the end or by PostgreSQL if the process dies. SQLite: an
    exclusive ``flock`` on a file beside the database (every process on the host sees it).
    """
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        try:
            got = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": SYNC_LOCK_KEY}
                ).scalar()
            )
            connection.commit()
            try:
                yield got
            finally:
                if got:
                    try:
                        connection.execute(
                            text("SELECT pg_advisory_unlock(:key)"), {"key": SYNC_LOCK_KEY}
                        )
                        connection.commit()
                    except Exception:  # the lock must not go back to the pool with it
                        connection.invalidate()
                        raise
        finally:
            connection.close()
        return
    path = _lock_file(engine)
    if path is None:
        got = _local_guard.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                _local_guard.release()
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# -- the shared state ---------------------------------------------------------------------------
def state(db: Session) -> FranceTravailSync | None:
    """The sync's shared state, or None before the first run."""
    return db.get(FranceTravailSync, STATE_ID)


def next_run_at(current: FranceTravailSync | None, interval: timedelta) -> datetime | None:
    """When the next run is due: None at once; later after failures (backoff)."""
    if current is None or current.finished_at is None:
        return None
    factor = min(2**current.failures, BACKOFF_MAX) if current.failures else 1
    return aware(current.finished_at) + interval * factor


def alert(current: FranceTravailSync | None, timezone: str | None = None) -> str | None:
    """The managers' alert in French once ``ALERT_AFTER`` runs failed in a row, else None."""
    if current is None or current.failures < ALERT_AFTER:
        return None
    since = current.failing_since or current.finished_at
    when = french_moment(since, timezone) if since else "plusieurs essais"
    last = (
        f" Dernière synchronisation réussie : {french_moment(current.last_success_at, timezone)}."
        if current.last_success_at
        else ""
    )
    return (
        f"La synchronisation des offres avec France Travail échoue depuis {when} "
        f"({current.failures} essais) : {current.message or 'raison inconnue'}. Les offres "
        f"gardent leurs dernières informations ; Couloir réessaie tout seul.{last}"
    )


def french_moment(moment: datetime, timezone: str | None) -> str:
    """« dim. 29 nov. à 21 h 05 » in the agency's time."""
    from api.clock import zone

    local = aware(moment).astimezone(zone(timezone))
    return f"{french.short_date(local.date())} à {french.hour_minute(local)}"


def _begin(engine: Engine, now: datetime) -> None:
    with Session(engine) as db:
        current = state(db) or FranceTravailSync(id=STATE_ID)
        current.started_at = now
        db.add(current)
        db.commit()


def _finish(engine: Engine, report: SyncReport, now: datetime) -> None:
    with Session(engine) as db:
        current = state(db) or FranceTravailSync(id=STATE_ID)
        current.finished_at = now
        current.checked, current.updated = report.checked, report.updated
        current.withdrawn, current.malformed = report.withdrawn, report.malformed
        if report.failed:
            if not current.failures:
                current.failing_since = now
            current.failures += 1
            current.message = report.failed[:300]
        else:
            current.failures, current.failing_since, current.message = 0, None, ""
            current.last_success_at = now
        db.add(current)
        db.commit()


# -- one offer ----------------------------------------------------------------------------------
def _mapped(upstream: dict[str, Any]) -> dict[str, Any]:
    """France Travail's values for the fields it owns; fields it did not give are left out.

    Raises ValueError (or a subclass) when the offer cannot be read as an offer at all.
    """
    prefill = prefill_from(upstream)
    values = {name: getattr(prefill, name) for name in FT_FIELDS}
    if not prefill.ft_offer_id:
        raise ValueError("offer without an id")
    # A field France Travail left empty is not a change: the offer keeps its text.
    values = {k: v for k, v in values.items() if v not in ("", None)}
    if values.get("contract") == "autre" and not upstream.get("typeContrat"):
        values.pop("contract")
    # Cleaned as a CDE's edit is (spaces, line ends), so an unchanged text compares equal;
    # raises ValidationError for what an offer may not hold.
    return OfferUpdate.model_validate(values).model_dump(exclude_unset=True)


def _local(offer: Offer, name: str) -> Any:
    return getattr(offer, name)


def _position_fits(offer: Offer, positions: int) -> bool:
    filled = offer.positions_filled
    # As ``offers._check_positions``: never fewer than filled, never all filled while open.
    return positions >= filled and not (offer.status == "open" and filled and positions == filled)


def _refresh(db: Session, offer: Offer, upstream: dict[str, Any] | None, now: datetime) -> str:
    """Apply France Travail's answer to one offer; return what happened (for the report)."""
    link = db.get(FranceTravailLink, offer.id)
    if upstream is None:
        if link is None:
            link = FranceTravailLink(offer_id=offer.id, baseline={}, checked_at=now)
        link.checked_at = now
        outcome = "unchanged"
        if link.withdrawn_at is None:
            link.withdrawn_at = now
            audit.record(db, None, ACTION_WITHDRAWN, offer, before=None, actor_label=JOURNAL_LABEL)
            outcome = "withdrawn"
        db.add(link)
        db.commit()
        return outcome
    values = _mapped(upstream) | {"id": offer.ft_offer_id}
    ft_updated = str(upstream.get("dateActualisation") or "")[:40]
    if link is not None and link.baseline.get("id") != offer.ft_offer_id:
        # Never read (first seen withdrawn) or linked to another number since: start afresh.
        if link.withdrawn_at is not None:
            audit.record(db, None, ACTION_BACK, offer, before=None, actor_label=JOURNAL_LABEL)
        db.delete(link)
        db.flush()
        link = None
    if link is None:
        # First sight (linked before the sync existed, or just linked): what the CDE confirmed
        # stays; France Travail's values of today are the baseline later changes are seen from.
        db.add(
            FranceTravailLink(
                offer_id=offer.id, baseline=values, ft_updated=ft_updated, checked_at=now
            )
        )
        db.commit()
        return "unchanged"
    outcome = "unchanged"
    if link.withdrawn_at is not None:  # back on France Travail's site
        link.withdrawn_at = None
        audit.record(db, None, ACTION_BACK, offer, before=None, actor_label=JOURNAL_LABEL)
    changed = {k: v for k, v in values.items() if k in FT_FIELDS and link.baseline.get(k) != v}
    applied: dict[str, Any] = {}
    kept: list[str] = []
    for name, value in changed.items():
        # A field France Travail gave no value for before was the CDE's to write: theirs stays.
        untouched = name in link.baseline and _local(offer, name) == link.baseline[name]
        if name == "positions" and not _position_fits(offer, value):
            untouched = False
        if _local(offer, name) == value:
            continue  # the CDE already wrote what France Travail now says
        if untouched:
            applied[name] = value
        else:
            kept.append(name)
    if applied:
        before = audit.state_of(offer)
        for name, value in applied.items():
            setattr(offer, name, value)
        offer.version += 1
        offer.updated_at = now
        audit.record(db, None, ACTION_UPDATE, offer, before=before, actor_label=JOURNAL_LABEL)
        outcome = "updated"
    if applied or kept:
        link.changed_at = now
        link.updated_fields = [n for n in FT_FIELDS if n in applied]
        link.kept_fields = [n for n in FT_FIELDS if n in kept]
        if not applied:
            outcome = "kept"
    link.baseline = {**link.baseline, **values}
    link.ft_updated = ft_updated
    link.checked_at = now
    db.add(link)
    db.commit()
    return outcome


def linked_offers(db: Session) -> list[tuple[int, str]]:
    """(offer id, France Travail number) of every open linked offer, oldest check first."""
    rows = db.exec(
        select(Offer.id, Offer.ft_offer_id, FranceTravailLink.checked_at)
        .join(FranceTravailLink, col(FranceTravailLink.offer_id) == Offer.id, isouter=True)
        .where(col(Offer.ft_offer_id).is_not(None), Offer.status == "open")
        .order_by(col(FranceTravailLink.checked_at).asc().nulls_first(), col(Offer.id))
    ).all()
    return [(int(i), str(n)) for i, n, _ in rows if i is not None and n]


def sync_linked(
    engine: Engine,
    client: FranceTravailClient,
    now: datetime | None = None,
    stop: threading.Event | None = None,
) -> SyncReport:
    """Refresh every open linked offer (no lock, no due check: ``sync_once`` does those).

    ``stop`` set (the server is shutting down) ends the run after the current offer; the
    offers not reached are the first ones checked next time.
    """
    report = SyncReport()
    with Session(engine, expire_on_commit=False) as db:
        todo = linked_offers(db)
    for offer_id, number in todo:
        if stop is not None and stop.is_set():
            break
        try:
            upstream = client.offer(number)
        except UnexpectedAnswer:
            log.warning("France Travail offer %s: unreadable answer, offer kept as it is", number)
            report.malformed += 1
            continue
        except FranceTravailError as exc:
            log.warning("France Travail sync stopped at offer %s: %s", number, exc.message)
            report.failed = exc.message
            break
        report.checked += 1
        with Session(engine, expire_on_commit=False) as db:
            offer = db.get(Offer, offer_id)
            if offer is None or offer.ft_offer_id != number or offer.status != "open":
                continue  # deleted, unlinked or closed meanwhile
            try:
                outcome = _refresh(db, offer, upstream, now or utcnow())
            except (ValueError, TypeError, AttributeError, ValidationError):
                db.rollback()
                log.warning("France Travail offer %s: unreadable fields, offer kept", number)
                report.malformed += 1
                continue
            except StaleDataError:  # a CDE saved this offer during the run: next time
                db.rollback()
                report.skipped += 1
                continue
        if outcome == "updated":
            report.updated += 1
            report.offers.append(offer_id)
        elif outcome == "kept":
            report.kept += 1
            report.offers.append(offer_id)
        elif outcome == "withdrawn":
            report.withdrawn += 1
            report.offers.append(offer_id)
    return report


def sync_client(settings: Settings) -> FranceTravailClient:
    """The sync's own client: more patient than the phone's preview (retries, longer waits)."""
    return FranceTravailClient.from_settings(settings)


def enabled(settings: Settings) -> bool:
    """True when credentials are set and the interval is not 0."""
    return bool(
        settings.france_travail_client_id
        and settings.france_travail_client_secret
        and settings.france_travail_sync_minutes
    )


def sync_once(
    engine: Engine,
    settings: Settings,
    *,
    force: bool = False,
    client: FranceTravailClient | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
) -> SyncReport | None:
    """Run one sync if it is due (or ``force``) and no one else is running it; else None."""
    with run_lock(engine) as mine:
        if not mine:
            log.debug("France Travail sync already running elsewhere")
            return None
        start = now or utcnow()
        if not force:
            with Session(engine) as db:
                due = next_run_at(
                    state(db), timedelta(minutes=settings.france_travail_sync_minutes)
                )
            if due is not None and due > start:
                return None
        _begin(engine, start)
        own_client = client is None
        report = SyncReport()
        try:
            client = client or sync_client(settings)
            report = sync_linked(engine, client, now, stop)
            if not report.failed and not (stop is not None and stop.is_set()):
                with Session(engine) as db:
                    filed = francetravail_suggestions.refresh_all(db, client)
                report.suggested = sum(f.new for f in filed.values())
        except FranceTravailError as exc:  # not configured, credentials refused…
            report.failed = exc.message
        finally:
            if own_client and client is not None:
                client.close()
            _finish(engine, report, now or utcnow())
        log.info(
            "France Travail sync: %d checked, %d updated, %d kept, %d withdrawn, %d unreadable, "
            "%d suggested%s",
            report.checked,
            report.updated,
            report.kept,
            report.withdrawn,
            report.malformed,
            report.suggested,
            f", failed: {report.failed}" if report.failed else "",
        )
        return report


async def run_periodically(engine: Engine, settings: Settings, tick_s: float = TICK_S) -> None:
    """Every ``tick_s`` seconds, run the sync in a worker thread when it is due, until cancelled.

    Every server process runs this loop; the lock and the shared state make one run happen
    per interval across all of them.
    """
    stop = threading.Event()
    try:
        while True:
            await asyncio.sleep(tick_s)
            try:
                await asyncio.to_thread(sync_once, engine, settings, stop=stop)
            except Exception:  # database away: the next tick tries again
                log.warning("France Travail sync failed", exc_info=True)
    finally:
        stop.set()  # a run in its thread ends after its current offer


# -- what staff are told ------------------------------------------------------------------------
NOTICE_DAYS = 14  # an upstream change is pointed out on the offer's page this long


@dataclass(frozen=True)
class Notice:
    """What the offer's page tells its agency's staff about France Travail's side."""

    withdrawn_at: datetime | None
    changed_at: datetime | None
    updated: list[str]  # field names in French, applied to the offer
    kept: list[str]  # changed upstream, the CDE's own text kept


def notice(db: Session, offer: Offer, now: datetime | None = None) -> Notice | None:
    """The offer's France Travail notice, or None when there is nothing to tell."""
    if not offer.ft_offer_id or offer.id is None:
        return None
    link = db.get(FranceTravailLink, offer.id)
    if link is None:
        return None
    recent = link.changed_at is not None and aware(link.changed_at) > (now or utcnow()) - (
        timedelta(days=NOTICE_DAYS)
    )
    if link.withdrawn_at is None and not recent:
        return None
    return Notice(
        withdrawn_at=link.withdrawn_at,
        changed_at=link.changed_at if recent else None,
        updated=[FIELD_WORDS[n] for n in link.updated_fields if n in FIELD_WORDS] if recent else [],
        kept=[FIELD_WORDS[n] for n in link.kept_fields if n in FIELD_WORDS] if recent else [],
    )


def managers_alert(db: Session, settings: Settings, timezone: str | None) -> str | None:
    """The screens page's alert when the sync keeps failing (None without credentials or fine).

    Not tied to the interval: runs started by ``couloir sync francetravail`` count too.
    """
    configured = settings.france_travail_client_id and settings.france_travail_client_secret
    return alert(state(db), timezone) if configured else None
