"""La criée by e-mail, every Monday morning, to the agency's staff.

From ``COULOIR_CRIEE_SEND_HOUR`` on Monday (the agency's time), the issue of the week just ended
is due. Every server process checks every few minutes (``run_periodically``); the first to insert
the week's ``CrieeMailing`` row sends it, the others see the row and do nothing, so a network of
processes and hosts on one database sends each issue once. A failed send (server away, login
refused) is tried again every ``RETRY_AFTER``, ``MAX_ATTEMPTS`` times at most, and the row says
why in French for the managers' page. A week with nothing to cry is not sent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, update

from api.clock import aware, utcnow, zone
from api.mail import criee as criee_mail
from api.mail import smtp
from api.models import Agency, CrieeMailing, Staff
from api.services import criee
from api.settings import Settings

log = logging.getLogger("couloir.criee_mailing")

INTERVAL_S = 300.0
RETRY_AFTER = timedelta(minutes=30)
MAX_ATTEMPTS = 5
# A claim still « sending » after this long belongs to a process that died mid-send.
STUCK_AFTER = timedelta(hours=1)
PHOTO_PX = 240  # side of the inline photos: sharp at 120 CSS px on a phone, light to send
NOTHING_TO_CRY = "rien à crier cette semaine (ni embauche, ni offre urgente, ni témoignage)"


def due_week(agency: Agency, now: datetime, send_hour: int) -> criee.Week | None:
    """The week whose issue is due for ``agency`` at ``now``: the week just ended, on Mondays
    from ``send_hour`` (agency's time) to midnight; None on other days and earlier."""
    local = aware(now).astimezone(zone(agency.timezone))
    if local.weekday() != 0 or local.hour < send_hour:
        return None
    return criee.week_of(local.date()).previous()


def _may_retry(mailing: CrieeMailing, now: datetime) -> bool:
    waited = now - aware(mailing.claimed_at)
    if mailing.state == "failed":
        return mailing.attempts < MAX_ATTEMPTS and waited >= RETRY_AFTER
    return mailing.state == "sending" and waited >= STUCK_AFTER


def claim(db: Session, agency_id: int, week: criee.Week, now: datetime) -> CrieeMailing | None:
    """Take the sending of ``week`` for the agency, or None when another process has it, it was
    sent, or its retries are spent. Committed at once: the claim is what other processes see."""
    found = db.exec(
        select(CrieeMailing).where(
            CrieeMailing.agency_id == agency_id, CrieeMailing.week == week.key
        )
    ).first()
    if found is None:
        mailing = CrieeMailing(agency_id=agency_id, week=week.key, state="sending", claimed_at=now)
        db.add(mailing)
        try:
            db.commit()
        except IntegrityError:  # another process inserted it first
            db.rollback()
            return None
        return mailing
    if not _may_retry(found, now):
        return None
    # Compare-and-set on the attempt count: of two processes retrying at once, one wins.
    taken = db.exec(
        update(CrieeMailing)
        .where(
            col(CrieeMailing.id) == found.id,
            col(CrieeMailing.attempts) == found.attempts,
            col(CrieeMailing.state) == found.state,
        )
        .values(state="sending", attempts=found.attempts + 1, claimed_at=now, error="")
    )
    db.commit()
    if taken.rowcount != 1:
        return None
    db.refresh(found)
    return found


def recipients(db: Session, agency_id: int) -> list[str]:
    """The addresses of the agency's active staff, in a stable order."""
    return list(
        db.exec(
            select(Staff.email)
            .where(Staff.agency_id == agency_id, col(Staff.active))
            .order_by(col(Staff.email))
        )
    )


def _finish(db: Session, mailing: CrieeMailing, **values: object) -> CrieeMailing:
    for name, value in values.items():
        setattr(mailing, name, value)
    db.add(mailing)
    db.commit()
    return mailing


def send_issue(
    db: Session,
    settings: Settings,
    agency: Agency,
    week: criee.Week,
    mailing: CrieeMailing,
    now: datetime,
) -> CrieeMailing:
    """Compose and send ``week``'s issue to the agency's staff under the ``mailing`` claim;
    record what happened on it."""
    today = aware(now).astimezone(zone(agency.timezone)).date()
    issue = criee.compose(
        db, agency, week, public_url=settings.public_url, now=now, agenda_from=today
    )
    if issue.empty:
        return _finish(db, mailing, state="skipped", error=NOTHING_TO_CRY)
    addresses = recipients(db, agency.id)  # type: ignore[arg-type]
    photos = criee.issue_photos(db, issue, PHOTO_PX)
    messages = [
        criee_mail.message(
            issue,
            sender=settings.smtp_sender,
            recipient=address,
            public_url=settings.public_url,
            photos=photos,
        )
        for address in addresses
    ]
    try:
        result = smtp.send(settings, messages)
    except smtp.MailError as exc:
        log.warning("criée %s for agency %s not sent: %s", week.key, agency.id, exc)
        return _finish(db, mailing, state="failed", error=str(exc)[:300])
    refused = ""
    if result.refused:
        refused = f"adresses refusées par le serveur : {', '.join(result.refused)}"[:300]
    log.info("criée %s for agency %s sent to %d", week.key, agency.id, result.accepted)
    return _finish(
        db, mailing, state="sent", recipients=result.accepted, error=refused, sent_at=utcnow()
    )


@dataclass(frozen=True)
class Outcome:
    """What one pass did for one agency."""

    agency_id: int
    week: str
    state: str
    recipients: int


def send_due(engine: Engine, settings: Settings, now: datetime | None = None) -> list[Outcome]:
    """Send every agency's due issue that no process has taken yet; return what was done."""
    if not smtp.configured(settings):
        return []
    now = now or utcnow()
    done: list[Outcome] = []
    with Session(engine, expire_on_commit=False) as db:
        for agency in db.exec(select(Agency).order_by(col(Agency.id))).all():
            week = due_week(agency, now, settings.criee_send_hour)
            if week is None or agency.id is None:
                continue
            mailing = claim(db, agency.id, week, now)
            if mailing is None:
                continue
            mailing = send_issue(db, settings, agency, week, mailing, now)
            done.append(Outcome(agency.id, week.key, mailing.state, mailing.recipients))
    return done


def last_mailing(db: Session, agency_id: int, week: criee.Week) -> CrieeMailing | None:
    """The e-mailing of ``week``'s issue, for the managers' page."""
    return db.exec(
        select(CrieeMailing).where(
            CrieeMailing.agency_id == agency_id, CrieeMailing.week == week.key
        )
    ).first()


async def run_periodically(
    engine: Engine, settings: Settings, interval_s: float = INTERVAL_S
) -> None:
    """Check every ``interval_s`` seconds, in a worker thread, until cancelled."""
    while True:
        try:
            await asyncio.to_thread(send_due, engine, settings)
        except Exception:  # database away, disk full: the next pass tries again
            log.warning("criée e-mailing pass failed", exc_info=True)
        await asyncio.sleep(interval_s)
