"""Where the staff pages live, and the one rule for following a ``next`` parameter."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

PREFIX = "/admin"
HOME = f"{PREFIX}/"
LOGIN = f"{PREFIX}/connexion"
LOGOUT = f"{PREFIX}/deconnexion"


def safe_next(value: str | None, default: str = HOME) -> str:
    """Return ``value`` if it is a path inside this site, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks browsers
    normalise into them, so a login link can never send someone to another site.

        >>> safe_next("/o/ABCD2345")
        '/o/ABCD2345'
        >>> safe_next("https://evil.example/")
        '/admin/'
    """
    if not value or len(value) > 2000:
        return default
    if any(ord(ch) < 32 or ch == "\\" for ch in value):
        return default
    if not value.startswith("/") or value.startswith("//"):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def login_url(next_path: str | None = None) -> str:
    """The login page, coming back to ``next_path`` afterwards."""
    target = safe_next(next_path, "")
    return f"{LOGIN}?next={quote(target, safe='/')}" if target else LOGIN


def offer_public_path(code: str) -> str:
    """The QR target of an offer."""
    return f"/o/{code}"
