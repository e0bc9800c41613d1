"""Screens, as managers see them: register, pair, configure, revoke, look at."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import Allowed, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.errors import NotFound
from api.image_responses import REVALIDATE, image_response
from api.models import Screen
from api.models.screen import (
    PairRequest,
    ScreenCreate,
    ScreenCreated,
    ScreenPublic,
    ScreenUpdate,
)
from api.params import PathId
from api.services import screens
from api.services.common import get_scoped

router = APIRouter(prefix="/screens", tags=["screens"])
Manager = Allowed(Action.MANAGE_SCREENS)


@router.get(
    "",
    response_model=list[ScreenPublic],
    summary="Lister les écrans",
    description="Les écrans de l'agence et leur état.",
)
def list_screens(db: SessionDep, agency: StaffAgency, _: Manager) -> list[ScreenPublic]:
    """The agency's screens with their health."""
    return [screens.to_public(s) for s in screens.list_screens(db, agency.id)]


@router.post(
    "",
    response_model=ScreenCreated,
    status_code=201,
    summary="Enregistrer un écran",
    description="Enregistre un écran ; son jeton n'est donné que dans cette réponse.",
)
def create_screen(data: ScreenCreate, db: SessionDep, actor: Manager) -> ScreenCreated:
    """Register a screen; the token is in this answer only."""
    screen, token = screens.create_screen(db, actor, actor.agency_id, data)
    return ScreenCreated(**screens.to_public(screen).model_dump(), token=token)


@router.post(
    "/pair",
    response_model=ScreenPublic,
    status_code=201,
    summary="Appairer un écran par son code",
    description=(
        "Enregistre l'écran qui affiche « code » ; il récupère son jeton à sa prochaine demande."
    ),
)
def pair_screen(data: PairRequest, db: SessionDep, actor: Manager) -> ScreenPublic:
    """Register the screen showing ``code``; it collects its token on its next poll."""
    return screens.to_public(screens.pair(db, actor, data.code, data.name))


# ``:int`` so that "/screens/pair" with another method is a 405, not a bad id.
@router.patch(
    "/{screen_id:int}",
    response_model=ScreenPublic,
    summary="Modifier un écran",
    description="Renomme un écran, le tourne, change son programme ou ses horaires.",
)
def update_screen(
    screen_id: PathId,
    data: ScreenUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Manager,
) -> ScreenPublic:
    """Rename, rotate, change playlist or schedule."""
    screen = get_scoped(db, Screen, screen_id, agency.id, "Écran")
    return screens.to_public(screens.update_screen(db, actor, screen, data))


@router.post(
    "/{screen_id}/revoke",
    response_model=ScreenPublic,
    summary="Révoquer un écran",
    description="Révoque le jeton de l'écran.",
)
def revoke_screen(
    screen_id: PathId, db: SessionDep, agency: StaffAgency, actor: Manager
) -> ScreenPublic:
    """Revoke the screen's token."""
    screen = get_scoped(db, Screen, screen_id, agency.id, "Écran")
    return screens.to_public(screens.revoke(db, actor, screen))


@router.get(
    "/{screen_id}/screenshot",
    summary="Voir la dernière capture d'un écran",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "La dernière capture (PNG)."},
        304: {"description": "La capture n'a pas changé (If-None-Match)."},
    },
    description="La dernière image envoyée par l'écran (PNG), avec son ETag.",
)
def screenshot(
    screen_id: PathId, request: Request, db: SessionDep, agency: StaffAgency, _: Manager
) -> Response:
    """The latest frame the screen sent (PNG), with its ETag."""
    screen = get_scoped(db, Screen, screen_id, agency.id, "Écran")
    return image_response(
        request,
        lambda known: screens.load_screenshot(db, screen, known),
        cache_control=REVALIDATE,
        missing=lambda: NotFound("Cet écran n'a pas encore envoyé de capture."),
    )
