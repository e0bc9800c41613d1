"""What a corridor screen reads and reports, with its read-only token."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.changes import draining
from api.contract import (
    DISPLAY_ROOT,
    DISPLAY_ROUTER,
    EVENTS_PATH,
    HEARTBEAT_PATH,
    PAIRINGS_PATH,
    PHOTOS_PATH,
    SCREENSHOT_PATH,
    SNAPSHOT_PATH,
    Snapshot,
    route,
)
from api.db import is_unavailable
from api.deps import CachedScreen, CurrentScreen, SessionDep, SettingsDep
from api.errors import NotFound, Unauthorized
from api.image_responses import IMMUTABLE, REVALIDATE, image_response, versioned
from api.models import Hire
from api.models.fields import MAX_DB_ID
from api.models.screen import Heartbeat, UpdateOrder, UpdateReport
from api.params import PathId
from api.services import hires, screens
from api.services.snapshot import CachedSnapshot, ScreenKey, SnapshotCache

log = logging.getLogger(__name__)
router = APIRouter(prefix=DISPLAY_ROUTER, tags=["display"])
# Fleet updates: what version the screen should run, its wheel, and the screen's report.
UPDATE_PATH = f"{DISPLAY_ROOT}/update"
UPDATE_WHEEL_PATH = f"{UPDATE_PATH}/wheel"
UPDATE_REPORT_PATH = f"{UPDATE_PATH}/report"


class PairingStarted(BaseModel):
    """The code an unpaired screen shows, and the secret it polls with."""

    code: str = Field(description="Code à afficher, que le manager saisit pour appairer l'écran.")
    poll_secret: str = Field(
        description="Secret de l'écran pour demander où en est l'appairage ; à garder pour soi."
    )
    expires_at: str = Field(description="Fin de validité du code (date et heure ISO 8601, UTC).")


class PairingPoll(BaseModel):
    """``pending`` (with the code) until a manager pairs the screen, then ``paired`` once."""

    status: Literal["pending", "paired"] = Field(
        description="« pending » : en attente du manager ; « paired » : l'écran est appairé."
    )
    code: str | None = Field(None, description="Code à afficher, tant que l'appairage attend.")
    token: str | None = Field(
        None, description="Jeton de l'écran, donné une seule fois quand l'écran est appairé."
    )
    screen_name: str | None = Field(None, description="Nom donné à l'écran par le manager.")


KEEPALIVE_S = 15.0
REVOCATION_CHECK_S = 60.0  # a change no notification told us of is seen within this


def snapshot_cache(request: Request) -> SnapshotCache:
    return request.app.state.snapshot_cache


async def _built_entry(request: Request, screen: ScreenKey) -> CachedSnapshot | None:
    """``_current_entry`` on the snapshot builders' threads (not the request threads)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        request.app.state.snapshot_builder, _current_entry, request, screen
    )


def _current_entry(request: Request, screen: ScreenKey) -> CachedSnapshot | None:
    """The screen's current snapshot entry, in a short session of its own; None if revoked.

    The session connects only when the agency's part must be confirmed or rebuilt: the
    streams of an agency woken by one change share one build, and the others read memory.
    """
    with Session(request.app.state.reading_engine, expire_on_commit=False) as db:
        return snapshot_cache(request).get(db, screen, request.app.state.settings.public_url)


_ETAG = {
    "ETag": {"description": "Version du contenu, pour If-None-Match.", "schema": {"type": "string"}}
}


@router.get(
    route(SNAPSHOT_PATH),
    summary="Lire l'instantané à afficher",
    response_model=Snapshot,
    responses={
        200: {"description": "Ce que l'écran affiche.", "headers": _ETAG},
        304: {"description": "Rien de changé depuis l'ETag de If-None-Match.", "headers": _ETAG},
    },
    description=(
        "Tout ce que l'écran affiche, avec son ETag ; avec « If-None-Match » à jour, la réponse "
        "est 304 sans corps."
    ),
)
async def snapshot(request: Request, screen: CachedScreen) -> Response:
    """Everything this screen shows, with an ETag; ``If-None-Match`` → 304.

    Screens poll this: when nothing changed it is answered from memory, on the event loop,
    without a database query or a worker thread.
    """
    entry = snapshot_cache(request).peek(screen.id, screen.agency_id)
    if entry is None:
        entry = await _built_entry(request, screen)
    if entry is None:
        raise Unauthorized("Jeton d'écran manquant, invalide ou révoqué.")
    headers = {"ETag": entry.etag, "Cache-Control": "no-cache"}
    if entry.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type="application/json", headers=headers)


@router.get(
    route(EVENTS_PATH),
    summary="Suivre les changements (flux d'événements)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Flux sans fin."}},
    description=(
        "Flux d'événements (Server-Sent Events) : « event: snapshot » avec le nouvel ETag après "
        "chaque changement."
    ),
)
async def events(request: Request, screen: CachedScreen) -> StreamingResponse:
    """Server-Sent Events: ``event: snapshot`` with the new ETag after each change.

    A stream holds no database resource while it waits: it sleeps on the change broker, and
    reads its ETag in a short session of its own only when a change of its agency was heard,
    or once a minute when it cannot be sure to hear every change (SQLite written by another
    process, a listener reconnecting) or time changed the snapshot. ``: keep-alive`` every
    15 s; when the server stops, ``retry:`` spreads the screens' return over 1–28 s.
    """
    broker, cache = request.app.state.broker, snapshot_cache(request)
    agency_id = screen.agency_id

    async def stream() -> AsyncIterator[str]:
        last_etag = None
        revision = broker.revision(agency_id)
        must_check, checked_at = True, time.monotonic()
        while not broker.closing:
            due = time.monotonic() - checked_at >= REVOCATION_CHECK_S
            if must_check or due:
                # From memory when the agency's part is current (every change heard, a recent
                # check when some cannot be): one build serves all of an agency's streams.
                entry = cache.peek(screen.id, agency_id)
                try:
                    if entry is None:
                        entry = await _built_entry(request, screen)
                except Exception as exc:
                    if not is_unavailable(exc):
                        raise
                    # The database is away for now (a restart): the stream stays, the screen
                    # keeps its frame, and the check is made again at the next change heard or
                    # keep-alive, so the screen is current as soon as the database is back.
                    log.info("event stream of screen %s: database unavailable", screen.id)
                    new_revision = await broker.wait(agency_id, revision, KEEPALIVE_S)
                    if not broker.closing:
                        yield ": keep-alive\n\n"
                    must_check, revision = True, new_revision
                    continue
                checked_at = time.monotonic()
                if entry is None:
                    yield "event: revoked\ndata: {}\n\n"
                    return
                if entry.etag != last_etag:
                    last_etag = entry.etag
                    yield f"event: snapshot\ndata: {json.dumps({'etag': entry.etag})}\n\n"
            new_revision = await broker.wait(agency_id, revision, KEEPALIVE_S)
            must_check = new_revision != revision
            if not must_check and not broker.closing:
                yield ": keep-alive\n\n"
            revision = new_revision
        yield f"retry: {draining.reconnect_delay_ms()}\nevent: bye\ndata: {{}}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    route(HEARTBEAT_PATH),
    status_code=204,
    summary="Signaler l'état de l'écran",
    description=(
        "L'écran signale sa version, sa résolution, sa fréquence d'images, sa durée de marche et "
        "l'ETag affiché."
    ),
)
def heartbeat(data: Heartbeat, db: SessionDep, screen: CurrentScreen) -> Response:
    """The screen reports its version, resolution, frame rate, uptime and snapshot ETag."""
    screens.record_heartbeat(db, screen, data)
    return Response(status_code=204)


@router.get(
    route(UPDATE_PATH),
    summary="Lire la version à installer",
    response_model=UpdateOrder,
    description=(
        "La version que le service demande à cet écran d'installer, sa fenêtre de maintenance, "
        "l'empreinte de la roue et les versions épinglées de ses dépendances."
    ),
)
def update_order(db: SessionDep, screen: CurrentScreen, settings: SettingsDep) -> UpdateOrder:
    """The version this screen should run, its maintenance window, the wheel's digest and pins."""
    return screens.update_order(
        db, screen, settings.fleet_version, settings.resolved_fleet_dir, UPDATE_WHEEL_PATH
    )


@router.get(
    route(UPDATE_WHEEL_PATH),
    summary="Télécharger la roue de la version à installer",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "La roue."}},
    description="La roue (fichier .whl) de la version annoncée, pour le jeton d'un écran.",
)
def update_wheel(screen: CurrentScreen, settings: SettingsDep) -> FileResponse:
    """The announced release's wheel."""
    wheel = screens.fleet_wheel(settings.resolved_fleet_dir, settings.fleet_version)
    if wheel is None:
        raise NotFound("Aucune version à installer n'est disponible sur le service.")
    return FileResponse(wheel, media_type="application/octet-stream", filename=wheel.name)


@router.post(
    route(UPDATE_REPORT_PATH),
    status_code=204,
    summary="Signaler le résultat d'une mise à jour",
    description=(
        "Le minuteur de mise à jour de l'écran signale la version qui tourne, le résultat "
        "(ok, retour en arrière, échec), sa date et une raison courte."
    ),
)
def update_report(data: UpdateReport, db: SessionDep, screen: CurrentScreen) -> Response:
    """The screen's update timer reports the version now running and how the attempt went."""
    screens.record_update_report(db, screen, data)
    return Response(status_code=204)


@router.put(
    route(SCREENSHOT_PATH),
    summary="Envoyer une capture de l'écran",
    status_code=204,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    description="L'écran envoie une image PNG réduite de ce qu'il affiche.",
)
async def put_screenshot(request: Request, db: SessionDep, screen: CurrentScreen) -> Response:
    """The screen sends a downscaled PNG of what it shows."""
    png = await request.body()  # bounded by api/security/limits.py
    # A commit that may wait for the database's lock: never on the event loop, where every
    # screen's stream is served.
    await asyncio.to_thread(screens.store_screenshot, db, screen, png)
    return Response(status_code=204)


@router.get(
    route(PHOTOS_PATH) + "/{hire_id}",
    summary="Lire la photo d'une embauche (écran)",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "La photo (JPEG)."},
        304: {"description": "La photo n'a pas changé (If-None-Match)."},
    },
    description=(
        "La photo d'une embauche publiée, seulement si l'accord a été noté ; définitive pour son "
        "« ?v= »."
    ),
)
def photo(hire_id: PathId, request: Request, db: SessionDep, screen: CurrentScreen) -> Response:
    """A published hire's photo, only when consent was recorded; final for its ``?v=``."""
    hire = db.get(Hire, hire_id) if 0 < hire_id <= MAX_DB_ID else None
    if (
        hire is None
        or hire.agency_id != screen.agency_id
        or hire.status != "published"
        or not hires.publishable_photo(hire)
    ):
        raise NotFound("Photo introuvable.")
    return image_response(
        request,
        lambda known: hires.load_photo(db, hire, known),
        cache_control=IMMUTABLE if versioned(request, hire.version) else REVALIDATE,
        missing=lambda: NotFound("Photo introuvable."),
    )


@router.post(
    route(PAIRINGS_PATH),
    status_code=201,
    response_model=PairingStarted,
    summary="Demander un code d'appairage",
    description=(
        "Un écran non appairé demande un code à afficher (sans jeton ; nombre de demandes limité "
        "par adresse)."
    ),
)
def start_pairing(request: Request, db: SessionDep) -> dict[str, str]:
    """An unpaired screen asks for a code to show (no token needed; throttled per address)."""
    pairing, secret = screens.start_pairing(db, request.client.host if request.client else "")
    return {
        "code": pairing.code,
        "poll_secret": secret,
        "expires_at": pairing.expires_at.isoformat(),
    }


@router.get(
    route(PAIRINGS_PATH) + "/{poll_secret}",
    summary="Attendre l'appairage de l'écran",
    response_model=PairingPoll,
    response_model_exclude_none=True,
    description=(
        "En attente, ou le jeton de l'écran une fois le code saisi par un manager (donné une "
        "seule fois)."
    ),
)
def poll_pairing(poll_secret: str, db: SessionDep) -> dict[str, str]:
    """Pending, or the screen's token once a manager entered the code (given once)."""
    if len(poll_secret) > 100:
        raise NotFound("Appairage inconnu.")
    return screens.poll_pairing(db, poll_secret)
