"""Agency: the unit every other row belongs to."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import ShortText, json_column

DEFAULT_OPENING_HOURS: list[dict[str, Any]] = [
    {"weekday": day, "opens": "08:30", "closes": "17:00"} for day in range(5)
]


class Agency(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/Paris", max_length=64)
    opening_hours: list[dict[str, Any]] = json_column([])
    # Per-agency urgency thresholds (api.domain.urgency.UrgencyThresholds as a dict).
    urgency_thresholds: dict[str, Any] = json_column({})
    created_at: datetime = Field(default_factory=utcnow)
    # Moved by every committed change of the agency's rows (api.changes.revisions), never by
    # hand: screens compare it to know whether what they show is current.
    revision: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})


class AgencyPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    code: str = Field(description="Code de l'agence (adresses, connexions).")
    name: str = Field(description="Nom de l'agence.")
    timezone: str = Field(
        description=(
            "Fuseau horaire de l'agence (nom IANA, par exemple Europe/Paris) : dates et "
            "horaires des écrans y sont calculés."
        )
    )


class AgencyCreate(BaseModel):
    """A new agency: its code (URLs, logins), name and time zone."""

    code: str = PydanticField(
        min_length=2,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9-]*$",
        description=(
            "Code de l'agence, en minuscules, chiffres et tirets (adresses, connexions) : 2 à "
            "64 caractères."
        ),
    )
    name: ShortText = PydanticField(description="Nom de l'agence, 1 à 200 caractères.")
    timezone: str = PydanticField(
        "Europe/Paris",
        max_length=64,
        description=(
            "Fuseau horaire de l'agence (nom IANA, par exemple Europe/Paris) : dates et "
            "horaires des écrans y sont calculés."
        ),
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # Every screen and date of the agency is computed in this zone: refuse unknown ones.
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"fuseau horaire inconnu : {value}") from None
        return value
