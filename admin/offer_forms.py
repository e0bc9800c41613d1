"""Turning the offer form into the service's models, with French messages per field."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from admin.criteria_forms import CRITERIA_FIELDS, criteria_values, parse_criteria
from admin.forms import Form
from api.francetravail.prefill import OfferPrefill
from api.models.offer import CONTRACTS, Offer, OfferPublic
from api.models.tag import fold

OFFER_FIELDS = (
    "employer", "title", "contract", "commune", "positions", "start_date", "tags",
    "description", "staff_note", "is_tpe", "ft_offer_id", "urgency_override",
    "urgency_override_reason",
)  # fmt: skip
FIELD_LABELS = {
    "employer": "Employeur",
    "title": "Poste",
    "contract": "Contrat",
    "commune": "Commune",
    "positions": "Nombre de postes",
    "start_date": "Début souhaité",
    "tags": "Étiquettes",
    "description": "Description",
    "staff_note": "Note interne",
    "is_tpe": "TPE",
    "ft_offer_id": "N° d'offre France Travail",
    "urgency_override": "Urgence",
    "urgency_override_reason": "Raison",
}
CONTRACT_OPTIONS = [(c, c) for c in CONTRACTS]
_TAG = re.compile(r"^[^\s#,]{1,39}$")
_FT_ID = re.compile(r"^[0-9A-Za-z]{5,20}$")


def parse_tags(form: Form, name: str = "tags") -> list[str]:
    """``#embaucheenor antiplôme, Festival`` → ``['#embaucheenor', '#antiplôme', '#Festival']``."""
    text = form.text(name, max_length=600) or ""
    tags: list[str] = []
    for word in re.split(r"[\s,;]+", text):
        word = word.strip().lstrip("#")
        if not word:
            continue
        if not _TAG.match(word):
            form.add_error(name, f"Étiquette trop longue ou invalide : « {word[:40]} ».")
            return []
        tag = "#" + word  # as typed: the service names it as the agency's existing tag
        if fold(tag) not in {fold(t) for t in tags}:
            tags.append(tag)
    if len(tags) > 12:
        form.add_error(name, "12 étiquettes au maximum.")
        return []
    return tags


def parse_offer(form: Form, *, with_override: bool) -> dict[str, Any]:
    """Read every offer field; errors are left on ``form``."""
    data: dict[str, Any] = {
        "employer": form.text("employer", required=True),
        "title": form.text("title", required=True),
        "contract": form.choice("contract", CONTRACTS),
        "commune": form.text("commune", required=True),
        "positions": form.integer("positions", minimum=1, maximum=99, default=1),
        "start_date": form.date("start_date"),
        "tags": parse_tags(form),
        "description": form.text("description", max_length=4000) or "",
        "staff_note": form.text("staff_note", max_length=4000) or "",
        "is_tpe": form.checkbox("is_tpe"),
        "ft_offer_id": form.text("ft_offer_id", max_length=20),
    }
    data["criteria"] = parse_criteria(form)  # « mouton à 5 pattes »: None when none typed
    if data["ft_offer_id"] and not _FT_ID.match(data["ft_offer_id"]):
        form.add_error("ft_offer_id", "De 5 à 20 lettres ou chiffres, sans espace.")
    if with_override:
        level = form.raw("urgency_override").strip()
        reason = form.text("urgency_override_reason", max_length=300)
        if level in {"0", "1", "2", "3"}:
            data["urgency_override"] = int(level)
            data["urgency_override_reason"] = reason
            if not reason:
                form.add_error(
                    "urgency_override_reason",
                    "Indiquez pourquoi vous forcez l'urgence (visible par l'équipe).",
                )
        elif level in {"", "auto"}:
            data["urgency_override"] = None
            data["urgency_override_reason"] = None
        else:
            form.add_error("urgency_override", "Choix inconnu : choisissez dans la liste.")
    return data


def apply_validation_error(form: Form, exc: ValidationError) -> None:
    """Put a pydantic error next to its field (messages from the models are partly English)."""
    for error in exc.errors():
        loc = error.get("loc") or ("",)
        name = str(loc[0]) if loc and loc[0] in OFFER_FIELDS else "employer"
        if loc[0] == "criteria" and len(loc) > 1 and loc[1] in CRITERIA_FIELDS:
            name = str(loc[1])
        form.add_error(
            name, "Valeur refusée : " + str(error.get("msg", "")).removeprefix("Value error, ")
        )


def offer_values(offer: Offer | OfferPublic) -> dict[str, Any]:
    """The offer as the edit form shows it."""
    return {
        "employer": offer.employer,
        "title": offer.title,
        "contract": offer.contract,
        "commune": offer.commune,
        "positions": offer.positions,
        "start_date": offer.start_date,
        "tags": " ".join(offer.tags or []),
        "description": offer.description,
        "staff_note": offer.staff_note or "",
        "is_tpe": offer.is_tpe,
        "ft_offer_id": offer.ft_offer_id or "",
        "urgency_override": "" if offer.urgency_override is None else offer.urgency_override,
        "urgency_override_reason": offer.urgency_override_reason or "",
        "version": offer.version,
        **criteria_values(
            offer.criteria.model_dump()
            if offer.criteria is not None and not isinstance(offer.criteria, dict)
            else offer.criteria
        ),
    }


def prefilled_form(form: Form, found: OfferPrefill) -> Form:
    """The new-offer form with France Travail's fields; what the CDE already typed elsewhere
    (tags, note, start date) is kept, and an empty upstream field never erases a typed one."""
    values = dict(form.values)
    fields = found.model_dump(exclude={"lacks_candidates"})
    for name, value in fields.items():
        if value in ("", None):
            continue
        if name == "is_tpe":
            values[name] = "on" if value else ""
        else:
            values[name] = str(value)
    return Form(values=values)
