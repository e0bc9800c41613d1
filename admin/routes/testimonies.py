"""Témoignages / retours d'expérience: any staff member writes one; its author or a manager
edits or deletes it. Never a job seeker's personal data: the form says so beside the text."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import PageForbidden, page_not_found
from admin.forms import Form, Posted
from admin.offer_forms import parse_tags
from admin.templating import render
from api.domain.permissions import Action
from api.errors import DomainError, StaleVersion
from api.models import Testimony
from api.models.tag import display_name
from api.models.testimony import TEXT_MAX, TestimonyCreate, TestimonyUpdate
from api.params import PathId, QueryId
from api.services import hires, offers, tags, testimonies

router = APIRouter(prefix=urls.TESTIMONIES, include_in_schema=False)
Writer = Allowed(Action.WRITE_TESTIMONIES)
LABELS = {"text": "Témoignage", "tags": "Étiquettes", "offer_id": "Offre", "hire_id": "Embauche"}
GONE = "Ce témoignage n'existe pas ou a été supprimé."


def _testimony(ctx: Ctx, testimony_id: int) -> Testimony:
    with page_not_found(GONE):
        return testimonies.get_testimony(ctx.db, ctx.agency.id, testimony_id)


def _choices(ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
    """The open offers and the hires a testimony may name, as form options."""
    board = offers.board(ctx.db, ctx.agency.id, ctx.offers, status="open")
    stories = hires.list_hires(ctx.db, ctx.agency.id)
    return {
        "offers": [(str(e.offer.id), f"{e.offer.title} · {e.offer.employer}") for e in board],
        "hires": [(str(h.id), f"{h.title} · {h.employer}") for h in stories],
    }


def _form_page(
    request: Request,
    ctx: Ctx,
    form: Form,
    testimony: Testimony | None,
    *,
    status: int = 200,
) -> Response:
    # One the viewer may not change is shown read-only, with the reason, not as a form.
    locked = testimonies.edit_refusal(ctx.me, testimony) if testimony else None
    return render(
        request,
        "pages/testimony_form.html",
        {
            "title": "Modifier le témoignage" if testimony else "Écrire un témoignage",
            "active_tab": "menu",
            "form": form,
            "testimony": testimony,
            "public": testimonies.to_public(ctx.db, [testimony])[0] if testimony else None,
            "locked": locked,
            "labels": LABELS,
            "text_max": TEXT_MAX,
            "tag_suggestions": tags.suggestion_names(ctx.db, ctx.agency.id),
            "latest": testimonies.to_public(
                ctx.db, testimonies.list_testimonies(ctx.db, ctx.agency.id)[:20]
            )
            if testimony is None
            else [],
            **_choices(ctx),
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def new_page(
    request: Request,
    ctx: Writer,
    offre: QueryId = None,
    embauche: QueryId = None,
    etiquette: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The form, pre-filled from the offer, hire or tag it was opened from; the latest ones."""
    tag = tags.find(ctx.db, ctx.agency.id, etiquette) if etiquette else None
    initial: dict[str, Any] = {
        "offer_id": offre or "",
        "hire_id": embauche or "",
        "tags": display_name(tag.name) if tag else "",
    }
    return _form_page(request, ctx, Form.empty(**initial), None)


def _parse(ctx: Ctx, form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": form.text("text", required=True, max_length=TEXT_MAX),
        "tags": parse_tags(form),
    }
    choices = _choices(ctx)
    for name, key in (("offer_id", "offers"), ("hire_id", "hires")):
        raw = form.raw(name).strip()
        allowed = {v for v, _ in choices[key]}
        if raw and raw not in allowed:
            form.add_error(name, "Choisissez dans la liste.")
        data[name] = int(raw) if raw and raw in allowed else None
    return data


def _done(data: dict[str, Any]) -> str:
    """Where to go after saving: the first tag's page, else the form with its list."""
    if data["tags"]:
        return urls.with_message(urls.tag_page(data["tags"][0]), "temoignage-enregistre")
    return urls.with_message(urls.TESTIMONIES, "temoignage-enregistre")


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: Writer, form: Form = Posted) -> Response:
    """Save a new testimony."""
    data = _parse(ctx, form)
    if form.ok:
        try:
            testimonies.create_testimony(ctx.db, ctx.me, TestimonyCreate(**data))
        except (ValidationError, DomainError) as exc:
            _refused(form, exc)
        else:
            return RedirectResponse(_done(data), status_code=303)
    return _form_page(request, ctx, form, None, status=422)


def _values(ctx: Ctx, testimony: Testimony) -> dict[str, Any]:
    [public] = testimonies.to_public(ctx.db, [testimony])
    return {
        "text": testimony.text,
        "tags": " ".join(display_name(t.name) for t in public.tags),
        "offer_id": testimony.offer_id or "",
        "hire_id": testimony.hire_id or "",
        "version": testimony.version,
    }


def _editable(ctx: Ctx, testimony_id: int) -> Testimony:
    testimony = _testimony(ctx, testimony_id)
    refusal = testimonies.edit_refusal(ctx.me, testimony)
    if refusal:
        raise PageForbidden(refusal)
    return testimony


@router.get("/{testimony_id}", response_class=HTMLResponse)
def edit_page(request: Request, ctx: Writer, testimony_id: PathId) -> Response:
    """A testimony: its edit form for its author or a manager, else read-only."""
    testimony = _testimony(ctx, testimony_id)
    return _form_page(request, ctx, Form.empty(**_values(ctx, testimony)), testimony)


@router.post("/{testimony_id}", response_class=HTMLResponse)
def update(request: Request, ctx: Writer, testimony_id: PathId, form: Form = Posted) -> Response:
    """Save an edit (version-checked)."""
    testimony = _editable(ctx, testimony_id)
    data = _parse(ctx, form)
    version = form.integer("version", minimum=1, maximum=10**9)
    if form.ok:
        try:
            testimonies.update_testimony(
                ctx.db, ctx.me, testimony, TestimonyUpdate(**data), version
            )
        except StaleVersion:
            form.add_error("text", "Quelqu'un l'a modifié entre-temps : voici la version actuelle.")
            fresh = Form.empty(**_values(ctx, testimony))
            fresh.errors = form.errors
            return _form_page(request, ctx, fresh, testimony, status=409)
        except (ValidationError, DomainError) as exc:
            _refused(form, exc)
        else:
            return RedirectResponse(_done(data), status_code=303)
    return _form_page(request, ctx, form, testimony, status=422)


@router.post("/{testimony_id}/supprimer")
def delete(request: Request, ctx: Writer, testimony_id: PathId, form: Form = Posted) -> Response:
    """Delete a testimony (its author or a manager)."""
    testimony = _editable(ctx, testimony_id)
    testimonies.delete_testimony(ctx.db, ctx.me, testimony)
    return RedirectResponse(
        urls.with_message(urls.TESTIMONIES, "temoignage-supprime"), status_code=303
    )


def _refused(form: Form, exc: ValidationError | DomainError) -> None:
    """Put the service's refusal (or the model's) next to the field it concerns."""
    if isinstance(exc, DomainError):
        form.add_error(exc.field or "text", exc.message)
        return
    for err in exc.errors():
        form.add_error(str((err.get("loc") or ["text"])[0]), "Valeur refusée.")
