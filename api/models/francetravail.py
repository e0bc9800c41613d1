"""What the France Travail sync remembers: each linked offer's last upstream state, and the runs.

The offer row keeps Couloir's fields; ``FranceTravailLink`` keeps what France Travail said last
(the baseline a change is measured against) and what the CDE should be told about. The one
``FranceTravailSync`` row is shared by every server process: when the last run ended, how many
runs failed in a row, and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from api.clock import utcnow


class FranceTravailLink(SQLModel, table=True):
    """One linked offer's upstream state. No agency column: writing it wakes no screen."""

    offer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    )
    # The France Travail fields as last mapped (``api.francetravail.prefill``): a field is
    # « changed upstream » when France Travail's value differs from this one.
    baseline: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ft_updated: str = Field(default="", max_length=40)  # France Travail's dateActualisation
    checked_at: datetime = Field(default_factory=utcnow)
    changed_at: datetime | None = None  # the last time France Travail changed something
    updated_fields: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # applied to the offer at ``changed_at``
    kept_fields: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # changed upstream, but the CDE's own edit was kept
    withdrawn_at: datetime | None = None  # gone from France Travail (filled or withdrawn there)


class FranceTravailSync(SQLModel, table=True):
    """The sync's shared state: a single row (id 1)."""

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_success_at: datetime | None = None
    failures: int = 0  # failed runs in a row; 0 after a good one
    failing_since: datetime | None = None
    message: str = Field(default="", max_length=300)  # French, for managers
    checked: int = 0
    updated: int = 0
    withdrawn: int = 0
    malformed: int = 0


class FranceTravailArea(SQLModel, table=True):
    """The communes (INSEE codes) whose small businesses' offers an agency wants suggested."""

    agency_id: int = Field(
        sa_column=Column(Integer, ForeignKey("agency.id", ondelete="CASCADE"), primary_key=True)
    )
    communes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class FranceTravailSuggestion(SQLModel, table=True):
    """An offer of a small business in the agency's communes, « À importer » until decided.

    ``status``: ``new`` (to decide), ``accepted`` (imported as ``offer_id``) or ``dismissed``
    (never suggested again).
    """

    __table_args__ = (UniqueConstraint("agency_id", "ft_offer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    ft_offer_id: str = Field(max_length=20)
    status: str = Field(default="new", max_length=16)
    lacks_candidates: bool = False
    prefill: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    found_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="staff.id")
    offer_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("offer.id", ondelete="SET NULL"), nullable=True),
    )


class SuggestionPublic(SQLModel):
    """A suggestion « À importer » as the API shows it."""

    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    ft_offer_id: str = Field(description="Numéro de l'offre chez France Travail.")
    lacks_candidates: bool = Field(
        description="France Travail signale que l'offre manque de candidats."
    )
    found_at: datetime = Field(description="Date et heure où Couloir l'a trouvée (UTC).")
    fields: dict[str, Any] = Field(
        description=(
            "Les champs de l'offre qu'« Importer » créera (employeur, intitulé, contrat, "
            "commune, postes, description, lien vers l'offre d'origine)."
        )
    )
