"""The journal: every change, who made it and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from api.clock import utcnow


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="staff.id")
    actor_label: str = Field(max_length=200)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40, index=True)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: datetime = Field(default_factory=utcnow, index=True)


class AuditEventPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    actor_label: str = Field(
        description="Qui a fait la modification : nom du compte, ou le terminal."
    )
    action: str = Field(description="Ce qui a été fait (create, update, delete, publish…).")
    entity: str = Field(description="Le genre d'objet modifié (offer, hire, challenge…).")
    entity_id: int | None = Field(description="Identifiant de l'objet modifié, s'il existe encore.")
    before: dict[str, Any] | None = Field(
        description="Les champs modifiés avant le changement (vide pour une création)."
    )
    after: dict[str, Any] | None = Field(
        description="Les champs modifiés après le changement (vide pour une suppression)."
    )
    at: datetime = Field(description="Date et heure du changement (UTC).")
