"""The offer form's « Exigences de l'employeur » block: reading it with French messages per
field, showing it again, and the « mouton à 5 pattes » check on what was typed.

The API's model (``api.models.criteria.OfferCriteria``) checks the same limits; this module
says them in the form's words (« 12,50 », one must-have a line).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from admin.forms import Form
from api.domain.hard_to_fill import Smic
from api.domain.text import clean_text
from api.models.criteria import (
    DIPLOMA_LABELS,
    MAX_EXPERIENCE_YEARS,
    MAX_HOURLY_PAY,
    MAX_MONTHLY_PAY,
    MAX_MUST_HAVES,
    MAX_WEEKLY_HOURS,
    MUST_HAVE_MAX,
    PAY_PERIOD_LABELS,
    CheckPublic,
    OfferCriteria,
)
from api.services import hard_to_fill

CRITERIA_FIELDS = (
    "experience_years", "diploma", "pay_from", "pay_to", "pay_period", "weekly_hours",
    "driving_licence", "must_haves",
)  # fmt: skip
CRITERIA_LABELS = {
    "experience_years": "Expérience exigée",
    "diploma": "Diplôme exigé",
    "pay_from": "Salaire brut, de",
    "pay_to": "Salaire brut, à",
    "pay_period": "Salaire",
    "weekly_hours": "Heures par semaine",
    "driving_licence": "Permis de conduire",
    "must_haves": "Autres exigences",
}
DIPLOMA_OPTIONS = list(DIPLOMA_LABELS.items())
PAY_PERIOD_OPTIONS = [("hour", "De l'heure"), ("month", "Par mois")]
_NUMBER = re.compile(r"^[0-9]+(?:[.,][0-9]+)?$")
_MUST_HAVES_RAW_MAX = MAX_MUST_HAVES * (MUST_HAVE_MAX + 2) * 4


def _fr(value: Decimal) -> str:
    """« 12,5 »: a typed number written back the French way."""
    return f"{value.normalize():f}".replace(".", ",")


def _decimal(form: Form, name: str, *, maximum: int, what: str) -> Decimal | None:
    """A positive number typed the French way (« 1 823,07 », « 12.5 € »), or None."""
    text = form.raw(name).strip().replace("€", "").replace("\u202f", "").replace("\xa0", "")
    text = text.replace(" ", "")
    if not text:
        return None
    if text.startswith("-"):
        form.add_error(name, f"{what} ne peut pas être négatif.")
        return None
    if len(text) > 20 or not _NUMBER.match(text):
        example = "12,02" if name.startswith("pay") else "35"
        form.add_error(name, f"Indiquez un nombre, par exemple {example}.")
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        form.add_error(name, "Indiquez un nombre.")
        return None
    if value <= 0 or value > maximum:
        form.add_error(name, f"{what} : plus de 0 et {maximum:,} au plus.".replace(",", "\u202f"))
        return None
    return value


def _experience(form: Form) -> int | None:
    text = form.raw("experience_years").strip()
    if not text:
        return None
    if text.startswith("-"):
        form.add_error("experience_years", "L'expérience ne peut pas être négative (0 : débutant).")
        return None
    return form.integer("experience_years", minimum=0, maximum=MAX_EXPERIENCE_YEARS)


def _must_haves(form: Form) -> list[str]:
    raw = form.raw("must_haves")
    if len(raw) > _MUST_HAVES_RAW_MAX:
        form.add_error(
            "must_haves",
            f"Trop long : {MAX_MUST_HAVES} exigences au plus, de {MUST_HAVE_MAX} caractères "
            f"chacune (ici {len(raw):,} caractères).".replace(",", "\u202f"),
        )
        return []
    items: list[str] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        item = clean_text(line)
        if not item:
            continue
        if len(item) > MUST_HAVE_MAX:
            form.add_error(
                "must_haves",
                f"Ligne {number} : {MUST_HAVE_MAX} caractères au plus par exigence "
                f"(ici {len(item)}).",
            )
            return []
        if item.casefold() not in {i.casefold() for i in items}:
            items.append(item)
    if len(items) > MAX_MUST_HAVES:
        form.add_error(
            "must_haves",
            f"{MAX_MUST_HAVES} exigences au plus (ici {len(items)}) : gardez l'essentiel.",
        )
        return []
    return items


def parse_criteria(form: Form) -> dict[str, Any] | None:
    """The criteria typed on ``form`` as the API takes them (None when none); errors stay on
    ``form`` next to their field."""
    pay_from = _decimal(form, "pay_from", maximum=MAX_MONTHLY_PAY, what="Le salaire")
    pay_to = _decimal(form, "pay_to", maximum=MAX_MONTHLY_PAY, what="Le salaire")
    period = form.choice("pay_period", PAY_PERIOD_LABELS, required=False)
    if pay_from is not None and pay_to is not None and pay_from > pay_to:
        form.add_error(
            "pay_to",
            f"Le salaire « à » doit être au moins le salaire « de » (ici {_fr(pay_to)} < "
            f"{_fr(pay_from)}) : inversez-les.",
        )
    if (pay_from is not None or pay_to is not None) and period is None:
        form.add_error("pay_period", "Précisez si le salaire est de l'heure ou par mois.")
    if period == "hour" and max(pay_from or 0, pay_to or 0) > MAX_HOURLY_PAY:
        form.add_error(
            "pay_to" if (pay_to or 0) > MAX_HOURLY_PAY else "pay_from",
            f"{MAX_HOURLY_PAY} € de l'heure au plus : s'agit-il d'un salaire mensuel ?",
        )
    data: dict[str, Any] = {
        "experience_years": _experience(form),
        "diploma": form.choice("diploma", DIPLOMA_LABELS, required=False),
        "pay_from": None if pay_from is None else float(pay_from),
        "pay_to": None if pay_to is None else float(pay_to),
        "pay_period": period if (pay_from is not None or pay_to is not None) else None,
        "weekly_hours": _weekly_hours(form),
        "driving_licence": form.checkbox("driving_licence"),
        "must_haves": _must_haves(form),
    }
    criteria = OfferCriteria.model_construct(**data)
    return None if criteria.is_empty else data


def _weekly_hours(form: Form) -> float | None:
    hours = _decimal(form, "weekly_hours", maximum=10**6, what="Le nombre d'heures")
    if hours is None:
        return None
    if hours < 1:
        form.add_error("weekly_hours", "Au moins 1 heure par semaine.")
        return None
    if hours > MAX_WEEKLY_HOURS:
        form.add_error(
            "weekly_hours",
            f"{MAX_WEEKLY_HOURS} heures par semaine au plus (durée maximale légale), "
            f"ici {_fr(hours)} h.",
        )
        return None
    return float(hours)


def _number(value: float | None) -> str:
    return "" if value is None else _fr(Decimal(str(value)))


def criteria_values(stored: dict[str, Any] | None) -> dict[str, Any]:
    """An offer's stored criteria as the form shows them."""
    c = stored or {}
    return {
        "experience_years": "" if c.get("experience_years") is None else c["experience_years"],
        "diploma": c.get("diploma") or "",
        "pay_from": _number(c.get("pay_from")),
        "pay_to": _number(c.get("pay_to")),
        "pay_period": c.get("pay_period") or "",
        "weekly_hours": _number(c.get("weekly_hours")),
        "driving_licence": bool(c.get("driving_licence")),
        "must_haves": "\n".join(c.get("must_haves") or []),
    }


def typed_check(form: Form, data: dict[str, Any], smic: Smic) -> CheckPublic | None:
    """The « mouton à 5 pattes » check on the criteria typed on ``form`` (``data`` as
    ``parse_offer`` read it), or None when there is nothing valid to check."""
    if not data.get("criteria") or any(name in form.errors for name in CRITERIA_FIELDS):
        return None
    try:
        criteria = OfferCriteria(**data["criteria"])
    except ValidationError:
        return None
    return hard_to_fill.check_criteria(criteria, data.get("contract"), smic)
