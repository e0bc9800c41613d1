"""Remarkable hires: stories, credits, photo, moderation."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from api.deps import Allowed, CurrentStaff, SessionDep, SettingsDep, StaffAgency
from api.domain.permissions import Action
from api.errors import Invalid, NotFound
from api.image_responses import IMMUTABLE, REVALIDATE, image_response, versioned
from api.models.hire import HireCreate, HirePublic, HireStatus, HireUpdate
from api.params import PathId
from api.services import hires, photos

router = APIRouter(prefix="/hires", tags=["hires"])


@router.get(
    "",
    response_model=list[HirePublic],
    summary="Lister les embauches",
    description="Les embauches de l'agence, les plus récentes d'abord.",
)
def list_hires(
    db: SessionDep, agency: StaffAgency, _: CurrentStaff, status: HireStatus | None = None
) -> list[HirePublic]:
    """The agency's hires, newest first."""
    return hires.to_public(db, hires.list_hires(db, agency.id, status=status))


@router.post(
    "",
    response_model=HirePublic,
    status_code=201,
    summary="Raconter une embauche",
    description="Raconte une embauche (brouillon jusqu'à ce qu'un manager la publie).",
)
def create_hire(data: HireCreate, db: SessionDep, actor: Allowed(Action.WRITE_HIRES)) -> HirePublic:
    """Tell the story of a hire (a draft until a manager publishes it)."""
    return hires.to_public(db, [hires.create_hire(db, actor, data)])[0]


@router.get(
    "/{hire_id}",
    response_model=HirePublic,
    summary="Lire une embauche",
    description="Une embauche.",
)
def read_hire(hire_id: PathId, db: SessionDep, agency: StaffAgency, _: CurrentStaff) -> HirePublic:
    """One hire."""
    return hires.to_public(db, [hires.get_hire(db, agency.id, hire_id)])[0]


@router.patch(
    "/{hire_id}",
    response_model=HirePublic,
    summary="Modifier une embauche",
    description=(
        "Modifie une embauche ; publier, retirer ou modifier une embauche publiée est réservé aux"
        " managers."
    ),
)
def update_hire(
    hire_id: PathId,
    data: HireUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.WRITE_HIRES),
) -> HirePublic:
    """Edit a hire; publishing, withdrawing and editing a published one are for managers."""
    hire = hires.get_hire(db, agency.id, hire_id)
    return hires.to_public(db, [hires.update_hire(db, actor, hire, data)])[0]


@router.delete(
    "/{hire_id}",
    status_code=204,
    summary="Supprimer une embauche",
    description="Supprime une embauche et sa photo.",
)
def delete_hire(
    hire_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MODERATE_HIRES),
) -> Response:
    """Delete a hire and its photo."""
    hire = hires.get_hire(db, agency.id, hire_id)
    hires.delete_hire(db, actor, hire)
    return Response(status_code=204)


@router.put(
    "/{hire_id}/photo",
    summary="Déposer la photo d'une embauche",
    response_model=HirePublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/jpeg", "image/png", "image/webp")
            },
        }
    },
    description=(
        "Dépose la photo (JPEG, PNG ou WebP, 10 Mo au plus, le corps est l'image) ; elle est "
        "réencodée sans métadonnées EXIF."
    ),
)
async def put_photo(
    hire_id: PathId,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    actor: Allowed(Action.WRITE_HIRES),
) -> HirePublic:
    """Upload the photo (JPEG/PNG/WebP ≤ 10 MB, body = image bytes); re-encoded without EXIF."""
    # Database work off the event loop too: only reading the body happens on it.
    hire = await asyncio.to_thread(hires.get_hire, db, agency.id, hire_id)
    hires.check_editable(actor, hire)  # before reading megabytes the service would refuse
    max_bytes = settings.max_upload_mb * 1_000_000
    raw = await request.body()  # bounded by api/security/limits.py
    if not raw:
        raise Invalid("Envoyez l'image dans le corps de la requête.")
    # Decoding takes a second of CPU: on a photo worker, never on the event loop.
    hire = await photos.off_loop(hires.set_photo, db, actor, hire, raw, max_bytes)
    return (await asyncio.to_thread(hires.to_public, db, [hire]))[0]


@router.get(
    "/{hire_id}/photo",
    summary="Lire la photo d'une embauche",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "La photo (JPEG)."},
        304: {"description": "La photo n'a pas changé (If-None-Match)."},
    },
    description=(
        "La photo de l'embauche (personnel seulement), avec son ETag ; « ?v= » (la version de "
        "l'embauche) la rend définitive."
    ),
)
def get_photo(
    hire_id: PathId, request: Request, db: SessionDep, agency: StaffAgency, _: CurrentStaff
) -> Response:
    """The hire's photo (staff only), with its ETag; ``?v=`` (the hire's version) makes it final."""
    hire = hires.get_hire(db, agency.id, hire_id)
    return image_response(
        request,
        lambda known: hires.load_photo(db, hire, known),
        cache_control=IMMUTABLE if versioned(request, hire.version) else REVALIDATE,
        missing=lambda: NotFound("Pas de photo pour cette embauche."),
    )
