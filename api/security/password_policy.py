"""What a staff password must be: long enough, not only spaces, not the person's e-mail or name,
and not guessable from the common-password and word lists of zxcvbn (MIT, Dropbox's estimator).

One rule for the API, the staff pages and ``couloir user add``: each of them goes through
``password_problem`` (directly or through the StaffCreate / StaffUpdate models).
"""

from __future__ import annotations

import unicodedata

from zxcvbn import zxcvbn

from api.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 256
# zxcvbn's score: 3 = "safely unguessable", out of reach of an online attack and of an offline
# one against a slow hash. 0–2 covers the common lists (30,000 leaked passwords, names, words),
# keyboard walks, repeats, sequences and dates.
MIN_SCORE = 3
# zxcvbn refuses longer inputs; a strong start is enough, and a weak one is refused anyway.
_SCORED_LENGTH = 72
# Words this service makes likely (NIST SP 800-63B: "context-specific words").
_CONTEXT_WORDS = (
    "couloir",
    "francetravail",
    "france travail",
    "poleemploi",
    "pole emploi",
    "motdepasse",
    "mot de passe",
    "agence",
    "azerty",
)

TOO_SHORT = f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères."
TOO_LONG = f"Le mot de passe doit compter au plus {MAX_LENGTH} caractères."
BLANK = "Le mot de passe ne peut pas être fait que d'espaces."
PERSONAL = "Le mot de passe ne doit reprendre ni le nom ni l'adresse e-mail de la personne."
GUESSABLE = (
    "Ce mot de passe est trop courant ou trop facile à deviner : choisissez-en un autre, "
    "par exemple trois ou quatre mots sans rapport entre eux."
)


def _letters(text: str) -> str:
    """Lower-case letters and digits only, accents removed: how people disguise a name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _personal_words(email: str, name: str) -> list[str]:
    local = email.split("@", 1)[0]
    words = [email, local, name, *local.replace("_", ".").replace("-", ".").split(".")]
    words += name.replace("-", " ").split()
    return [w for w in words if len(_letters(w)) >= 3]


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """The French reason ``password`` is refused for this person, or None when it is fine."""
    if not password.strip():
        return BLANK
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    flat = _letters(password)
    for whole in (email, email.split("@", 1)[0], name):
        if len(_letters(whole)) >= 3 and _letters(whole) in flat:
            return PERSONAL
    personal = _personal_words(email, name)
    result = zxcvbn(password[:_SCORED_LENGTH], user_inputs=[*_CONTEXT_WORDS, *personal])
    if result["score"] < MIN_SCORE:
        return GUESSABLE
    return None


def require_acceptable(password: str, *, email: str = "", name: str = "") -> None:
    """Raise Invalid (field ``password``) with the French reason when the password is refused."""
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise Invalid(problem, field="password")
