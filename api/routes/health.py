"""Liveness for operators and update scripts: database reachable, migrations at head."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api import __version__
from api.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    responses={503: {"description": "Base injoignable ou migrations en retard (``detail``)."}},
)
def healthz(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is current, else 503 with the reason."""
    try:
        current = current_revision(request.app.state.engine)
    except Exception as exc:  # any driver error means "not healthy", said plainly
        return JSONResponse(
            {"status": "error", "detail": f"base de données injoignable : {type(exc).__name__}"},
            status_code=503,
        )
    head = head_revision()
    body = {"status": "ok", "version": __version__, "database": "ok", "migration": current}
    if current != head:
        body.update(status="error", detail=f"migrations en retard : {current} → {head}")
        return JSONResponse(body, status_code=503)
    return JSONResponse(body)
