"""Login throttling: at most 5 password checks per account (or unknown e-mail) in 15 minutes.

Counting and recording an attempt is one step, serialized per e-mail by the database itself, so
the limit holds however many guesses race, in one process or several sharing the database: the
attempt's row is written, the attempts of the window are counted (its own included) and the row
is kept only when the count is within the limit. PostgreSQL serializes with an advisory lock on
the e-mail; SQLite with its single writer lock, which the row's INSERT takes. A refused attempt
leaves no row (it checked nothing, and hammering must not push the end of the lock further); a
successful login clears the account's rows.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlmodel import Session, col, delete, func, select

from api.clock import utcnow
from api.db import serialize_on
from api.errors import Throttled
from api.models import LoginFailure

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def _lock_key(email: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory lock on this e-mail."""
    return int.from_bytes(hashlib.sha256(email.encode()).digest()[:8], "big", signed=True)


def start_attempt(db: Session, email: str) -> int:
    """Record an attempt for ``email``; return its id, or raise Throttled (with seconds to wait).

    The row stays as a failure unless ``clear_failures`` (success) or ``cancel_attempt``
    (the password could not be checked) removes it.
    """
    serialize_on(db, _lock_key(email))
    attempt = LoginFailure(email=email)
    db.add(attempt)
    db.flush()  # SQLite: the INSERT takes the writer lock, held until commit or rollback
    attempt_id = attempt.id
    assert attempt_id is not None
    now = utcnow()
    count, oldest = db.exec(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.email == email, col(LoginFailure.at) > now - WINDOW
        )
    ).one()
    if count > MAX_FAILURES:
        db.rollback()
        wait = int(((oldest or now) + WINDOW - now).total_seconds()) + 1
        raise Throttled(
            f"Trop de tentatives : réessayez dans {max(1, wait // 60 + 1)} minute(s).",
            retry_after=max(1, wait),
        )
    db.commit()
    return attempt_id


def cancel_attempt(db: Session, attempt_id: int) -> None:
    """Forget one attempt whose password was never checked."""
    db.exec(delete(LoginFailure).where(col(LoginFailure.id) == attempt_id))
    db.commit()


def clear_failures(db: Session, email: str) -> None:
    """Forget failures after a successful login."""
    db.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))
    db.commit()
