"""« Chantiers »: the agency's collective work a manager lists (collective recruitments, TPE
clusters, job datings…), shown on the activity dashboard, its phone page and its screen scene.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.clock import utcnow
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Forbidden, Invalid
from api.models import Chantier, Staff
from api.models.chantier import (
    KIND_LABELS,
    STATE_LABELS,
    ChantierCreate,
    ChantierPublic,
    ChantierUpdate,
)
from api.services import audit
from api.services.common import apply_changes, check_version, get_scoped

# The order a list shows them in: running first, then coming, then done.
STATE_ORDER = {"en_cours": 0, "a_venir": 1, "termine": 2}


def _check_manager(actor: Staff) -> None:
    if not can(actor.role, Action.MANAGE_CHANTIERS):
        raise Forbidden(DENIED_MESSAGE)


def get_chantier(db: Session, agency_id: int, chantier_id: int) -> Chantier:
    """One chantier of this agency, or NotFound."""
    return get_scoped(db, Chantier, chantier_id, agency_id, "Chantier")


def list_chantiers(db: Session, agency_id: int) -> list[Chantier]:
    """The agency's chantiers: running, then coming, then done; by start date within each."""
    rows = db.exec(
        select(Chantier).where(Chantier.agency_id == agency_id).order_by(col(Chantier.id))
    ).all()
    return sorted(
        rows,
        key=lambda c: (
            STATE_ORDER.get(c.state, 3),
            c.starts_on is None,
            c.starts_on or c.created_at.date(),
            c.id or 0,
        ),
    )


def to_public(chantier: Chantier) -> ChantierPublic:
    """The public form of a chantier, with its kind and state in words."""
    return ChantierPublic(
        **chantier.model_dump(exclude={"agency_id", "created_at"}),
        kind_label=KIND_LABELS.get(chantier.kind, chantier.kind),
        state_label=STATE_LABELS.get(chantier.state, chantier.state),
    )


def create_chantier(db: Session, actor: Staff, data: ChantierCreate) -> Chantier:
    """List a new chantier (managers)."""
    _check_manager(actor)
    chantier = Chantier(**data.model_dump(), agency_id=actor.agency_id)
    db.add(chantier)
    db.flush()
    audit.record(db, actor, "create", chantier)
    db.commit()
    db.refresh(chantier)
    return chantier


def update_chantier(
    db: Session,
    actor: Staff,
    chantier: Chantier,
    data: ChantierUpdate,
    expected_version: int | None = None,
) -> Chantier:
    """Edit a chantier (managers; version-checked; its period stays in order)."""
    _check_manager(actor)
    check_version(chantier, expected_version if expected_version is not None else data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("title", "kind", "state", "note"):
        if name in changes and changes[name] is None:
            raise Invalid(f"Le champ {name} ne peut pas être vidé.", field=name)
    starts_on = changes.get("starts_on", chantier.starts_on)
    ends_on = changes.get("ends_on", chantier.ends_on)
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise Invalid("La date de fin précède la date de début.", field="ends_on")
    before = audit.state_of(chantier)
    apply_changes(chantier, changes)
    chantier.updated_at = utcnow()
    db.add(chantier)
    audit.record(db, actor, "update", chantier, before=before)
    db.commit()
    db.refresh(chantier)
    return chantier


def delete_chantier(db: Session, actor: Staff, chantier: Chantier) -> None:
    """Take a chantier off the list (managers)."""
    _check_manager(actor)
    audit.record(db, actor, "delete", chantier, before=audit.state_of(chantier))
    db.delete(chantier)
    db.commit()
