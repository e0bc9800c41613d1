"""Connexion, déconnexion and the "Plus" menu."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin import urls
from admin.deps import DbDep, MaybeStaff, PageStaff
from admin.forms import Form, Posted
from admin.templating import render
from api.deps import SettingsDep
from api.errors import Throttled, Unauthorized
from api.security.sessions import COOKIE_NAME, close_session, open_session
from api.services import staff as staff_service

router = APIRouter(prefix=urls.PREFIX, include_in_schema=False)


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, me: MaybeStaff, next: str = "") -> Response:
    """The login form (already logged in: straight to where the user was going)."""
    target = urls.safe_next(next)
    if me is not None:
        return RedirectResponse(target, status_code=303)
    form = Form.empty(next=target if next else "")
    return render(request, "pages/login.html", {"form": form, "title": "Connexion"})


@router.post("/connexion", response_class=HTMLResponse)
def login_submit(
    request: Request, db: DbDep, settings: SettingsDep, form: Form = Posted
) -> Response:
    """Check the credentials; on success open a cookie session and go to ``next``."""
    email = form.text("email", required=True, max_length=254)
    password = form.raw("password")
    if not password:
        form.add_error("password", "Indiquez votre mot de passe.")
    status = 422
    headers: dict[str, str] = {}
    if form.ok and email:
        try:
            # A worker thread (sync route): a password check is slow on purpose.
            staff = staff_service.authenticate(db, email, password)
        except Throttled as exc:  # too many tries (429), or too many logins at once (503)
            form.add_error("password", exc.message)
            status, headers = exc.status, {"Retry-After": str(exc.retry_after)}
        except Unauthorized as exc:
            form.add_error("password", exc.message)
            status = 401
        else:
            token = open_session(db, staff, kind="cookie", days=settings.session_days)
            target = urls.safe_next(form.raw("next"))
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                COOKIE_NAME,
                token,
                max_age=settings.session_days * 86400,
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies,
                path="/",
            )
            return response
    form.values["password"] = ""  # never echo a password back
    response = render(
        request, "pages/login.html", {"form": form, "title": "Connexion"}, status_code=status
    )
    response.headers.update(headers)
    return response


@router.post("/deconnexion")
def logout(request: Request, db: DbDep, form: Form = Posted) -> Response:
    """Close this session (the cookie is useless afterwards, even if copied)."""
    token = request.cookies.get(COOKIE_NAME)
    if token:
        close_session(db, token)
    response = RedirectResponse(f"{urls.LOGIN}?ok=deconnecte", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


@router.get("/menu", response_class=HTMLResponse)
def menu(request: Request, me: PageStaff) -> Response:
    """Everything not in the tab bar: manager pages, and logging out."""
    return render(request, "pages/menu.html", {"title": "Plus", "active_tab": "menu"})
