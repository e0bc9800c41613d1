"""Reusable column and field definitions shared by the models."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Strict, StringConstraints
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, Column
from sqlmodel import Field

from api.domain.text import clean_text


def json_column(default: Any) -> Any:
    """A JSON column with a Python-side default (list or dict)."""
    return Field(
        default_factory=lambda: type(default)(default), sa_column=Column(JSON, nullable=False)
    )


def _cleaner(
    *, multiline: bool, required: bool, max_length: int, shape: re.Pattern[str] | None = None
) -> BeforeValidator:
    """Clean a text with the one rule (``api.domain.text``) before its length and shape checks.

    Runs before the string constraints, so "required" means "something visible is left". The
    length limit holds for the text as sent too: the published schema promises it.
    """

    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the string schema refuses it with its own message
        if len(value) > max_length:
            raise PydanticCustomError(
                "string_too_long", "{max_length} caractères au maximum", {"max_length": max_length}
            )
        text = clean_text(value, multiline=multiline)
        if required and not text:
            raise PydanticCustomError("text_empty", EMPTY_TEXT)
        # A shape checked on the cleaned text, in French (cleaning can change a valid shape).
        if shape is not None and not shape.fullmatch(text):
            raise PydanticCustomError("text_shape", TAG_SHAPE_MESSAGE)
        return text

    return BeforeValidator(clean)


EMPTY_TEXT = "ne peut pas être vide (les caractères invisibles ne comptent pas)"
TAG_PATTERN = r"^#?[^\s#,]+$"
_TAG_SHAPE = re.compile(r"(?=.{2,40}\Z)#?[^\s#,]+")  # TAG_PATTERN and its length bounds
TAG_SHAPE_MESSAGE = "une étiquette est un mot de 2 à 40 caractères, sans espace ni virgule"

# In each type the constraints come first, so pydantic runs them after the cleaner.
ShortText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    _cleaner(multiline=False, required=True, max_length=200),
]
"""A required one-line text (names, titles): 1–200 visible characters once cleaned."""

LongText = Annotated[
    str,
    StringConstraints(max_length=4000),
    _cleaner(multiline=True, required=False, max_length=4000),
]
"""A free text (descriptions, stories): up to 4,000 characters once cleaned, lines kept."""

Paragraph = Annotated[
    str,
    StringConstraints(min_length=1, max_length=2000),
    _cleaner(multiline=True, required=True, max_length=2000),
]
"""A required short free text (a testimony): 1–2,000 visible characters, lines kept."""

Tag = Annotated[
    str,
    StringConstraints(min_length=2, max_length=40, pattern=TAG_PATTERN),
    _cleaner(multiline=False, required=True, max_length=40, shape=_TAG_SHAPE),
]
MAX_TAGS = 12
TAGS_HELP = (
    "Étiquettes (#mot), 12 au plus ; « antiplome » rejoint l'étiquette « antiplôme » "
    "si elle existe."
)
"""What the tags of a hire story or a testimony are, said once for both."""

Reason = Annotated[
    str,
    StringConstraints(max_length=300),
    _cleaner(multiline=False, required=False, max_length=300),
]
"""A short free text (the reason of a forced urgency)."""

Note = Annotated[
    str,
    StringConstraints(max_length=200),
    _cleaner(multiline=False, required=False, max_length=200),
]
"""A one-line word to a colleague (a candidate proposal's note): up to 200 characters."""

Message = Annotated[
    str,
    StringConstraints(min_length=1, max_length=280),
    _cleaner(multiline=False, required=True, max_length=280),
]
"""A required one-line message for the screen (announcements)."""

# No « @ » nor space in each part. Python's and JSON Schema's ``\s`` differ (Python's also
# has \x1c-\x1f and \x85, JSON Schema's \ufeff): both are named, so that the published
# pattern and the server's check refuse the same addresses.
_NOT_IN_EMAIL = r"[^@\s\x1c-\x1f\x85\ufeff]"
EMAIL_PATTERN = rf"^{_NOT_IN_EMAIL}+@{_NOT_IN_EMAIL}+\.{_NOT_IN_EMAIL}+$"
Email = Annotated[
    str,
    StringConstraints(to_lower=True, max_length=254, pattern=EMAIL_PATTERN),
    _cleaner(multiline=False, required=True, max_length=254),
]
"""An e-mail address, lower-cased; only its shape is checked."""

FranceTravailId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{5,20}$")
]
"""The offer's number in France Travail's own system (optional)."""


# JSON types are taken as sent, never guessed: pydantic would read ``true`` as 1, ``0`` as False
# and ``0`` as 1970-01-01, so a client's mistake would be saved as something nobody meant.


def not_a_boolean(value: Any) -> Any:
    """Refuse ``true``/``false`` (and text) where a number is expected; ``3.0`` is still 3."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "nombre attendu (ni true/false ni texte)")
    return value


def _not_a_number(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        raise PydanticCustomError("date_type", "date attendue en texte (AAAA-MM-JJ)")
    return value


Flag = Annotated[bool, Strict()]
"""A yes/no: JSON ``true`` or ``false`` only."""

Count = Annotated[int, BeforeValidator(not_a_boolean)]
"""A whole number sent as a JSON number (``true``, ``"3"`` or ``2.5`` are refused)."""


def count_between(low: int, high: int) -> Any:
    """``Count`` from ``low`` to ``high``; the bounds stay in the schema when it is optional.

    (Bounds given beside an optional validated type would be published as unknown keywords.)
    """
    return Annotated[int, PydanticField(ge=low, le=high), BeforeValidator(not_a_boolean)]


Measure = Annotated[float, Strict()]
"""A measured number (frame rate, memory): any JSON number but ``true``/``false``."""

Day = Annotated[date, BeforeValidator(_not_a_number)]
"""A calendar date sent as ``AAAA-MM-JJ`` text."""

Moment = Annotated[datetime, BeforeValidator(_not_a_number)]
"""An instant sent as ISO 8601 text."""

# Row ids are 32-bit integers in PostgreSQL; larger numbers cannot name a row (and would make
# the driver fail), so they are refused up front.
MAX_DB_ID = 2**31 - 1
DbId = count_between(1, MAX_DB_ID)
"""A client-supplied reference to a row (a colleague, an offer)."""


def about(model: type[BaseModel], field: str) -> str | None:
    """The description ``field`` has on ``model``: an edit model says it once, with its
    create model (``Field(None, description=about(HireBase, "story"))``)."""
    return model.model_fields[field].description
