"""Where the staff pages live, each path written once, and the one rule for following ``next``."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from api.models.tag import fold
from api.services.criee import CRIEE_PAGE
from api.services.offers import OFFER_PAGE as OFFER_PAGE  # re-exported: pages use it
from api.services.offers import offer_path

PREFIX = "/admin"
HOME = f"{PREFIX}/"
LOGIN = f"{PREFIX}/connexion"
LOGOUT = f"{PREFIX}/deconnexion"
MENU = f"{PREFIX}/menu"
OFFERS = f"{PREFIX}/offres"
CANDIDATES = f"{PREFIX}/candidats"
HIRES = f"{PREFIX}/embauches"
CHALLENGE = f"{PREFIX}/defi"
ANNOUNCEMENTS = f"{PREFIX}/annonces"
SCREENS = f"{PREFIX}/ecrans"
TEAM = f"{PREFIX}/equipe"
JOURNAL = f"{PREFIX}/journal"
AGENDA = f"{PREFIX}/agenda"
TAGS = f"{PREFIX}/tags"
TESTIMONIES = f"{PREFIX}/temoignages"
CRIEE = CRIEE_PAGE
OFFER_IMPORT = f"{OFFERS}/importer"
ACTIVITY = f"{PREFIX}/activite"
EMPLOYERS = f"{PREFIX}/employeurs"
QUESTIONNAIRES = f"{PREFIX}/questionnaires"
QUESTIONS = f"{PREFIX}/questionnaire-ethique"
SUGGESTIONS = f"{PREFIX}/a-importer"


def with_message(path: str, ok: str, anchor: str = "") -> str:
    """``path`` showing the confirmation message keyed ``ok`` (see ``templating.MESSAGES``).

    >>> with_message("/admin/defi", "defi-cree")
    '/admin/defi?ok=defi-cree'
    >>> with_message("/admin/offres/nouvelle?offre=3", "offre-pourvue")
    '/admin/offres/nouvelle?offre=3&ok=offre-pourvue'
    """
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}ok={ok}" + (f"#{anchor}" if anchor else "")


def tag_page(name: str) -> str:
    """The page of a tag, from its name as shown (« #antiplôme ») or its slug.

    >>> tag_page("#Antiplôme")
    '/admin/tags/antiplome'
    """
    return f"{TAGS}/{quote(fold(name), safe='')}"


def employer_page(employer_id: int) -> str:
    """The file of an employer.

    >>> employer_page(7)
    '/admin/employeurs/7'
    """
    return f"{EMPLOYERS}/{employer_id}"


def questionnaire_page(questionnaire_id: int) -> str:
    """The summary of an ethics questionnaire (its questions are ``…/1``, ``…/2``…).

    >>> questionnaire_page(4)
    '/admin/questionnaires/4'
    """
    return f"{QUESTIONNAIRES}/{questionnaire_id}"


def offer_page(code: str, ok: str | None = None, anchor: str = "") -> str:
    """The page of an offer (its QR target), with a confirmation message when ``ok``.

    >>> offer_page("ABCD2345")
    '/o/ABCD2345'
    >>> offer_page("ABCD2345", "candidat-suivi", "candidats")
    '/o/ABCD2345?ok=candidat-suivi#candidats'
    """
    path = offer_path(code)
    return with_message(path, ok, anchor) if ok else path


def safe_next(value: str | None, default: str = HOME) -> str:
    """Return ``value`` if it is a path inside this site, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks browsers
    normalise into them, so a login link can never send someone to another site.

    >>> safe_next("/o/ABCD2345")
    '/o/ABCD2345'
    >>> safe_next("https://evil.example/")
    '/admin/'
    >>> safe_next("//evil.example/")
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
    """The login page, coming back to ``next_path`` afterwards.

    >>> login_url("/admin/offres")
    '/admin/connexion?next=/admin/offres'
    """
    target = safe_next(next_path, "")
    return f"{LOGIN}?next={quote(target, safe='/')}" if target else LOGIN
