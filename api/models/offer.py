"""Offers (job vacancies of TPE employers) and the candidates CDDE propose for them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.domain.urgency import MAX_LEVEL
from api.models.fields import (
    Count,
    Day,
    Flag,
    FranceTravailId,
    LongText,
    Reason,
    ShortText,
    Tag,
    count_between,
    json_column,
)
from api.models.staff import StaffRef

Contract = Literal["CDI", "CDD", "intérim", "saisonnier", "alternance", "stage", "autre"]
CONTRACTS: tuple[str, ...] = ("CDI", "CDD", "intérim", "saisonnier", "alternance", "stage", "autre")
OfferStatus = Literal["open", "filled", "closed"]
Positions = count_between(1, 99)
UrgencyLevel = count_between(0, MAX_LEVEL)
STATUS_LABELS = {"open": "en cours", "filled": "pourvue", "closed": "clôturée"}
Outcome = Literal["pending", "interview", "hired", "declined"]
OUTCOME_LABELS = {
    "pending": "proposé",
    "interview": "entretien",
    "hired": "embauché",
    "declined": "non retenu",
}


def normalise_tags(tags: list[str]) -> list[str]:
    """Lower-case, prefix with #, drop duplicates, keep order."""
    seen: list[str] = []
    for tag in tags:
        text = "#" + tag.lstrip("#").lower()
        if text not in seen:
            seen.append(text)
    return seen


class OfferBase(SQLModel):
    employer: ShortText
    title: ShortText
    contract: Contract
    commune: ShortText
    positions: Positions = 1
    start_date: Day | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=12)
    description: LongText = ""
    staff_note: LongText = ""
    is_tpe: Flag = True
    ft_offer_id: FranceTravailId | None = None
    urgency_override: UrgencyLevel | None = None
    urgency_override_reason: Reason | None = None

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str]) -> list[str]:
        return normalise_tags(tags)

    @model_validator(mode="after")
    def _override_needs_reason(self) -> OfferBase:
        if self.urgency_override is not None and not (self.urgency_override_reason or "").strip():
            raise ValueError("une urgence forcée demande une raison (urgency_override_reason)")
        if self.urgency_override is None:
            self.urgency_override_reason = None
        return self


class Offer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    code: str = Field(index=True, unique=True, max_length=16)
    employer: str = Field(max_length=200)
    title: str = Field(max_length=200)
    contract: str = Field(max_length=20)
    commune: str = Field(max_length=200)
    positions: int = 1
    start_date: date | None = None
    tags: list[str] = json_column([])
    description: str = Field(default="", max_length=4000)
    staff_note: str = Field(default="", max_length=4000)
    is_tpe: bool = True
    ft_offer_id: str | None = Field(default=None, max_length=20)
    urgency_override: int | None = None
    urgency_override_reason: Reason | None = None
    status: str = Field(default="open", max_length=16, index=True)
    owner_id: int = Field(foreign_key="staff.id", index=True)
    opened_at: datetime = Field(default_factory=utcnow)
    filled_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class OfferCreate(OfferBase):
    pass


class OfferUpdate(SQLModel):
    """Every field optional; ``version`` (or If-Match) guards against overwriting a newer edit."""

    employer: ShortText | None = None
    title: ShortText | None = None
    contract: Contract | None = None
    commune: ShortText | None = None
    positions: Positions | None = None
    start_date: Day | None = None
    tags: list[Tag] | None = Field(default=None, max_length=12)
    description: LongText | None = None
    staff_note: LongText | None = None
    is_tpe: Flag | None = None
    ft_offer_id: FranceTravailId | None = None
    urgency_override: UrgencyLevel | None = None
    urgency_override_reason: Reason | None = None
    version: Count | None = None

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else normalise_tags(tags)


class UrgencyPublic(SQLModel):
    level: int
    label: str
    overridden: bool = False


class OfferPublic(SQLModel):
    id: int
    code: str
    employer: str
    title: str
    contract: str
    commune: str
    positions: int
    start_date: date | None
    tags: list[str]
    description: str
    staff_note: str | None
    is_tpe: bool
    ft_offer_id: str | None
    urgency_override: int | None
    urgency_override_reason: str | None
    status: str
    urgency: UrgencyPublic
    qr_url: str
    version: int
    opened_at: datetime
    days_open: int
    candidates_count: int
    owner: StaffRef


class CandidateProposal(SQLModel, table=True):
    """A CDDE says "j'ai un candidat". No personal data of the job seeker is stored."""

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    offer_id: int = Field(foreign_key="offer.id", index=True)
    proposed_by_id: int = Field(foreign_key="staff.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    outcome: str = Field(default="pending", max_length=16)
    outcome_at: datetime | None = None


class CandidateCreate(SQLModel):
    """Nothing about the person: who proposes is the caller."""


class CandidateOutcome(SQLModel):
    outcome: Outcome


class CandidatePublic(SQLModel):
    id: int
    offer_id: int
    proposed_by: StaffRef
    created_at: datetime
    outcome: str
    outcome_at: datetime | None


class FillRequest(SQLModel):
    version: Count | None = None
