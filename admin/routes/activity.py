"""« Activité de l'agence »: the collective figures with their charts, the chantiers, the export.

Every staff member reads it; a manager lists and edits the chantiers and downloads the CSV.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import charts, urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found
from admin.forms import Form, Posted
from admin.templating import render
from api.domain.permissions import Action
from api.errors import DomainError, StaleVersion
from api.models import Chantier
from api.models.chantier import (
    KIND_LABELS,
    NOTE_MAX,
    STATE_LABELS,
    ChantierCreate,
    ChantierUpdate,
)
from api.models.offer import OUTCOME_LABELS
from api.params import PathId
from api.routes.activity import CSV_TYPE, csv_filename
from api.services import activity, chantiers

router = APIRouter(prefix=urls.ACTIVITY, include_in_schema=False)
Reader = Allowed(Action.READ_ACTIVITY)
Exporter = Allowed(Action.EXPORT_ACTIVITY)
Manager = Allowed(Action.MANAGE_CHANTIERS)
LABELS = {
    "title": "Intitulé",
    "kind": "Genre",
    "state": "État",
    "starts_on": "Début",
    "ends_on": "Fin",
    "note": "Note",
}
CHANTIERS = f"{urls.ACTIVITY}/chantiers"


def _charts(figures: activity.Activity) -> dict[str, Any]:
    months = figures.months
    return {
        "offers": charts.bar_pairs(
            [(m.month.short, m.opened.total, m.filled.total) for m in months],
            ("ouvertes", "pourvues"),
            "Offres ouvertes et pourvues, mois par mois",
        ),
        "proposals": charts.bars(
            [(m.month.short, m.proposals) for m in months],
            "Candidats proposés par les CDDE, mois par mois",
            "candidats",
        ),
        "fill_days": charts.level_bars(
            [
                (f.level, f.label, f.median, activity.days_words(f.median))
                for f in figures.fill_days
            ],
            "Délai médian pour pourvoir une offre, selon son urgence",
        ),
    }


def _page(request: Request, ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
    figures = activity.summarise(ctx.db, ctx.agency)
    return render(
        request,
        "pages/activity.html",
        {
            "title": "Activité de l'agence",
            "active_tab": "menu",
            "figures": figures,
            "charts": _charts(figures),
            "outcome_labels": OUTCOME_LABELS,
            "days_words": activity.days_words,
            "form": form or Form.empty(kind="recrutement_collectif", state="a_venir"),
            **_choices(),
        },
        status_code=status,
    )


def _choices() -> dict[str, Any]:
    return {
        "labels": LABELS,
        "kinds": list(KIND_LABELS.items()),
        "states": list(STATE_LABELS.items()),
        "kind_labels": KIND_LABELS,
        "state_labels": STATE_LABELS,
        "note_max": NOTE_MAX,
        "chantiers_url": CHANTIERS,
    }


@router.get("", response_class=HTMLResponse)
def page(request: Request, ctx: Reader) -> Response:
    """The month's and the six before's collective figures, with charts, and the chantiers."""
    return _page(request, ctx)


@router.get("/export.csv")
def export(ctx: Exporter) -> Response:
    """The seven months as a CSV file for a spreadsheet (managers)."""
    figures = activity.summarise(ctx.db, ctx.agency)
    return Response(
        activity.to_csv(figures),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(figures)}"'},
    )


def _parse(form: Form) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": form.text("title", required=True, max_length=200),
        "kind": form.choice("kind", KIND_LABELS),
        "state": form.choice("state", STATE_LABELS),
        "starts_on": form.date("starts_on"),
        "ends_on": form.date("ends_on"),
        "note": form.text("note", max_length=NOTE_MAX) or "",
    }
    starts_on: date | None = data["starts_on"]
    ends_on: date | None = data["ends_on"]
    if starts_on and ends_on and ends_on < starts_on:
        form.add_error("ends_on", "La fin ne peut pas précéder le début.")
    return data


def _refused(form: Form, exc: ValidationError | DomainError) -> None:
    if isinstance(exc, DomainError):
        form.add_error(exc.field or "title", exc.message)
        return
    for err in exc.errors():
        form.add_error(str((err.get("loc") or ["title"])[0]), "Valeur refusée.")


@router.post("/chantiers", response_class=HTMLResponse)
def create(request: Request, ctx: Manager, form: Form = Posted) -> Response:
    """List a new chantier (managers)."""
    data = _parse(form)
    if form.ok:
        try:
            chantiers.create_chantier(ctx.db, ctx.me, ChantierCreate(**data))
        except (ValidationError, DomainError) as exc:
            _refused(form, exc)
        else:
            return RedirectResponse(
                urls.with_message(urls.ACTIVITY, "chantier-ajoute", "chantiers"), status_code=303
            )
    return _page(request, ctx, form, status=422)


def _values(chantier: Chantier) -> dict[str, Any]:
    return {
        "title": chantier.title,
        "kind": chantier.kind,
        "state": chantier.state,
        "starts_on": chantier.starts_on,
        "ends_on": chantier.ends_on,
        "note": chantier.note,
        "version": chantier.version,
    }


def _chantier(ctx: Ctx, chantier_id: int) -> Chantier:
    with page_not_found("Ce chantier n'existe pas ou plus."):
        return chantiers.get_chantier(ctx.db, ctx.agency.id, chantier_id)


def _form_page(
    request: Request, ctx: Ctx, form: Form, chantier: Chantier, status: int = 200
) -> Response:
    return render(
        request,
        "pages/chantier_form.html",
        {
            "title": "Modifier le chantier",
            "active_tab": "menu",
            "form": form,
            "chantier": chantier,
            **_choices(),
        },
        status_code=status,
    )


@router.get("/chantiers/{chantier_id}", response_class=HTMLResponse)
def edit_page(request: Request, ctx: Manager, chantier_id: PathId) -> Response:
    """A chantier's edit form (managers)."""
    chantier = _chantier(ctx, chantier_id)
    return _form_page(request, ctx, Form.empty(**_values(chantier)), chantier)


@router.post("/chantiers/{chantier_id}", response_class=HTMLResponse)
def update(request: Request, ctx: Manager, chantier_id: PathId, form: Form = Posted) -> Response:
    """Save a chantier's edit (version-checked)."""
    chantier = _chantier(ctx, chantier_id)
    data = _parse(form)
    version = form.integer("version", minimum=1, maximum=10**9)
    if form.ok:
        try:
            chantiers.update_chantier(ctx.db, ctx.me, chantier, ChantierUpdate(**data), version)
        except StaleVersion:
            form.add_error(
                "title", "Quelqu'un l'a modifié entre-temps : voici la version actuelle."
            )
            fresh = Form.empty(**_values(chantier))
            fresh.errors = form.errors
            return _form_page(request, ctx, fresh, chantier, status=409)
        except (ValidationError, DomainError) as exc:
            _refused(form, exc)
        else:
            return RedirectResponse(
                urls.with_message(urls.ACTIVITY, "chantier-modifie", "chantiers"),
                status_code=303,
            )
    return _form_page(request, ctx, form, chantier, status=422)


@router.post("/chantiers/{chantier_id}/supprimer")
def delete(request: Request, ctx: Manager, chantier_id: PathId, form: Form = Posted) -> Response:
    """Take a chantier off the list (managers)."""
    chantiers.delete_chantier(ctx.db, ctx.me, _chantier(ctx, chantier_id))
    return RedirectResponse(
        urls.with_message(urls.ACTIVITY, "chantier-supprime", "chantiers"), status_code=303
    )
