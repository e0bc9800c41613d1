"""Optimistic locking for rows staff edit from their phones."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import declared_attr


class Versioned:
    """Mixin for table models with a ``version`` column: each UPDATE is guarded by it.

    The services compare the version a person edited with the stored one (``check_version``),
    but two requests that load the same version at the same moment would both pass that check,
    and the second would silently overwrite the first. SQLAlchemy writes
    ``UPDATE … WHERE id = ? AND version = <the version loaded>``: the second finds no row and
    raises ``StaleDataError``, which the application answers with a 409. The services still
    set the new version themselves (``version_id_generator`` off).

    Not for rows that background writers update (a screen's heartbeat, a login's counters):
    those writes must not fail because a manager edited the row meanwhile.
    """

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}  # type: ignore[attr-defined]
