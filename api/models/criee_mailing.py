"""La criée sent by e-mail: one row per agency and week, the claim that makes the send happen once.

Several server processes (and hosts) check every few minutes whether Monday's e-mail is due;
the first to insert the week's row sends it, the others find the row and leave it alone. The row
then keeps what happened, for the managers' page: sent to how many colleagues, or why not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from api.clock import utcnow

# skipped: nothing to cry that week (no hire, no urgent offer, no testimony)
MailingState = Literal["sending", "sent", "failed", "skipped"]


class CrieeMailing(SQLModel, table=True):
    """The e-mailing of one week's issue of la criée for one agency."""

    __tablename__ = "crieemailing"
    __table_args__ = (UniqueConstraint("agency_id", "week"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True, ondelete="CASCADE")
    week: str = Field(max_length=8)  # ISO week, as the pages name it: 2026-W48
    state: str = Field(max_length=8)  # MailingState
    attempts: int = 1
    recipients: int = 0
    error: str = Field(default="", max_length=300)  # French, shown to managers
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None
