"""Employers (« fiche TPE »): one business of an agency, its long view across recruitments.

Business details only: its name, commune, optional SIRET, sector, size, a professional contact
line and the CDE's notes. Nothing about job seekers. Offers point to their employer
(``offer.employer_id``); the offer keeps its ``employer`` text as typed, the card's display copy.

An employer is found by its ``key``: the name without case, accents, punctuation, extra spaces
or a legal form at either end (« SARL Boulangerie Martin » is « boulangerie martin »), so that
what a CDE types joins the existing file instead of starting a new one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlmodel import Field, SQLModel, UniqueConstraint

from api.clock import utcnow
from api.models.fields import Count, LongText, Reason, ShortText, _cleaner, about
from api.models.questionnaire import QuestionnairePublic
from api.models.versioned import Versioned

NAME_MAX = 200
KEY_MAX = 220
SECTOR_MAX = 100
CONTACT_MAX = 300
NOTES_MAX = 4000
# How many existing employers a suggestion list offers.
SUGGESTIONS = 12

# Legal forms dropped at either end of a name when matching: words that are never a
# business's own. « SA » and « EI » only at the end (« Sa Majesté », a name, starts with one).
LEGAL_FORMS = frozenset(
    {"sarl", "sas", "sasu", "eurl", "sa", "snc", "sci", "scop", "scp", "earl", "gaec",
     "selarl", "eirl", "ei", "sca", "scea"}
)  # fmt: skip
LEADING_FORMS = LEGAL_FORMS - {"sa", "ei"}
_DOTTED = re.compile(r"(?<=\w)\.(?=\w)")

# Size bands (salariés), as INSEE counts them; a TPE has fewer than 10.
SizeBand = Literal["0", "1-2", "3-5", "6-9", "10-19", "20-49", "50+"]
SIZE_BANDS: tuple[str, ...] = ("0", "1-2", "3-5", "6-9", "10-19", "20-49", "50+")
SIZE_LABELS = {
    "0": "sans salarié",
    "1-2": "1 à 2 salariés",
    "3-5": "3 à 5 salariés",
    "6-9": "6 à 9 salariés",
    "10-19": "10 à 19 salariés",
    "20-49": "20 à 49 salariés",
    "50+": "50 salariés ou plus",
}
TPE_BANDS = frozenset({"0", "1-2", "3-5", "6-9"})

SIRET_LENGTH = "Le SIRET compte 14 chiffres (espaces permis), rien d'autre."
SIRET_CHECK = "Ce SIRET n'existe pas : sa clé de contrôle ne correspond pas. Vérifiez les chiffres."
# La Poste's establishments share one SIREN whose SIRETs follow their own rule.
_LA_POSTE = "356000000"


def employer_key(name: str) -> str:
    """The matching key of an employer's name: no case, accents, punctuation, extra spaces,
    nor a legal form at either end.

    >>> employer_key("  Boulangerie   MARTIN ")
    'boulangerie martin'
    >>> employer_key("Boulangérie Martin S.A.R.L.") == employer_key("SARL boulangerie martin")
    True
    >>> employer_key("Sa Majesté des Mouches"), employer_key("SAS")
    ('sa majeste des mouches', 'sas')
    >>> employer_key("🥖🥖").startswith("e-")
    True
    """
    undotted = _DOTTED.sub("", name.strip().casefold())
    decomposed = unicodedata.normalize("NFKD", undotted)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in letters).split()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    while len(words) > 1 and words[0] in LEADING_FORMS:
        words.pop(0)
    key = " ".join(words)[:KEY_MAX]
    if key or not name.strip():
        return key
    # A name of symbols only (emoji): a stable ASCII key of its exact text.
    return "e-" + hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:16]


def siret_is_valid(digits: str) -> bool:
    """True when 14 digits carry a valid SIRET check (Luhn; La Poste's own rule for its SIREN).

    >>> siret_is_valid("73282932000074"), siret_is_valid("73282932000075")
    (True, False)
    >>> siret_is_valid("35600000000001")  # a La Poste office
    True
    """
    if len(digits) != 14 or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    if total % 10 == 0:
        return True
    return digits.startswith(_LA_POSTE) and sum(int(d) for d in digits) % 5 == 0


SIRET_TYPED_MAX = 40
# What may separate a SIRET's digits as typed: spaces (also non-breaking), dots, hyphens.
_SIRET_SPACING = re.compile("[ .\\-\u00a0\u202f]")


def clean_siret(value: Any) -> Any:
    """A SIRET as typed (« 732 829 320 00074 ») → its 14 digits, or a French refusal.

    Empty text means no SIRET (None).
    """
    if not isinstance(value, str):
        return value  # the string schema refuses it with its own message
    if len(value) > SIRET_TYPED_MAX:
        raise PydanticCustomError("siret_length", SIRET_LENGTH)
    digits = _SIRET_SPACING.sub("", value)
    if not digits:
        return None
    if len(digits) != 14 or not digits.isascii() or not digits.isdigit():
        raise PydanticCustomError("siret_length", SIRET_LENGTH)
    if not siret_is_valid(digits):
        raise PydanticCustomError("siret_check", SIRET_CHECK)
    return digits


Sector = Annotated[
    str,
    StringConstraints(max_length=SECTOR_MAX),
    _cleaner(multiline=False, required=False, max_length=SECTOR_MAX),
]
"""A business's sector of activity (« boulangerie-pâtisserie »): up to 100 characters."""

# What the published schema says of a SIRET as typed (its check digit it cannot say).
_SIRET_SCHEMA = {
    "anyOf": [
        {"type": "string", "maxLength": SIRET_TYPED_MAX, "pattern": r"^[0-9 .\-\u00a0\u202f]*$"},
        {"type": "null"},
    ]
}
Siret = Annotated[str | None, BeforeValidator(clean_siret), WithJsonSchema(_SIRET_SCHEMA)]
"""An optional SIRET: 14 digits whose check is valid; spaces and dots as typed are removed."""


class Employer(Versioned, SQLModel, table=True):
    """One business of an agency, unique in it by its matching key."""

    __table_args__ = (UniqueConstraint("agency_id", "key", name="uq_employer_agency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    name: str = Field(max_length=NAME_MAX)
    key: str = Field(max_length=KEY_MAX, index=True)
    commune: str = Field(default="", max_length=200)
    siret: str | None = Field(default=None, max_length=14)
    sector: str = Field(default="", max_length=SECTOR_MAX)
    size_band: str | None = Field(default=None, max_length=8)
    contact: str = Field(default="", max_length=CONTACT_MAX)
    notes: str = Field(default="", max_length=NOTES_MAX)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class EmployerCreate(SQLModel):
    """A new employer file (CDE and managers)."""

    name: ShortText = Field(
        description=(
            "Nom de l'employeur, 1 à 200 caractères ; refusé s'il désigne déjà une fiche de "
            "l'agence (aux majuscules, accents et forme juridique près)."
        )
    )
    commune: ShortText = Field(description="Commune de l'employeur, 1 à 200 caractères.")
    siret: Siret = Field(
        None,
        description=(
            "SIRET, facultatif : 14 chiffres (espaces permis) dont la clé de contrôle est juste."
        ),
    )
    sector: Sector = Field("", description="Secteur d'activité, 100 caractères au plus.")
    size_band: SizeBand | None = Field(
        None,
        description="Effectif : 0, 1-2, 3-5, 6-9, 10-19, 20-49 ou 50+ salariés (facultatif).",
    )
    contact: Reason = Field(
        "",
        description=(
            "Contact professionnel (standard, recruteur, e-mail de l'entreprise), 300 "
            "caractères au plus. Jamais rien sur un demandeur d'emploi."
        ),
    )
    notes: LongText = Field(
        "",
        description=(
            "Notes des CDE sur l'employeur (contexte, habitudes de recrutement), jusqu'à "
            "4 000 caractères. Jamais rien sur un demandeur d'emploi."
        ),
    )


class EmployerUpdate(SQLModel):
    """Every field optional; ``version`` (or If-Match) guards against overwriting a newer edit."""

    name: ShortText | None = Field(None, description=about(EmployerCreate, "name"))
    commune: ShortText | None = Field(None, description=about(EmployerCreate, "commune"))
    siret: Siret = Field(None, description=about(EmployerCreate, "siret"))
    sector: Sector | None = Field(None, description=about(EmployerCreate, "sector"))
    size_band: SizeBand | None = Field(None, description=about(EmployerCreate, "size_band"))
    contact: Reason | None = Field(None, description=about(EmployerCreate, "contact"))
    notes: LongText | None = Field(None, description=about(EmployerCreate, "notes"))
    version: Count | None = Field(
        None,
        description=(
            "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
            "d'écraser la modification d'un collègue (sinon 409)."
        ),
    )


class EmployerPublic(SQLModel):
    """An employer file as the API shows it."""

    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    name: str = Field(description="Nom de l'employeur.")
    commune: str = Field(description="Commune de l'employeur.")
    siret: str | None = Field(description="SIRET (14 chiffres), si connu.")
    sector: str = Field(description="Secteur d'activité.")
    size_band: str | None = Field(description=about(EmployerCreate, "size_band"))
    is_tpe: bool | None = Field(
        description="Moins de 10 salariés d'après l'effectif (vide quand il n'est pas connu)."
    )
    contact: str = Field(description=about(EmployerCreate, "contact"))
    notes: str = Field(description=about(EmployerCreate, "notes"))
    open_offers: int = Field(0, description="Nombre de ses offres en cours.")
    offers_count: int = Field(0, description="Nombre de ses offres, toutes périodes.")
    last_offer_on: date | None = Field(None, description="Ouverture de sa dernière offre.")
    created_at: datetime = Field(description="Date et heure de création de la fiche (UTC).")
    updated_at: datetime = Field(description="Dernière modification (UTC).")
    version: int = Field(description=about(EmployerUpdate, "version"))


class EmployerOfferLine(SQLModel):
    """One offer in an employer's history, with what became of the candidates proposed."""

    id: int = Field(description="Identifiant de l'offre.")
    code: str = Field(description="Code public de l'offre (sa page : /o/{code}).")
    title: str = Field(description="Intitulé du poste.")
    contract: str = Field(description="Type de contrat.")
    status: str = Field(description="open (en cours), filled (pourvue) ou closed (clôturée).")
    opened_at: datetime = Field(description="Ouverture (UTC).")
    filled_at: datetime | None = Field(description="Pourvue le (UTC), le cas échéant.")
    closed_at: datetime | None = Field(description="Clôturée le (UTC), le cas échéant.")
    proposals: int = Field(description="Candidats proposés par les CDDE.")
    interviews: int = Field(description="Dont reçus en entretien.")
    hired: int = Field(description="Dont embauchés.")


class EmployerHireLine(SQLModel):
    """A hire told for this employer (the story's title and date; nothing about the person)."""

    id: int = Field(description="Identifiant de l'embauche.")
    title: str = Field(description="Le métier.")
    hired_on: date = Field(description="Date d'embauche.")
    status: str = Field(description="draft (à valider), published ou withdrawn.")


class EmployerFilePublic(SQLModel):
    """The employer file: its details and its history in the agency."""

    employer: EmployerPublic = Field(description="La fiche.")
    offers: list[EmployerOfferLine] = Field(description="Ses offres, les plus récentes d'abord.")
    hires: list[EmployerHireLine] = Field(
        description="Embauches racontées chez lui, les plus récentes d'abord."
    )
    questionnaires: list[QuestionnairePublic] = Field(
        default_factory=list,
        description=(
            "Questionnaires éthiques passés avec son recruteur, les plus récents d'abord : "
            "un outil de discussion, jamais une note."
        ),
    )
