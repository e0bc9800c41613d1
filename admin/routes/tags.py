"""Étiquettes: each tag's page crossing open offers, hire stories and testimonies; the list
with server-side suggestions; a manager's rename and merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx, CtxDep
from admin.errors import page_not_found
from admin.forms import Form, Posted
from admin.templating import render
from api.domain.permissions import Action
from api.errors import DomainError, StaleVersion
from api.models import Tag
from api.models.tag import DESCRIPTION_MAX, TagUpdate
from api.services import hard_to_fill, hires, tags, testimonies

router = APIRouter(prefix=urls.TAGS, include_in_schema=False)
Manager = Allowed(Action.MANAGE_TAGS)
Slug = Annotated[str, Path(max_length=200)]
LABELS = {"name": "Nom", "description": "Description", "into": "Étiquette qui reste"}
GONE = "Cette étiquette n'existe pas ou plus (renommée ou fusionnée ?)."


def _tag(ctx: Ctx, slug: str) -> Tag:
    with page_not_found(GONE):
        return tags.get_by_slug(ctx.db, ctx.agency.id, slug)


@router.get("", response_class=HTMLResponse)
def list_page(
    request: Request, ctx: CtxDep, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """The agency's tags, or those matching what was typed (without case or accents)."""
    found = tags.suggest(ctx.db, ctx.agency.id, q, limit=200)
    return render(
        request,
        "pages/tags.html",
        {
            "title": "Étiquettes",
            "active_tab": "menu",
            "tags": tags.to_public(ctx.db, found),
            "q": q,
        },
    )


@router.get("/{slug}", response_class=HTMLResponse)
def tag_page(
    request: Request,
    ctx: CtxDep,
    slug: Slug,
    mouton: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    """One tag: its open offers, hire stories and testimonies.

    ``?mouton=1`` keeps only the offers the « mouton à 5 pattes » check flags, with their
    reasons: what the monthly thematic meeting on the tag discusses.
    """
    tag = _tag(ctx, slug)
    if slug != tag.slug:  # typed loosely (« Antiplôme »): the one address
        return RedirectResponse(urls.tag_page(tag.slug), status_code=303)
    crossing = tags.crossing(ctx.db, tag, ctx.offers)
    flagged = hard_to_fill.flagged(crossing.offers, ctx.settings.smic)
    only_flagged = mouton == "1"
    shown = [e for e in crossing.offers if e.offer.id in flagged] if only_flagged else None
    said = testimonies.to_public(ctx.db, crossing.testimonies)
    return render(
        request,
        "pages/tag.html",
        {
            "title": f"#{tag.name}",
            "active_tab": "menu",
            "tag": tag,
            "offers": crossing.offers if shown is None else shown,
            "flagged": flagged,
            "only_flagged": only_flagged,
            "hires": hires.to_public(ctx.db, crossing.hires),
            "testimonies": said,
            "editable": {
                t.id
                for t, row in zip(said, crossing.testimonies, strict=True)
                if testimonies.may_edit(ctx.me, row)
            },
        },
    )


def _manage_page(
    request: Request, ctx: Ctx, tag: Tag, form: Form | None = None, status: int = 200
) -> Response:
    others = [t for t in tags.agency_tags(ctx.db, ctx.agency.id) if t.id != tag.id]
    return render(
        request,
        "pages/tag_manage.html",
        {
            "title": f"Gérer #{tag.name}",
            "active_tab": "menu",
            "tag": tag,
            "form": form
            or Form.empty(name=tag.name, description=tag.description, version=tag.version),
            "labels": LABELS,
            "others": [(t.slug, f"#{t.name}") for t in others],
            "description_max": DESCRIPTION_MAX,
        },
        status_code=status,
    )


@router.get("/{slug}/gerer", response_class=HTMLResponse)
def manage_page(request: Request, ctx: Manager, slug: Slug) -> Response:
    """A manager renames, describes or merges a tag."""
    return _manage_page(request, ctx, _tag(ctx, slug))


@router.post("/{slug}/renommer", response_class=HTMLResponse)
def rename(request: Request, ctx: Manager, slug: Slug, form: Form = Posted) -> Response:
    """Save a tag's new name and description."""
    tag = _tag(ctx, slug)
    name = form.text("name", required=True, max_length=40)
    description = form.text("description", max_length=DESCRIPTION_MAX) or ""
    version = form.integer("version", minimum=1, maximum=10**9)
    if form.ok:
        try:
            data = TagUpdate(name=name, description=description)
            tag = tags.update_tag(ctx.db, ctx.me, tag, data, version)
        except ValidationError:
            form.add_error("name", "Un mot de 2 à 40 caractères, sans espace ni virgule.")
        except StaleVersion:
            form.add_error(
                "name", "Quelqu'un l'a modifiée entre-temps : voici la version actuelle."
            )
            fresh = Form.empty(name=tag.name, description=tag.description, version=tag.version)
            fresh.errors = form.errors
            return _manage_page(request, ctx, tag, fresh, status=409)
        except DomainError as exc:
            form.add_error(exc.field or "name", exc.message)
        else:
            return RedirectResponse(
                urls.with_message(urls.tag_page(tag.slug), "etiquette-modifiee"), status_code=303
            )
    return _manage_page(request, ctx, tag, form, status=422)


@router.post("/{slug}/fusionner", response_class=HTMLResponse)
def merge(request: Request, ctx: Manager, slug: Slug, form: Form = Posted) -> Response:
    """Merge this tag into the one chosen: everything moves there, this one disappears."""
    tag = _tag(ctx, slug)
    chosen = form.text("into", required=True, max_length=200) or ""
    into = tags.find(ctx.db, ctx.agency.id, chosen) if chosen else None
    if chosen and into is None:
        form.add_error("into", "Choisissez une étiquette de la liste.")
    if form.ok and into is not None:
        try:
            kept = tags.merge(ctx.db, ctx.me, tag, into)
        except DomainError as exc:
            form.add_error("into", exc.message)
        else:
            return RedirectResponse(
                urls.with_message(urls.tag_page(kept.slug), "etiquettes-fusionnees"),
                status_code=303,
            )
    return _manage_page(request, ctx, tag, form, status=422)
