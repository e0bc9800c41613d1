"""Le test du « mouton à 5 pattes »: what makes an employer's request hard to fill, in French.

A CDE spots the paradoxical request (« un plombier avec 10 ans d'expérience, payé au SMIC,
vous ne le trouverez pas ») before it is published, and uses the reasons with the recruiter.
The rules are data (``RULES``): each has an id, a short title, a French explanation template
and a predicate returning the figures the explanation uses, or None when it does not apply.
Pure functions only: no database, no settings, no clock. The SMIC is passed in (``Smic``), so
the caller decides which value applies (``api.settings``).

    >>> smic = Smic(hourly=Decimal("12.02"), since=date(2026, 1, 1))
    >>> asked = Request(experience_years=10, pay_to=Decimal("12.02"), pay_period="hour")
    >>> [f.rule_id for f in check(asked, smic)]
    ['smic_for_experience']

Never shown on the corridor screen: the findings live on the staff pages and the API only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from api.domain import french

# A full-time week (35 h) is 151.67 hours a month (35 × 52 / 12), the figure payslips use.
FULL_TIME_WEEKLY_HOURS = Decimal(35)
FULL_TIME_MONTHLY_HOURS = Decimal("151.67")
PayPeriod = Literal["hour", "month"]
PAY_PERIODS: dict[str, str] = {"hour": "de l'heure", "month": "par mois"}

# Diploma levels of the French nomenclature (2019): key → (level, label). « aucun » says no
# diploma is required, which is not the same as saying nothing.
DIPLOMAS: dict[str, tuple[int, str]] = {
    "aucun": (0, "aucun diplôme"),
    "cap": (3, "CAP / BEP (niveau 3)"),
    "bac": (4, "Bac (niveau 4)"),
    "bac2": (5, "Bac +2 (niveau 5)"),
    "bac3": (6, "Bac +3 (niveau 6)"),
    "bac5": (7, "Bac +5 (niveau 7)"),
}

# The thresholds the rules use, named once.
EXPERIENCED_YEARS = 3  # from this many years asked, a person is « expérimenté »
AT_SMIC_MARGIN = Decimal("1.05")  # pay within 5 % of the SMIC counts as « payé au SMIC »
MANY_REQUIREMENTS = 5  # five requirements at once: the sheep's five legs
SHORT_PART_TIME_HOURS = Decimal(24)  # the legal minimum of a part-time contract
HIGH_DIPLOMA_LEVEL = 5  # Bac +2 and above
SHORT_CONTRACTS = ("CDD", "intérim", "saisonnier")
EXPERT_YEARS = 5
LOWER_PAY_CONTRACTS = ("alternance", "stage")  # may legally pay below the SMIC


@dataclass(frozen=True)
class Smic:
    """The legal minimum wage: gross hourly value and the date it took effect."""

    hourly: Decimal
    since: date

    @property
    def monthly(self) -> Decimal:
        """The gross monthly SMIC of a full-time week (151.67 h), to the cent.

        >>> Smic(Decimal("12.02"), date(2026, 1, 1)).monthly
        Decimal('1823.07')
        """
        return _cents(self.hourly * FULL_TIME_MONTHLY_HOURS)

    def said(self) -> str:
        """« 12,02 € brut de l'heure au 1er janvier 2026 »."""
        since = french.long_date(self.since, weekday=False, year=True)
        return f"{euros(self.hourly)} brut de l'heure au {since}"


@dataclass(frozen=True)
class Request:
    """What the employer asks: a plain view of an offer's contract and criteria."""

    contract: str | None = None
    experience_years: int | None = None
    diploma: str | None = None
    pay_from: Decimal | None = None
    pay_to: Decimal | None = None
    pay_period: PayPeriod | None = None
    weekly_hours: Decimal | None = None
    driving_licence: bool = False
    must_haves: tuple[str, ...] = ()

    @property
    def best_pay(self) -> Decimal | None:
        """The highest pay offered, as typed (top of the range, else its bottom)."""
        return self.pay_to if self.pay_to is not None else self.pay_from

    @property
    def best_hourly_pay(self) -> Decimal | None:
        """The highest pay offered as gross euros an hour (a monthly pay over the hours of
        the week asked, 151.67 h a month for 35 h), or None without a pay or its period."""
        pay = self.best_pay
        if pay is None or self.pay_period is None:
            return None
        if self.pay_period == "hour":
            return pay
        return pay / monthly_hours(self.weekly_hours)

    @property
    def diploma_level(self) -> int:
        """The level of the diploma asked (0: none or not said)."""
        return DIPLOMAS.get(self.diploma or "", (0, ""))[0]

    def requirements(self) -> list[str]:
        """Every requirement asked, in words: experience, diploma, licence, must-haves."""
        asked = []
        if self.experience_years:
            asked.append(years(self.experience_years) + " d'expérience")
        if self.diploma_level:
            asked.append(DIPLOMAS[self.diploma or ""][1])
        if self.driving_licence:
            asked.append("permis de conduire")
        asked.extend(self.must_haves)
        return asked


def monthly_hours(weekly_hours: Decimal | None) -> Decimal:
    """Hours worked in a month for a week of ``weekly_hours`` (151.67 for 35 h or unsaid).

    >>> monthly_hours(None), monthly_hours(Decimal(35)), monthly_hours(Decimal("17.5"))
    (Decimal('151.67'), Decimal('151.67'), Decimal('75.835'))
    """
    if weekly_hours is None:
        return FULL_TIME_MONTHLY_HOURS
    return FULL_TIME_MONTHLY_HOURS * weekly_hours / FULL_TIME_WEEKLY_HOURS


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def euros(value: Decimal) -> str:
    """An amount as French people write it: « 12,02 € », « 1 823,07 € », « 1 800 € ».

    >>> euros(Decimal("12.02")), euros(Decimal("1823.07")), euros(Decimal("1800"))
    ('12,02 €', '1\\u202f823,07 €', '1\\u202f800 €')
    """
    cents = _cents(value)
    whole, _, fraction = f"{cents:,.2f}".partition(".")
    text = whole.replace(",", "\u202f")
    if fraction != "00":
        text += "," + fraction
    return text + " €"


def hours(value: Decimal) -> str:
    """« 20 h », « 17,5 h »."""
    text = f"{value.normalize():f}".replace(".", ",")
    return f"{text} h"


def years(n: int) -> str:
    """« 1 an », « 10 ans »."""
    return french.plural(n, "an")


def _pay(request: Request) -> str:
    pay = request.best_pay
    assert pay is not None and request.pay_period is not None
    return f"{euros(pay)} brut {PAY_PERIODS[request.pay_period]}"


def _ratio(part: Decimal, whole: Decimal) -> str:
    return f"{round(part / whole * 100)} %"


# --- the rules ----------------------------------------------------------------------------------


Figures = Mapping[str, str]


@dataclass(frozen=True)
class Rule:
    """One reason a request is hard to fill: its id, title, French explanation, predicate."""

    id: str
    title: str
    explanation: str  # a str.format template over the figures the predicate returns
    trips: Callable[[Request, Smic], Figures | None]


@dataclass(frozen=True)
class Finding:
    """A rule that applies to a request, explained with the figures it used."""

    rule_id: str
    title: str
    text: str
    figures: Figures


def _below_smic(r: Request, smic: Smic) -> Figures | None:
    hourly = r.best_hourly_pay
    if hourly is None or r.contract in LOWER_PAY_CONTRACTS or _cents(hourly) >= smic.hourly:
        return None
    return {"pay": _pay(r), "hourly": euros(hourly), "smic": smic.said()}


def _smic_for_experience(r: Request, smic: Smic) -> Figures | None:
    hourly = r.best_hourly_pay
    asked = r.experience_years or 0
    if hourly is None or asked < EXPERIENCED_YEARS or hourly > smic.hourly * AT_SMIC_MARGIN:
        return None
    return {
        "years": years(asked),
        "pay": _pay(r),
        "ratio": _ratio(hourly, smic.hourly),
        "smic": smic.said(),
    }


def _many_requirements(r: Request, smic: Smic) -> Figures | None:
    asked = r.requirements()
    if len(asked) < MANY_REQUIREMENTS:
        return None
    return {"count": str(len(asked)), "list": " ; ".join(asked)}


def _diploma_for_beginners(r: Request, smic: Smic) -> Figures | None:
    if r.experience_years != 0 or not r.diploma_level:
        return None
    return {"diploma": DIPLOMAS[r.diploma or ""][1]}


def _part_time_full_requirements(r: Request, smic: Smic) -> Figures | None:
    if r.weekly_hours is None or r.weekly_hours > SHORT_PART_TIME_HOURS:
        return None
    heavy = []
    if (r.experience_years or 0) >= EXPERIENCED_YEARS:
        heavy.append(years(r.experience_years or 0) + " d'expérience")
    if r.diploma_level >= HIGH_DIPLOMA_LEVEL:
        heavy.append(DIPLOMAS[r.diploma or ""][1])
    if len(r.requirements()) >= 3 and not heavy:
        heavy.append(french.plural(len(r.requirements()), "exigence"))
    if not heavy:
        return None
    month = _cents(smic.hourly * monthly_hours(r.weekly_hours))
    return {
        "hours": hours(r.weekly_hours),
        "asked": " et ".join(heavy),
        "month": euros(month),
        "smic": smic.said(),
    }


def _short_contract_for_experts(r: Request, smic: Smic) -> Figures | None:
    asked = r.experience_years or 0
    if r.contract not in SHORT_CONTRACTS or asked < EXPERT_YEARS:
        return None
    return {"contract": r.contract or "", "years": years(asked)}


RULES: tuple[Rule, ...] = (
    Rule(
        "below_smic",
        "Rémunération sous le SMIC",
        "La rémunération proposée ({pay}, soit {hourly} de l'heure) est inférieure au SMIC "
        "({smic}) : hors alternance et stage, c'est interdit, et personne ne postulera.",
        _below_smic,
    ),
    Rule(
        "smic_for_experience",
        "Payé au SMIC pour un profil expérimenté",
        "{years} d'expérience exigés pour {pay}, soit {ratio} du SMIC ({smic}) : une personne "
        "expérimentée trouve mieux payé ailleurs. Moins d'expérience exigée, ou un salaire à "
        "la hauteur de l'expérience ?",
        _smic_for_experience,
    ),
    Rule(
        "many_requirements",
        "Beaucoup d'exigences à la fois",
        "{count} exigences à la fois ({list}) : chacune écarte des candidats, toutes ensemble "
        "décrivent un mouton à 5 pattes. Lesquelles sont indispensables dès le premier jour, "
        "lesquelles peuvent s'apprendre sur le poste ?",
        _many_requirements,
    ),
    Rule(
        "diploma_for_beginners",
        "Diplôme exigé pour un poste ouvert aux débutants",
        "Le poste est ouvert aux débutants (aucune expérience exigée) mais demande {diploma} : "
        "un débutant motivé sans ce diplôme peut apprendre sur le poste (immersion, "
        "préparation opérationnelle à l'emploi).",
        _diploma_for_beginners,
    ),
    Rule(
        "part_time_full_requirements",
        "Temps partiel, exigences de temps plein",
        "{hours} par semaine, soit {month} brut par mois au SMIC ({smic}), pour {asked} : "
        "un profil aussi qualifié cherche un temps plein.",
        _part_time_full_requirements,
    ),
    Rule(
        "short_contract_for_experts",
        "Contrat court pour un profil confirmé",
        "Un {contract} pour {years} d'expérience exigés : les personnes confirmées cherchent un "
        "emploi durable. Une perspective d'embauche ou moins d'expérience exigée élargit le "
        "vivier.",
        _short_contract_for_experts,
    ),
)


def check(request: Request, smic: Smic, rules: tuple[Rule, ...] = RULES) -> list[Finding]:
    """The rules ``request`` trips, in the rules' order, each explained with its figures."""
    found = []
    for rule in rules:
        figures = rule.trips(request, smic)
        if figures is not None:
            text = rule.explanation.format(**figures)
            found.append(Finding(rule.id, rule.title, text[0].upper() + text[1:], figures))
    return found
