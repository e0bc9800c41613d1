"""The activity dashboard as the API gives it: collective figures month by month, never a
person's count (see ``api.services.activity``)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from api.models.challenge import ChallengePublic
from api.models.chantier import ChantierPublic


class SplitPublic(SQLModel):
    total: int = Field(description="Nombre d'offres.")
    tpe: int = Field(description="Dont offres de TPE (moins de 10 salariés).")
    tpe_share: int | None = Field(
        description="Part des TPE, en pourcentage entier ; vide quand il n'y a aucune offre."
    )


class FillDaysPublic(SQLModel):
    level: int = Field(description="Niveau d'urgence de l'offre le jour où elle a été pourvue.")
    label: str = Field(description="Ce niveau en mots : à pourvoir, à surveiller, urgent…")
    median_days: float | None = Field(
        description="Délai médian entre ouverture et offre pourvue, en jours ; vide sans offre."
    )
    count: int = Field(description="Nombre d'offres pourvues à ce niveau.")


class MonthPublic(SQLModel):
    month: str = Field(description="Le mois, AAAA-MM, au calendrier de l'agence.")
    label: str = Field(description="Le mois en mots : « novembre 2026 ».")
    opened: SplitPublic = Field(description="Offres ouvertes dans le mois.")
    filled: SplitPublic = Field(description="Offres pourvues dans le mois.")
    closed: SplitPublic = Field(description="Offres retirées ou clôturées dans le mois.")
    proposals: int = Field(description="Candidats proposés par les CDDE dans le mois.")
    outcomes: dict[str, int] = Field(
        description=(
            "Suite donnée aux candidats proposés dans le mois : pending (proposé), interview "
            "(entretien), hired (embauché), declined (non retenu)."
        )
    )
    hires: int = Field(description="Embauches racontées dont l'embauche date du mois.")
    challenge_units: int = Field(description="Unités apportées au défi dans le mois.")
    fill_days: list[FillDaysPublic] = Field(
        description="Délai médian pour pourvoir les offres pourvues dans le mois, par urgence."
    )


class ActivityPublic(SQLModel):
    today: date = Field(description="La date du jour à l'agence.")
    months: list[MonthPublic] = Field(
        description="Le mois en cours et les six précédents, du plus ancien au plus récent."
    )
    fill_days: list[FillDaysPublic] = Field(
        description="Délai médian pour pourvoir sur les sept mois, par niveau d'urgence."
    )
    challenge: ChallengePublic | None = Field(description="Le défi en cours, s'il y en a un.")
    chantiers: list[ChantierPublic] = Field(
        description="Les chantiers de l'agence : en cours, puis à venir, puis terminés."
    )
