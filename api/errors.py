"""Domain errors. Each carries a French message and maps to one HTTP status."""

from __future__ import annotations

from typing import Any


class SettingsError(RuntimeError):
    """A setting has a wrong value; the message names it in one line."""


class DomainError(Exception):
    """Base class: ``status`` is the HTTP code a route answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Unauthorized(DomainError):
    status = 401


class Invalid(DomainError):
    status = 422


class TooLarge(DomainError):
    status = 413


class Throttled(DomainError):
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StaleVersion(DomainError):
    """Someone else changed the object since the caller read it; ``current`` is the latest."""

    status = 409

    def __init__(self, current: Any, *, current_public: Any = None) -> None:
        super().__init__(
            "Cet élément a été modifié par quelqu'un d'autre entre-temps : "
            "voici la version actuelle."
        )
        self.current = current
        self.current_public = current_public


class Conflict(DomainError):
    status = 409
