"""Helpers every service uses: agency scoping, version checks, staff references."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, get_args

from sqlmodel import Session, SQLModel, col, select

from api.errors import Invalid, NotFound, StaleVersion
from api.models import Staff
from api.models.fields import MAX_DB_ID
from api.models.staff import StaffRef

T = TypeVar("T", bound=SQLModel)


def get_scoped(db: Session, model: type[T], obj_id: int, agency_id: int, label: str) -> T:
    """Load ``model`` #obj_id of this agency, or raise NotFound (other agencies look absent)."""
    obj = db.get(model, obj_id) if 0 < obj_id <= MAX_DB_ID else None
    if obj is None or getattr(obj, "agency_id", None) != agency_id:
        raise NotFound(f"{label} introuvable")
    return obj


def check_version(obj: Any, expected: int | None, public: Any = None) -> None:
    """Raise StaleVersion when the caller edited an older version than the stored one."""
    if expected is not None and expected != obj.version:
        raise StaleVersion(obj, current_public=public)


def apply_changes(obj: SQLModel, changes: dict[str, Any]) -> None:
    """Set the given fields and bump the version; a required field cannot be emptied."""
    fields = type(obj).model_fields
    for name, value in changes.items():
        # An explicit null in a PATCH must not reach a NOT NULL column (a 500 otherwise).
        if value is None and name in fields and type(None) not in get_args(fields[name].annotation):
            raise Invalid(f"Le champ {name} ne peut pas être vidé.", field=name)
    obj.sqlmodel_update(changes)
    obj.version += 1  # type: ignore[attr-defined]


def staff_refs(db: Session, ids: Iterable[int | None]) -> dict[int, StaffRef]:
    """Load the named staff members in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = db.exec(select(Staff).where(col(Staff.id).in_(wanted)))
    return {s.id: StaffRef(id=s.id, name=s.name, role=s.role) for s in rows if s.id is not None}
