"""Server-side staff sessions: a random token in a cookie or a bearer header; its hash in the DB."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select, update

from api.clock import utcnow
from api.domain.codes import new_token, token_hash
from api.models import Agency, Staff, StaffSession

COOKIE_NAME = "couloir_session"


def open_session(db: Session, staff: Staff, *, kind: str, days: int) -> str:
    """Create a session for ``staff``; return the raw token (shown once)."""
    token = new_token()
    db.add(
        StaffSession(
            token_hash=token_hash(token),
            staff_id=staff.id,
            kind=kind,
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    db.commit()
    return token


def staff_for_token(db: Session, token: str) -> Staff | None:
    """The active staff member a live session token belongs to, or None."""
    found = staff_and_agency_for_token(db, token)
    return found[0] if found else None


# Read by every staff request: built once, the token's hash bound at execution.
_SESSION_OWNER = (
    select(Staff, StaffSession, Agency)
    .join(StaffSession, col(StaffSession.staff_id) == col(Staff.id))
    .join(Agency, col(Agency.id) == col(Staff.agency_id))
    .where(StaffSession.token_hash == bindparam("token_hash"))
)


def staff_and_agency_for_token(db: Session, token: str) -> tuple[Staff, Agency] | None:
    """The active staff member of a live session token and their agency, in one query."""
    if not token or len(token) > 200:
        return None
    row = db.exec(_SESSION_OWNER, params={"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    staff, session, agency = row
    if session.revoked or session.expires_at < utcnow() or not staff.active:
        return None
    return staff, agency


def close_session(db: Session, token: str) -> None:
    """Revoke one session (logout)."""
    db.exec(
        update(StaffSession)
        .where(col(StaffSession.token_hash) == token_hash(token))
        .values(revoked=True)
    )
    db.commit()


def close_all_sessions(db: Session, staff_id: int) -> None:
    """Revoke every session of a staff member (deactivation, password reset)."""
    db.exec(update(StaffSession).where(col(StaffSession.staff_id) == staff_id).values(revoked=True))
