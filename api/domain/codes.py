"""Short random codes: offers' public codes (QR URLs) and screens' pairing codes."""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: easy to read aloud and to type from a TV.
UNAMBIGUOUS = "34679ACDEFGHJKMNPQRTUVWXY"
OFFER_CODE_LENGTH = 8


def random_code(length: int = OFFER_CODE_LENGTH) -> str:
    """A random code from the unambiguous alphabet (not derived from any row id)."""
    return "".join(secrets.choice(UNAMBIGUOUS) for _ in range(length))


def pairing_code() -> str:
    """Six characters shown as ``ABC-DEF`` on an unpaired screen."""
    code = random_code(6)
    return f"{code[:3]}-{code[3:]}"


def normalise_pairing_code(text: str) -> str:
    """Accept what a person types: lower case, spaces, missing dash."""
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{raw[:3]}-{raw[3:]}" if len(raw) == 6 else raw


def new_token() -> str:
    """A bearer secret (screens, staff API tokens, sessions).

    Never starts with "-": a screen's token is typed after ``couloir display --token``,
    where a leading dash would read as an option. (Drawing again keeps it uniform.)
    """
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


def token_hash(token: str) -> str:
    """What the database stores instead of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
