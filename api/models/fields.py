"""Reusable column and field definitions shared by the models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints
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


def _cleaner(*, multiline: bool, required: bool) -> BeforeValidator:
    """Clean a text with the one rule (``api.domain.text``) before its length and shape checks.

    Runs before the string constraints, so "required" means "something visible is left".
    """

    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value  # the string schema refuses it with its own message
        text = clean_text(value, multiline=multiline)
        if required and not text:
            raise PydanticCustomError("text_empty", EMPTY_TEXT)
        return text

    return BeforeValidator(clean)


EMPTY_TEXT = "ne peut pas être vide (les caractères invisibles ne comptent pas)"
_ONE_LINE_REQUIRED = _cleaner(multiline=False, required=True)
_ONE_LINE = _cleaner(multiline=False, required=False)
_MULTILINE = _cleaner(multiline=True, required=False)

# In each type the constraints come first, so pydantic runs them after the cleaner.
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200), _ONE_LINE_REQUIRED]
"""A required one-line text (names, titles): 1–200 visible characters once cleaned."""

LongText = Annotated[str, StringConstraints(max_length=4000), _MULTILINE]
"""A free text (descriptions, stories): up to 4,000 characters once cleaned, lines kept."""

Tag = Annotated[
    str,
    StringConstraints(min_length=2, max_length=40, pattern=r"^#?[^\s#,]+$"),
    _ONE_LINE_REQUIRED,
]

Reason = Annotated[str, StringConstraints(max_length=300), _ONE_LINE]
"""A short free text (the reason of a forced urgency)."""

Message = Annotated[str, StringConstraints(min_length=1, max_length=280), _ONE_LINE_REQUIRED]
"""A required one-line message for the screen (announcements)."""

# Row ids are 32-bit integers in PostgreSQL; larger numbers cannot name a row (and would make
# the driver fail), so they are refused up front.
MAX_DB_ID = 2**31 - 1
DbId = Annotated[int, PydanticField(ge=1, le=MAX_DB_ID)]
"""A client-supplied reference to a row (a colleague, an offer)."""

Email = Annotated[
    str,
    StringConstraints(to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    _ONE_LINE_REQUIRED,
]
"""An e-mail address, lower-cased; only its shape is checked."""

FranceTravailId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{5,20}$")
]
"""The offer's number in France Travail's own system (optional)."""
