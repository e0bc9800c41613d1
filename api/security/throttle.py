"""Login throttling: after 5 failures for an account within 15 minutes, refuse until it passes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, delete, func, select

from api.clock import utcnow
from api.errors import Throttled
from api.models import LoginFailure

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def check_not_throttled(db: Session, email: str) -> None:
    """Raise Throttled (with seconds to wait) when ``email`` has too many recent failures."""
    since = utcnow() - WINDOW
    count, oldest = db.exec(
        select(func.count(), func.min(LoginFailure.at)).where(
            LoginFailure.email == email, col(LoginFailure.at) > since
        )
    ).one()
    if count >= MAX_FAILURES and oldest is not None:
        wait = int((oldest + WINDOW - utcnow()).total_seconds()) + 1
        raise Throttled(
            f"Trop de tentatives : réessayez dans {max(1, wait // 60 + 1)} minute(s).",
            retry_after=max(1, wait),
        )


def record_failure(db: Session, email: str) -> None:
    """Remember one failed attempt for ``email``."""
    db.add(LoginFailure(email=email))
    db.commit()


def clear_failures(db: Session, email: str) -> None:
    """Forget failures after a successful login."""
    db.exec(delete(LoginFailure).where(col(LoginFailure.email) == email))
    db.commit()
