"""Staff accounts and logging in."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.errors import Conflict, Invalid, NotFound, Unauthorized
from api.models import Agency, Staff
from api.models.staff import StaffCreate, StaffUpdate
from api.security import password_policy, passwords, sessions, throttle
from api.services import audit
from api.services.common import apply_changes, check_version

BAD_LOGIN = "E-mail ou mot de passe incorrect."


def get_agency(db: Session, code: str) -> Agency:
    """The agency with this code, or NotFound."""
    agency = db.exec(select(Agency).where(Agency.code == code)).first()
    if agency is None:
        raise NotFound(f"Agence inconnue : {code}")
    return agency


def list_staff(db: Session, agency_id: int) -> list[Staff]:
    """The agency's accounts, by name."""
    return list(
        db.exec(select(Staff).where(Staff.agency_id == agency_id).order_by(col(Staff.name)))
    )


def create_staff(db: Session, actor: Staff | None, agency_id: int, data: StaffCreate) -> Staff:
    """Create an account; e-mails are unique across agencies."""
    if db.exec(select(Staff.id).where(Staff.email == data.email)).first() is not None:
        raise Conflict("Un compte existe déjà avec cet e-mail.")
    if actor is not None and data.role == "admin" and actor.role != "admin":
        raise Invalid("Seul un administrateur peut créer un administrateur.", field="role")
    staff = Staff(
        agency_id=agency_id,
        name=data.name,
        email=data.email,
        role=data.role,
        password_hash=passwords.hash_password(data.password),
    )
    db.add(staff)
    db.flush()
    audit.record(db, actor, "create", staff, actor_label=None if actor else "ligne de commande")
    db.commit()
    db.refresh(staff)
    return staff


def update_staff(db: Session, actor: Staff, staff: Staff, data: StaffUpdate) -> Staff:
    """Rename, change role, deactivate or reset the password of an account."""
    check_version(staff, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "password"})
    if changes.get("role") == "admin" and actor.role != "admin":
        raise Invalid("Seul un administrateur peut nommer un administrateur.", field="role")
    if staff.id == actor.id and (changes.get("active") is False or "role" in changes):
        raise Invalid("Vous ne pouvez pas modifier votre propre rôle ni vous désactiver.")
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
