"""Employeurs (« fiches TPE »): the list with search, one employer's file with its history,
opening and editing a file (CDE and managers), a stale edit shown beside the current one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found, refused_page
from admin.forms import Form, Posted
from admin.templating import render
from api.domain.permissions import Action
from api.errors import DomainError, StaleVersion
from api.models import Employer
from api.models.employer import (
    CONTACT_MAX,
    NOTES_MAX,
    SECTOR_MAX,
    SIZE_BANDS,
    SIZE_LABELS,
    EmployerCreate,
    EmployerUpdate,
)
from api.models.offer import STATUS_LABELS
from api.params import PathId
from api.services import employers, hires, questionnaire

router = APIRouter(prefix=urls.EMPLOYERS, include_in_schema=False)
Reader = Allowed(Action.READ_EMPLOYERS)
Editor = Allowed(Action.EDIT_EMPLOYERS)
GONE = "Cette fiche employeur n'existe pas."
FIELDS = ("name", "commune", "siret", "sector", "size_band", "contact", "notes")
LABELS = {
    "name": "Nom de l'employeur",
    "commune": "Commune",
    "siret": "SIRET",
    "sector": "Secteur d'activité",
    "size_band": "Effectif",
    "contact": "Contact professionnel",
    "notes": "Notes",
}
SIZE_OPTIONS = [(band, SIZE_LABELS[band]) for band in SIZE_BANDS]


def _employer(ctx: Ctx, employer_id: int) -> Employer:
    with page_not_found(GONE):
        return employers.get_employer(ctx.db, ctx.agency.id, employer_id)


def _values(employer: Employer) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(employer, name) for name in FIELDS}
    values["version"] = employer.version
    return values


@router.get("", response_class=HTMLResponse)
def list_page(
    request: Request, ctx: Reader, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """The agency's employers, or those matching what was typed (without case or accents)."""
    found = employers.search(ctx.db, ctx.agency.id, q)
    return render(
        request,
        "pages/employers.html",
        {
            "title": "Employeurs",
            "active_tab": "menu",
            "employers": employers.to_public(ctx.db, found),
            "q": q,
            "size_labels": SIZE_LABELS,
        },
    )


def _form_page(
    request: Request,
    ctx: Ctx,
    form: Form,
    *,
    employer: Employer | None,
    status: int = 200,
    current: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "pages/employer_form.html",
        {
            "title": "Modifier la fiche" if employer else "Nouvelle fiche employeur",
            "active_tab": "menu",
            "form": form,
            "employer": employer,
            "labels": LABELS,
            "size_options": SIZE_OPTIONS,
            "sector_max": SECTOR_MAX,
            "contact_max": CONTACT_MAX,
            "notes_max": NOTES_MAX,
            "current": current or {},
        },
        status_code=status,
    )


def _shown(name: str, value: Any) -> str:
    """A value as two saves compare it (a SIRET without its spaces)."""
    text = str(value or "")
    return "".join(text.split()) if name == "siret" else text


def _parse(form: Form) -> dict[str, Any]:
    """Every field of the employer form; errors are left on ``form``."""
    return {
        "name": form.text("name", required=True),
        "commune": form.text("commune", required=True),
        "siret": form.text("siret", max_length=40),
        "sector": form.text("sector", max_length=SECTOR_MAX) or "",
        "size_band": form.choice("size_band", SIZE_BANDS, required=False),
        "contact": form.text("contact", max_length=CONTACT_MAX) or "",
        "notes": form.text("notes", max_length=NOTES_MAX) or "",
    }


def _validation_errors(form: Form, exc: ValidationError) -> None:
    for error in exc.errors():
        loc = error.get("loc") or ("",)
        name = str(loc[0]) if loc and loc[0] in FIELDS else "name"
        form.add_error(name, str(error.get("msg", "")).removeprefix("Value error, "))


@router.get("/nouvelle", response_class=HTMLResponse)
def new_page(request: Request, ctx: Editor) -> Response:
    """The form opening a new employer file."""
    return _form_page(request, ctx, Form.empty(), employer=None)


@router.post("/nouvelle", response_class=HTMLResponse)
def create(request: Request, ctx: Editor, form: Form = Posted) -> Response:
    """Open the file and show it."""
    data = _parse(form)
    if form.ok:
        try:
            employer = employers.create_employer(ctx.db, ctx.me, EmployerCreate(**data))
        except ValidationError as exc:
            _validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(exc.field or "name", exc.message)
        else:
            return RedirectResponse(
                urls.with_message(urls.employer_page(employer.id), "fiche-employeur-creee"),
                status_code=303,
            )
    return _form_page(request, ctx, form, employer=None, status=422)


@router.get("/{employer_id}/modifier", response_class=HTMLResponse)
def edit_page(request: Request, ctx: Editor, employer_id: PathId) -> Response:
    """The file's details and notes, to edit."""
    employer = _employer(ctx, employer_id)
    return _form_page(request, ctx, Form.empty(**_values(employer)), employer=employer)


@router.post("/{employer_id}/modifier", response_class=HTMLResponse)
def update(request: Request, ctx: Editor, employer_id: PathId, form: Form = Posted) -> Response:
    """Save an edit; if a colleague saved in between, keep what was typed beside theirs."""
    employer = _employer(ctx, employer_id)
    data = _parse(form)
    version = form.integer("version", minimum=1, maximum=10**9)
    if form.ok:
        try:
            employers.update_employer(ctx.db, ctx.me, employer, EmployerUpdate(**data), version)
        except StaleVersion:  # refused before any change: ``employer`` is the stored one
            stored = _values(employer)
            current = {
                name: str(stored[name] or "")
                for name in FIELDS
                if _shown(name, stored[name]) != _shown(name, data[name])
            }
            kept = Form(values={**form.values, "version": str(employer.version)})
            return _form_page(request, ctx, kept, employer=employer, status=409, current=current)
        except ValidationError as exc:
            _validation_errors(form, exc)
        except DomainError as exc:
            form.add_error(exc.field or "name", exc.message)
        else:
            return RedirectResponse(
                urls.with_message(urls.employer_page(employer.id), "fiche-employeur-modifiee"),
                status_code=303,
            )
    return _form_page(request, ctx, form, employer=employer, status=422)


@router.get("/{employer_id}", response_class=HTMLResponse)
def file_page(request: Request, ctx: Reader, employer_id: PathId) -> Response:
    """One employer's file: details, notes, offers with their proposals, hires."""
    employer = _employer(ctx, employer_id)
    told = employers.history(ctx.db, employer)
    return render(
        request,
        "pages/employer.html",
        {
            "title": employer.name,
            "active_tab": "menu",
            "employer": employers.to_public(ctx.db, [employer])[0],
            "offers": told.offers,
            "hires": hires.to_public(ctx.db, told.hires),
            "questionnaires": questionnaire.of_employer(ctx.db, employer),
            "answered": questionnaire.answered,
            "status_labels": STATUS_LABELS,
            "size_labels": SIZE_LABELS,
            "timezone": ctx.agency.timezone,
        },
    )


@router.post("/{employer_id}/questionnaire", response_class=HTMLResponse)
def start_questionnaire(
    request: Request, ctx: Editor, employer_id: PathId, form: Form = Posted
) -> Response:
    """Begin the ethics questionnaire with this employer's recruiter: its first question."""
    employer = _employer(ctx, employer_id)
    try:
        taken = questionnaire.start(ctx.db, ctx.me, employer)
    except DomainError as exc:
        return refused_page(request, exc)
    return RedirectResponse(f"{urls.questionnaire_page(taken.id or 0)}/1", status_code=303)
