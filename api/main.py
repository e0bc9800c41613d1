"""The FastAPI application: JSON API under /api/v1, staff pages, health.

app = create_app(load_settings())
"""

from __future__ import annotations

import asyncio
import gc
import html
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import __version__, docs
from api.changes import broker_for, draining
from api.changes.priority import WriteGauge, WriteGaugeMiddleware
from api.db import (
    PoolTimeout,
    get_engine,
    is_disk_full,
    is_unavailable,
    reading_engine,
    session_permits,
)
from api.errors import DomainError, StaleVersion, Throttled
from api.mail import smtp
from api.models.problem import ERROR_RESPONSES
from api.routes import (
    activity,
    agencies,
    agenda,
    announcements,
    auth,
    challenges,
    display,
    employers,
    francetravail,
    health,
    hires,
    offers,
    questionnaires,
    screens,
    staff,
    tags,
    testimonies,
)
from api.security.limits import BodyLimitMiddleware
from api.services import criee_mailing, francetravail_sync, housekeeping
from api.services.screens import ScreenTokenCache
from api.services.snapshot import SnapshotCache
from api.settings import Settings, get_settings
from api.validation_fr import french_message

log = logging.getLogger("couloir")
API_PREFIX = "/api/v1"
# Screens poll the display routes: they come first so that matching them is quickest.
API_ROUTERS = (
    display.router,
    auth.router,
    offers.router,
    francetravail.router,
    hires.router,
    challenges.router,
    announcements.router,
    agenda.router,
    screens.router,
    staff.router,
    agencies.router,
    tags.router,
    testimonies.router,
    activity.router,
    employers.router,
    questionnaires.router,
)


# The groups of /docs, in French (the tag names stay those of the routers).
OPENAPI_TAGS = [
    {"name": "display", "description": "Ce que lit et signale un écran de couloir."},
    {"name": "auth", "description": "Connexion des scripts : jeton de compte."},
    {"name": "offers", "description": "Offres des TPE et candidats proposés par les CDDE."},
    {"name": "hires", "description": "Embauches remarquables, racontées pour la galerie."},
    {"name": "challenges", "description": "Défi TPE : objectif commun et contributions."},
    {"name": "announcements", "description": "Annonces affichées sur les écrans."},
    {
        "name": "agenda",
        "description": "Agenda de l'agence : rendez-vous, « je viens », agenda privé.",
    },
    {"name": "screens", "description": "Écrans de l'agence : appairage, réglages, état."},
    {"name": "staff", "description": "Comptes des collègues et journal des modifications."},
    {"name": "agencies", "description": "Agences (administrateurs)."},
    {"name": "tags", "description": "Étiquettes de l'agence, qui croisent offres et récits."},
    {"name": "testimonies", "description": "Témoignages et retours d'expérience des collègues."},
    {
        "name": "activity",
        "description": "Activité de l'agence : chiffres collectifs du mois et chantiers.",
    },
    {"name": "employers", "description": "Fiches employeurs (TPE) et leur historique."},
    {"name": "health", "description": "État du serveur, pour l'exploitation."},
]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or "text/html" not in request.headers.get(
        "accept", ""
    )


def error_response(request: Request, status: int, detail: object, **extra: object) -> Response:
    """JSON ``{"detail": …}`` for the API; a short French page for browsers."""
    headers = {str(k): str(v) for k, v in extra.pop("headers", {}).items()}  # type: ignore[union-attr]
    if _wants_json(request):
        return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)
    renderer = getattr(request.app.state, "html_error", None)
    if renderer is not None:
        return renderer(request, status, str(detail))
    text = html.escape(str(detail))
    page = f"<!doctype html><html lang=fr><meta charset=utf-8><title>Erreur</title><p>{text}</p>"
    return HTMLResponse(page, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        extra: dict[str, object] = {}
        if exc.field:
            extra["field"] = exc.field
        if isinstance(exc, Throttled):
            extra["headers"] = {"Retry-After": exc.retry_after}
        if isinstance(exc, StaleVersion):
            extra["current"] = _public_current(request, exc)
        return error_response(request, exc.status, exc.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        reasons = [
            {
                "loc": list(err.get("loc", ())),
                "msg": french_message(err),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        return error_response(request, 422, reasons)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = {404: "Page introuvable.", 405: "Méthode non permise."}.get(
            exc.status_code, exc.detail
        )
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return error_response(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(StaleDataError)
    async def saved_meanwhile(request: Request, exc: StaleDataError) -> Response:
        # Two edits of the same version at the same moment (api.models.versioned): the second.
        log.info("409 on %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, 409, SAVED_MEANWHILE_MESSAGE)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "Erreur interne : l'équipe a été prévenue.")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts on this path (Starlette names only the first route's)."""
    path = request.scope.get("path", "")
    methods: set[str] = set()
    for route in request.app.router.routes:
        regex, route_methods = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and route_methods and regex.match(path):
            methods |= set(route_methods)
    return sorted(methods)


SAVED_MEANWHILE_MESSAGE = (
    "Un collègue a enregistré cet élément au même moment : rien n'a été modifié, "
    "rechargez-le puis recommencez."
)
DISK_FULL_MESSAGE = (
    "Le serveur manque de place pour enregistrer : rien n'a été modifié, réessayez plus tard."
)
DISK_FULL_RETRY_AFTER_S = 300
UNAVAILABLE_MESSAGE = (
    "La base de données est momentanément indisponible : rien n'a été modifié, "
    "réessayez dans un instant."
)
UNAVAILABLE_RETRY_AFTER_S = 5


def _install_database_handlers(app: FastAPI) -> None:
    """A write that failed for lack of space, or a database out of reach for now, answers 503
    with a French reason and ``Retry-After``, on every route."""

    async def refused(request: Request, exc: Exception) -> Response:
        if is_disk_full(exc):
            message, retry_after, level = DISK_FULL_MESSAGE, DISK_FULL_RETRY_AFTER_S, logging.ERROR
        elif is_unavailable(exc):
            message, retry_after = UNAVAILABLE_MESSAGE, UNAVAILABLE_RETRY_AFTER_S
            level = logging.WARNING
        else:
            raise exc  # not ours: the generic handler answers 500 and logs it
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.log(level, "503 on %s %s: %s", request.method, request.url.path, reason)
        response = error_response(request, 503, message, headers={"Retry-After": retry_after})
        response.headers["Retry-After"] = str(retry_after)
        return response

    for kind in (DBAPIError, PoolTimeout, OSError):
        app.add_exception_handler(kind, refused)


def _public_current(request: Request, exc: StaleVersion) -> object:
    """The current state sent with a 409, in the resource's public form."""
    if exc.current_public is not None:
        return exc.current_public
    from api.services.audit import state_of
    from api.services.offers import OFFER_PAGE

    state = state_of(exc.current) or {}
    if request.url.path.startswith(f"{OFFER_PAGE}/"):  # the public offer page: no staff note
        state.pop("staff_note", None)
    return state


def _install_admin(app: FastAPI) -> None:
    """Staff pages live in the ``admin`` package; it registers itself like any extension."""
    try:
        import admin
    except ImportError:  # pragma: no cover - admin is part of the distribution
        return
    install = getattr(admin, "install", None)
    if install is not None:
        install(app)


def _tune_garbage_collector() -> None:
    """Keep the garbage collector out of the way of a busy server (bench/scale.py).

    A full collection walks every object tracked. Start-up made most of them (libraries,
    classes, the app): they are frozen, never walked again. A thousand screens' streams make
    a quarter of a million more, and a burst of saves promoted enough short-lived objects to
    trigger full collections of 0.25–0.6 s in the middle of it. Young collections every 50,000
    allocations (instead of 700) let request objects die young, and a full collection waits
    for a hundred middle ones: cycles are still collected, less often. (No collection before
    freezing: it would cost every server start a tenth of a second for a few kilobytes.)
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (read from the environment by default)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _tune_garbage_collector()
        broker = app.state.broker
        await broker.start()  # PostgreSQL: listen for the other processes' changes
        restore_signals = draining.close_on_signals(broker)
        background = [asyncio.create_task(housekeeping.run_periodically(app.state.engine))]
        if smtp.configured(settings):
            mailer = criee_mailing.run_periodically(app.state.engine, settings)
            background.append(asyncio.create_task(mailer))
        if francetravail_sync.enabled(settings):
            ft_sync = francetravail_sync.run_periodically(app.state.engine, settings)
            background.append(asyncio.create_task(ft_sync))
        yield
        for task in background:
            task.cancel()
        broker.close()  # streams still open (a server run without signals) end now
        restore_signals()
        await broker.stop()
        app.state.session_closer.shutdown(wait=True)
        app.state.snapshot_builder.shutdown(wait=True)
        app.state.engine.dispose()

    app = FastAPI(
        title="Couloir",
        version=__version__,
        description="Tableau de couloir d'une agence France Travail : offres, embauches, défi TPE.",
        lifespan=lifespan,
        openapi_tags=OPENAPI_TAGS,
        docs_url=None,  # api.docs serves /docs without a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = get_engine(settings)
    # Snapshot builds and screen tokens only read: no transaction block (api.db.reading_engine).
    app.state.reading_engine = reading_engine(app.state.engine)
    app.state.session_permits = session_permits(settings)
    # Closing a session is one short round trip: a few threads suffice (api.deps.get_db).
    app.state.session_closer = ThreadPoolExecutor(4, thread_name_prefix="session-close")
    # Snapshot builds run on threads of their own, two at a time: a burst of writes keeps the
    # request threads, and each build then serves every screen of its agency (api.routes.display).
    app.state.snapshot_builder = ThreadPoolExecutor(2, thread_name_prefix="snapshot-build")
    app.state.broker = broker_for(app.state.engine)
    app.state.write_gauge = WriteGauge()
    app.state.snapshot_cache = SnapshotCache(
        app.state.broker, before_build=app.state.write_gauge.wait_for_quiet
    )
    app.state.screen_tokens = ScreenTokenCache(app.state.broker)
    _install_error_handlers(app)
    # Before any route or login check: a huge anonymous body is refused unread.
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(WriteGaugeMiddleware, gauge=app.state.write_gauge)
    _install_database_handlers(app)
    for router in API_ROUTERS:
        # One declaration of the error answers (api.models.problem) for every API route.
        app.include_router(router, prefix=API_PREFIX, responses=ERROR_RESPONSES)
    app.include_router(health.router)
    docs.install(app)
    _install_admin(app)
    return app
