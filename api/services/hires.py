"""Remarkable hires: stories, credits, photos with consent, moderation."""

from __future__ import annotations

import base64
import io
import secrets
from collections.abc import Collection
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import bindparam
from sqlmodel import Session, col, delete, or_, select

from api.clock import utcnow
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Forbidden, Invalid
from api.models import Hire, HirePhoto, Offer, Staff
from api.models.hire import HireCreate, HirePublic, HireUpdate
from api.models.image import PendingPhoto
from api.services import audit, images, offers, photos, tags
from api.services.common import apply_changes, check_version, get_scoped, staff_refs

# How long a photo chosen on a refused hire form is kept for the next try.
PENDING_PHOTO_LIFE = timedelta(hours=1)
PENDING_KEY_LENGTH = 32  # secrets.token_urlsafe(24)

# Who may be credited on each side of a hire, by role (active accounts only).
CREDIT_ROLES = {"cde_id": ("cde", "manager"), "cdde_id": ("cdde",)}
CREDIT_REFUSED = {
    "cde_id": "Le CDE crédité doit être un compte actif de CDE ou de manager.",
    "cdde_id": "Le CDDE crédité doit être un compte actif de CDDE.",
}
PUBLISHED_LOCKED = (
    "Une embauche publiée ne se modifie que par un manager : "
    "demandez-lui de la retirer de l'écran pour la corriger."
)


def edit_refusal(actor: Staff, hire: Hire, *, changes_status: bool = False) -> str | None:
    """Why ``actor`` may not change ``hire`` (French), or None when allowed.

    The one definition of what "published" protects: once a hire is on the corridor screen, its
    story, credits, dates, consent and photo, like its status, are changed only by a role that
    moderates hires. Drafts and withdrawn hires stay open to everyone who writes hires.
    """
    if not can(actor.role, Action.WRITE_HIRES):
        return DENIED_MESSAGE
    moderator = can(actor.role, Action.MODERATE_HIRES)
    if changes_status and not moderator:
        return DENIED_MESSAGE
    if hire.status == "published" and not moderator:
        return PUBLISHED_LOCKED
    return None


def check_editable(actor: Staff, hire: Hire, *, changes_status: bool = False) -> None:
    """Raise Forbidden when ``edit_refusal`` refuses."""
    refusal = edit_refusal(actor, hire, changes_status=changes_status)
    if refusal:
        raise Forbidden(refusal)


def to_public(db: Session, hires: list[Hire]) -> list[HirePublic]:
    """Public form of hires with the credited staff loaded in bulk."""
    people = staff_refs(db, [h.cde_id for h in hires] + [h.cdde_id for h in hires])
    labels = tags.tags_of(db, "hire", (h.id for h in hires if h.id is not None))
    return [
        HirePublic(
            **h.model_dump(exclude={"agency_id", "photo_sha256", "cde_id", "cdde_id"}),
            cde=people.get(h.cde_id) if h.cde_id else None,
            cdde=people.get(h.cdde_id) if h.cdde_id else None,
            has_photo=h.photo_sha256 is not None,
            tags=labels.get(h.id or 0, []),
        )
        for h in hires
    ]


def _check_credits(db: Session, agency_id: int, credits: dict[str, int | None]) -> None:
    """Each credited colleague is an active account of the agency, of that field's side."""
    for field, staff_id in credits.items():
        if staff_id is None:
            continue
        person = db.get(Staff, staff_id)
        if person is None or person.agency_id != agency_id:
            raise Invalid("Collègue introuvable dans cette agence.", field=field)
        if person.role not in CREDIT_ROLES[field] or not person.active:
            raise Invalid(CREDIT_REFUSED[field], field=field)


def get_hire(db: Session, agency_id: int, hire_id: int) -> Hire:
    """One hire of this agency, or NotFound."""
    return get_scoped(db, Hire, hire_id, agency_id, "Embauche")


def credit_choices(db: Session, agency_id: int) -> dict[str, list[Staff]]:
    """The active colleagues a hire may credit, per field (``cde_id``, ``cdde_id``), by name."""
    people = list(
        db.exec(
            select(Staff)
            .where(Staff.agency_id == agency_id, col(Staff.active))
            .order_by(Staff.name)
        )
    )
    return {field: [p for p in people if p.role in roles] for field, roles in CREDIT_ROLES.items()}


def draft_values(db: Session, actor: Staff, offer: Offer | None) -> dict[str, int | str]:
    """Who a new story credits at first: the writer on their side, or the filled offer's people.

    With an offer: its owner as CDE, and as CDDE the one whose candidate was hired, else the
    latest one who proposed someone.
    """
    values: dict[str, int | str] = {
        field: actor.id if actor.role in roles and actor.id else ""
        for field, roles in CREDIT_ROLES.items()
    }
    if offer is not None:
        values.update(employer=offer.employer, title=offer.title, cde_id=offer.owner_id)
        if offer.id is not None:
            values["offer_id"] = offer.id
        proposer = offers.likely_hire_credit(db, offer)
        if proposer:
            values["cdde_id"] = proposer
    return values


def drafts_to_moderate(db: Session, agency_id: int, limit: int = 10) -> list[Hire]:
    """The agency's draft hires, latest written first."""
    return list(
        db.exec(
            select(Hire)
            .where(Hire.agency_id == agency_id, Hire.status == "draft")
            .order_by(col(Hire.created_at).desc())
            .limit(limit)
        )
    )


EXPIRES_BEFORE_HIRE = "Cette date précède la date d'embauche."


def _check_dates(hired_on: date | None, expires_on: date | None) -> None:
    """The display ends on or after the hire date (a partial edit checked against the stored)."""
    if hired_on is not None and expires_on is not None and expires_on < hired_on:
        raise Invalid(EXPIRES_BEFORE_HIRE, field="expires_on")


def list_hires(db: Session, agency_id: int, *, status: str | None = None) -> list[Hire]:
    """The agency's hires, newest first."""
    query = select(Hire).where(Hire.agency_id == agency_id)
    if status:
        query = query.where(Hire.status == status)
    return list(db.exec(query.order_by(col(Hire.hired_on).desc(), col(Hire.id).desc())))


# Read at every snapshot build: built once, the agency and the day bound at execution.
_GALLERY = (
    select(Hire)
    .where(
        Hire.agency_id == bindparam("agency_id"),
        Hire.status == "published",
        or_(col(Hire.expires_on).is_(None), col(Hire.expires_on) >= bindparam("today")),
    )
    .order_by(col(Hire.hired_on).desc(), col(Hire.id).desc())
)


def published_hires(db: Session, agency_id: int, today: date) -> list[Hire]:
    """Hires the gallery shows today: published and not expired."""
    return list(db.exec(_GALLERY, params={"agency_id": agency_id, "today": today}))


def create_hire(db: Session, actor: Staff, data: HireCreate, *, photo: bytes | None = None) -> Hire:
    """Write a hire's story (a draft until a manager publishes it).

    ``photo`` (re-encoded already by ``photos.reencode``) is stored in the same transaction: a
    hire sent with its photo is saved with it or not at all, even if the process dies between.
    """
    _check_credits(db, actor.agency_id, {"cde_id": data.cde_id, "cdde_id": data.cdde_id})
    if data.offer_id is not None:
        offer = db.get(Offer, data.offer_id)
        if offer is None or offer.agency_id != actor.agency_id:
            raise Invalid("Offre introuvable dans cette agence.", field="offer_id")
    hire = Hire(
        **data.model_dump(exclude={"tags"}), agency_id=actor.agency_id, created_by_id=actor.id
    )
    if data.photo_consent:
        hire.consent_recorded_by_id = actor.id
    db.add(hire)
    db.flush()
    assert hire.id is not None
    tags.attach(db, "hire", hire.id, hire.agency_id, data.tags)
    audit.record(db, actor, "create", hire)
    if photo is not None:
        hire.photo_sha256 = images.save(db, HirePhoto, hire.id, photo, photos.MEDIA_TYPE)
        db.flush()  # the photo's hash with its bytes, before the audit reads the hire
        audit.record(db, actor, "photo", hire)
    db.commit()
    db.refresh(hire)
    return hire


def update_hire(db: Session, actor: Staff, hire: Hire, data: HireUpdate) -> Hire:
    """Edit, publish or withdraw a hire (version-checked)."""
    changes = data.model_dump(exclude_unset=True, exclude={"version", "tags"})
    check_editable(actor, hire, changes_status="status" in changes)
    check_version(hire, data.version)
    # Only a changed credit is checked: a colleague credited before leaving stays credited.
    _check_credits(
        db,
        hire.agency_id,
        {f: changes[f] for f in CREDIT_ROLES if f in changes and changes[f] != getattr(hire, f)},
    )
    for required in ("employer", "title", "hired_on"):
        if required in changes and changes[required] is None:
            raise Invalid(f"Le champ {required} ne peut pas être vidé.", field=required)
    _check_dates(changes.get("hired_on", hire.hired_on), changes.get("expires_on", hire.expires_on))
    before = audit.state_of(hire)  # before any field moves, publication date included
    if changes.get("photo_consent") and not hire.photo_consent:
        hire.consent_recorded_by_id = actor.id
    if changes.get("status") == "published" and hire.status != "published":
        hire.published_at = utcnow()
    apply_changes(hire, changes)
    hire.updated_at = utcnow()
    if data.tags is not None and hire.id is not None:
        tags.attach(db, "hire", hire.id, hire.agency_id, data.tags)
    audit.record(db, actor, "update", hire, before=before)
    db.commit()
    db.refresh(hire)
    return hire


def set_photo(db: Session, actor: Staff, hire: Hire, raw: bytes, max_bytes: int) -> Hire:
    """Replace the hire's photo with a re-encoded copy of ``raw`` (stored in the database)."""
    check_editable(actor, hire)
    return store_photo(db, actor, hire, photos.reencode(raw, max_bytes=max_bytes))


def store_photo(db: Session, actor: Staff, hire: Hire, jpeg: bytes) -> Hire:
    """Replace the hire's photo with ``jpeg``, already re-encoded by ``photos.reencode``."""
    check_editable(actor, hire)
    hire.photo_sha256 = images.sha256_of(jpeg)
    hire.version += 1
    hire.updated_at = utcnow()
    # The hire row first, as a delete does (its cascade reaches the photo after the hire): two
    # transactions never wait for each other's rows in opposite orders.
    db.flush()
    images.save(db, HirePhoto, hire.id, jpeg, photos.MEDIA_TYPE)
    audit.record(db, actor, "photo", hire)
    db.commit()
    db.refresh(hire)
    return hire


def delete_hire(db: Session, actor: Staff, hire: Hire) -> None:
    """Delete a hire and its photo (ON DELETE CASCADE)."""
    audit.record(db, actor, "delete", hire, before=audit.state_of(hire))
    db.delete(hire)
    db.commit()


def publishable_photo(hire: Hire) -> str | None:
    """The photo's SHA-256 when the screen may show it: only with recorded consent."""
    return hire.photo_sha256 if hire.photo_sha256 and hire.photo_consent else None


def load_photo(db: Session, hire: Hire, known: Collection[str] = ()) -> images.Image | None:
    """The hire's photo; its bytes are not read when ``known`` (ETags the client holds) has it."""
    return images.load(db, HirePhoto, hire.id, known) if hire.photo_sha256 and hire.id else None


def keep_pending_photo(db: Session, actor: Staff, jpeg: bytes) -> str:
    """Keep ``jpeg`` (re-encoded already) for ``actor``'s next try; return its key.

    For a hire form refused for another field: the person does not pick the photo again. Nothing
    else of the refused form is saved (the session is rolled back first). Kept photos older than
    ``PENDING_PHOTO_LIFE``, anyone's, are deleted on the way, so the table stays small.
    """
    db.rollback()
    now = utcnow()
    db.exec(delete(PendingPhoto).where(col(PendingPhoto.created_at) < now - PENDING_PHOTO_LIFE))
    key = secrets.token_urlsafe(24)
    db.add(
        PendingPhoto(
            key=key,
            staff_id=actor.id,
            data=jpeg,
            media_type=photos.MEDIA_TYPE,
            size=len(jpeg),
            sha256=images.sha256_of(jpeg),
            created_at=now,
        )
    )
    db.commit()
    return key


def pending_photo(db: Session, actor: Staff, key: str) -> bytes | None:
    """The photo kept under ``key`` for ``actor`` while it lives; None when gone or not theirs."""
    if not key or len(key) != PENDING_KEY_LENGTH:
        return None
    return db.exec(
        select(PendingPhoto.data).where(
            PendingPhoto.key == key,
            PendingPhoto.staff_id == actor.id,
            col(PendingPhoto.created_at) >= utcnow() - PENDING_PHOTO_LIFE,
        )
    ).first()


def drop_pending_photo(db: Session, actor: Staff, key: str) -> None:
    """Forget the photo kept under ``key`` (saved with its hire, or refused by its owner)."""
    if key:
        db.exec(
            delete(PendingPhoto).where(PendingPhoto.key == key, PendingPhoto.staff_id == actor.id)
        )
        db.commit()


def thumbnail(jpeg: bytes, side_px: int = 144) -> bytes:
    """A small JPEG copy of a stored photo, at most ``side_px`` on its longer side.

    ``jpeg`` is one of ours (re-encoded, ≤ 1920 px): the JPEG draft mode decodes it at a
    fraction of its size, so this costs milliseconds.
    """
    with Image.open(io.BytesIO(jpeg)) as image:
        image.draft("RGB", (side_px, side_px))
        small = image.convert("RGB")
        small.thumbnail((side_px, side_px))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80)
    return out.getvalue()


def data_url(jpeg: bytes) -> str:
    """A JPEG as a ``data:`` URL, kept inside a page when it is printed or saved."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def thumbnail_url(jpeg: bytes, side_px: int = 144) -> str:
    """``thumbnail`` as a ``data:`` URL, for a page or a form to show what it keeps."""
    return data_url(thumbnail(jpeg, side_px))
