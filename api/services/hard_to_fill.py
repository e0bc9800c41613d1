"""The « mouton à 5 pattes » check for the staff pages and the API: one offer's criteria, or
the agency's open offers the check flags (to gather them for the monthly thematic meeting).

The rules themselves are ``api.domain.hard_to_fill``; the SMIC comes from the settings. Nothing
here reaches the screen's snapshot: the check is for the CDE and the recruiter, not the corridor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from api.domain.hard_to_fill import Smic, check
from api.models.criteria import CheckPublic, FindingPublic, OfferCriteria
from api.services.offers import BoardEntry


def criteria_of(stored: dict[str, Any] | None) -> OfferCriteria | None:
    """An offer's stored criteria as a model (None when none, or no longer readable)."""
    if not stored:
        return None
    try:
        return OfferCriteria.model_validate(stored)
    except ValidationError:  # written under older limits: nothing to explain rather than a 500
        return None


def check_criteria(criteria: OfferCriteria | None, contract: str | None, smic: Smic) -> CheckPublic:
    """Run the check on ``criteria`` (with the offer's contract) and say it as the API answers.

    >>> from datetime import date
    >>> from decimal import Decimal
    >>> smic = Smic(Decimal("12.02"), date(2026, 1, 1))
    >>> check_criteria(None, "CDI", smic).hard_to_fill
    False
    """
    found = check((criteria or OfferCriteria()).request(contract), smic)
    return CheckPublic(
        hard_to_fill=bool(found),
        findings=[FindingPublic(rule=f.rule_id, title=f.title, text=f.text) for f in found],
        smic_hourly=float(smic.hourly),
        smic_since=smic.since.isoformat(),
    )


def check_offer(offer: Any, smic: Smic) -> CheckPublic:
    """The check on a saved offer (anything with ``criteria`` and ``contract``)."""
    return check_criteria(criteria_of(offer.criteria), offer.contract, smic)


def flagged(entries: Iterable[BoardEntry], smic: Smic) -> dict[int, CheckPublic]:
    """The board entries the check flags: offer id → the check's answer."""
    out = {}
    for entry in entries:
        answer = check_offer(entry.offer, smic)
        if answer.hard_to_fill and entry.offer.id is not None:
            out[entry.offer.id] = answer
    return out
