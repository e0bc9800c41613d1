"""Light read models for lists of offers: the cards need a dozen fields, not the full public
model, and building 80 pydantic objects per page view was most of the server time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from api.domain import urgency
from api.models import Offer
from api.services.common import staff_refs
from api.services.offers import OfferContext, candidate_counts, days_open


@dataclass(frozen=True, slots=True)
class Level:
    level: int
    label: str


@dataclass(frozen=True, slots=True)
class Owner:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class OfferCard:
    """What an offer card in a list shows (same names as ``OfferPublic``)."""

    id: int
    code: str
    title: str
    employer: str
    commune: str
    contract: str
    status: str
    tags: list[str]
    opened_at: datetime
    days_open: int
    candidates_count: int
    urgency: Level
    owner: Owner


def offer_cards(
    db: Session,
    agency_id: int,
    ctx: OfferContext,
    *,
    status: str | None = "open",
    level: int | None = None,
    tag: str | None = None,
    owner_id: int | None = None,
    search: str | None = None,
) -> list[OfferCard]:
    """The agency's offers as cards, filtered like the API's list, most urgent then oldest first."""
    query = select(Offer).where(Offer.agency_id == agency_id)
    if status:
        query = query.where(Offer.status == status)
    if owner_id:
        query = query.where(Offer.owner_id == owner_id)
    offers = list(db.exec(query))
    if tag:
        wanted = "#" + tag.lstrip("#").lower()
        offers = [o for o in offers if wanted in (o.tags or [])]
    if search:
        needle = search.strip().lower()
        offers = [o for o in offers if needle in f"{o.employer} {o.title} {o.commune}".lower()]
    counts = candidate_counts(db, [o.id for o in offers if o.id is not None])
    owners = staff_refs(db, (o.owner_id for o in offers))
    cards = []
    for offer in offers:
        candidates = counts.get(offer.id or 0, 0)
        computed = urgency.compute_level(
            start_date=offer.start_date,
            opened_on=offer.opened_at.date(),
            candidates=candidates,
            today=ctx.today,
            thresholds=ctx.thresholds,
            override=offer.urgency_override,
        )
        if level is not None and computed != level:
            continue
        owner = owners.get(offer.owner_id)
        cards.append(
            OfferCard(
                id=offer.id or 0,
                code=offer.code,
                title=offer.title,
                employer=offer.employer,
                commune=offer.commune,
                contract=offer.contract,
                status=offer.status,
                tags=list(offer.tags or []),
                opened_at=offer.opened_at,
                days_open=days_open(offer, ctx.today),
                candidates_count=candidates,
                urgency=Level(computed, urgency.describe(computed).label),
                owner=Owner(owner.id, owner.name) if owner else Owner(0, "—"),
            )
        )
    cards.sort(key=lambda c: (-c.urgency.level, c.opened_at, c.id))
    return cards
