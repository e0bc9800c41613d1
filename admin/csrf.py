"""CSRF protection for every state-changing form.

A random ``couloir_csrf`` cookie is set on the first page a browser sees. Each form carries
``csrf_token`` = HMAC(secret key, cookie value + login session id). Another site can neither
read the cookie nor compute the HMAC, and the token changes with each login session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

COOKIE = "couloir_csrf"
FIELD = "csrf_token"
SESSION_COOKIE = "couloir_session"
_STATE_NEW = "csrf_new_cookie"


class CsrfError(Exception):
    """The form has no valid token: forged, or the page is too old."""


def _settings(request: Request):  # type: ignore[no-untyped-def]
    settings = getattr(request.app.state, "settings", None)
    if settings is None:
        from api.settings import get_settings

        settings = get_settings()
    return settings


def _sign(request: Request, cookie_value: str, session_id: str) -> str:
    secret = _settings(request).secret_key.encode()
    digest = hmac.new(secret, f"csrf|{cookie_value}|{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _cookie_value(request: Request) -> str | None:
    value = getattr(request.state, _STATE_NEW, None) or request.cookies.get(COOKIE)
    if value and 20 <= len(value) <= 100 and value.replace("-", "").replace("_", "").isalnum():
        return value
    return None


def token_for(request: Request) -> str:
    """The token to embed in this request's forms (creates the cookie when needed)."""
    value = _cookie_value(request)
    if value is None:
        value = secrets.token_urlsafe(32)
        setattr(request.state, _STATE_NEW, value)
    return _sign(request, value, request.cookies.get(SESSION_COOKIE, ""))


def attach_cookie(request: Request, response: Response) -> None:
    """Send the CSRF cookie if ``token_for`` had to create one for this request."""
    value = getattr(request.state, _STATE_NEW, None)
    if value:
        response.set_cookie(
            COOKIE,
            value,
            httponly=True,
            samesite="lax",
            secure=_settings(request).secure_cookies,
            path="/",
        )


def verify(request: Request, submitted: str | None) -> None:
    """Raise CsrfError unless ``submitted`` matches this browser and login session."""
    value = request.cookies.get(COOKIE)
    if not value or not submitted:
        raise CsrfError
    expected = _sign(request, value, request.cookies.get(SESSION_COOKIE, ""))
    if not hmac.compare_digest(expected.encode(), submitted.encode()):
        raise CsrfError
