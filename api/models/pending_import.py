"""A CSV file checked on the manager's phone, kept until its preview is confirmed or cancelled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from api.clock import utcnow


class PendingImport(SQLModel, table=True):
    """Found by the random ``key`` the preview page carries back, and only for its owner; removed
    when imported (in the same transaction, so a second confirmation finds nothing), cancelled,
    or after ``api.services.offer_import.PENDING_LIFE``."""

    __tablename__ = "pendingimport"

    key: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", ondelete="CASCADE", index=True)
    filename: str = Field(default="", max_length=200)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
