"""FastAPI dependencies as ``Annotated`` aliases: a route's signature says what it needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPBearer
from pydantic import WithJsonSchema
from sqlmodel import Session

from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Forbidden, Invalid, Unauthorized
from api.models import Agency, Screen, Staff
from api.models.fields import MAX_DB_ID
from api.security import limits
from api.security.sessions import COOKIE_NAME, staff_and_agency_for_token
from api.services import screens
from api.settings import Settings


async def get_settings_dep(request: Request) -> Settings:
    """The application's settings."""
    return request.app.state.settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """A database session for one request, once a connection is sure to be free for it.

    FastAPI runs each synchronous dependency, the route and the response's validation in
    separate trips to its worker threads, and a session keeps its connection between them.
    Without a bound, a burst larger than the thread pool deadlocks: every thread waits for a
    connection held by a request that waits for a thread, until the pool's timeout answers 503.
    A request therefore waits here, in the event loop, while all connections are taken; and its
    session is closed by threads kept for that alone (``app.state.session_closer``), never
    queued behind waiting requests or snapshot builds, so that no connection lingers « idle in
    transaction ».
    """
    permits: asyncio.Semaphore | None = request.app.state.session_permits
    if permits is not None:
        await permits.acquire()
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        try:
            if session.in_transaction():  # holds a connection: closing it talks to the database
                closer = request.app.state.session_closer
                await asyncio.get_running_loop().run_in_executor(closer, session.close)
            else:
                session.close()
        finally:
            if permits is not None:
                permits.release()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_db)]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


class _Bearer(HTTPBearer):
    """A bearer scheme declared in OpenAPI (Swagger's « Authorize »), read by ``bearer_token``:
    ``None`` when absent, so that each dependency answers its own French 401."""

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        return bearer_token(request.headers.get("authorization"))


STAFF_BEARER = _Bearer(
    scheme_name="JetonCompte",
    description="Jeton d'un compte : `POST /api/v1/auth/token` avec e-mail et mot de passe.",
    auto_error=False,
)
SCREEN_BEARER = _Bearer(
    scheme_name="JetonEcran",
    description="Jeton d'un écran, reçu à l'appairage (lecture seule).",
    auto_error=False,
)
StaffBearer = Annotated[str | None, Security(STAFF_BEARER)]
ScreenBearer = Annotated[str | None, Security(SCREEN_BEARER)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CROSS_SITE_MESSAGE = (
    "Écriture refusée : elle ne vient pas des pages de Couloir. "
    "Un script doit s'authentifier avec un jeton (Authorization: Bearer)."
)


def _origin(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return parts.scheme, parts.netloc.lower()


def check_same_origin(request: Request) -> None:
    """Refuse a write whose session cookie was sent by another site's page (CSRF).

    Browsers attach the cookie to requests any site makes, but they also say where a request
    comes from (Sec-Fetch-Site, Origin, or Referer), which that site cannot forge. The write
    must come from PUBLIC_URL or from the host the request was sent to.
    """
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise Forbidden(CROSS_SITE_MESSAGE)
    source = _origin(request.headers.get("origin") or request.headers.get("referer") or "")
    public = _origin(request.app.state.settings.public_url)
    own_host = request.headers.get("host", "").lower()
    if source is None or (source != public and source[1] != own_host):
        raise Forbidden(CROSS_SITE_MESSAGE)


def optional_staff(request: Request, db: SessionDep, bearer: StaffBearer) -> Staff | None:
    """The logged-in staff member (bearer token or session cookie), or None.

    Their agency is read in the same query and kept for ``staff_agency``. A write that relies
    on the cookie must come from Couloir's own pages (check_same_origin).
    """
    token = bearer or request.cookies.get(COOKIE_NAME)
    found = staff_and_agency_for_token(db, token) if token else None
    if found is None:
        return None
    staff, request.state.agency = found
    if not bearer:
        check_same_origin(request)
    return staff


OptionalStaff = Annotated[Staff | None, Depends(optional_staff)]


async def current_staff(staff: OptionalStaff) -> Staff:
    """The logged-in staff member, or 401."""
    if staff is None:
        raise Unauthorized("Connexion requise.")
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]


def require(action: Action) -> Callable[[Staff], Staff]:
    """A dependency that lets through only roles allowed to ``action`` (the one check)."""

    async def check(staff: CurrentStaff) -> Staff:
        if not can(staff.role, action):
            raise Forbidden(DENIED_MESSAGE)
        return staff

    check.__name__ = f"require_{action.value}"
    return check


def Allowed(action: Action) -> type[Staff]:
    """``actor: Allowed(Action.EDIT_OFFERS)`` in a route signature."""
    return Annotated[Staff, Depends(require(action))]  # type: ignore[return-value]


def current_screen(db: SessionDep, token: ScreenBearer) -> Screen:
    """The screen whose bearer token came with the request, or 401."""
    screen = screens.screen_for_token(db, token) if token else None
    if screen is None:
        raise Unauthorized("Jeton d'écran manquant, invalide ou révoqué.")
    return screen


CurrentScreen = Annotated[Screen, Depends(current_screen)]


def _check_screen_token(request: Request, token: str) -> screens.ScreenRef | None:
    with Session(request.app.state.reading_engine, expire_on_commit=False) as db:
        return request.app.state.screen_tokens.check(db, token)


async def cached_screen(request: Request, token: ScreenBearer) -> screens.ScreenRef:
    """The screen of the bearer token, from memory when recently checked (the polling path)."""
    ref = request.app.state.screen_tokens.get(token) if token else None
    if ref is None and token and len(token) <= 200:
        ref = await asyncio.to_thread(_check_screen_token, request, token)
    if ref is None:
        raise Unauthorized("Jeton d'écran manquant, invalide ou révoqué.")
    return ref


CachedScreen = Annotated[screens.ScreenRef, Depends(cached_screen)]


async def staff_agency(request: Request, staff: CurrentStaff) -> Agency:
    """The agency of the logged-in staff member (read with the session, in the request's
    database session: a route may change it and commit)."""
    agency: Agency = request.state.agency
    assert agency.id == staff.agency_id
    return agency


StaffAgency = Annotated[Agency, Depends(staff_agency)]


# What if_match_version accepts, said in the OpenAPI schema (the check itself stays below, with
# its French message): empty, or a version number, quoted or not, weak or not.
IF_MATCH_PATTERN = r'^((W/)?\s*"*[0-9]{1,9}"*\s*)?$'


async def if_match_version(
    if_match: Annotated[
        str | None, Header(), WithJsonSchema({"type": "string", "pattern": IF_MATCH_PATTERN})
    ] = None,
) -> int | None:
    """The version named by an ``If-Match`` header (``"3"``, ``W/"3"`` or ``3``)."""
    if not if_match:
        return None
    version = limits.parse_count(if_match.removeprefix("W/").strip().strip('"'), MAX_DB_ID)
    if version is None:
        raise Invalid("If-Match doit contenir un numéro de version.")
    return version


IfMatch = Annotated[int | None, Depends(if_match_version)]
