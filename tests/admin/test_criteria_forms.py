"""The offer form's criteria block read in-process: a French message per field, nothing guessed."""

from __future__ import annotations

import pytest

from admin.criteria_forms import criteria_values, parse_criteria
from admin.forms import Form

VALID = {"experience_years": "3", "pay_from": "1 801,80 €", "pay_to": "1\u202f900",
         "pay_period": "month", "weekly_hours": "35", "driving_licence": "on",
         "must_haves": "CACES R489\n\n  Anglais courant  \ncaces r489"}  # fmt: skip


def test_a_valid_block_is_read_the_french_way_and_shown_back() -> None:
    form = Form(values=dict(VALID))
    data = parse_criteria(form)
    assert form.ok, form.errors
    assert data == {
        "experience_years": 3, "diploma": None, "pay_from": 1801.8, "pay_to": 1900.0,
        "pay_period": "month", "weekly_hours": 35.0, "driving_licence": True,
        "must_haves": ["CACES R489", "Anglais courant"],
    }  # fmt: skip
    shown = criteria_values(data)
    assert shown["pay_from"] == "1801,8" and shown["must_haves"] == "CACES R489\nAnglais courant"


def test_an_empty_block_is_no_criteria() -> None:
    form = Form(values={"pay_period": "hour", "must_haves": "\n \u200b\n"})
    assert parse_criteria(form) is None and form.ok


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("experience_years", "-1", "ne peut pas être négative"),
        ("experience_years", "46", "Entre 0 et 45"),
        ("experience_years", "🔟", "nombre entier"),
        ("pay_from", "-12", "ne peut pas être négatif"),
        ("pay_from", "douze", "Indiquez un nombre, par exemple 12,02"),
        ("pay_from", "0", "plus de 0"),
        ("pay_to", "1", "inversez-les"),  # from 1 801,80 to 1
        ("pay_period", "week", "Choix inconnu"),
        ("weekly_hours", "200", "48 heures par semaine au plus"),
        ("weekly_hours", "🕐", "Indiquez un nombre, par exemple 35"),
        ("must_haves", "x" * 10_000, "Trop long"),
        ("must_haves", "x" * 81, "Ligne 1 : 80 caractères au plus"),
        ("must_haves", "\n".join(f"exigence {i}" for i in range(9)), "8 exigences au plus"),
    ],
)
def test_bad_criteria_get_a_french_message_next_to_their_field(
    field: str, typed: str, said: str
) -> None:
    form = Form(values={**VALID, field: typed})
    parse_criteria(form)
    assert said in form.errors.get(field, ""), form.errors


def test_a_pay_needs_its_period_and_an_hourly_one_its_sense() -> None:
    form = Form(values={**VALID, "pay_period": ""})
    parse_criteria(form)
    assert "de l'heure ou par mois" in form.errors["pay_period"]
    form = Form(values={**VALID, "pay_period": "hour"})
    parse_criteria(form)
    assert "salaire mensuel" in form.errors["pay_to"]
