"""Session hooks: every commit that touched an agency's rows moves ``agency.revision``.

The bump runs inside the committing transaction, so the revision and the change it stands for
are committed together or not at all. On PostgreSQL the same statement sends ``pg_notify``,
which PostgreSQL delivers to every listening process at commit, never before. After the
commit, this process's own broker hears it at once.
"""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from api.changes.broker import broker_for

CHANNEL = "couloir_changes"
QUIET = "couloir_quiet"  # session.info flag: this commit must not wake screens (heartbeats)
_TOUCHED = "couloir_touched"
_BUMPED = "couloir_bumped"

# Writes to these tables never change what a screen shows.
_SILENT_TABLES = {
    "staffsession",
    "loginfailure",
    "auditevent",
    "screenpairing",
    "crieemailing",
    "pendingimport",
}

_BUMP_POSTGRES = text(
    "WITH bumped AS (UPDATE agency SET revision = revision + 1 WHERE id = :id "
    "RETURNING id, revision) "
    f"SELECT revision, pg_notify('{CHANNEL}', id || ':' || revision) FROM bumped"
)
_BUMP_SQLITE = text("UPDATE agency SET revision = revision + 1 WHERE id = :id RETURNING revision")


def payload(agency_id: int, revision: int) -> str:
    """The notification's text: ``"<agency id>:<revision>"``."""
    return f"{agency_id}:{revision}"


def parse_payload(text_: str) -> tuple[int, int] | None:
    """``(agency id, revision)`` from a notification, or None when it is not one of ours."""
    agency, _, revision = text_.partition(":")
    if not (agency.isdigit() and revision.isdigit()):
        return None
    return int(agency), int(revision)


def _touched_agencies(session: Session) -> set[int]:
    agencies: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", "")
        if table in _SILENT_TABLES:
            continue
        agency_id = obj.id if table == "agency" else getattr(obj, "agency_id", None)
        if agency_id is not None:
            agencies.add(agency_id)
    return agencies


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _context, _instances) -> None:  # type: ignore[no-untyped-def]
    if not session.info.get(QUIET):
        session.info.setdefault(_TOUCHED, set()).update(_touched_agencies(session))


@event.listens_for(Session, "before_commit")
def _bump(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit bumps
    session.flush()  # what is still pending belongs to this commit's revision
    touched = sorted(session.info.pop(_TOUCHED, set()))
    if not touched:
        return
    connection = session.connection()
    bump = _BUMP_POSTGRES if connection.dialect.name == "postgresql" else _BUMP_SQLITE
    bumped = session.info.setdefault(_BUMPED, {})
    for agency_id in touched:  # in id order: two commits never wait on each other's rows
        revision = connection.execute(bump, {"id": agency_id}).scalar()
        if revision is not None:  # None: the agency itself was deleted
            bumped[agency_id] = revision


@event.listens_for(Session, "after_commit")
def _publish(session: Session) -> None:
    bumped: dict[int, int] = session.info.pop(_BUMPED, {})
    session.info.pop(QUIET, None)
    if bumped:
        broker = broker_for(session.get_bind().engine)
        for agency_id, revision in bumped.items():
            broker.publish(agency_id, revision)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
    session.info.pop(_BUMPED, None)
