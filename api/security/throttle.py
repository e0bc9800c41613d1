"""Login throttling: at most 5 password checks per account (or unknown e-mail) in 15 minutes.

Each attempt is written to the database *before* its password is checked, then counted with the
attempts already there. Counting after one's own row is committed makes the limit hold however
many requests race, in one process or several sharing the database (SQLite or PostgreSQL): of
any set of attempts, the one that counts last sees all the others, so a sixth can never be let
through while five are in the table. A refused attempt removes its row (it checked nothing, and
hammering must not push the end of the lock further); a successful login clears the account's.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, delete, func, select

from api.clock import utcnow
from api.errors import Throttled
from api.models import LoginFailure

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def start_attempt(db: Session, email: str) -> int:
    """Record an attempt for ``email``; return its id, or raise Throttled (with seconds to wait).

    The row stays as a failure unless ``clear_failures`` (success) or ``cancel_attempt``
    (the password could not be checked) removes it.
    """
    attempt = LoginFailure(email=email)
    db.add(attempt)
    db.commit()
    assert attempt.id is not None
    now = utcnow()
    count, oldest = db.exec(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.email == email, col(LoginFailure.at) > now - WINDOW
        )
    ).one()
    if count > MAX_FAILURES:
        cancel_attempt(db, attempt.id)
        wait = int(((oldest or now) + WINDOW - now).total_seconds()) + 1
        raise Throttled(
            f"Trop de tentatives : réessayez dans {max(1, wait // 60 + 1)} minute(s).",
            retry_after=max(1, wait),
        )
    return attempt.id


def cancel_attempt(db: Session, attempt_id: int) -> None:
    """Forget one attempt whose password was never checked."""
    db.exec(delete(LoginFailure).where(col(LoginFailure.id) == attempt_id))
    db.commit()


def clear_failures(db: Session, email: str) -> None:
    """Forget failures after a successful login."""
    db.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))
    db.commit()
