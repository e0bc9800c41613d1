"""The new-offer form's « Pré-remplir »: the offer fetched from France Travail by its number."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from admin import urls
from admin.deps import Allowed
from admin.forms import Form, Posted
from admin.offer_forms import prefilled_form
from admin.routes.offers import _form_page
from api.domain.permissions import Action
from api.errors import DomainError
from api.francetravail import prefill

router = APIRouter(prefix=urls.OFFERS, include_in_schema=False)
Editor = Allowed(Action.EDIT_OFFERS)


@router.post("/nouvelle/france-travail", response_class=HTMLResponse)
def prefill_page(request: Request, ctx: Editor, form: Form = Posted) -> Response:
    """Fill the new-offer form from France Travail; nothing is saved until « Publier »."""
    number = form.text("ft_offer_id", max_length=20) or ""
    if not number:
        form.add_error("ft_offer_id", "Saisissez le numéro de l'offre chez France Travail.")
    elif not prefill.NUMBER.fullmatch(number):
        form.add_error("ft_offer_id", "De 5 à 20 lettres ou chiffres, sans espace.")
    if not form.ok:
        return _form_page(request, ctx, form, offer=None, status=422)
    try:
        found = prefill.preview(ctx.settings, number)
    except DomainError as exc:
        form.add_error("ft_offer_id", exc.message)
        return _form_page(request, ctx, form, offer=None, status=422)
    return _form_page(request, ctx, prefilled_form(form, found), offer=None)
