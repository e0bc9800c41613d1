"""Équipe (managers): create and deactivate accounts, reset passwords."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found
from admin.forms import Form, Posted
from admin.templating import render
from api.domain.permissions import Action, assignable_roles, may_change_account
from api.errors import DomainError, Throttled
from api.models import Staff
from api.models.staff import MIN_PASSWORD, ROLE_LABELS, StaffCreate, StaffUpdate
from api.params import PathId
from api.security.password_policy import password_problem
from api.services import staff as service

router = APIRouter(prefix=urls.TEAM, include_in_schema=False)
Manager = Allowed(Action.MANAGE_STAFF)
LABELS = {"name": "Nom", "email": "E-mail", "role": "Rôle", "password": "Mot de passe"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _roles(ctx: Ctx) -> list[tuple[str, str]]:
    allowed = assignable_roles(ctx.me.role)
    return [(k, v) for k, v in ROLE_LABELS.items() if k in allowed]


def _page(
    request: Request,
    ctx: Ctx,
    form: Form | None = None,
    status: int = 200,
    reset: tuple[int, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    people = service.list_staff(ctx.db, ctx.agency.id)
    response = render(
        request,
        "pages/team.html",
        {
            "title": "Équipe",
            "active_tab": "menu",
            "people": people,
            # Accounts the viewer may change: no buttons for the others (e.g. an admin's).
            "manageable": {p.id for p in people if may_change_account(ctx.me, p)},
            "roles": ROLE_LABELS,
            "role_options": _roles(ctx),
            "form": form or Form.empty(role=service.DEFAULT_NEW_ROLE),
            "labels": LABELS,
            "min_password": MIN_PASSWORD,
            "reset": reset,
        },
        status_code=status,
    )
    response.headers.update(headers or {})
    return response


def _password(
    form: Form, name: str = "password", *, email: str = "", person: str = ""
) -> str | None:
    value = form.raw(name)
    problem = password_problem(value, email=email, name=person)  # the API's rule, same words
    if problem:
        form.add_error(name, problem)
        return None
    return value


@router.get("", response_class=HTMLResponse)
def page(request: Request, ctx: Manager) -> Response:
    """The agency's accounts and the form to add one."""
    return _page(request, ctx)


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: Manager, form: Form = Posted) -> Response:
    """Create an account with a first password the person changes later."""
    name = form.text("name", required=True)
    email = (form.text("email", required=True, max_length=254) or "").lower()
    if email and not _EMAIL.match(email):
        form.add_error("email", "Adresse e-mail invalide, par exemple prenom.nom@francetravail.fr.")
    role = form.choice("role", dict(_roles(ctx)))
    password = _password(form, email=email, person=name or "")
    status, headers = 422, {}
    if form.ok:
        try:
            service.create_staff(
                ctx.db,
                ctx.me,
                ctx.agency.id,
                StaffCreate(name=name, email=email, role=role, password=password),
            )
        except ValidationError:
            form.add_error("email", "Adresse e-mail refusée.")
        except DomainError as exc:
            form.add_error(exc.field or "email", exc.message)
            status = exc.status
            if isinstance(exc, Throttled):
                headers["Retry-After"] = str(exc.retry_after)
        else:
            return RedirectResponse(urls.with_message(urls.TEAM, "compte-cree"), status_code=303)
    form.values["password"] = ""
    return _page(request, ctx, form, status=status, headers=headers)


def _person(ctx: Ctx, staff_id: int) -> Staff:
    with page_not_found("Ce compte n'existe pas."):
        return service.get_staff(ctx.db, ctx.agency.id, staff_id)


def _update(request: Request, ctx: Ctx, staff_id: int, data: StaffUpdate, ok: str) -> Response:
    person = _person(ctx, staff_id)
    try:
        service.update_staff(ctx.db, ctx.me, person, data)
    except DomainError as exc:
        return render(
            request,
            "pages/error.html",
            {"title": "Impossible", "text": exc.message},
            status_code=exc.status,
        )
    return RedirectResponse(urls.with_message(urls.TEAM, ok), status_code=303)


@router.post("/{staff_id}/desactiver")
def deactivate(request: Request, staff_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Deactivate an account: its sessions end at once."""
    return _update(request, ctx, staff_id, StaffUpdate(active=False), "compte-modifie")


@router.post("/{staff_id}/reactiver")
def reactivate(request: Request, staff_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Give a deactivated account its access back."""
    return _update(request, ctx, staff_id, StaffUpdate(active=True), "compte-modifie")


@router.post("/{staff_id}/mot-de-passe", response_class=HTMLResponse)
def reset_password(
    request: Request, staff_id: PathId, ctx: Manager, form: Form = Posted
) -> Response:
    """Set a new password (every session of that account ends)."""
    person = _person(ctx, staff_id)
    password = _password(form, "new_password", email=person.email, person=person.name)
    if password is None:
        return _page(request, ctx, status=422, reset=(person.id or 0, form.errors["new_password"]))
    return _update(request, ctx, staff_id, StaffUpdate(password=password), "mdp-reinitialise")
