"""The défi TPE: a collective goal over a period, and the contributions towards it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import Count, Day, Flag, ShortText, count_between

Service = Literal["cde", "cdde"]
Goal = count_between(1, 100_000)
SERVICE_LABELS = {"cde": "Entreprises (CDE)", "cdde": "Demandeurs (CDDE)"}


class ChallengeBase(SQLModel):
    title: ShortText
    unit: ShortText = "offres TPE pourvues"
    goal: Goal
    starts_on: Day
    ends_on: Day

    @model_validator(mode="after")
    def _period_in_order(self) -> ChallengeBase:
        if self.ends_on < self.starts_on:
            raise ValueError("la date de fin précède la date de début")
        return self


class Challenge(SQLModel, table=True):
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
    title: ShortText | None = None
    unit: ShortText | None = None
    goal: Goal | None = None
    ends_on: Day | None = None
    closed: Flag | None = None
    version: Count | None = None


class Contribution(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    service: str = Field(max_length=8)
    amount: int = 1
    label: str = Field(default="", max_length=200)
    staff_id: int = Field(foreign_key="staff.id")
    offer_id: int | None = Field(default=None, foreign_key="offer.id")
    created_at: datetime = Field(default_factory=utcnow)


class ContributionCreate(SQLModel):
    amount: Count = Field(default=1, ge=1, le=100)
    label: ShortText = "contribution"


class ContributionPublic(SQLModel):
    id: int
    service: str
    amount: int
    label: str
    created_at: datetime
    offer_id: int | None


class ChallengePublic(SQLModel):
    id: int
    title: str
    unit: str
    goal: int
    starts_on: date
    ends_on: date
    closed: bool
    active: bool
    total: int
    by_service: dict[str, int]
    version: int
