"""Announcements: short messages for the screen over a period; urgent ones take it over."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel

from api.clock import to_utc, utcnow
from api.models.fields import Flag, Message, Moment
from api.models.versioned import Versioned


class AnnouncementBase(SQLModel):
    message: Message = Field(
        description="Texte de l'annonce affiché sur l'écran, sur une ligne : 1 à 280 caractères."
    )
    urgent: Flag = Field(
        False, description="Annonce urgente : elle prend tout l'écran pendant sa période."
    )
    starts_at: Moment = Field(
        description="Début de l'affichage (date et heure ISO 8601 ; sans fuseau, lue en UTC)."
    )
    ends_at: Moment = Field(
        description="Fin de l'affichage, après le début (date et heure ISO 8601)."
    )

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        # Naive and aware times may be mixed by clients; compare and store them all in UTC.
        try:
            return to_utc(value)
        except OverflowError:
            raise ValueError("date hors des limites du calendrier") from None

    @model_validator(mode="after")
    def _period_in_order(self) -> AnnouncementBase:
        if self.ends_at <= self.starts_at:
            raise ValueError("la fin doit être après le début")
        return self


class Announcement(Versioned, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    message: str = Field(max_length=280)
    urgent: bool = False
    starts_at: datetime
    ends_at: datetime
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class AnnouncementCreate(AnnouncementBase):
    pass


class AnnouncementPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    message: str = Field(
        description="Texte de l'annonce affiché sur l'écran, sur une ligne : 1 à 280 caractères."
    )
    urgent: bool = Field(
        description="Annonce urgente : elle prend tout l'écran pendant sa période."
    )
    starts_at: datetime = Field(
        description="Début de l'affichage (date et heure ISO 8601 ; sans fuseau, lue en UTC)."
    )
    ends_at: datetime = Field(
        description="Fin de l'affichage, après le début (date et heure ISO 8601)."
    )
    active: bool = Field(
        description="L'annonce est affichée en ce moment (entre son début et sa fin)."
    )
    version: int = Field(
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        )
    )
