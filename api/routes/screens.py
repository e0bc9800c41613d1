"""Screens, as managers see them: register, pair, configure, revoke, look at."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import Allowed, SessionDep, SettingsDep, StaffAgency
from api.domain.permissions import Action
from api.errors import NotFound
from api.image_responses import REVALIDATE, image_response
from api.models import Agency, Screen
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
from api.settings import Settings

router = APIRouter(prefix="/screens", tags=["screens"])
Manager = Allowed(Action.MANAGE_SCREENS)


def _public(screen: Screen, agency: Agency, settings: Settings) -> ScreenPublic:
    """The public form, with the version the fleet should run and the update window."""
    return screens.to_public(
        screen, target_version=settings.fleet_version, timezone=agency.timezone
    )


@router.get(
    "",
    response_model=list[ScreenPublic],
    summary="Lister les écrans",
    description="Les écrans de l'agence et leur état.",
)
def list_screens(
    db: SessionDep, agency: StaffAgency, settings: SettingsDep, _: Manager
) -> list[ScreenPublic]:
    """The agency's screens with their health."""
    return [_public(s, agency, settings) for s in screens.list_screens(db, agency.id)]


@router.post(
    "",
    response_model=ScreenCreated,
    status_code=201,
    summary="Enregistrer un écran",
    description="Enregistre un écran ; son jeton n'est donné que dans cette réponse.",
)
def create_screen(
    data: ScreenCreate,
    db: SessionDep,
    agency: StaffAgency,
    settings: SettingsDep,
    actor: Manager,
) -> ScreenCreated:
    """Register a screen; the token is in this answer only."""
    screen, token = screens.create_screen(db, actor, actor.agency_id, data)
    return ScreenCreated(**_public(screen, agency, settings).model_dump(), token=token)


@router.post(
    "/pair",
    response_model=ScreenPublic,
    status_code=201,
    summary="Appairer un écran par son code",
    description=(
        "Enregistre l'écran qui affiche « code » ; il récupère son jeton à sa prochaine demande."
    ),
)
def pair_screen(
    data: PairRequest,
    db: SessionDep,
    agency: StaffAgency,
    settings: SettingsDep,
    actor: Manager,
) -> ScreenPublic:
    """Register the screen showing ``code``; it collects its token on its next poll."""
    return _public(screens.pair(db, actor, data.code, data.name), agency, settings)


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
    settings: SettingsDep,
    actor: Manager,
) -> ScreenPublic:
    """Rename, rotate, change playlist or schedule."""
    screen = get_scoped(db, Screen, screen_id, agency.id, "Écran")
    return _public(screens.update_screen(db, actor, screen, data), agency, settings)


@router.post(
    "/{screen_id}/revoke",
    response_model=ScreenPublic,
    summary="Révoquer un écran",
    description="Révoque le jeton de l'écran.",
)
def revoke_screen(
    screen_id: PathId, db: SessionDep, agency: StaffAgency, settings: SettingsDep, actor: Manager
) -> ScreenPublic:
    """Revoke the screen's token."""
    screen = get_scoped(db, Screen, screen_id, agency.id, "Écran")
    return _public(screens.revoke(db, actor, screen), agency, settings)


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
