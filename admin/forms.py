"""Reading a posted form: typed values, French error messages per field, what was typed kept.

form = await Form.read(request)          # checks the CSRF token first
title = form.text("title", required=True)
if not form.ok:
    return render(request, "offer_form.html", {"form": form}, status_code=422)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import Depends, Request
from starlette.datastructures import UploadFile

from admin import csrf
from api.domain.text import clean_text
from api.models.fields import MAX_DB_ID
from api.params import ascii_int

MAX_TEXT = 200
MAX_LONG_TEXT = 4000
# Each text field is capped by MAX_LONG_TEXT; this bounds the whole non-file body.
MAX_FIELDS = 200


@dataclass
class Form:
    """The values as typed (strings, for re-display) and one French error per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadFile] = field(default_factory=dict)

    @classmethod
    async def read(cls, request: Request, *, check_csrf: bool = True) -> Form:
        """Parse the body (urlencoded or multipart) and verify its CSRF token."""
        data = await request.form(max_fields=MAX_FIELDS, max_files=4)
        values: dict[str, Any] = {}
        files: dict[str, UploadFile] = {}
        for key in data:
            items = data.getlist(key)
            uploads = [i for i in items if isinstance(i, UploadFile)]
            if uploads:
                files[key] = uploads[0]
                continue
            texts = [str(i) for i in items]
            values[key] = texts if len(texts) > 1 else texts[0]
        if check_csrf:
            csrf.verify(
                request, values.get(csrf.FIELD) if isinstance(values.get(csrf.FIELD), str) else None
            )
        values.pop(csrf.FIELD, None)
        return cls(values=values, files=files)

    @classmethod
    def empty(cls, **initial: Any) -> Form:
        """A form to show for the first time, pre-filled with ``initial``."""
        return cls(values={k: _display(v) for k, v in initial.items()})

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, name: str, message: str) -> None:
        """Attach ``message`` to field ``name`` (the first error of a field wins)."""
        self.errors.setdefault(name, message)

    def raw(self, name: str) -> str:
        value = self.values.get(name, "")
        if isinstance(value, list):
            return value[0] if value else ""
        return value

    def many(self, name: str) -> list[str]:
        value = self.values.get(name, [])
        return value if isinstance(value, list) else [value]

    def text(self, name: str, *, required: bool = False, max_length: int = MAX_TEXT) -> str | None:
        """A cleaned text (``api.domain.text``, as the API does), or None when empty and optional.

        Long texts (``MAX_LONG_TEXT``: stories, descriptions) keep their lines; the others are
        one line, as the API's ShortText, Reason and Email are.
        """
        value = clean_text(self.raw(name), multiline=max_length >= MAX_LONG_TEXT)
        if not value:
            if required:
                self.add_error(name, "Ce champ est obligatoire.")
            return None
        if len(value) > max_length:
            self.add_error(name, f"{max_length} caractères au maximum (ici {len(value)}).")
            return None
        return value

    def date(self, name: str, *, required: bool = False) -> date | None:
        """A date typed as AAAA-MM-JJ (what <input type=date> sends) or JJ/MM/AAAA."""
        value = self.raw(name).strip()
        if not value:
            if required:
                self.add_error(name, "Indiquez une date.")
            return None
        try:
            if "/" in value:
                day, month, year = (int(p) for p in value.split("/"))
                return date(year, month, day)
            return date.fromisoformat(value)
        except (ValueError, OverflowError):  # 1/1/99999999999999999999 overflows date()
            self.add_error(name, "Date invalide : utilisez le format JJ/MM/AAAA.")
            return None

    def integer(
        self,
        name: str,
        *,
        minimum: int,
        maximum: int,
        default: int | None = None,
        required: bool = True,
    ) -> int | None:
        """A whole number within bounds, in ASCII digits; ``default`` when left empty.

        Empty with no default is an error, unless ``required`` is False (then None).
        """
        value = self.raw(name).strip()
        if not value:
            if default is None and required:
                self.add_error(name, "Indiquez un nombre.")
            return default
        number = ascii_int(value)
        if number is None:
            self.add_error(name, "Indiquez un nombre entier, par exemple 2.")
            return None
        if not minimum <= number <= maximum:
            self.add_error(name, f"Entre {minimum} et {maximum}.")
            return None
        return number

    def row_id(self, name: str) -> int | None:
        """An optional reference to a row (a hidden field), bounded like every id."""
        return self.integer(name, minimum=1, maximum=MAX_DB_ID, required=False)

    def choice(
        self, name: str, choices: dict[str, str] | list[str], *, required: bool = True
    ) -> str | None:
        """One of ``choices`` (keys when a dict)."""
        value = self.raw(name).strip()
        if not value:
            if required:
                self.add_error(name, "Choisissez une option.")
            return None
        if value not in choices:
            self.add_error(name, "Choix inconnu : choisissez dans la liste.")
            return None
        return value

    def checkbox(self, name: str) -> bool:
        return self.raw(name) in {"on", "1", "true", "oui"}


def _display(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


async def posted_form(request: Request) -> Form:
    """The posted form, read on the event loop: the route itself, a plain ``def``, then runs in
    a worker thread, where its database work cannot hold up every screen's stream."""
    return await Form.read(request)


# ``form: Form = Posted``, last in a route's signature: the login and role checks come first.
Posted = Depends(posted_form)
