"""Liveness for operators and update scripts: database reachable, migrations at head, disk room."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api import __version__
from api.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])
# Below this, a photo (or the database growing) may not fit: say so before writes fail.
MIN_FREE_MB = 32


@router.get(
    "/healthz",
    summary="État du serveur",
    responses={503: {"description": "Base injoignable ou migrations en retard (``detail``)."}},
    description=(
        "200 quand la base répond, que son schéma est à jour et que le dossier des données a de "
        "la place ; sinon 503 avec la raison (« status » vaut « error », ou « degraded » quand le"
        " disque est presque plein)."
    ),
)
def healthz(request: Request) -> JSONResponse:
    """200 when the database answers, its schema is current and the data folder has room.

    Else 503 with the reason (``status`` ``error``, or ``degraded`` when the disk is nearly full).
    """
    try:
        current = current_revision(request.app.state.engine)
    except Exception as exc:  # any driver error means "not healthy", said plainly
        return JSONResponse(
            {"status": "error", "detail": f"base de données injoignable : {type(exc).__name__}"},
            status_code=503,
        )
    head = head_revision()
    free_mb = _free_mb(request.app.state.settings.data_dir)
    broker = request.app.state.broker
    body = {
        "status": "ok",
        "version": __version__,
        "database": "ok",
        "migration": current,
        "disk_free_mb": free_mb,
        # Screens still get every change while the listener reconnects (it catches up), so this
        # informs without failing the check.
        "changes": _listener_state(broker.listening),
        "streams": broker.stream_count,
    }
    if current != head:
        body.update(status="error", detail=f"migrations en retard : {current} → {head}")
        return JSONResponse(body, status_code=503)
    if free_mb < MIN_FREE_MB:
        body.update(
            status="degraded",
            detail=f"plus que {free_mb} Mo libres pour les données (moins de {MIN_FREE_MB} Mo) : "
            "les enregistrements vont échouer, libérez de l'espace disque",
        )
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)


def _listener_state(listening: bool | None) -> str:
    if listening is None:
        return "in-process"
    return "listening" if listening else "reconnecting"


def _free_mb(folder: Path) -> int:
    """Megabytes an unprivileged process may still write in ``folder``'s file system."""
    return shutil.disk_usage(folder).free // 1_000_000
