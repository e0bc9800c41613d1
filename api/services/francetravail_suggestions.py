"""Agency-wide suggestions: small businesses' offers in the agency's communes, « À importer ».

An agency lists its communes (INSEE codes). A search of France Travail's offers in them keeps
those of establishments under 10 employees (the size band France Travail gives), flags the ones
France Travail marks as lacking candidates, and files each as a suggestion of the agency. A CDE
accepts one (it becomes an offer of theirs, linked to France Travail) or dismisses it; a
dismissed offer is never suggested again, an offer already linked in the agency never is.

found = search(client, ["72181", "72124"])  # TPE offers, lacking candidates first
added = file_suggestions(db, agency_id, found)  # SuggestionsFiled(new=3, known=1, …)
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from api.changes import QUIET
from api.clock import utcnow
from api.errors import Conflict, Invalid
from api.francetravail.client import PAGE_MAX, FranceTravailClient
from api.francetravail.prefill import OfferPrefill, prefill_from
from api.models import (
    Agency,
    FranceTravailArea,
    FranceTravailSuggestion,
    Offer,
    Staff,
)
from api.models.offer import OfferCreate
from api.services import offers
from api.services.common import get_scoped

log = logging.getLogger("couloir.francetravail.suggestions")

INSEE = re.compile(r"\d[0-9AB]\d{3}")  # 72181; Corsica: 2A004
COMMUNES_MAX = 50
COMMUNES_PER_CALL = 5  # France Travail takes a few communes per search
FIRST_INDEX_MAX = 3000  # France Travail refuses a first index beyond this


@dataclass(frozen=True)
class SuggestionsFiled:
    """What filing one search's offers did."""

    new: int = 0
    known: int = 0  # already suggested and still to decide (their details refreshed)
    dismissed: int = 0  # dismissed earlier: left so
    linked: int = 0  # already an offer of the agency


def parse_communes(text: str) -> list[str]:
    """``"72181, 72124"`` → ``["72181", "72124"]``; Invalid (French) naming a bad code."""
    codes = [c.strip().upper() for c in re.split(r"[,;\s]+", text) if c.strip()]
    for code in codes:
        if not INSEE.fullmatch(code):
            raise Invalid(
                f"« {code[:20]} » n'est pas un code commune INSEE (5 caractères, comme 72181).",
                field="communes",
            )
    if len(codes) > COMMUNES_MAX:
        raise Invalid(f"{COMMUNES_MAX} communes au plus.", field="communes")
    return list(dict.fromkeys(codes))


def communes_of(db: Session, agency_id: int) -> list[str]:
    """The agency's communes, empty when none are listed."""
    area = db.get(FranceTravailArea, agency_id)
    return list(area.communes) if area else []


def set_communes(db: Session, agency: Agency, communes: list[str]) -> None:
    """Replace the agency's communes (already parsed by ``parse_communes``)."""
    area = db.get(FranceTravailArea, agency.id) or FranceTravailArea(agency_id=agency.id)
    area.communes = list(communes)
    db.add(area)
    db.info[QUIET] = True  # no screen shows them
    db.commit()


def search(client: FranceTravailClient, communes: list[str]) -> list[OfferPrefill]:
    """Offers of establishments under 10 employees in these communes, lacking candidates first."""
    found: dict[str, OfferPrefill] = {}
    for start in range(0, len(communes), COMMUNES_PER_CALL):
        filters = {"commune": ",".join(communes[start : start + COMMUNES_PER_CALL])}
        first = 0
        while first <= FIRST_INDEX_MAX:
            page = client.search(filters, first=first, last=first + PAGE_MAX - 1)
            for offer in page.offers:
                try:
                    prefill = prefill_from(offer) if isinstance(offer, dict) else None
                except (ValueError, TypeError, AttributeError):
                    prefill = None
                if prefill is None or not prefill.ft_offer_id:
                    log.warning("France Travail search: an unreadable offer skipped")
                    continue
                if prefill.is_tpe:
                    found[prefill.ft_offer_id] = prefill
            if not page.offers or page.last + 1 >= page.total:
                break
            first = page.last + 1
    return sorted(found.values(), key=lambda p: (not p.lacks_candidates, p.ft_offer_id))


def file_suggestions(db: Session, agency_id: int, found: list[OfferPrefill]) -> SuggestionsFiled:
    """File the found offers as the agency's suggestions (dismissed and linked ones left out)."""
    numbers = [p.ft_offer_id for p in found]
    linked = set(
        db.exec(
            select(Offer.ft_offer_id).where(
                Offer.agency_id == agency_id, col(Offer.ft_offer_id).in_(numbers)
            )
        )
    )
    existing = {
        s.ft_offer_id: s
        for s in db.exec(
            select(FranceTravailSuggestion).where(
                FranceTravailSuggestion.agency_id == agency_id,
                col(FranceTravailSuggestion.ft_offer_id).in_(numbers),
            )
        )
    }
    counts = {"new": 0, "known": 0, "dismissed": 0, "linked": 0}
    for prefill in found:
        number = prefill.ft_offer_id
        known = existing.get(number)
        if number in linked:
            counts["linked"] += 1
        elif known is None:
            db.add(
                FranceTravailSuggestion(
                    agency_id=agency_id,
                    ft_offer_id=number,
                    lacks_candidates=prefill.lacks_candidates,
                    prefill=prefill.model_dump(),
                )
            )
            counts["new"] += 1
        elif known.status == "new":
            known.prefill = prefill.model_dump()
            known.lacks_candidates = prefill.lacks_candidates
            db.add(known)
            counts["known"] += 1
        else:
            counts["dismissed" if known.status == "dismissed" else "linked"] += 1
    db.info[QUIET] = True  # suggestions are on CDE phones, never on the screen
    db.commit()
    return SuggestionsFiled(**counts)


def pending(db: Session, agency_id: int) -> list[FranceTravailSuggestion]:
    """The agency's suggestions still to decide, those lacking candidates first."""
    return list(
        db.exec(
            select(FranceTravailSuggestion)
            .where(
                FranceTravailSuggestion.agency_id == agency_id,
                FranceTravailSuggestion.status == "new",
            )
            .order_by(
                col(FranceTravailSuggestion.lacks_candidates).desc(),
                col(FranceTravailSuggestion.found_at),
                col(FranceTravailSuggestion.id),
            )
        )
    )


def _undecided(suggestion: FranceTravailSuggestion) -> None:
    if suggestion.status != "new":
        word = "importée" if suggestion.status == "accepted" else "écartée"
        raise Conflict(f"Cette offre a déjà été {word}.")


def accept(db: Session, actor: Staff, suggestion: FranceTravailSuggestion) -> Offer:
    """Import the suggested offer as an offer of ``actor``, linked to France Travail."""
    _undecided(suggestion)
    fields: dict[str, Any] = dict(suggestion.prefill)
    data = {k: fields[k] for k in ("employer", "title", "contract", "commune", "positions")}
    data["description"] = fields.get("description", "")
    data["ft_offer_id"] = suggestion.ft_offer_id
    data["employer"] = data["employer"] or "Employeur non précisé"
    data["commune"] = data["commune"] or "Commune non précisée"
    offer = offers.create_offer(db, actor, OfferCreate(**data))
    suggestion.status, suggestion.offer_id = "accepted", offer.id
    suggestion.decided_at, suggestion.decided_by_id = utcnow(), actor.id
    db.add(suggestion)
    db.commit()
    return offer


def dismiss(db: Session, actor: Staff, suggestion: FranceTravailSuggestion) -> None:
    """Set the suggestion aside for good: the same offer is never suggested again."""
    _undecided(suggestion)
    suggestion.status = "dismissed"
    suggestion.decided_at, suggestion.decided_by_id = utcnow(), actor.id
    db.add(suggestion)
    db.info[QUIET] = True
    db.commit()


def refresh_all(db: Session, client: FranceTravailClient) -> dict[int, SuggestionsFiled]:
    """Search and file suggestions for every agency that listed communes (the scheduled run)."""
    filed: dict[int, SuggestionsFiled] = {}
    for area in db.exec(select(FranceTravailArea)).all():
        if area.communes:
            filed[area.agency_id] = file_suggestions(
                db, area.agency_id, search(client, list(area.communes))
            )
    return filed


def get_suggestion(db: Session, agency_id: int, suggestion_id: int) -> FranceTravailSuggestion:
    """One of the agency's suggestions; NotFound (French) for another agency's or none."""
    return get_scoped(db, FranceTravailSuggestion, suggestion_id, agency_id, "Suggestion")
