"""The shared French wording (api.domain.french), in process: dates, counts, « de »."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from admin.templating import date_fr, datetime_fr, days_fr
from api.clock import zone
from api.domain import french
from display import french as screen_french


@pytest.mark.parametrize(
    ("day", "weekday", "year", "expected"),
    [
        (date(2026, 12, 9), True, False, "mercredi 9 décembre"),
        (date(2026, 12, 1), False, False, "1er décembre"),
        (date(2026, 12, 1), True, True, "mardi 1er décembre 2026"),
        (date(2027, 1, 1), True, True, "vendredi 1er janvier 2027"),
        (date(2026, 12, 31), False, True, "31 décembre 2026"),
        (date(2026, 2, 28), True, False, "samedi 28 février"),
        (date(2028, 2, 29), False, True, "29 février 2028"),
        (date(2026, 8, 15), True, False, "samedi 15 août"),
    ],
)
def test_long_dates_across_months_and_years(
    day: date, weekday: bool, year: bool, expected: str
) -> None:
    assert french.long_date(day, weekday=weekday, year=year) == expected


def test_month_names_are_written_once_and_in_order() -> None:
    assert [french.month_name(m) for m in (1, 2, 8, 12)] == [
        "janvier",
        "février",
        "août",
        "décembre",
    ]
    assert len(set(french.MONTHS)) == len(set(french.MONTHS_SHORT)) == 12


def test_short_dates_of_the_staff_pages() -> None:
    assert french.short_date(date(2026, 12, 3)) == "jeu. 3 déc."
    assert french.short_date(date(2026, 12, 1)) == "mar. 1er déc."
    assert french.short_date(date(2027, 2, 1), year=True) == "lun. 1er févr. 2027"


def test_times() -> None:
    moment = datetime(2026, 12, 9, 9, 5)
    assert french.clock(moment) == "09:05"
    assert french.hour_minute(moment) == "9 h 05"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 candidat"),
        (1, "1 candidat"),
        (2, "2 candidats"),
        (12, "12 candidats"),
        (-1, "-1 candidat"),
        (-2, "-2 candidats"),
    ],
)
def test_plural_zero_and_one_are_singular(n: int, expected: str) -> None:
    assert french.plural(n, "candidat") == expected


def test_plural_with_an_irregular_form() -> None:
    assert (
        french.plural(3, "offre très urgente", "offres très urgentes") == "3 offres très urgentes"
    )
    assert french.plural(1, "travail", "travaux") == "1 travail"


def test_days_and_days_left() -> None:
    assert [french.days(n) for n in (-1, 0, 1, 12)] == [
        "aujourd'hui",
        "aujourd'hui",
        "1 jour",
        "12 jours",
    ]
    assert [french.days_left(n) for n in (-1, 0, 1, 5)] == [
        "défi terminé",
        "dernier jour",
        "encore 1 jour",
        "encore 5 jours",
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Aurélie", "d'Aurélie"),
        ("Karim", "de Karim"),
        ("Émilie", "d'Émilie"),
        ("Éric Martin", "d'Éric Martin"),
        ("Œnone", "d'Œnone"),
        ("Ines", "d'Ines"),
        ("Ugo", "d'Ugo"),
        ("Yves", "d'Yves"),
        ("Yvonne", "d'Yvonne"),
        ("Yasmine", "de Yasmine"),
        ("Yann", "de Yann"),
        ("Hélène", "d'Hélène"),
        ("Hugo Petit", "d'Hugo Petit"),
        ("Hamid", "de Hamid"),
        ("Le Fournil du Rhône", "du Fournil du Rhône"),
        ("Les Halles", "des Halles"),
        ("La Poste", "de La Poste"),
        ("l'Équipe", "de l'Équipe"),
        ("Léa", "de Léa"),
        ("  Amandine ", "d'Amandine"),
        ("", "de "),
    ],
)
def test_de_elides_before_vowels_accented_or_not(name: str, expected: str) -> None:
    assert french.de(name) == expected


def test_the_staff_pages_and_the_screen_share_the_same_rules() -> None:
    assert screen_french.plural is french.plural
    assert screen_french.french_date is french.long_date
    assert days_fr(1) == french.days(1) and days_fr(None) == "—"
    this_year = date.today().year
    assert date_fr(date(this_year, 12, 1)).endswith(" 1er déc.")
    assert date_fr(date(2001, 12, 1)) == "sam. 1er déc. 2001"


def test_one_timezone_fallback_for_both_faces() -> None:
    assert zone("America/Cayenne").key == "America/Cayenne"
    assert zone("Mars/Olympus").key == zone(None).key == zone("").key == "Europe/Paris"
    winter = datetime(2001, 12, 3, 13, 5, tzinfo=UTC)
    assert datetime_fr(winter) == "lun. 3 déc. 2001 à 14 h 05"
    assert datetime_fr(winter, "Mars/Olympus") == "lun. 3 déc. 2001 à 14 h 05"
    assert datetime_fr(winter, "America/Cayenne") == "lun. 3 déc. 2001 à 10 h 05"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 offre TPE pourvue"),
        (1, "1 offre TPE pourvue"),
        (2, "2 offres TPE pourvues"),
        (19, "19 offres TPE pourvues"),
    ],
)
def test_count_of_a_plural_unit(n: int, expected: str) -> None:
    assert french.count(n, "offres TPE pourvues") == expected


def test_singular_keeps_capitals_short_words_and_double_letters() -> None:
    assert french.singular("CV envoyés") == "CV envoyé"
    assert french.singular("contrats signés") == "contrat signé"
    assert french.singular("jeux") == "jeu"
    assert french.singular("mises en relation") == "mise en relation"
    assert french.singular("bus") == "bus"


@pytest.mark.parametrize(
    ("label", "n", "expected"),
    [
        ("très urgent", 1, "très urgente"),
        ("très urgent", 3, "très urgentes"),
        ("urgent", 5, "urgentes"),
        ("à surveiller", 10, "à surveiller"),
        ("à pourvoir", 1, "à pourvoir"),
    ],
)
def test_agree_a_level_with_offers(label: str, n: int, expected: str) -> None:
    assert french.agree(label, n, feminine=True) == expected


def test_agree_masculine_plural() -> None:
    assert french.agree("urgent", 2) == "urgents"
    assert french.agree("urgent", 1) == "urgent"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Aurélie Fabre", "d'Aurélie Fabre"),
        ("Karim Benali", "de Karim Benali"),
        ("Équipe support", "de l'Équipe support"),
        ("équipe du soir", "de l'équipe du soir"),
        ("Accueil", "de l'Accueil"),
        ("Direction", "de la Direction"),
        ("Service entreprises", "du Service entreprises"),
        ("Hélène Roux", "d'Hélène Roux"),
    ],
)
def test_de_account_gives_a_team_its_article_and_a_person_an_elision(
    name: str, expected: str
) -> None:
    assert french.de_account(name) == expected
