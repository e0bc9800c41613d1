"""What every refused API request answers: ``{"detail": …}``, declared once for the OpenAPI schema.

Two shapes of ``detail``, both documented so that a client can rely on them:

- a list of reasons, one per field, when the request does not match its schema (FastAPI's own
  validation, e.g. ``{"detail": [{"loc": ["body", "positions"], "msg": …, "type": …}]}``);
- a French sentence for every other refusal (a rule of the service, a missing login, an unknown
  object), with ``field`` when the sentence is about one field and ``current`` with a 409 about a
  stale version.

>>> Problem(detail="Offre introuvable").model_dump(exclude_none=True)
{'detail': 'Offre introuvable'}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ValidationItem(BaseModel):
    """One reason a request does not match its schema."""

    loc: list[str | int] = Field(
        description="Où : « body », « query », « path » ou « header », puis le champ."
    )
    msg: str = Field(description="Pourquoi, en français (par exemple « champ obligatoire »).")
    type: str = Field(description="Code de l'erreur (stable, pour les programmes).")


class Problem(BaseModel):
    """A refused request: why, in French, or the list of fields that do not match the schema."""

    detail: str | list[ValidationItem] = Field(
        description="La raison en français, ou la liste des champs refusés par le schéma."
    )
    field: str | None = Field(None, description="Le champ en cause, quand il n'y en a qu'un.")
    current: dict[str, Any] | None = Field(
        None, description="Avec un 409 de version : l'objet tel qu'il est maintenant."
    )


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem("Corps de requête illisible (JSON mal formé)."),
    401: _problem("Connexion requise, ou jeton invalide, expiré ou révoqué."),
    403: _problem("Le rôle du compte (ou l'origine de la requête) ne permet pas cette action."),
    404: _problem("Objet introuvable dans l'agence du compte."),
    409: _problem(
        "Conflit avec l'état actuel : objet modifié entre-temps (``current``), déjà existant, "
        "déjà clos…"
    ),
    413: _problem("Corps de requête trop lourd."),
    422: _problem(
        "Données refusées : liste des champs hors schéma, ou phrase quand une règle du service "
        "n'est pas respectée."
    ),
    429: {
        **_problem("Trop de tentatives : réessayer après ``Retry-After`` secondes."),
        "headers": {
            "Retry-After": {
                "description": "Secondes à attendre avant de réessayer.",
                "schema": {"type": "integer"},
            }
        },
    },
    503: _problem("Service momentanément indisponible (base injoignable, disque plein)."),
}
"""The error answers every API route may give, for ``include_router(responses=…)``."""
