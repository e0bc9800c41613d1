"""« Chantiers »: the agency's ongoing collective work a manager lists on the activity dashboard.

A collective recruitment, a cluster of TPE hiring together, a job dating… each with its state
(à venir, en cours, terminé) and optional dates and note. Never about a person.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import Count, Day, Reason, ShortText, about
from api.models.versioned import Versioned

ChantierKind = Literal["recrutement_collectif", "grappe_tpe", "job_dating", "autre"]
KIND_LABELS: dict[str, str] = {
    "recrutement_collectif": "Recrutement collectif",
    "grappe_tpe": "Grappe TPE",
    "job_dating": "Job dating",
    "autre": "Autre",
}
ChantierState = Literal["a_venir", "en_cours", "termine"]
STATE_LABELS: dict[str, str] = {"a_venir": "à venir", "en_cours": "en cours", "termine": "terminé"}
NOTE_MAX = 300

_KIND_HELP = (
    "Genre : recrutement_collectif (recrutement collectif), grappe_tpe (grappe de TPE), "
    "job_dating ou autre."
)
_STATE_HELP = "État : a_venir (à venir), en_cours (en cours) ou termine (terminé)."
_VERSION_HELP = (
    "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
    "d'écraser la modification d'un collègue (sinon 409)."
)


class Chantier(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    title: str = Field(max_length=200)
    kind: str = Field(max_length=24)
    state: str = Field(default="a_venir", max_length=16)
    starts_on: date | None = None
    ends_on: date | None = None
    note: str = Field(default="", max_length=NOTE_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


def _dates_in_order(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        raise ValueError("la date de fin précède la date de début")


class ChantierCreate(SQLModel):
    title: ShortText = Field(description="Intitulé du chantier, 1 à 200 caractères.")
    kind: ChantierKind = Field("autre", description=_KIND_HELP)
    state: ChantierState = Field("a_venir", description=_STATE_HELP)
    starts_on: Day | None = Field(None, description="Début (AAAA-MM-JJ), facultatif.")
    ends_on: Day | None = Field(
        None, description="Fin (AAAA-MM-JJ), facultative, pas avant le début."
    )
    note: Reason = Field(
        "",
        description=(
            f"Un mot sur le chantier, {NOTE_MAX} caractères au plus ; jamais de donnée personnelle."
        ),
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> ChantierCreate:
        _dates_in_order(self.starts_on, self.ends_on)
        return self


class ChantierUpdate(SQLModel):
    """Every field optional; ``version`` (or If-Match) guards against overwriting a newer edit."""

    title: ShortText | None = Field(None, description=about(ChantierCreate, "title"))
    kind: ChantierKind | None = Field(None, description=_KIND_HELP)
    state: ChantierState | None = Field(None, description=_STATE_HELP)
    starts_on: Day | None = Field(None, description=about(ChantierCreate, "starts_on"))
    ends_on: Day | None = Field(None, description=about(ChantierCreate, "ends_on"))
    note: Reason | None = Field(None, description=about(ChantierCreate, "note"))
    version: Count | None = Field(None, description=_VERSION_HELP)


class ChantierPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    title: str = Field(description="Intitulé du chantier.")
    kind: str = Field(description=_KIND_HELP)
    kind_label: str = Field(description="Genre en mots.")
    state: str = Field(description=_STATE_HELP)
    state_label: str = Field(description="État en mots : à venir, en cours ou terminé.")
    starts_on: date | None = Field(description="Début (AAAA-MM-JJ), si connu.")
    ends_on: date | None = Field(description="Fin (AAAA-MM-JJ), si connue.")
    note: str = Field(description="Un mot sur le chantier.")
    updated_at: datetime = Field(description="Dernière modification (UTC).")
    version: int = Field(description=_VERSION_HELP)
