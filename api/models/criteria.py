"""An offer's structured criteria (experience, diploma, pay, hours, licence, must-haves) and the
« mouton à 5 pattes » check's answer.

Every criterion is optional. They are stored together, as one JSON value on the offer
(``offer.criteria``), and replaced together by an edit. Staff only: never in the screen's
snapshot nor on the offer's public page.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, field_validator, model_validator
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from api.domain import hard_to_fill
from api.models.fields import Flag, _cleaner, count_between

MAX_EXPERIENCE_YEARS = 45
MAX_WEEKLY_HOURS = 48  # the legal maximum of a working week in France
MAX_HOURLY_PAY = 1000
MAX_MONTHLY_PAY = 100_000
MAX_MUST_HAVES = 8
MUST_HAVE_MAX = 80
Diploma = Literal["aucun", "cap", "bac", "bac2", "bac3", "bac5"]
DIPLOMA_LABELS: dict[str, str] = {
    key: ("Aucun diplôme exigé" if key == "aucun" else label)
    for key, (_, label) in hard_to_fill.DIPLOMAS.items()
}
# The offer's contracts (``api.models.offer.Contract``, which imports this module).
CheckedContract = Literal["CDI", "CDD", "intérim", "saisonnier", "alternance", "stage", "autre"]
PayPeriod = Literal["hour", "month"]
PAY_PERIOD_LABELS = {"hour": "de l'heure", "month": "par mois"}
CRITERIA_HELP = (
    "Exigences de l'employeur (expérience, diplôme, salaire, horaires, permis, autres "
    "indispensables), toutes facultatives : le test du « mouton à 5 pattes » les lit. "
    "Jamais affichées sur l'écran du couloir."
)


def criteria_column() -> Any:
    """The offer's criteria column: JSON, NULL when none is given."""
    return Field(default=None, sa_column=Column(JSON, nullable=True))


def _a_number(value: Any) -> Any:
    """A JSON number only (no ``true``, no text), finite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("float_type", "nombre attendu (ni true/false ni texte)")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "nombre fini attendu")
    return value


Amount = Annotated[
    float,
    PydanticField(gt=0, le=MAX_MONTHLY_PAY),
    BeforeValidator(_a_number),
]
"""Gross euros (an hour or a month), more than 0."""

WeeklyHours = Annotated[
    float,
    PydanticField(ge=1, le=MAX_WEEKLY_HOURS),
    BeforeValidator(_a_number),
]
"""Hours a week: 1 to 48."""

MustHave = Annotated[
    str,
    PydanticField(min_length=1, max_length=MUST_HAVE_MAX),
    _cleaner(multiline=False, required=True, max_length=MUST_HAVE_MAX),
]


def _bounded(error: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(error, message)


class OfferCriteria(SQLModel):
    """What the employer requires, each criterion optional."""

    experience_years: count_between(0, MAX_EXPERIENCE_YEARS) | None = Field(
        None,
        description=(
            f"Expérience exigée, en années : 0 (débutant accepté) à {MAX_EXPERIENCE_YEARS} ; "
            "vide : non précisée."
        ),
    )
    diploma: Diploma | None = Field(
        None,
        description=(
            "Diplôme exigé : aucun, cap (CAP / BEP), bac, bac2 (Bac +2), bac3 (Bac +3), bac5 "
            "(Bac +5) ; vide : non précisé."
        ),
    )
    pay_from: Amount | None = Field(
        None, description="Salaire brut proposé, bas de la fourchette, en euros (au centime)."
    )
    pay_to: Amount | None = Field(
        None,
        description=(
            "Salaire brut proposé, haut de la fourchette, en euros ; au moins « pay_from »."
        ),
    )
    pay_period: PayPeriod | None = Field(
        None,
        description="Le salaire s'entend « hour » (de l'heure) ou « month » (par mois) ; "
        "obligatoire avec un salaire.",
    )
    weekly_hours: WeeklyHours | None = Field(
        None,
        description=f"Heures de travail par semaine, de 1 à {MAX_WEEKLY_HOURS} "
        "(durée maximale légale).",
    )
    driving_licence: Flag = Field(False, description="Permis de conduire exigé.")
    must_haves: list[MustHave] = Field(
        default_factory=list,
        max_length=MAX_MUST_HAVES,
        description=(
            f"Autres exigences indispensables, {MAX_MUST_HAVES} au plus, chacune de 1 à "
            f"{MUST_HAVE_MAX} caractères (« CACES R489 », « anglais courant »)."
        ),
    )

    @field_validator("pay_from", "pay_to")
    @classmethod
    def _to_the_cent(cls, value: float | None) -> float | None:
        return None if value is None else round(value, 2) or None

    @field_validator("must_haves")
    @classmethod
    def _distinct(cls, values: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for value in values:
            seen.setdefault(value.casefold(), value)
        return list(seen.values())

    @model_validator(mode="after")
    def _consistent_pay(self) -> OfferCriteria:
        low, high = self.pay_from, self.pay_to
        if low is not None and high is not None and low > high:
            raise _bounded("pay_range", "le salaire « de » dépasse le salaire « à » : inversez-les")
        if (low is not None or high is not None) and self.pay_period is None:
            raise _bounded("pay_period", "précisez si le salaire est de l'heure ou par mois")
        if self.pay_period == "hour" and max(low or 0, high or 0) > MAX_HOURLY_PAY:
            raise _bounded(
                "pay_hourly", f"{MAX_HOURLY_PAY} € de l'heure au plus : un salaire mensuel ?"
            )
        if low is None and high is None:
            self.pay_period = None
        return self

    @property
    def is_empty(self) -> bool:
        """True when no criterion is given."""
        return self == OfferCriteria()

    def request(self, contract: str | None) -> hard_to_fill.Request:
        """The criteria as the check reads them, with the offer's contract."""

        def money(value: float | None) -> Decimal | None:
            return None if value is None else Decimal(str(value))

        return hard_to_fill.Request(
            contract=contract,
            experience_years=self.experience_years,
            diploma=self.diploma,
            pay_from=money(self.pay_from),
            pay_to=money(self.pay_to),
            pay_period=self.pay_period,
            weekly_hours=money(self.weekly_hours),
            driving_licence=self.driving_licence,
            must_haves=tuple(self.must_haves),
        )


class CheckRequest(SQLModel):
    """What the check reads: the contract (optional) and the criteria, nothing is saved."""

    contract: CheckedContract | None = Field(
        None, description="Type de contrat de l'offre, s'il est choisi (CDI, CDD…)."
    )
    criteria: OfferCriteria = Field(
        default_factory=OfferCriteria, description="Les exigences de l'employeur."
    )


class FindingPublic(SQLModel):
    rule: str = Field(description="Identifiant de la règle (« smic_for_experience »…).")
    title: str = Field(description="La raison en quelques mots.")
    text: str = Field(description="L'explication, en français, avec les chiffres utilisés.")


class CheckPublic(SQLModel):
    """The « mouton à 5 pattes » check's answer."""

    hard_to_fill: bool = Field(description="Vrai quand au moins une règle s'applique.")
    findings: list[FindingPublic] = Field(description="Les raisons, dans l'ordre des règles.")
    smic_hourly: float = Field(description="Le SMIC brut horaire utilisé, en euros.")
    smic_since: str = Field(description="Date d'entrée en vigueur de ce SMIC (AAAA-MM-JJ).")
