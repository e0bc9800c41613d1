"""Remarkable hires: the stories the gallery shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import Count, Day, DbId, Flag, LongText, ShortText
from api.models.staff import StaffRef

HireStatus = Literal["draft", "published", "withdrawn"]
HIRE_STATUS_LABELS = {"draft": "à valider", "published": "publiée", "withdrawn": "retirée"}


class HireBase(SQLModel):
    employer: ShortText
    title: ShortText
    story: LongText = ""
    hired_on: Day
    expires_on: Day | None = None
    cde_id: DbId | None = None
    cdde_id: DbId | None = None
    offer_id: DbId | None = None
    photo_consent: Flag = False

    @model_validator(mode="after")
    def _expires_after_hire(self) -> HireBase:
        if self.expires_on is not None and self.expires_on < self.hired_on:
            raise ValueError("la date d'expiration précède la date d'embauche")
        return self


class Hire(SQLModel, table=True):
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
    employer: ShortText | None = None
    title: ShortText | None = None
    story: LongText | None = None
    hired_on: Day | None = None
    expires_on: Day | None = None
    cde_id: DbId | None = None
    cdde_id: DbId | None = None
    photo_consent: Flag | None = None
    status: HireStatus | None = None
    version: Count | None = None


class HirePublic(SQLModel):
    id: int
    offer_id: int | None
    employer: str
    title: str
    story: str
    hired_on: date
    expires_on: date | None
    cde: StaffRef | None
    cdde: StaffRef | None
    has_photo: bool
    photo_consent: bool
    status: str
    published_at: datetime | None
    version: int
