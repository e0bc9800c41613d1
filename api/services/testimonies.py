"""Testimonies (« témoignages / retours d'expérience »): who writes, who edits, what they link.

Any staff member writes one; its author or a manager edits or deletes it. It may name an offer
or a hire of the agency and carries tags like offers do. It never holds a job seeker's personal
data: every form and the API say so beside the text (``PERSONAL_DATA_NOTICE``).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from api.clock import utcnow
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Forbidden, Invalid
from api.models import Hire, Offer, Staff, Testimony, TestimonyTag
from api.models.testimony import TestimonyCreate, TestimonyPublic, TestimonyUpdate
from api.services import audit, tags
from api.services.common import check_version, get_scoped, staff_refs

NOT_YOURS = "Seuls son auteur ou un manager peuvent modifier ou supprimer ce témoignage."


def edit_refusal(actor: Staff, testimony: Testimony) -> str | None:
    """Why ``actor`` may not edit or delete ``testimony`` (French), or None when allowed."""
    if not can(actor.role, Action.WRITE_TESTIMONIES):
        return DENIED_MESSAGE
    if testimony.author_id == actor.id or can(actor.role, Action.MODERATE_TESTIMONIES):
        return None
    return NOT_YOURS


def may_edit(actor: Staff, testimony: Testimony) -> bool:
    """True when ``actor`` may edit or delete ``testimony`` (pages show its buttons then)."""
    return edit_refusal(actor, testimony) is None


def _check_editable(actor: Staff, testimony: Testimony) -> None:
    refusal = edit_refusal(actor, testimony)
    if refusal:
        raise Forbidden(refusal)


def get_testimony(db: Session, agency_id: int, testimony_id: int) -> Testimony:
    """One testimony of this agency, or NotFound."""
    return get_scoped(db, Testimony, testimony_id, agency_id, "Témoignage")


def _check_links(db: Session, agency_id: int, changes: dict[str, Any]) -> None:
    """A named offer or hire belongs to the agency (another agency's looks absent)."""
    for field, model, label in (("offer_id", Offer, "Offre"), ("hire_id", Hire, "Embauche")):
        item_id = changes.get(field)
        if item_id is None:
            continue
        item = db.get(model, item_id)
        if item is None or item.agency_id != agency_id:
            raise Invalid(f"{label} introuvable dans cette agence.", field=field)


def list_testimonies(
    db: Session,
    agency_id: int,
    *,
    offer_id: int | None = None,
    hire_id: int | None = None,
    tag_id: int | None = None,
) -> list[Testimony]:
    """The agency's testimonies, newest first, optionally about one offer, hire or tag."""
    query = select(Testimony).where(Testimony.agency_id == agency_id)
    if offer_id is not None:
        query = query.where(Testimony.offer_id == offer_id)
    if hire_id is not None:
        query = query.where(Testimony.hire_id == hire_id)
    if tag_id is not None:
        query = query.join(TestimonyTag, col(TestimonyTag.testimony_id) == col(Testimony.id)).where(
            TestimonyTag.tag_id == tag_id
        )
    return list(db.exec(query.order_by(col(Testimony.created_at).desc(), col(Testimony.id).desc())))


def to_public(db: Session, items: list[Testimony]) -> list[TestimonyPublic]:
    """Public form of testimonies with authors and tags loaded in bulk."""
    authors = staff_refs(db, (t.author_id for t in items))
    labels = tags.tags_of(db, "testimony", (t.id for t in items if t.id is not None))
    return [
        TestimonyPublic(
            **t.model_dump(exclude={"agency_id", "author_id"}),
            author=authors[t.author_id],
            tags=labels.get(t.id or 0, []),
        )
        for t in items
    ]


def create_testimony(db: Session, actor: Staff, data: TestimonyCreate) -> Testimony:
    """Write a testimony as ``actor`` (any staff member)."""
    if not can(actor.role, Action.WRITE_TESTIMONIES):
        raise Forbidden(DENIED_MESSAGE)
    _check_links(db, actor.agency_id, data.model_dump())
    testimony = Testimony(
        **data.model_dump(exclude={"tags"}), agency_id=actor.agency_id, author_id=actor.id
    )
    db.add(testimony)
    db.flush()
    assert testimony.id is not None
    tags.attach(db, "testimony", testimony.id, actor.agency_id, data.tags)
    audit.record(db, actor, "create", testimony)
    db.commit()
    db.refresh(testimony)
    return testimony


def update_testimony(
    db: Session,
    actor: Staff,
    testimony: Testimony,
    data: TestimonyUpdate,
    expected_version: int | None = None,
) -> Testimony:
    """Edit a testimony (its author or a manager; version-checked)."""
    _check_editable(actor, testimony)
    check_version(testimony, expected_version if expected_version is not None else data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "tags"})
    if "text" in changes and changes["text"] is None:
        raise Invalid("Le champ text ne peut pas être vidé.", field="text")
    _check_links(db, testimony.agency_id, changes)
    before = audit.state_of(testimony)
    testimony.sqlmodel_update(changes)
    testimony.version += 1
    testimony.updated_at = utcnow()
    db.add(testimony)
    if data.tags is not None and testimony.id is not None:
        tags.attach(db, "testimony", testimony.id, testimony.agency_id, data.tags)
    audit.record(db, actor, "update", testimony, before=before)
    db.commit()
    db.refresh(testimony)
    return testimony


def delete_testimony(db: Session, actor: Staff, testimony: Testimony) -> None:
    """Delete a testimony (its author or a manager) and its tag links."""
    _check_editable(actor, testimony)
    audit.record(db, actor, "delete", testimony, before=audit.state_of(testimony))
    db.delete(testimony)
    db.commit()
