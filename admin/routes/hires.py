"""Embauches remarquables: tell the story, credit the pair, add a photo with consent, moderate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from admin import urls
from admin.deps import Allowed, Ctx, CtxDep
from admin.errors import PageNotFound, page_not_found
from admin.forms import Form, Posted
from admin.offer_forms import parse_tags
from admin.templating import render
from api.clock import local_today
from api.domain.permissions import Action
from api.errors import DomainError, StaleVersion
from api.image_responses import IMMUTABLE, REVALIDATE, image_response, versioned
from api.models import Hire
from api.models.hire import HIRE_STATUS_LABELS, HireCreate, HireUpdate
from api.params import PathId, QueryId
from api.services import hires as hire_service
from api.services import offers as offer_service
from api.services import photos, tags

router = APIRouter(prefix=urls.HIRES, include_in_schema=False)
Writer = Allowed(Action.WRITE_HIRES)
Moderator = Allowed(Action.MODERATE_HIRES)

LABELS = {
    "employer": "Employeur",
    "title": "Poste",
    "story": "Ce qui la rend remarquable",
    "hired_on": "Date d'embauche",
    "expires_on": "Affichée jusqu'au",
    "cde_id": "CDE",
    "cdde_id": "CDDE",
    "photo": "Photo",
    "photo_consent": "Accord",
    "offer_id": "Offre pourvue",
    "tags": "Étiquettes",
}
DEFAULT_DAYS_SHOWN = 30


def _page_of(hire: Hire, ok: str) -> str:
    return urls.with_message(f"{urls.HIRES}/{hire.id}", ok)


def _hire(ctx: Ctx, hire_id: int) -> Hire:
    with page_not_found("Cette embauche n'existe pas ou a été supprimée."):
        return hire_service.get_hire(ctx.db, ctx.agency.id, hire_id)


def _people(ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
    """The colleagues each credit field offers, as form options."""
    choices = hire_service.credit_choices(ctx.db, ctx.agency.id)
    return {name: [(str(s.id), s.name) for s in people] for name, people in choices.items()}


def _form_page(
    request: Request,
    ctx: Ctx,
    form: Form,
    hire: Hire | None,
    *,
    status: int = 200,
    refusal: str | None = None,
    kept_photo: str | None = None,
) -> Response:
    public = hire_service.to_public(ctx.db, [hire])[0] if hire else None
    # A hire the viewer may not change is shown read-only, with the reason, not as a form.
    locked = hire_service.edit_refusal(ctx.me, hire) if hire else None
    people = _people(ctx)
    return render(
        request,
        "pages/hire_form.html",
        {
            "title": "Modifier l'embauche" if hire else "Raconter une embauche",
            "active_tab": "hires",
            "form": form,
            "hire": public,
            "hire_row": hire,
            "labels": LABELS,
            "cdes": people["cde_id"],
            "cddes": people["cdde_id"],
            "statuses": HIRE_STATUS_LABELS,
            "max_mb": ctx.settings.max_upload_mb,
            "locked": locked,
            "refusal": refusal,
            "kept_photo": kept_photo,
            "tag_suggestions": tags.suggestion_names(ctx.db, ctx.agency.id),
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, ctx: CtxDep) -> Response:
    """All the agency's hires; drafts first for managers."""
    rows = hire_service.list_hires(ctx.db, ctx.agency.id)
    public = hire_service.to_public(ctx.db, rows)
    groups = {s: [h for h in public if h.status == s] for s in ("draft", "published", "withdrawn")}
    return render(
        request,
        "pages/hires.html",
        {
            "title": "Embauches",
            "active_tab": "hires",
            "groups": groups,
            "statuses": HIRE_STATUS_LABELS,
        },
    )


@router.get("/nouvelle", response_class=HTMLResponse)
def new_page(request: Request, ctx: Writer, offre: QueryId = None) -> Response:
    """The story form, pre-filled from the filled offer when coming from it."""
    today = local_today(ctx.agency.timezone)
    offer = offer_service.find_offer(ctx.db, ctx.agency.id, offre)
    initial: dict[str, Any] = {
        "hired_on": today,
        "expires_on": today + timedelta(days=DEFAULT_DAYS_SHOWN),
        **hire_service.draft_values(ctx.db, ctx.me, offer),
    }
    return _form_page(request, ctx, Form.empty(**initial), None)


def _parse(ctx: Ctx, form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {
        "employer": form.text("employer", required=True),
        "title": form.text("title", required=True),
        "story": form.text("story", max_length=4000) or "",
        "hired_on": form.date("hired_on", required=True),
        "expires_on": form.date("expires_on"),
        "photo_consent": form.checkbox("photo_consent"),
        "tags": parse_tags(form),
    }
    if data["hired_on"] and data["expires_on"] and data["expires_on"] < data["hired_on"]:
        form.add_error("expires_on", hire_service.EXPIRES_BEFORE_HIRE)
    for name, options in _people(ctx).items():
        raw = form.raw(name).strip()
        allowed = {v for v, _ in options}
        if raw and raw not in allowed:
            form.add_error(name, "Choisissez une personne de la liste.")
        data[name] = int(raw) if raw and raw in allowed else None
    return data


def _read_photo(ctx: Ctx, form: Form) -> bytes | None:
    """The uploaded photo re-encoded (checked, EXIF gone); None when none or refused."""
    upload = form.files.get("photo")
    if upload is None or not upload.filename:
        return None
    limit = ctx.settings.max_upload_mb * 1_000_000
    size = upload.size or 0
    if size > limit:
        form.add_error(
            "photo",
            f"Photo trop lourde : {ctx.settings.max_upload_mb} Mo au maximum "
            f"(celle-ci fait {f'{size / 1_000_000:.1f}'.replace('.', ',')} Mo).",
        )
        return None
    raw = upload.file.read(limit + 1)
    try:
        return photos.reencode(raw, max_bytes=limit)
    except DomainError as exc:
        form.add_error("photo", exc.message + " Choisissez une photo (JPEG, PNG ou WebP).")
        return None


KEPT = "photo_kept"  # the form field carrying the key of a photo kept from a refused try
KEPT_DROP = "photo_kept_drop"


def _kept_photo(ctx: Ctx, form: Form, jpeg: bytes | None) -> bytes | None:
    """The photo of this try: the one just chosen, else the one kept from the refused try.

    A newly chosen photo replaces the kept one; « ne pas joindre cette photo » drops it.
    """
    key = form.raw(KEPT)
    if jpeg is not None or form.checkbox(KEPT_DROP):
        hire_service.drop_pending_photo(ctx.db, ctx.me, key)
        form.values.pop(KEPT, None)
        return jpeg
    kept = hire_service.pending_photo(ctx.db, ctx.me, key) if key else None
    if key and kept is None:
        form.values.pop(KEPT, None)
        form.add_error("photo", "La photo gardée a expiré : choisissez-la à nouveau.")
    return kept


def _keep_photo(ctx: Ctx, form: Form, jpeg: bytes | None) -> str | None:
    """After a refusal: keep the photo for the next try, unless it is the refused field.

    Returns the small picture the form shows of it (a ``data:`` URL), or None.
    """
    if jpeg is None or "photo" in form.errors:
        return None
    if hire_service.pending_photo(ctx.db, ctx.me, form.raw(KEPT)) is None:
        form.values[KEPT] = hire_service.keep_pending_photo(ctx.db, ctx.me, jpeg)
    return hire_service.thumbnail_url(jpeg)


def _check_consent(form: Form, data: dict[str, Any], has_photo: bool) -> None:
    if has_photo and not data["photo_consent"]:
        form.add_error(
            "photo_consent",
            "Cochez l'accord de la personne photographiée, ou ne joignez pas de photo.",
        )


@router.post("/nouvelle", response_class=HTMLResponse)
async def create(request: Request, ctx: Writer, form: Form = Posted) -> Response:
    """Save the story (a draft until a manager publishes it), with its photo."""
    jpeg = await photos.off_loop(_read_photo, ctx, form)  # decoded once, off the event loop
    # The database work in a worker thread: a commit may wait, the event loop must not.
    return await run_in_threadpool(_create, request, ctx, form, jpeg)


def _create(request: Request, ctx: Ctx, form: Form, jpeg: bytes | None) -> Response:
    jpeg = _kept_photo(ctx, form, jpeg)
    data = _parse(ctx, form)
    if form.row_id("offer_id") is not None:  # a stale or forged link is dropped, not refused
        offer = offer_service.find_offer(ctx.db, ctx.agency.id, form.row_id("offer_id"))
        data["offer_id"] = offer.id if offer else None
    _check_consent(form, data, jpeg is not None)
    if form.ok:
        try:
            # The photo in the same transaction: never a hire saved without the photo sent.
            hire = hire_service.create_hire(ctx.db, ctx.me, HireCreate(**data), photo=jpeg)
            if jpeg is not None:
                hire_service.drop_pending_photo(ctx.db, ctx.me, form.raw(KEPT))
        except ValidationError as exc:
            for err in exc.errors():
                form.add_error(str((err.get("loc") or ["employer"])[0]), "Valeur refusée.")
        except DomainError as exc:
            form.add_error(exc.field or "employer", exc.message)
        else:
            return RedirectResponse(_page_of(hire, "embauche-enregistree"), status_code=303)
    kept = _keep_photo(ctx, form, jpeg)
    return _form_page(request, ctx, form, None, status=422, kept_photo=kept)


def _values(ctx: Ctx, hire: Hire) -> dict[str, Any]:
    return {
        "employer": hire.employer,
        "title": hire.title,
        "story": hire.story,
        "hired_on": hire.hired_on,
        "expires_on": hire.expires_on,
        "cde_id": hire.cde_id or "",
        "cdde_id": hire.cdde_id or "",
        "photo_consent": hire.photo_consent,
        "tags": " ".join(f"#{t.name}" for t in hire_service.to_public(ctx.db, [hire])[0].tags),
        "version": hire.version,
    }


@router.get("/{hire_id}", response_class=HTMLResponse)
def edit_page(request: Request, ctx: CtxDep, hire_id: PathId) -> Response:
    """A hire's story, editable, with the manager's publish/withdraw buttons."""
    hire = _hire(ctx, hire_id)
    return _form_page(request, ctx, Form.empty(**_values(ctx, hire)), hire)


@router.post("/{hire_id}", response_class=HTMLResponse)
async def update(request: Request, ctx: Writer, hire_id: PathId, form: Form = Posted) -> Response:
    """Save an edit (version-checked) and an optional new photo."""
    jpeg = await photos.off_loop(_read_photo, ctx, form)  # decoded once, off the event loop
    return await run_in_threadpool(_update, request, ctx, hire_id, form, jpeg)


def _update(request: Request, ctx: Ctx, hire_id: int, form: Form, jpeg: bytes | None) -> Response:
    hire = _hire(ctx, hire_id)
    refusal = hire_service.edit_refusal(ctx.me, hire)
    if refusal:
        form = Form.empty(**_values(ctx, hire))
        return _form_page(request, ctx, form, hire, status=403, refusal=refusal)
    jpeg = _kept_photo(ctx, form, jpeg)
    data = _parse(ctx, form)
    version = form.integer("version", minimum=1, maximum=10**9)
    _check_consent(form, data, jpeg is not None or hire.photo_sha256 is not None)
    status = 422
    if form.ok:
        try:
            hire_service.update_hire(ctx.db, ctx.me, hire, HireUpdate(**data, version=version))
            if jpeg is not None:
                hire_service.store_photo(ctx.db, ctx.me, hire, jpeg)
                hire_service.drop_pending_photo(ctx.db, ctx.me, form.raw(KEPT))
        except StaleVersion:  # refused before any change: ``hire`` is the stored one
            form.add_error(
                "employer",
                "Quelqu'un a modifié cette embauche entre-temps. Votre saisie est gardée "
                "ci-dessous ; enregistrez à nouveau pour la confirmer.",
            )
            form.values["version"] = str(hire.version)
            status = 409
        except DomainError as exc:
            form.add_error(exc.field or "employer", exc.message)
        else:
            return RedirectResponse(_page_of(hire, "embauche-enregistree"), status_code=303)
    kept = _keep_photo(ctx, form, jpeg)
    return _form_page(request, ctx, form, hire, status=status, kept_photo=kept)


def _moderate(ctx: Ctx, hire_id: int, status: str, ok: str) -> Response:
    hire = _hire(ctx, hire_id)
    hire_service.update_hire(ctx.db, ctx.me, hire, HireUpdate(status=status))
    return RedirectResponse(_page_of(hire, ok), status_code=303)


@router.post("/{hire_id}/publier")
def publish(ctx: Moderator, hire_id: PathId, form: Form = Posted) -> Response:
    """Show the hire in the corridor gallery."""
    return _moderate(ctx, hire_id, "published", "embauche-publiee")


@router.post("/{hire_id}/retirer")
def withdraw(ctx: Moderator, hire_id: PathId, form: Form = Posted) -> Response:
    """Take the hire off the screen."""
    return _moderate(ctx, hire_id, "withdrawn", "embauche-retiree")


@router.get("/{hire_id}/photo")
def photo(request: Request, ctx: CtxDep, hire_id: PathId) -> Response:
    """The re-encoded photo, for staff of the agency only; final for its ``?v=``."""
    hire = _hire(ctx, hire_id)
    return image_response(
        request,
        lambda known: hire_service.load_photo(ctx.db, hire, known),
        cache_control=IMMUTABLE if versioned(request, hire.version) else REVALIDATE,
        missing=lambda: PageNotFound("Pas de photo pour cette embauche."),
    )
