"""Staff accounts and logging in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select, update

from api.clock import utcnow
from api.domain.permissions import account_change_refusal
from api.errors import Conflict, Forbidden, NotFound, Throttled, Unauthorized
from api.models import Agency, AuditEvent, Staff
from api.models.staff import StaffCreate, StaffUpdate
from api.security import password_policy, passwords, sessions, throttle
from api.services import agencies, audit
from api.services.common import apply_changes, check_version, get_scoped

BAD_LOGIN = "E-mail ou mot de passe incorrect."
EMAIL_TAKEN = (
    "Cette adresse e-mail sert déjà d'identifiant à un compte, dans cette agence ou une autre : "
    "choisissez-en une autre."
)
REFUSED_CREATION = "refuse_create"
DEFAULT_NEW_ROLE = "cdde"  # what the account form proposes first: the most common, least rights
MAX_REFUSED_CREATIONS = 5
REFUSAL_WINDOW = timedelta(hours=1)


def get_agency(db: Session, code: str) -> Agency:
    """The agency with this code, or NotFound."""
    agency = db.exec(select(Agency).where(Agency.code == code)).first()
    if agency is None:
        raise NotFound(f"Agence inconnue : {code}")
    return agency


def agency_of(db: Session, staff: Staff) -> Agency:
    """The agency a staff member belongs to (always one: a foreign key)."""
    return agencies.get_agency(db, staff.agency_id)


def get_staff(db: Session, agency_id: int, staff_id: int) -> Staff:
    """One account of this agency, or NotFound."""
    return get_scoped(db, Staff, staff_id, agency_id, "Compte")


def list_staff(db: Session, agency_id: int) -> list[Staff]:
    """The agency's accounts, by name."""
    return list(
        db.exec(select(Staff).where(Staff.agency_id == agency_id).order_by(col(Staff.name)))
    )


def create_staff(db: Session, actor: Staff | None, agency_id: int, data: StaffCreate) -> Staff:
    """Create an account; e-mails are unique across agencies (``actor`` None: the CLI)."""
    if actor is not None:
        refusal = account_change_refusal(actor, None, new_role=data.role)
        if refusal:
            raise Forbidden(refusal, field="role")
        _check_email_free(db, actor, data)
    elif db.exec(select(Staff.id).where(Staff.email == data.email)).first() is not None:
        raise Conflict(EMAIL_TAKEN, field="email")
    staff = Staff(
        agency_id=agency_id,
        name=data.name,
        email=data.email,
        role=data.role,
        password_hash=passwords.hash_password(data.password),
    )
    db.add(staff)
    try:
        db.flush()
    except IntegrityError:  # the same address created at the same instant by someone else
        db.rollback()
        raise Conflict(EMAIL_TAKEN, field="email") from None
    audit.record(db, actor, "create", staff, actor_label=None if actor else "ligne de commande")
    db.commit()
    db.refresh(staff)
    return staff


def _check_email_free(db: Session, actor: Staff, data: StaffCreate) -> None:
    """Refuse an e-mail already used anywhere, in words that never say which agency uses it.

    The e-mail is the login across agencies, so a refusal necessarily tells that the address
    exists somewhere. To keep that from becoming a directory of other agencies, a manager gets
    at most ``MAX_REFUSED_CREATIONS`` refusals per ``REFUSAL_WINDOW``, after which every creation
    is refused with 429 (even of a free address, which would otherwise tell the two apart). Each
    refusal is a journal row: the count lives in the database, so it holds across server
    processes, and the agency's journal shows the probing. Admins see every agency anyway.
    """
    limited = actor.role != "admin"
    if limited:
        # Serialise this actor's attempts (row lock on PostgreSQL, write lock on SQLite) so that
        # parallel requests cannot all read the count before any of them records a refusal.
        db.exec(update(Staff).where(col(Staff.id) == actor.id).values(version=Staff.version))
        since = utcnow() - REFUSAL_WINDOW
        count, oldest = db.exec(
            select(func.count(), func.min(AuditEvent.at)).where(
                AuditEvent.actor_id == actor.id,
                AuditEvent.action == REFUSED_CREATION,
                col(AuditEvent.at) > since,
            )
        ).one()
        if count >= MAX_REFUSED_CREATIONS and oldest is not None:
            db.commit()
            wait = max(1, int((oldest + REFUSAL_WINDOW - utcnow()).total_seconds()) + 1)
            raise Throttled(
                "Trop de créations de compte refusées : réessayez dans "
                f"{wait // 60 + 1} minute(s).",
                retry_after=wait,
            )
    if db.exec(select(Staff.id).where(Staff.email == data.email)).first() is not None:
        attempt = Staff(
            agency_id=actor.agency_id,
            name=data.name,
            email=data.email,
            role=data.role,
            password_hash="",
        )
        audit.record(db, actor, REFUSED_CREATION, attempt)
        db.commit()
        raise Conflict(EMAIL_TAKEN, field="email")
    if limited:
        db.commit()  # release the lock before the slow password hash


def update_staff(db: Session, actor: Staff, staff: Staff, data: StaffUpdate) -> Staff:
    """Rename, change role, deactivate or reset the password of an account."""
    check_version(staff, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "password"})
    refusal = account_change_refusal(
        actor, staff, new_role=changes.get("role"), deactivates=changes.get("active") is False
    )
    if refusal:
        raise Forbidden(refusal, field="role" if "role" in changes else None)
    if data.password:
        password_policy.require_acceptable(data.password, email=staff.email, name=staff.name)
    before = audit.state_of(staff)
    apply_changes(staff, changes)
    if data.password:
        staff.password_hash = passwords.hash_password(data.password)
    if data.password or changes.get("active") is False:
        sessions.close_all_sessions(db, staff.id)
    audit.record(db, actor, "update", staff, before=before)
    db.commit()
    db.refresh(staff)
    return staff


def authenticate(db: Session, email: str, password: str) -> Staff:
    """Check credentials with throttling; raise Unauthorized, Throttled or HashingBusy.

    The attempt is recorded before the password is checked (see api.security.throttle), so
    parallel guesses, in one process or several, get at most 5 checks per account and window.
    """
    email = email.strip().lower()
    attempt_id = throttle.start_attempt(db, email)
    staff = db.exec(select(Staff).where(Staff.email == email)).first()
    try:
        ok = passwords.verify_password(staff.password_hash if staff else None, password)
    except passwords.HashingBusy:
        throttle.cancel_attempt(db, attempt_id)  # nothing was checked: not a guess
        raise
    if staff is None or not ok or not staff.active:
        raise Unauthorized(BAD_LOGIN)  # the attempt's row stays as the failure
    throttle.clear_failures(db, email)
    if passwords.needs_rehash(staff.password_hash):
        try:
            staff.password_hash = passwords.hash_password(password)
        except passwords.HashingBusy:
            return staff  # upgraded at a quieter login
        db.commit()
    return staff
