"""Reusable column and field definitions shared by the models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import JSON, Column
from sqlmodel import Field


def json_column(default: Any) -> Any:
    """A JSON column with a Python-side default (list or dict)."""
    return Field(
        default_factory=lambda: type(default)(default), sa_column=Column(JSON, nullable=False)
    )


def no_control_chars(value: str) -> str:
    """Refuse control characters but newlines and tabs (PostgreSQL refuses NUL in text)."""
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValueError("caractères de contrôle interdits")
    return value


ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(no_control_chars),
]
"""A required one-line text (names, titles): 1–200 characters after trimming."""

LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=4000),
    AfterValidator(no_control_chars),
]
"""A free text (descriptions, stories): up to 4,000 characters."""

Tag = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=2, max_length=40, pattern=r"^#?[^\s#,]+$"),
    AfterValidator(no_control_chars),
]

Reason = Annotated[str, StringConstraints(max_length=300), AfterValidator(no_control_chars)]
"""A short free text (the reason of a forced urgency)."""

# Row ids are 32-bit integers in PostgreSQL; larger numbers cannot name a row (and would make
# the driver fail), so they are refused up front.
MAX_DB_ID = 2**31 - 1
DbId = Annotated[int, PydanticField(ge=1, le=MAX_DB_ID)]
"""A client-supplied reference to a row (a colleague, an offer)."""

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
    AfterValidator(no_control_chars),
]
"""An e-mail address, lower-cased; only its shape is checked."""

FranceTravailId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{5,20}$")
]
"""The offer's number in France Travail's own system (optional)."""
