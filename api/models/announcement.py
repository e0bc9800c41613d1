"""Announcements: short messages for the screen over a period; urgent ones take it over."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel

from api.clock import to_utc, utcnow
from api.models.fields import Flag, Message, Moment


class AnnouncementBase(SQLModel):
    message: Message
    urgent: Flag = False
    starts_at: Moment
    ends_at: Moment

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


class Announcement(SQLModel, table=True):
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
    id: int
    message: str
    urgent: bool
    starts_at: datetime
    ends_at: datetime
    active: bool
    version: int
