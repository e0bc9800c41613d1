"""The manager's CSV import on the phone: pick the export, read the preview, confirm or cancel.

The file is checked line by line before anything is written (``offer_import.read_csv``), kept
while the manager reads the preview, then its valid lines become offers in one transaction.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin import urls
from admin.deps import Allowed
from admin.errors import refused_page
from admin.forms import Form, Posted
from admin.templating import render
from api.domain.permissions import Action
from api.errors import DomainError
from api.services import offer_import

router = APIRouter(prefix=urls.OFFER_IMPORT, include_in_schema=False)
Importer = Allowed(Action.IMPORT_OFFERS)
SHOWN_OFFERS = 20  # the preview lists the first lines; the count says how many in all
MAX_PASTED = 500_000  # characters pasted in the text box (a form field holds 1 MB at most)


def _page(request: Request, form: Form, status: int = 200, **context: object) -> Response:
    return render(
        request,
        "pages/offer_import.html",
        {"title": "Importer des offres", "active_tab": "offers", "form": form, **context},
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def import_page(request: Request, ctx: Importer) -> Response:
    """The form: an export file to pick, or lines to paste."""
    return _page(request, Form.empty())


async def _uploaded(form: Form) -> tuple[str, bytes] | None:
    upload = form.files.get("fichier")
    if upload is not None and upload.filename:
        data = await upload.read(offer_import.MAX_FILE_BYTES + 1)
        if len(data) > offer_import.MAX_FILE_BYTES:
            form.add_error("fichier", "Fichier trop gros : 2 Mo au plus (5 000 lignes).")
            return None
        return upload.filename, data
    pasted = form.raw("lignes")
    if len(pasted) > MAX_PASTED:
        form.add_error("lignes", "Texte trop long : importez plutôt le fichier.")
        return None
    if pasted.strip():
        return "lignes collées", pasted.encode("utf-8")
    form.add_error("fichier", "Choisissez le fichier exporté, ou collez ses lignes ci-dessous.")
    return None


@router.post("", response_class=HTMLResponse)
async def preview(request: Request, ctx: Importer, form: Form = Posted) -> Response:
    """Check every line and show what would be imported; nothing is written yet."""
    found = await _uploaded(form)
    if found is None:
        return _page(request, form, status=422)
    filename, data = found
    try:
        report = offer_import.read_csv(data)
    except DomainError as exc:
        form.add_error("fichier", exc.message)
        return _page(request, form, status=422)
    key = offer_import.keep_pending(ctx.db, ctx.me, filename, data) if report.offers else None
    return _page(
        request,
        form,
        report=report,
        filename=filename,
        key=key,
        shown=report.offers[:SHOWN_OFFERS],
    )


def _key(form: Form) -> str:
    return form.text("cle", max_length=64) or ""


@router.post("/confirmer", response_class=HTMLResponse)
def confirm(request: Request, ctx: Importer, form: Form = Posted) -> Response:
    """Import the valid lines of the previewed file, once."""
    try:
        offer_import.import_pending(ctx.db, ctx.me, _key(form))
    except DomainError as exc:
        ctx.db.rollback()
        return refused_page(request, exc, "Import impossible")
    return RedirectResponse(urls.with_message(urls.OFFERS, "offres-importees"), status_code=303)


@router.post("/annuler", response_class=HTMLResponse)
def cancel(request: Request, ctx: Importer, form: Form = Posted) -> Response:
    """Forget the previewed file; nothing is imported."""
    offer_import.drop_pending(ctx.db, ctx.me, _key(form))
    return RedirectResponse(urls.with_message(urls.OFFER_IMPORT, "import-annule"), status_code=303)
