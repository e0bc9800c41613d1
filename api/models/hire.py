"""Remarkable hires: the stories the gallery shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import (
    MAX_TAGS,
    TAGS_HELP,
    Count,
    Day,
    DbId,
    Flag,
    LongText,
    ShortText,
    Tag,
    about,
)
from api.models.staff import StaffRef
from api.models.tag import TagRef
from api.models.versioned import Versioned

HireStatus = Literal["draft", "published", "withdrawn"]
HIRE_STATUS_LABELS = {"draft": "à valider", "published": "publiée", "withdrawn": "retirée"}


class HireBase(SQLModel):
    employer: ShortText = Field(description="Nom de l'employeur, 1 à 200 caractères.")
    title: ShortText = Field(description="Intitulé du poste occupé, 1 à 200 caractères.")
    story: LongText = Field(
        "",
        description="Récit de l'embauche pour la galerie, 4 000 caractères au plus.",
    )
    hired_on: Day = Field(description="Date de l'embauche (AAAA-MM-JJ).")
    expires_on: Day | None = Field(
        None,
        description=(
            "Dernier jour d'affichage sur l'écran, pas avant l'embauche (AAAA-MM-JJ) ; vide : "
            "sans fin."
        ),
    )
    cde_id: DbId | None = Field(
        None,
        description="Identifiant du ou de la CDE (conseiller entreprises) à créditer.",
    )
    cdde_id: DbId | None = Field(
        None,
        description=(
            "Identifiant du ou de la CDDE (conseiller demandeurs d'emploi) à créditer, dans "
            "l'agence."
        ),
    )
    offer_id: DbId | None = Field(
        None, description="Identifiant de l'offre pourvue par cette embauche, le cas échéant."
    )
    photo_consent: Flag = Field(
        False,
        description=(
            "La personne a accepté que sa photo soit affichée dans le couloir ; sans accord, "
            "la photo n'est jamais montrée."
        ),
    )

    tags: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS, description=TAGS_HELP)

    @model_validator(mode="after")
    def _expires_after_hire(self) -> HireBase:
        if self.expires_on is not None and self.expires_on < self.hired_on:
            raise ValueError("la date d'expiration précède la date d'embauche")
        return self


class Hire(Versioned, SQLModel, table=True):
    # The gallery's and la criée's query: the published hires of one agency.
    __table_args__ = (Index("ix_hire_agency_status", "agency_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    offer_id: int | None = Field(default=None, foreign_key="offer.id")
    employer: str = Field(max_length=200)
    title: str = Field(max_length=200)
    story: str = Field(default="", max_length=4000)
    hired_on: date
    expires_on: date | None = None
    cde_id: int | None = Field(default=None, foreign_key="staff.id")
    cdde_id: int | None = Field(default=None, foreign_key="staff.id")
    # SHA-256 of the photo in HirePhoto (None: no photo); written with it, read without its bytes.
    photo_sha256: str | None = Field(default=None, max_length=64)
    photo_consent: bool = False
    consent_recorded_by_id: int | None = Field(default=None, foreign_key="staff.id")
    status: str = Field(default="draft", max_length=16, index=True)
    published_at: datetime | None = None
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class HireCreate(HireBase):
    pass


class HireUpdate(SQLModel):
    employer: ShortText | None = Field(None, description=about(HireBase, "employer"))
    title: ShortText | None = Field(None, description=about(HireBase, "title"))
    story: LongText | None = Field(None, description=about(HireBase, "story"))
    hired_on: Day | None = Field(None, description=about(HireBase, "hired_on"))
    expires_on: Day | None = Field(None, description=about(HireBase, "expires_on"))
    cde_id: DbId | None = Field(None, description=about(HireBase, "cde_id"))
    cdde_id: DbId | None = Field(None, description=about(HireBase, "cdde_id"))
    photo_consent: Flag | None = Field(None, description=about(HireBase, "photo_consent"))
    tags: list[Tag] | None = Field(None, max_length=12, description=about(HireBase, "tags"))
    status: HireStatus | None = Field(
        None,
        description=(
            "Nouvel état : draft (à valider), published (publiée) ou withdrawn (retirée) ; "
            "seul un manager publie."
        ),
    )
    version: Count | None = Field(
        None,
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        ),
    )


class HirePublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    offer_id: int | None = Field(
        description="Identifiant de l'offre pourvue par cette embauche, le cas échéant."
    )
    employer: str = Field(description="Nom de l'employeur, 1 à 200 caractères.")
    title: str = Field(description="Intitulé du poste occupé.")
    story: str = Field(description="Récit de l'embauche pour la galerie, 4 000 caractères au plus.")
    hired_on: date = Field(description="Date de l'embauche (AAAA-MM-JJ).")
    expires_on: date | None = Field(
        description=(
            "Dernier jour d'affichage sur l'écran, pas avant l'embauche (AAAA-MM-JJ) ; vide : "
            "sans fin."
        )
    )
    cde: StaffRef | None = Field(
        description="Le ou la CDE à qui l'embauche est créditée, le cas échéant."
    )
    cdde: StaffRef | None = Field(
        description="Le ou la CDDE à qui l'embauche est créditée, le cas échéant."
    )
    has_photo: bool = Field(description="Une photo est enregistrée pour cette embauche.")
    photo_consent: bool = Field(
        description=(
            "La personne a accepté que sa photo soit affichée dans le couloir ; sans accord, "
            "la photo n'est jamais montrée."
        )
    )
    status: str = Field(
        description="État : draft (à valider), published (publiée) ou withdrawn (retirée)."
    )
    tags: list[TagRef] = Field([], description="Ses étiquettes, dans l'ordre donné.")
    published_at: datetime | None = Field(
        description=(
            "Date et heure de publication sur l'écran (UTC), vide tant que l'embauche est à "
            "valider."
        )
    )
    version: int = Field(
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        )
    )
