"""The « mouton à 5 pattes » rules, one by one: a request that trips each, one that does not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from api.domain.hard_to_fill import (
    RULES,
    Request,
    Smic,
    check,
    euros,
    monthly_hours,
)
from api.settings import Settings

SMIC = Smic(hourly=Decimal("12.02"), since=date(2026, 1, 1))
D = Decimal
# A reasonable request: trips nothing.
FAIR = Request(
    contract="CDI",
    experience_years=1,
    diploma="aucun",
    pay_from=D("1900"),
    pay_to=D("2100"),
    pay_period="month",
    weekly_hours=D(35),
    driving_licence=True,
)

# rule id → (a request that trips it, a close one that does not, words the explanation says)
CASES: dict[str, tuple[Request, Request, list[str]]] = {
    "below_smic": (
        replace(FAIR, pay_from=D("1700"), pay_to=D("1750")),
        replace(FAIR, pay_from=D("1700"), pay_to=D("1823.07")),
        ["1\u202f750 € brut par mois", "11,54 € de l'heure", "12,02 €", "1er janvier 2026"],
    ),
    "smic_for_experience": (
        replace(FAIR, experience_years=10, pay_from=None, pay_to=D("12.02"), pay_period="hour"),
        replace(FAIR, experience_years=10, pay_from=None, pay_to=D("14"), pay_period="hour"),
        ["10 ans d'expérience", "12,02 € brut de l'heure", "100 % du SMIC"],
    ),
    "many_requirements": (
        replace(FAIR, diploma="cap", must_haves=("CACES R489", "anglais courant")),
        replace(FAIR, diploma="cap", must_haves=("CACES R489",)),
        ["5 exigences", "CAP / BEP", "permis de conduire", "CACES R489", "anglais courant"],
    ),
    "diploma_for_beginners": (
        replace(FAIR, experience_years=0, diploma="bac"),
        replace(FAIR, experience_years=0, diploma="aucun"),
        ["ouvert aux débutants", "Bac (niveau 4)"],
    ),
    "part_time_full_requirements": (
        replace(FAIR, weekly_hours=D(20), experience_years=3, pay_from=None, pay_to=None),
        replace(FAIR, weekly_hours=D(28), experience_years=3, pay_from=None, pay_to=None),
        ["20 h par semaine", "1\u202f041,76 € brut par mois", "3 ans d'expérience"],
    ),
    "short_contract_for_experts": (
        replace(FAIR, contract="CDD", experience_years=5),
        replace(FAIR, contract="CDI", experience_years=5),
        ["CDD", "5 ans d'expérience"],
    ),
}


def test_every_rule_has_its_cases() -> None:
    assert [r.id for r in RULES] == list(CASES)
    assert len({r.id for r in RULES}) == len(RULES)


def test_a_fair_request_trips_nothing() -> None:
    assert check(FAIR, SMIC) == []
    assert check(Request(), SMIC) == []  # nothing said, nothing to explain


@pytest.mark.parametrize("rule_id", list(CASES))
def test_the_rule_trips_with_its_figures(rule_id: str) -> None:
    tripping, _, words = CASES[rule_id]
    found = {f.rule_id: f for f in check(tripping, SMIC)}
    assert rule_id in found, [f.rule_id for f in check(tripping, SMIC)]
    text = found[rule_id].text
    for word in words:
        assert word in text, (word, text)
    assert not text[0].islower() and "{" not in text


@pytest.mark.parametrize("rule_id", list(CASES))
def test_the_rule_stays_quiet_just_below_its_threshold(rule_id: str) -> None:
    _, quiet, _ = CASES[rule_id]
    assert rule_id not in {f.rule_id for f in check(quiet, SMIC)}


def test_the_plumber_of_the_field_study_trips_two_rules() -> None:
    """« Un plombier avec plus de 5 ans d'expérience, en CDD payé au SMIC »."""
    plumber = Request(contract="CDD", experience_years=5, pay_to=D("1823"), pay_period="month")
    assert [f.rule_id for f in check(plumber, SMIC)] == [
        "smic_for_experience",
        "short_contract_for_experts",
    ]


def test_apprentices_and_interns_may_be_paid_below_the_smic() -> None:
    low = replace(FAIR, pay_from=None, pay_to=D("900"))
    assert "below_smic" in {f.rule_id for f in check(low, SMIC)}
    for contract in ("alternance", "stage"):
        assert "below_smic" not in {f.rule_id for f in check(replace(low, contract=contract), SMIC)}


def test_a_monthly_pay_is_counted_over_the_weekly_hours_asked() -> None:
    """1 000 € for 20 h a week is 11,54 € an hour: below the SMIC, though far below 1 823 €."""
    part_time = Request(pay_to=D("1000"), pay_period="month", weekly_hours=D(20))
    assert part_time.best_hourly_pay is not None
    assert round(part_time.best_hourly_pay, 2) == D("11.54")
    assert [f.rule_id for f in check(part_time, SMIC)] == ["below_smic"]
    assert check(replace(part_time, pay_to=D("1041.76")), SMIC) == []


def test_hourly_and_monthly_meet_at_151_67_hours() -> None:
    assert SMIC.monthly == D("1823.07")
    assert monthly_hours(None) == monthly_hours(D(35)) == D("151.67")
    assert euros(D("1823.07")) == "1\u202f823,07 €"


def test_the_smic_comes_from_the_settings_with_its_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, smic_hourly=D("12.50"), smic_since=date(2026, 7, 1))
    assert settings.smic == Smic(D("12.50"), date(2026, 7, 1))
    assert Settings(data_dir=tmp_path).smic == SMIC
    low = Request(experience_years=4, pay_to=D("12.40"), pay_period="hour")
    found = check(low, settings.smic)
    assert "1er juillet 2026" in found[0].text and "12,50 €" in found[0].text


def test_the_demo_has_two_offers_failing_for_different_reasons() -> None:
    from api.demo import CRITERIA, OFFERS
    from api.models.criteria import OfferCriteria

    contracts = {employer: contract for employer, _, contract, *_ in OFFERS}
    reasons = {
        employer: {f.rule_id for f in check(OfferCriteria(**c).request(contracts[employer]), SMIC)}
        for employer, c in CRITERIA.items()
    }
    flagged = {employer: rules for employer, rules in reasons.items() if rules}
    assert len(flagged) == 2
    first, second = flagged.values()
    assert first and second and not first & second
