"""Tags of an agency: matching what people type, attaching tags to offers, hires and
testimonies, the crossing a tag's page shows, and a manager's rename and merge.

The link tables (``offertag``, ``hiretag``, ``testimonytag``) are the truth. ``offer.tags`` is
the offer's ordered display copy (« #antiplôme » …) that the board, its filters, the journal and
the screen's snapshot read; only this module writes it, in step with ``offertag``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, delete, func, select, update

from api.clock import utcnow
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import (
    AgendaEvent,
    Hire,
    HireTag,
    Offer,
    OfferTag,
    Staff,
    Tag,
    Testimony,
    TestimonyTag,
)
from api.models.tag import SUGGESTIONS, TagPublic, TagRef, TagUpdate, display_name, fold
from api.services import audit
from api.services.common import check_version

if TYPE_CHECKING:
    from api.services.offers import BoardEntry, OfferContext

NAME_TAKEN = (
    "Une autre étiquette porte déjà ce nom (aux majuscules et accents près) : fusionnez-les plutôt."
)
SAME_INSTANT = (
    "Un collègue vient de créer ou renommer une étiquette du même nom : enregistrez à nouveau."
)
MERGE_ITSELF = "Une étiquette ne peut pas être fusionnée avec elle-même."
NOT_FOUND = "Étiquette introuvable"

# Each kind of tagged item: its link table and the column naming the item.
_LINKS: dict[str, tuple[type[SQLModel], Any]] = {
    "offer": (OfferTag, OfferTag.offer_id),
    "hire": (HireTag, HireTag.hire_id),
    "testimony": (TestimonyTag, TestimonyTag.testimony_id),
}


# --- finding and suggesting -----------------------------------------------------------------


def agency_tags(db: Session, agency_id: int) -> list[Tag]:
    """Every tag of the agency, by name without case or accents."""
    tags = list(db.exec(select(Tag).where(Tag.agency_id == agency_id)))
    return sorted(tags, key=lambda t: (t.slug, t.name))


def find(db: Session, agency_id: int, typed: str) -> Tag | None:
    """The agency's tag matching ``typed`` without case, accents or « # », if any."""
    slug = fold(typed)
    if not slug:
        return None
    return db.exec(select(Tag).where(Tag.agency_id == agency_id, Tag.slug == slug)).first()


def get_by_slug(db: Session, agency_id: int, slug: str) -> Tag:
    """The agency's tag whose page is ``slug`` (typed loosely: « Antiplôme » works), or NotFound."""
    tag = find(db, agency_id, slug[:200])
    if tag is None:
        raise NotFound(NOT_FOUND)
    return tag


def suggest(db: Session, agency_id: int, typed: str = "", limit: int = SUGGESTIONS) -> list[Tag]:
    """Existing tags for what someone is typing: those starting with it first, then those
    containing it, matching without case or accents (« antiplome » finds « antiplôme »).

    Nothing typed: the most used tags of the agency.
    """
    needle = fold(typed[:200])
    tags = agency_tags(db, agency_id)
    if not needle:
        uses = usage(db, [t.id for t in tags if t.id is not None])
        tags.sort(key=lambda t: -sum(uses.get(t.id or 0, {}).values()))
        return tags[:limit]
    starting = [t for t in tags if t.slug.startswith(needle)]
    inside = [t for t in tags if needle in t.slug and t not in starting]
    return (starting + inside)[:limit]


def suggestion_names(db: Session, agency_id: int, limit: int = 12) -> list[str]:
    """The agency's most used tags as forms suggest them (« #antiplôme »)."""
    return [display_name(t.name) for t in suggest(db, agency_id, "", limit=limit)]


def usage(
    db: Session, tag_ids: Sequence[int], *, open_offers: bool = True
) -> dict[int, dict[str, int]]:
    """Per tag, how many offers (open ones only by default), hires and testimonies carry it."""
    counts = {i: {"offer": 0, "hire": 0, "testimony": 0} for i in tag_ids}
    if not tag_ids:
        return counts
    for kind, (link, owner) in _LINKS.items():
        query = select(link.tag_id, func.count()).where(col(link.tag_id).in_(tag_ids))  # type: ignore[attr-defined]
        if kind == "offer" and open_offers:
            query = query.join(Offer, col(Offer.id) == owner).where(Offer.status == "open")
        for tag_id, n in db.exec(query.group_by(link.tag_id)):  # type: ignore[attr-defined]
            counts[tag_id][kind] = n
    return counts


def to_public(db: Session, tags: list[Tag]) -> list[TagPublic]:
    """Public form of tags with their counts, loaded in bulk."""
    uses = usage(db, [t.id for t in tags if t.id is not None])
    return [
        TagPublic(
            id=t.id or 0,
            name=t.name,
            slug=t.slug,
            description=t.description,
            offers_count=uses[t.id or 0]["offer"],
            hires_count=uses[t.id or 0]["hire"],
            testimonies_count=uses[t.id or 0]["testimony"],
            version=t.version,
        )
        for t in tags
    ]


# --- attaching ------------------------------------------------------------------------------


def resolve(db: Session, agency_id: int, typed: Iterable[str]) -> list[Tag]:
    """The agency's tags for the words typed, in order, made when new.

    « antiplome » attaches to an existing « antiplôme »; a new word becomes a tag named as
    typed (without its « # »). Duplicates (« #Festival », « festival ») count once.
    """
    known = {t.slug: t for t in agency_tags(db, agency_id)}
    chosen: list[Tag] = []
    for word in typed:
        name = word.strip().lstrip("#")
        slug = fold(name)
        if not slug:
            continue
        tag = known.get(slug)
        if tag is None:
            tag = Tag(agency_id=agency_id, name=name, slug=slug)
            db.add(tag)
            _flush_unique(db)
            known[slug] = tag
        if tag not in chosen:
            chosen.append(tag)
    return chosen


def _flush_unique(db: Session) -> None:
    """Flush; a tag of the same folded name written at the same instant by a colleague (the
    unique constraint) is a 409 to try again, which then finds that tag. Nothing is kept."""
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise Conflict(SAME_INSTANT) from None


def canonical_names(db: Session, agency_id: int, typed: Iterable[str]) -> list[str]:
    """The display copy (« #antiplôme ») of the tags the words typed resolve to."""
    return [display_name(t.name) for t in resolve(db, agency_id, typed)]


def _link(db: Session, kind: str, item_id: int, tags: Sequence[Tag]) -> None:
    link, owner = _LINKS[kind]
    db.exec(delete(link).where(owner == item_id))  # type: ignore[call-overload]
    for position, tag in enumerate(tags):
        db.add(link(**{owner.key: item_id, "tag_id": tag.id, "position": position}))


def attach_offer(db: Session, offer: Offer) -> None:
    """Link ``offer`` to the tags its display copy names (made when new), and rewrite the copy
    with their names. The caller commits."""
    assert offer.id is not None
    tags = resolve(db, offer.agency_id, offer.tags or [])
    offer.tags = [display_name(t.name) for t in tags]
    _link(db, "offer", offer.id, tags)


def attach(db: Session, kind: str, item_id: int, agency_id: int, typed: Iterable[str]) -> None:
    """Link a hire or a testimony to the tags typed (made when new). The caller commits."""
    _link(db, kind, item_id, resolve(db, agency_id, typed))


def tags_of(db: Session, kind: str, item_ids: Iterable[int]) -> dict[int, list[TagRef]]:
    """Each item's tags, in their order, in one query."""
    wanted = {i for i in item_ids if i is not None}
    out: dict[int, list[TagRef]] = {i: [] for i in wanted}
    if not wanted:
        return out
    link, owner = _LINKS[kind]
    rows = db.exec(
        select(owner, Tag.name, Tag.slug)
        .join(Tag, col(Tag.id) == link.tag_id)  # type: ignore[attr-defined]
        .where(col(owner).in_(wanted))
        .order_by(owner, link.position)  # type: ignore[attr-defined]
    )
    for item_id, name, slug in rows:
        out[item_id].append(TagRef(name=name, slug=slug))
    return out


# --- a tag's page: what crosses under it ----------------------------------------------------


@dataclass(frozen=True)
class Crossing:
    """What a tag gathers: open offers (board order), hire stories, testimonies (newest first)."""

    tag: Tag
    offers: list[BoardEntry]
    hires: list[Hire]
    testimonies: list[Testimony]


def crossing(db: Session, tag: Tag, ctx: OfferContext) -> Crossing:
    """The open offers, hire stories (withdrawn ones aside) and testimonies under ``tag``."""
    from api.services import offers  # offers attach their tags through this module

    board = offers.board(db, tag.agency_id, ctx, status="open", tag=tag.slug)
    hires = list(
        db.exec(
            select(Hire)
            .join(HireTag, col(HireTag.hire_id) == col(Hire.id))
            .where(HireTag.tag_id == tag.id, Hire.status != "withdrawn")
            .order_by(col(Hire.hired_on).desc(), col(Hire.id).desc())
        )
    )
    testimonies = list(
        db.exec(
            select(Testimony)
            .join(TestimonyTag, col(TestimonyTag.testimony_id) == col(Testimony.id))
            .where(TestimonyTag.tag_id == tag.id)
            .order_by(col(Testimony.created_at).desc(), col(Testimony.id).desc())
        )
    )
    return Crossing(tag=tag, offers=board, hires=hires, testimonies=testimonies)


# --- a manager renames and merges -----------------------------------------------------------


def _check_manager(actor: Staff) -> None:
    if not can(actor.role, Action.MANAGE_TAGS):
        raise Forbidden(DENIED_MESSAGE)


def _rewrite_offer_copies(db: Session, tag_ids: Sequence[int], agency_id: int) -> None:
    """Rewrite the display copy of every offer linked to these tags from its links."""
    offer_ids = set(db.exec(select(OfferTag.offer_id).where(col(OfferTag.tag_id).in_(tag_ids))))
    if not offer_ids:
        return
    names = tags_of(db, "offer", offer_ids)
    for offer in db.exec(select(Offer).where(col(Offer.id).in_(offer_ids))):
        if offer.agency_id == agency_id:
            offer.tags = [display_name(ref.name) for ref in names.get(offer.id or 0, [])]
            db.add(offer)


def update_tag(
    db: Session, actor: Staff, tag: Tag, data: TagUpdate, expected_version: int | None = None
) -> Tag:
    """Rename a tag or change its description (managers only; version-checked).

    A new name folding to another tag's is refused: that is a merge.
    """
    _check_manager(actor)
    check_version(tag, expected_version if expected_version is not None else data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("name") is None:
        changes.pop("name", None)
    before = audit.state_of(tag)
    if "name" in changes:
        name = changes["name"].strip().lstrip("#")
        slug = fold(name)
        other = find(db, tag.agency_id, name)
        if other is not None and other.id != tag.id:
            raise Invalid(NAME_TAKEN, field="name")
        tag.name, tag.slug = name, slug
    if "description" in changes:
        tag.description = changes["description"] or ""
    tag.version += 1
    tag.updated_at = utcnow()
    db.add(tag)
    _flush_unique(db)
    if tag.id is not None:
        _rewrite_offer_copies(db, [tag.id], tag.agency_id)
    audit.record(db, actor, "update", tag, before=before)
    db.commit()
    db.refresh(tag)
    return tag


def merge(db: Session, actor: Staff, source: Tag, into: Tag) -> Tag:
    """Move everything carrying ``source`` under ``into`` (offers, hire stories, testimonies,
    thematic meetings), then delete ``source`` (managers).

    An item carrying both keeps one link, at its better position.
    """
    _check_manager(actor)
    if source.id == into.id:
        raise Invalid(MERGE_ITSELF, field="into")
    if source.agency_id != into.agency_id:
        raise NotFound(NOT_FOUND)
    assert source.id is not None and into.id is not None
    for link, owner in _LINKS.values():
        rows = list(db.exec(select(link).where(link.tag_id == source.id)))  # type: ignore[attr-defined]
        for row in rows:
            item_id = getattr(row, owner.key)
            kept = db.exec(
                select(link).where(owner == item_id, link.tag_id == into.id)  # type: ignore[attr-defined]
            ).first()
            if kept is None:
                db.add(link(**{owner.key: item_id, "tag_id": into.id, "position": row.position}))
            elif row.position < kept.position:
                kept.position = row.position
                db.add(kept)
            db.delete(row)
    # A thematic meeting follows its tag (deleting the source would leave it without one).
    db.exec(  # type: ignore[call-overload]
        update(AgendaEvent).where(col(AgendaEvent.tag_id) == source.id).values(tag_id=into.id)
    )
    db.flush()
    _rewrite_offer_copies(db, [into.id], into.agency_id)
    audit.record(db, actor, "delete", source, before=audit.state_of(source))
    db.delete(source)
    into.version += 1
    into.updated_at = utcnow()
    db.add(into)
    audit.record(db, actor, "update", into)
    db.commit()
    db.refresh(into)
    return into
