"""Page-level failures turned into French pages (or a redirect to the login page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from admin import urls
from admin.csrf import CsrfError

if TYPE_CHECKING:
    from fastapi import FastAPI


class LoginRequired(Exception):
    """The page needs a logged-in staff member; carries where to come back to."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """The user's role may not do this (the button was hidden; the form was forged)."""

    def __init__(self, message: str = "Votre rôle ne permet pas cette action.") -> None:
        super().__init__(message)
        self.message = message


class PageNotFound(Exception):
    """Nothing here, or not in the user's agency (same answer, on purpose)."""

    def __init__(self, message: str = "Cette page n'existe pas ou plus.") -> None:
        super().__init__(message)
        self.message = message


async def _login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(urls.login_url(exc.next_path), status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    from admin.templating import render

    message = exc.message if isinstance(exc, PageForbidden) else ""
    return render(
        request, "pages/error.html", {"title": "Action refusée", "text": message}, status_code=403
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    from admin.templating import render

    message = exc.message if isinstance(exc, PageNotFound) else ""
    return render(
        request, "pages/error.html", {"title": "Introuvable", "text": message}, status_code=404
    )


async def _csrf(request: Request, exc: Exception) -> Response:
    from admin.templating import render

    text = (
        "Ce formulaire a expiré ou ne vient pas de Couloir. Rien n'a été modifié. "
        "Revenez en arrière, rechargez la page et recommencez."
    )
    return render(
        request, "pages/error.html", {"title": "Formulaire refusé", "text": text}, status_code=403
    )


def register_handlers(app: FastAPI) -> None:
    """Install the handlers for the exceptions above (they only come from admin routes)."""
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(PageNotFound, _not_found)
    app.add_exception_handler(CsrfError, _csrf)


_TITLES = {
    400: "Demande incorrecte",
    401: "Connexion requise",
    403: "Action refusée",
    404: "Introuvable",
    405: "Action impossible",
    409: "Conflit",
    413: "Trop volumineux",
    422: "Saisie refusée",
    429: "Trop de tentatives",
}


def html_error(request: Request, status: int, detail: str) -> Response:
    """The service's error pages for browsers, in the staff pages' layout."""
    from admin.templating import render

    title = _TITLES.get(status, "Erreur")
    return render(request, "pages/error.html", {"title": title, "text": detail}, status_code=status)
