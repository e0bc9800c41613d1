"""Remarkable hires: stories, credits, photo, moderation."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from api.deps import Allowed, CurrentStaff, SessionDep, SettingsDep, StaffAgency
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.errors import Forbidden, Invalid, NotFound, TooLarge
from api.models import Hire
from api.models.hire import HireCreate, HirePublic, HireStatus, HireUpdate
from api.services import hires, photos
from api.services.common import get_scoped

router = APIRouter(prefix="/hires", tags=["hires"])


@router.get("", response_model=list[HirePublic])
def list_hires(
    db: SessionDep, agency: StaffAgency, _: CurrentStaff, status: HireStatus | None = None
) -> list[HirePublic]:
    """The agency's hires, newest first."""
    return hires.to_public(db, hires.list_hires(db, agency.id, status=status))


@router.post("", response_model=HirePublic, status_code=201)
def create_hire(data: HireCreate, db: SessionDep, actor: Allowed(Action.WRITE_HIRES)) -> HirePublic:
    """Tell the story of a hire (a draft until a manager publishes it)."""
    return hires.to_public(db, [hires.create_hire(db, actor, data)])[0]


@router.get("/{hire_id}", response_model=HirePublic)
def read_hire(hire_id: int, db: SessionDep, agency: StaffAgency, _: CurrentStaff) -> HirePublic:
    """One hire."""
    return hires.to_public(db, [get_scoped(db, Hire, hire_id, agency.id, "Embauche")])[0]


@router.patch("/{hire_id}", response_model=HirePublic)
def update_hire(
    hire_id: int,
    data: HireUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.WRITE_HIRES),
) -> HirePublic:
    """Edit a hire; publishing or withdrawing is for managers."""
    hire = get_scoped(db, Hire, hire_id, agency.id, "Embauche")
    if data.status is not None and not can(actor.role, Action.MODERATE_HIRES):
        raise Forbidden(DENIED_MESSAGE)
    if hire.status == "published" and not can(actor.role, Action.MODERATE_HIRES):
        raise Forbidden("Une embauche publiée ne se modifie que par un manager.")
    return hires.to_public(db, [hires.update_hire(db, actor, hire, data)])[0]


@router.delete("/{hire_id}", status_code=204)
def delete_hire(
    hire_id: int,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    actor: Allowed(Action.MODERATE_HIRES),
) -> Response:
    """Delete a hire and its photo."""
    hire = get_scoped(db, Hire, hire_id, agency.id, "Embauche")
    hires.delete_hire(db, actor, hire, settings.photos_dir)
    return Response(status_code=204)


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"Fichier trop lourd : {max_bytes // 1_000_000} Mo au maximum.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(f"Fichier trop lourd : {max_bytes // 1_000_000} Mo au maximum.")
        chunks.append(chunk)
    return b"".join(chunks)


@router.put("/{hire_id}/photo", response_model=HirePublic)
async def put_photo(
    hire_id: int,
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    actor: Allowed(Action.WRITE_HIRES),
) -> HirePublic:
    """Upload the photo (JPEG/PNG/WebP ≤ 10 MB, body = image bytes); re-encoded without EXIF."""
    hire = get_scoped(db, Hire, hire_id, agency.id, "Embauche")
    max_bytes = settings.max_upload_mb * 1_000_000
    raw = await read_limited(request, max_bytes)
    if not raw:
        raise Invalid("Envoyez l'image dans le corps de la requête.")
    # Decoding takes a second of CPU: on a photo worker, never on the event loop.
    hire = await photos.off_loop(
        hires.set_photo, db, actor, hire, raw, settings.photos_dir, max_bytes
    )
    return hires.to_public(db, [hire])[0]


@router.get("/{hire_id}/photo", response_class=FileResponse)
def get_photo(
    hire_id: int, db: SessionDep, settings: SettingsDep, agency: StaffAgency, _: CurrentStaff
) -> FileResponse:
    """The hire's photo (staff only)."""
    hire = get_scoped(db, Hire, hire_id, agency.id, "Embauche")
    if not hire.photo_file:
        raise NotFound("Pas de photo pour cette embauche.")
    return FileResponse(settings.photos_dir / hire.photo_file, media_type="image/jpeg")
