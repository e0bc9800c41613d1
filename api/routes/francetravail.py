"""France Travail suggestions « À importer »: list, import as an offer, dismiss."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import Allowed, SessionDep, SettingsDep, StaffAgency
from api.domain.permissions import Action
from api.models.francetravail import FranceTravailSuggestion, SuggestionPublic
from api.models.offer import OfferPublic
from api.params import PathId
from api.services import francetravail_suggestions as suggestions
from api.services import offers

router = APIRouter(prefix="/offers/francetravail/suggestions", tags=["offers"])


def _public(suggestion: FranceTravailSuggestion) -> SuggestionPublic:
    return SuggestionPublic(
        id=suggestion.id or 0,
        ft_offer_id=suggestion.ft_offer_id,
        lacks_candidates=suggestion.lacks_candidates,
        found_at=suggestion.found_at,
        fields=dict(suggestion.prefill),
    )


@router.get(
    "",
    response_model=list[SuggestionPublic],
    summary="Lister les offres à importer",
    description=(
        "Les offres de TPE trouvées chez France Travail dans les communes de l'agence, encore à "
        "importer ou écarter, celles qui manquent de candidats d'abord."
    ),
)
def list_suggestions(
    db: SessionDep, agency: StaffAgency, _: Allowed(Action.EDIT_OFFERS)
) -> list[SuggestionPublic]:
    """The agency's suggestions still to decide."""
    return [_public(s) for s in suggestions.pending(db, agency.id)]


@router.post(
    "/{suggestion_id}/import",
    response_model=OfferPublic,
    status_code=201,
    summary="Importer une offre suggérée",
    description=(
        "Crée l'offre, liée à France Travail, dont l'appelant est le CDE en charge. 409 si elle "
        "a déjà été importée ou écartée."
    ),
)
def import_suggestion(
    suggestion_id: PathId,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    actor: Allowed(Action.EDIT_OFFERS),
) -> OfferPublic:
    """Import the suggested offer as an offer of the caller."""
    offer = suggestions.accept(db, actor, suggestions.get_suggestion(db, agency.id, suggestion_id))
    ctx = offers.OfferContext.for_agency(agency, settings.public_url)
    return offers.to_public(db, [offer], ctx)[0]


@router.post(
    "/{suggestion_id}/dismiss",
    status_code=204,
    summary="Écarter une offre suggérée",
    description="Elle ne sera plus suggérée. 409 si elle a déjà été importée ou écartée.",
)
def dismiss_suggestion(
    suggestion_id: PathId, db: SessionDep, agency: StaffAgency, actor: Allowed(Action.EDIT_OFFERS)
) -> Response:
    """Set the suggested offer aside for good."""
    suggestions.dismiss(db, actor, suggestions.get_suggestion(db, agency.id, suggestion_id))
    return Response(status_code=204)
