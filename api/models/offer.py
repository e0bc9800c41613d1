"""Offers (job vacancies of TPE employers) and the candidates CDDE propose for them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import field_validator, model_validator
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.domain.urgency import MAX_LEVEL
from api.models.criteria import CRITERIA_HELP, OfferCriteria, criteria_column
from api.models.fields import (
    Count,
    Day,
    Flag,
    FranceTravailId,
    LongText,
    Note,
    Reason,
    ShortText,
    Tag,
    about,
    count_between,
    json_column,
)
from api.models.staff import StaffRef
from api.models.tag import fold
from api.models.versioned import Versioned

Contract = Literal["CDI", "CDD", "intérim", "saisonnier", "alternance", "stage", "autre"]
CONTRACTS: tuple[str, ...] = ("CDI", "CDD", "intérim", "saisonnier", "alternance", "stage", "autre")
OfferStatus = Literal["open", "filled", "closed"]
Positions = count_between(1, 99)
# A proposal's optional word to the CDE (``Note``): short, never about the job seeker.
NOTE_MAX = 200
NOTE_HELP = (
    "Aucune donnée personnelle sur la personne (ni nom, ni âge, ni situation) : "
    "seulement un mot pour le CDE, 200 caractères au plus."
)
# Within this many minutes, a second « J'ai un candidat » on the same offer is the same one.
REPEAT_TAP_MINUTES = 10
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
    """Prefix with #, keep case and accents, drop duplicates (without case or accents), keep order.

    The service then names them as the agency's existing tags (``api.services.tags``).

    >>> normalise_tags(["antiplôme", "#Antiplome", "#festival"])
    ['#antiplôme', '#festival']
    """
    seen: dict[str, str] = {}
    for tag in tags:
        seen.setdefault(fold(tag), "#" + tag.lstrip("#"))
    return list(seen.values())


class OfferBase(SQLModel):
    employer: ShortText = Field(description="Nom de l'employeur, 1 à 200 caractères.")
    title: ShortText = Field(description="Intitulé du poste, 1 à 200 caractères.")
    contract: Contract = Field(
        description="Type de contrat : CDI, CDD, intérim, saisonnier, alternance, stage ou autre."
    )
    commune: ShortText = Field(description="Commune du poste, 1 à 200 caractères.")
    positions: Positions = Field(1, description="Nombre de postes à pourvoir : 1 à 99.")
    start_date: Day | None = Field(
        None, description="Date de prise de poste souhaitée (AAAA-MM-JJ), si connue."
    )
    tags: list[Tag] = Field(
        default_factory=list,
        max_length=12,
        description=(
            "Étiquettes (#mot) pour filtrer les offres : 12 au plus, chacune de 2 à 40 "
            "caractères sans espace ni virgule."
        ),
    )
    description: LongText = Field(
        "",
        description="Description du poste, jusqu'à 4 000 caractères, retours à la ligne gardés.",
    )
    staff_note: LongText = Field(
        "",
        description=(
            "Note interne pour les collègues, jamais affichée sur l'écran ni sur la page "
            "publique : jusqu'à 4 000 caractères."
        ),
    )
    is_tpe: Flag = Field(
        True,
        description="L'employeur est une TPE (moins de 10 salariés) : l'offre compte au défi TPE.",
    )
    ft_offer_id: FranceTravailId | None = Field(
        None,
        description=(
            "Numéro de l'offre dans le système de France Travail, 5 à 20 lettres ou chiffres "
            "(facultatif)."
        ),
    )
    urgency_override: UrgencyLevel | None = Field(
        None,
        description=(
            "Urgence forcée à la main, de 0 (aucune) à 3 (maximale) ; vide : calculée selon "
            "l'ancienneté."
        ),
    )
    urgency_override_reason: Reason | None = Field(
        None,
        description=(
            "Pourquoi l'urgence est forcée, jusqu'à 300 caractères (obligatoire avec une "
            "urgence forcée)."
        ),
    )

    # « Mouton à 5 pattes »: the employer's requirements, checked for the CDE (never screened).
    criteria: OfferCriteria | None = Field(None, description=CRITERIA_HELP)

    @field_validator("criteria")
    @classmethod
    def _no_empty_criteria(cls, value: OfferCriteria | None) -> OfferCriteria | None:
        return None if value is None or value.is_empty else value

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


class Offer(Versioned, SQLModel, table=True):
    # The board's query: the open offers of one agency, among years of filled and closed ones.
    __table_args__ = (Index("ix_offer_agency_status", "agency_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    code: str = Field(index=True, unique=True, max_length=16)
    employer: str = Field(max_length=200)
    title: str = Field(max_length=200)
    contract: str = Field(max_length=20)
    commune: str = Field(max_length=200)
    positions: int = 1
    positions_filled: int = 0
    start_date: date | None = None
    tags: list[str] = json_column([])
    description: str = Field(default="", max_length=4000)
    staff_note: str = Field(default="", max_length=4000)
    is_tpe: bool = True
    ft_offer_id: str | None = Field(default=None, max_length=20)
    ft_url: str | None = Field(default=None, max_length=300)
    # The employer file this offer belongs to (api.services.employers links it by name).
    employer_id: int | None = Field(default=None, foreign_key="employer.id", index=True)
    urgency_override: int | None = None
    urgency_override_reason: Reason | None = None
    criteria: dict[str, Any] | None = criteria_column()
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

    employer: ShortText | None = Field(None, description=about(OfferBase, "employer"))
    title: ShortText | None = Field(None, description=about(OfferBase, "title"))
    contract: Contract | None = Field(None, description=about(OfferBase, "contract"))
    commune: ShortText | None = Field(None, description=about(OfferBase, "commune"))
    positions: Positions | None = Field(None, description=about(OfferBase, "positions"))
    start_date: Day | None = Field(None, description=about(OfferBase, "start_date"))
    tags: list[Tag] | None = Field(
        default=None, max_length=12, description=about(OfferBase, "tags")
    )
    description: LongText | None = Field(None, description=about(OfferBase, "description"))
    staff_note: LongText | None = Field(None, description=about(OfferBase, "staff_note"))
    is_tpe: Flag | None = Field(None, description=about(OfferBase, "is_tpe"))
    ft_offer_id: FranceTravailId | None = Field(None, description=about(OfferBase, "ft_offer_id"))
    urgency_override: UrgencyLevel | None = Field(
        None, description=about(OfferBase, "urgency_override")
    )
    urgency_override_reason: Reason | None = Field(
        None, description=about(OfferBase, "urgency_override_reason")
    )
    criteria: OfferCriteria | None = Field(
        None, description=about(OfferBase, "criteria") + " Remplacées d'un bloc ; null les efface."
    )
    version: Count | None = Field(
        None,
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        ),
    )

    @field_validator("tags")
    @classmethod
    def _normalise_tags(cls, tags: list[str] | None) -> list[str] | None:
        return None if tags is None else normalise_tags(tags)

    @field_validator("criteria")
    @classmethod
    def _no_empty_criteria(cls, value: OfferCriteria | None) -> OfferCriteria | None:
        return None if value is None or value.is_empty else value


class UrgencyPublic(SQLModel):
    level: int = Field(description="Niveau d'urgence, de 0 (aucune) à 3 (maximale).")
    label: str = Field(description="Niveau d'urgence en mots, tel que l'écran l'affiche.")
    overridden: bool = Field(False, description="Urgence forcée à la main plutôt que calculée.")


class OfferPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    code: str = Field(description="Code public de l'offre : sa page publique est /o/{code}.")
    employer: str = Field(description="Nom de l'employeur, 1 à 200 caractères.")
    title: str = Field(description="Intitulé du poste.")
    contract: str = Field(
        description="Type de contrat : CDI, CDD, intérim, saisonnier, alternance, stage ou autre."
    )
    commune: str = Field(description="Commune du poste, 1 à 200 caractères.")
    positions: int = Field(description="Nombre de postes à pourvoir : 1 à 99.")
    positions_filled: int = Field(
        description=(
            "Nombre de postes déjà pourvus (0 à positions) : l'offre est pourvue quand tous "
            "le sont."
        )
    )
    positions_label: str = Field(
        description="Les postes en mots, comme les pages les affichent : « 1 poste sur 2 pourvu »."
    )
    start_date: date | None = Field(
        description="Date de prise de poste souhaitée (AAAA-MM-JJ), si connue."
    )
    tags: list[str] = Field(
        description=(
            "Étiquettes (#mot) pour filtrer les offres : 12 au plus, chacune de 2 à 40 "
            "caractères sans espace ni virgule."
        )
    )
    description: str = Field(
        description="Description du poste, jusqu'à 4 000 caractères, retours à la ligne gardés."
    )
    staff_note: str | None = Field(
        description="Note interne pour les collègues (vide pour qui n'a pas le droit de la lire)."
    )
    is_tpe: bool = Field(
        description="L'employeur est une TPE (moins de 10 salariés) : l'offre compte au défi TPE."
    )
    ft_offer_id: str | None = Field(
        description=(
            "Numéro de l'offre dans le système de France Travail, 5 à 20 lettres ou chiffres "
            "(facultatif)."
        )
    )
    ft_url: str | None = Field(
        None, description="Adresse de l'offre d'origine sur le site de France Travail, si liée."
    )
    urgency_override: int | None = Field(
        description=(
            "Urgence forcée à la main, de 0 (aucune) à 3 (maximale) ; vide : calculée selon "
            "l'ancienneté."
        )
    )
    urgency_override_reason: str | None = Field(
        description=(
            "Pourquoi l'urgence est forcée, jusqu'à 300 caractères (obligatoire avec une "
            "urgence forcée)."
        )
    )
    status: str = Field(
        description="État : open (en cours), filled (pourvue) ou closed (clôturée)."
    )
    criteria: OfferCriteria | None = Field(
        None, description=CRITERIA_HELP + " Vide : aucune exigence précisée."
    )
    urgency: UrgencyPublic = Field(description="Urgence de l'offre telle que l'écran l'affiche.")
    qr_url: str = Field(
        description="Adresse de la page publique de l'offre, celle du QR code affiché."
    )
    version: int = Field(
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        )
    )
    opened_at: datetime = Field(description="Date et heure d'ouverture de l'offre (UTC).")
    days_open: int = Field(description="Nombre de jours depuis l'ouverture de l'offre.")
    candidates_count: int = Field(
        description="Nombre de candidats proposés par les CDDE pour cette offre."
    )
    owner: StaffRef = Field(description="Le ou la CDE qui suit l'offre.")
    employer_id: int | None = Field(
        None,
        description=(
            "Fiche de l'employeur (/api/v1/employers/{id}), trouvée d'après son nom sans souci "
            "des majuscules, des accents ni de la forme juridique."
        ),
    )


class CandidateProposal(SQLModel, table=True):
    """A CDDE says "j'ai un candidat". No personal data of the job seeker is stored."""

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    offer_id: int = Field(foreign_key="offer.id", index=True)
    proposed_by_id: int = Field(foreign_key="staff.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    outcome: str = Field(default="pending", max_length=16)
    outcome_at: datetime | None = None
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    # When the offer's CDE first looked at it (their tab bar's badge counts the unseen ones).
    seen_at: datetime | None = None


class CandidateCreate(SQLModel):
    """Nothing about the person: who proposes is the caller; the note is a word to the CDE."""

    note: Note | None = Field(None, description="Un mot pour le CDE, facultatif. " + NOTE_HELP)
    another: Flag = Field(
        False,
        description=(
            "« Proposer un autre candidat » : true pour une nouvelle proposition même si vous "
            f"avez déjà proposé quelqu'un sur cette offre il y a moins de {REPEAT_TAP_MINUTES} "
            "minutes. Sans lui, ce second appui renvoie la première proposition (200) au lieu "
            "d'en créer une seconde."
        ),
    )


class CandidateOutcome(SQLModel):
    outcome: Outcome = Field(
        description=(
            "Suite donnée : pending (proposé), interview (entretien), hired (embauché) ou "
            "declined (non retenu)."
        )
    )


class CandidatePublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    offer_id: int = Field(
        description="Identifiant de l'offre pour laquelle le candidat est proposé."
    )
    proposed_by: StaffRef = Field(description="Le ou la CDDE qui a proposé le candidat.")
    created_at: datetime = Field(description="Date et heure de création (UTC).")
    outcome: str = Field(
        description=(
            "Suite donnée : pending (proposé), interview (entretien), hired (embauché) ou "
            "declined (non retenu)."
        )
    )
    outcome_at: datetime | None = Field(
        description="Dernière suite donnée : date et heure (UTC), vide tant que rien n'est fait."
    )
    note: str | None = Field(
        None, description="Le mot laissé au CDE par qui a proposé (sans donnée personnelle)."
    )
    withdrawable: bool = Field(
        False,
        description=(
            "Encore retirable par qui l'a proposé : vrai tant que le CDE n'a donné aucune suite."
        ),
    )


class FillRequest(SQLModel):
    version: Count | None = Field(
        None,
        description=(
            "Version de l'offre lue avant l'action (ou l'en-tête If-Match) ; sinon 409 si "
            "elle a changé."
        ),
    )
