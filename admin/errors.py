"""Page-level failures turned into French pages (or a redirect to the login page)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response

from admin import urls
from admin.csrf import CsrfError
from api.errors import DomainError, NotFound

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


def _is_page(request: Request) -> bool:
    path = request.url.path
    return path == urls.PREFIX or path.startswith((f"{urls.PREFIX}/", f"{urls.OFFER_PAGE}/"))


def _page_validation_error(api_handler: Any) -> Any:
    """Bad values in a staff page's address: a French page, whatever the Accept header says.

    A path id no row can have (``/admin/embauches/99999999999999999999``, ``-1``, ``²``) names
    a page that does not exist: 404. A bad query value (``?page=0``) is a 400. Requests
    outside the staff pages keep the API's JSON answer.
    """

    async def handler(request: Request, exc: Exception) -> Response:
        if not _is_page(request) or not isinstance(exc, RequestValidationError):
            return await api_handler(request, exc)
        from admin.templating import render

        if any(err.get("loc", ("",))[0] == "path" for err in exc.errors()):
            return await _not_found(request, PageNotFound())
        text = "Cette adresse contient une valeur incorrecte. Revenez en arrière et recommencez."
        return render(
            request, "pages/error.html", {"title": _TITLES[400], "text": text}, status_code=400
        )

    return handler


def register_handlers(app: FastAPI) -> None:
    """Install the handlers for the exceptions above (they only come from admin routes).

    Also wraps the API's handler of bad request values, so that pages answer with pages.
    """
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(PageForbidden, _forbidden)
    app.add_exception_handler(PageNotFound, _not_found)
    app.add_exception_handler(CsrfError, _csrf)
    api_handler = app.exception_handlers[RequestValidationError]
    app.add_exception_handler(RequestValidationError, _page_validation_error(api_handler))


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
    503: "Service momentanément indisponible",
}


def html_error(request: Request, status: int, detail: str) -> Response:
    """The service's error pages for browsers, in the staff pages' layout."""
    from admin.templating import render

    title = _TITLES.get(status, "Erreur")
    return render(request, "pages/error.html", {"title": title, "text": detail}, status_code=status)


def refused_page(request: Request, exc: DomainError, title: str = "Impossible") -> Response:
    """The page saying why a service refused an action (its French reason and status)."""
    from admin.templating import render

    return render(
        request, "pages/error.html", {"title": title, "text": exc.message}, status_code=exc.status
    )


@contextmanager
def page_not_found(message: str = PageNotFound().message) -> Iterator[None]:
    """Turn a service's NotFound (absent, or another agency's) into the French 404 page."""
    try:
        yield
    except NotFound:
        raise PageNotFound(message) from None
