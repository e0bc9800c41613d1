"""FastAPI dependencies as ``Annotated`` aliases: a route's signature says what it needs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlmodel import Session

from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Forbidden, Invalid, Unauthorized
from api.models import Agency, Screen, Staff
from api.security.sessions import COOKIE_NAME, staff_for_token
from api.services import screens
from api.settings import Settings


def get_settings_dep(request: Request) -> Settings:
    """The application's settings."""
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """A database session for one request."""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_db)]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def optional_staff(
    request: Request, db: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Staff | None:
    """The logged-in staff member (bearer token or session cookie), or None."""
    token = bearer_token(authorization) or request.cookies.get(COOKIE_NAME)
    return staff_for_token(db, token) if token else None


OptionalStaff = Annotated[Staff | None, Depends(optional_staff)]


def current_staff(staff: OptionalStaff) -> Staff:
    """The logged-in staff member, or 401."""
    if staff is None:
        raise Unauthorized("Connexion requise.")
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]


def require(action: Action) -> Callable[[Staff], Staff]:
    """A dependency that lets through only roles allowed to ``action`` (the one check)."""

    def check(staff: CurrentStaff) -> Staff:
        if not can(staff.role, action):
            raise Forbidden(DENIED_MESSAGE)
        return staff

    check.__name__ = f"require_{action.value}"
    return check


def Allowed(action: Action) -> type[Staff]:
    """``actor: Allowed(Action.EDIT_OFFERS)`` in a route signature."""
    return Annotated[Staff, Depends(require(action))]  # type: ignore[return-value]


def current_screen(db: SessionDep, authorization: Annotated[str | None, Header()] = None) -> Screen:
    """The screen whose bearer token came with the request, or 401."""
    token = bearer_token(authorization)
    screen = screens.screen_for_token(db, token) if token else None
    if screen is None:
        raise Unauthorized("Jeton d'écran manquant, invalide ou révoqué.")
    return screen


CurrentScreen = Annotated[Screen, Depends(current_screen)]


def _check_screen_token(request: Request, token: str) -> screens.ScreenRef | None:
    with Session(request.app.state.engine, expire_on_commit=False) as db:
        return request.app.state.screen_tokens.check(db, token)


async def cached_screen(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> screens.ScreenRef:
    """The screen of the bearer token, from memory when recently checked (the polling path)."""
    token = bearer_token(authorization)
    ref = request.app.state.screen_tokens.get(token) if token else None
    if ref is None and token and len(token) <= 200:
        ref = await asyncio.to_thread(_check_screen_token, request, token)
    if ref is None:
        raise Unauthorized("Jeton d'écran manquant, invalide ou révoqué.")
    return ref


CachedScreen = Annotated[screens.ScreenRef, Depends(cached_screen)]


def staff_agency(db: SessionDep, staff: CurrentStaff) -> Agency:
    """The agency of the logged-in staff member."""
    agency = db.get(Agency, staff.agency_id)
    assert agency is not None
    return agency


StaffAgency = Annotated[Agency, Depends(staff_agency)]


def if_match_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version named by an ``If-Match`` header (``"3"``, ``W/"3"`` or ``3``)."""
    if not if_match:
        return None
    text = if_match.removeprefix("W/").strip().strip('"')
    if not text.isdigit():
        raise Invalid("If-Match doit contenir un numéro de version.")
    return int(text)


IfMatch = Annotated[int | None, Depends(if_match_version)]
