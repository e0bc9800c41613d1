"""The journal: one call records who changed what, with before/after states."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, col, select

from api.models import AuditEvent, Staff

_HIDDEN = {"password_hash", "token_hash", "pending_token"}


def state_of(obj: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a row's fields, secrets left out."""
    if obj is None:
        return None
    out: dict[str, Any] = {}
    for key, value in obj.model_dump().items():
        if key in _HIDDEN:
            continue
        out[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def record(
    db: Session,
    actor: Staff | None,
    action: str,
    obj: SQLModel,
    *,
    before: dict[str, Any] | None = None,
    agency_id: int | None = None,
    actor_label: str | None = None,
) -> None:
    """Add an audit event for ``obj`` to the session (committed with the change itself)."""
    after = None if action == "delete" else state_of(obj)
    db.add(
        AuditEvent(
            agency_id=agency_id if agency_id is not None else getattr(obj, "agency_id", None),
            actor_id=actor.id if actor else None,
            actor_label=actor_label or (f"{actor.name} ({actor.role})" if actor else "système"),
            action=action,
            entity=getattr(obj, "__tablename__", type(obj).__name__.lower()),
            entity_id=getattr(obj, "id", None),
            before=before,
            after=after,
        )
    )


def list_events(
    db: Session,
    agency_id: int,
    *,
    entity: str | None = None,
    actor_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEvent]:
    """The agency's journal, newest first, optionally filtered."""
    query = select(AuditEvent).where(AuditEvent.agency_id == agency_id)
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if actor_id:
        query = query.where(AuditEvent.actor_id == actor_id)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    return list(db.exec(query.offset(offset).limit(limit)))


def last_event(db: Session, entity: str, entity_id: int | None) -> AuditEvent | None:
    """The latest journal entry about one object (who changed it last), or None."""
    return db.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    ).first()
