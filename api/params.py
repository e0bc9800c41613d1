"""Numbers read from a URL or a form: row ids, offsets and page numbers, always bounded.

A number a client sends can be anything: ``99999999999999999999`` (which no database integer
holds), ``²`` (a digit to ``str.isdigit`` but not to ``int``), ``١٢`` (Arabic-Indic digits that
``int`` accepts). Every route that takes an id, an offset or a page declares it with one of the
types below; every other place that turns text into a number goes through ``ascii_int``.

    @router.get("/{offer_id}")
    def read_offer(offer_id: PathId, owner: QueryId = None, offset: Offset = 0): ...

    >>> parse_id("42"), parse_id("²"), parse_id("99999999999999999999")
    (42, None, None)
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query

from api.models.fields import MAX_DB_ID

# Deep enough for any real list (the journal shows 50 events a page), small enough for any
# database's OFFSET.
MAX_OFFSET = 1_000_000
MAX_PAGE = 1_000
_ASCII_INT = re.compile(r"-?[0-9]{1,18}")

PathId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
"""A row id in the path: 1 to MAX_DB_ID, else 422 (the API) or the "not found" page (pages)."""

QueryId = Annotated[int | None, Query(ge=1, le=MAX_DB_ID)]
"""An optional row id in the query string (a filter); use with ``= None``."""

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
"""How many rows to skip in a list; use with ``= 0``."""

PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE)]
"""A page of a list, from 1; use with ``= 1``."""


def ascii_int(text: str) -> int | None:
    """``text`` as an integer when it is one written in ASCII digits (at most 18), else None."""
    return int(text) if _ASCII_INT.fullmatch(text) else None


def parse_id(text: str) -> int | None:
    """A row id typed in a query string or a form, or None when ``text`` cannot be one."""
    number = ascii_int(text)
    return number if number is not None and 1 <= number <= MAX_DB_ID else None
