"""The défi TPE: a collective goal over a period, and the contributions towards it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import Count, Day, Flag, ShortText, count_between
from api.models.versioned import Versioned

Service = Literal["cde", "cdde"]
Goal = count_between(1, 100_000)
SERVICE_LABELS = {"cde": "Entreprises (CDE)", "cdde": "Demandeurs (CDDE)"}


class ChallengeBase(SQLModel):
    title: ShortText = Field(description="Nom du défi, 1 à 200 caractères.")
    unit: ShortText = Field(
        "offres TPE pourvues",
        description="Ce que l'on compte, au pluriel (par défaut « offres TPE pourvues »).",
    )
    goal: Goal = Field(description="Objectif à atteindre, en unités du défi : 1 à 100 000.")
    starts_on: Day = Field(description="Premier jour du défi (AAAA-MM-JJ).")
    ends_on: Day = Field(description="Dernier jour du défi, compris (AAAA-MM-JJ).")

    @model_validator(mode="after")
    def _period_in_order(self) -> ChallengeBase:
        if self.ends_on < self.starts_on:
            raise ValueError("la date de fin précède la date de début")
        return self


class Challenge(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    title: str = Field(max_length=200)
    unit: str = Field(max_length=200)
    goal: int
    starts_on: date
    ends_on: date
    closed: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class ChallengeCreate(ChallengeBase):
    pass


class ChallengeUpdate(SQLModel):
    title: ShortText | None = Field(None, description="Nom du défi, 1 à 200 caractères.")
    unit: ShortText | None = Field(
        None, description="Ce que l'on compte, au pluriel (par défaut « offres TPE pourvues »)."
    )
    goal: Goal | None = Field(
        None, description="Objectif à atteindre, en unités du défi : 1 à 100 000."
    )
    ends_on: Day | None = Field(
        None, description="Nouveau dernier jour du défi, compris (AAAA-MM-JJ)."
    )
    closed: Flag | None = Field(
        None, description="Clore le défi (il ne compte plus de contributions) ou le rouvrir."
    )
    version: Count | None = Field(
        None,
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        ),
    )


class Contribution(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    service: str = Field(max_length=8)
    amount: int = 1
    label: str = Field(default="", max_length=200)
    staff_id: int = Field(foreign_key="staff.id")
    offer_id: int | None = Field(default=None, foreign_key="offer.id")
    # Credited to both services together (a CDDE's candidate hired on a CDE's offer).
    shared: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ContributionCreate(SQLModel):
    amount: Count = Field(
        default=1, ge=1, le=100, description="Nombre d'unités apportées au défi : 1 à 100."
    )
    label: ShortText = Field(
        "contribution",
        description="Libellé de la contribution (ce qui a été fait), 1 à 200 caractères.",
    )


class ContributionPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    service: str = Field(
        description="Service crédité : « cde » (entreprises) ou « cdde » (demandeurs d'emploi)."
    )
    amount: int = Field(description="Nombre d'unités apportées au défi : 1 à 100.")
    label: str = Field(
        description="Libellé de la contribution (ce qui a été fait), 1 à 200 caractères."
    )
    created_at: datetime = Field(description="Date et heure de création (UTC).")
    offer_id: int | None = Field(
        description="Identifiant de l'offre pourvue qui a produit la contribution, le cas échéant."
    )
    shared: bool = Field(
        False,
        description=(
            "Contribution commune aux deux services : le candidat proposé par un CDDE a été "
            "embauché sur l'offre d'un CDE."
        ),
    )


class ChallengePublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    title: str = Field(description="Nom du défi.")
    unit: str = Field(
        description="Ce que l'on compte, au pluriel (par défaut « offres TPE pourvues »)."
    )
    goal: int = Field(description="Objectif à atteindre, en unités du défi : 1 à 100 000.")
    starts_on: date = Field(description="Premier jour du défi (AAAA-MM-JJ).")
    ends_on: date = Field(description="Dernier jour du défi, compris (AAAA-MM-JJ).")
    closed: bool = Field(description="Défi clos à la main : il ne compte plus de contributions.")
    active: bool = Field(description="Le défi est en cours aujourd'hui et n'est pas clos.")
    total: int = Field(description="Total des contributions, en unités du défi.")
    by_service: dict[str, int] = Field(
        description=(
            "Total par service : « cde » (entreprises) et « cdde » (demandeurs d'emploi), hors "
            "contributions communes."
        )
    )
    shared: int = Field(
        0, description="Total des contributions communes aux deux services (CDE et CDDE ensemble)."
    )
    version: int = Field(
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        )
    )
