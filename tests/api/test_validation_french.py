"""Validation errors answer in French: every error type pydantic can raise has its French message,
with its context values filled in, and a real request gets them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from pydantic_core import PydanticKnownError
from pydantic_core._pydantic_core import list_all_errors

from api.models.announcement import AnnouncementCreate
from api.models.fields import EMPTY_TEXT
from api.validation_fr import MESSAGES, french_message
from tests.support.server import LiveServer

ALL_ERRORS = list_all_errors()
# Words of pydantic's English messages that no French message may keep.
ENGLISH = re.compile(
    r"\b(should|input|must|valid|invalid|required|the|of|or|at|least|most|not|be|error|"
    r"expected|characters?|items?|digits?|bytes|number|string|integer|got)\b",
    re.IGNORECASE,
)
# Sample context values, all different from a template's words.
SAMPLES: dict[str, Any] = {
    "min_length": 3,
    "max_length": 7,
    "actual_length": 9,
    "gt": 4,
    "ge": 5,
    "lt": 6,
    "le": 8,
    "multiple_of": 11,
    "expected": "'cde', 'cdde' or 'manager'",
    "pattern": "^[a-z]+$",
    "error": "le motif est absent",
    "max_digits": 2,
    "decimal_places": 1,
    "whole_digits": 5,
    "tz_expected": 3600,
    "tz_actual": 0,
    "expected_version": 4,
    "expected_schemes": "'http', 'https'",
    "discriminator": "'scene'",
    "tag": "meteo",
    "expected_tags": "'offers', 'hires'",
    "encoding": "utf-8",
    "encoding_error": "octet 0xff",
    "attribute": "couleur",
    "class_name": "Offre",
    "class": "Offre",
    "field_type": "List",
    "method_name": "valider",
}


def _context(example: dict[str, Any] | None) -> dict[str, Any] | None:
    return {key: SAMPLES[key] for key in example} if example is not None else None


def test_the_translation_covers_exactly_pydantics_error_types() -> None:
    assert set(MESSAGES) == {error["type"] for error in ALL_ERRORS}


@pytest.mark.parametrize("error", ALL_ERRORS, ids=[e["type"] for e in ALL_ERRORS])
def test_every_error_type_has_a_french_message_with_its_values(error: dict[str, Any]) -> None:
    ctx = _context(error.get("example_context"))
    english = PydanticKnownError(error["type"], ctx).message()
    french = french_message({"type": error["type"], "msg": english, "ctx": ctx})
    assert french and french != english
    assert not ENGLISH.search(french.replace(SAMPLES["error"], "")), french
    assert "{" not in french and "}" not in french, french
    for key, value in (ctx or {}).items():
        if "{" + key in MESSAGES[error["type"]]:
            assert str(value).split(" or ")[0] in french, (key, french)


def test_counts_agree_with_their_noun() -> None:
    def message(n: int) -> str:
        english = PydanticKnownError("string_too_long", {"max_length": n}).message()
        return french_message({"type": "string_too_long", "msg": english, "ctx": {"max_length": n}})

    assert message(1) == "1 caractère au maximum"
    assert message(200) == "200 caractères au maximum"


def test_couloirs_own_french_messages_are_kept() -> None:
    error = {"type": "int_type", "msg": "nombre attendu (ni true/false ni texte)"}
    assert french_message(error) == error["msg"]
    assert french_message({"type": "text_empty", "msg": EMPTY_TEXT}) == EMPTY_TEXT


def test_a_rule_of_a_model_keeps_its_french_reason_without_pydantics_prefix() -> None:
    period = {"message": "Fermé", "starts_at": "2026-12-02T10:00", "ends_at": "2026-12-01T10:00"}
    with pytest.raises(ValidationError) as refused:
        AnnouncementCreate(**period)
    [error] = refused.value.errors()
    assert error["msg"].startswith("Value error, ")
    assert french_message(error) == "la fin doit être après le début"


@pytest.fixture(scope="module")
def cde(module_server: LiveServer) -> Iterator[httpx.Client]:
    with module_server.client("cde") as client:
        yield client


def _reasons(response: httpx.Response) -> dict[str, tuple[str, str]]:
    assert response.status_code == 422, response.text
    return {str(r["loc"][-1]): (r["type"], r["msg"]) for r in response.json()["detail"]}


def test_a_refused_offer_is_explained_in_french(cde: httpx.Client) -> None:
    offer = {"employer": "Garage", "title": "Mécanicien", "contract": "CDI", "commune": "Apt"}
    body = {**offer, "positions": 120, "contract": "CDX", "start_date": "2026-13-01"}
    del body["commune"]
    reasons = _reasons(cde.post("/api/v1/offers", json=body))
    assert reasons == {
        "commune": ("missing", "champ obligatoire"),
        "positions": ("less_than_equal", "doit être inférieur ou égal à 99"),
        "contract": (
            "literal_error",
            "valeur attendue : 'CDI', 'CDD', 'intérim', 'saisonnier', 'alternance', 'stage' "
            "ou 'autre'",
        ),
        "start_date": ("date_from_datetime_parsing", "date attendue au format AAAA-MM-JJ"),
    }
    reasons = _reasons(cde.post("/api/v1/offers", json={**offer, "tags": ["#x"] * 13}))
    assert reasons["tags"] == ("too_long", "12 éléments au maximum")


def test_a_body_that_is_not_json_is_explained_in_french(cde: httpx.Client) -> None:
    response = cde.post(
        "/api/v1/offers", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    [reason] = response.json()["detail"]
    assert reason["type"] == "json_invalid" and reason["msg"].startswith("JSON illisible")
