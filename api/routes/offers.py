"""Offers: list, create, read, edit, delete, fill, close, candidates."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Response

from api.deps import Allowed, IfMatch, SessionDep, SettingsDep, StaffAgency
from api.domain import urgency
from api.domain.permissions import Action
from api.errors import Invalid
from api.francetravail import prefill
from api.models.criteria import CheckPublic, CheckRequest
from api.models.offer import (
    REPEAT_TAP_MINUTES,
    CandidateCreate,
    CandidateOutcome,
    CandidatePublic,
    FillRequest,
    OfferCreate,
    OfferPublic,
    OfferStatus,
    OfferUpdate,
)
from api.params import PathId, QueryId
from api.services import hard_to_fill, offers

router = APIRouter(prefix="/offers", tags=["offers"])


def _public(db, offer, agency, settings) -> OfferPublic:  # type: ignore[no-untyped-def]
    ctx = offers.OfferContext.for_agency(agency, settings.public_url)
    return offers.to_public(db, [offer], ctx)[0]


@router.get(
    "",
    response_model=list[OfferPublic],
    summary="Lister les offres",
    description=(
        "Les offres de l'agence de l'appelant, les plus urgentes d'abord, puis les plus anciennes."
    ),
)
def list_offers(
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_OFFERS),
    status: OfferStatus | None = "open",
    urgency_level: str | None = Query(None, alias="urgency", max_length=20),
    tag: str | None = Query(None, max_length=40),
    owner: QueryId = None,
    q: str | None = Query(None, max_length=100),
) -> list[OfferPublic]:
    """Offers of the caller's agency, most urgent first, then the oldest."""
    level = None
    if urgency_level is not None:
        level = urgency.level_from_label(urgency_level)
        if level is None:
            raise Invalid(f"urgence inconnue : choisir parmi {', '.join(urgency.LABELS)} ou 0–3")
    ctx = offers.OfferContext.for_agency(agency, settings.public_url)
    return offers.list_offers(
        db, agency.id, ctx, status=status, level=level, tag=tag, owner_id=owner, search=q
    )


@router.post(
    "",
    response_model=OfferPublic,
    status_code=201,
    summary="Créer une offre",
    description="Ouvre une nouvelle offre, dont l'appelant est le CDE en charge.",
)
def create_offer(
    data: OfferCreate,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    actor: Allowed(Action.EDIT_OFFERS),
) -> OfferPublic:
    """Open a new offer owned by the caller."""
    return _public(db, offers.create_offer(db, actor, data), agency, settings)


@router.post(
    "/criteria/check",
    response_model=CheckPublic,
    summary="Test du « mouton à 5 pattes »",
    description=(
        "Dit en français ce qui rend une demande difficile à satisfaire (salaire au SMIC pour "
        "un profil expérimenté, trop d'exigences à la fois, diplôme exigé d'un débutant…), "
        "chaque raison avec les chiffres qu'elle utilise, dont le SMIC en vigueur et sa date. "
        "Rien n'est enregistré ; jamais affiché sur l'écran du couloir."
    ),
)
def check_offer(
    data: CheckRequest, settings: SettingsDep, _: Allowed(Action.EDIT_OFFERS)
) -> CheckPublic:
    """The « mouton à 5 pattes » check on criteria being typed (nothing is saved)."""
    return hard_to_fill.check_criteria(data.criteria, data.contract, settings.smic)


@router.get(
    "/{offer_id}/criteria/check",
    response_model=CheckPublic,
    summary="Test du « mouton à 5 pattes » d'une offre",
    description="Le test sur les exigences enregistrées de l'offre.",
)
def check_saved_offer(
    offer_id: PathId,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_OFFERS),
) -> CheckPublic:
    """The « mouton à 5 pattes » check on an offer's saved criteria."""
    return hard_to_fill.check_offer(offers.get_offer(db, agency.id, offer_id), settings.smic)


@router.post(
    "/francetravail/{numero}/preview",
    response_model=prefill.OfferPrefill,
    summary="Pré-remplir une offre depuis France Travail",
    description=(
        "Lit l'offre de ce numéro chez France Travail et renvoie les champs d'une nouvelle offre, "
        "à vérifier puis envoyer à « Créer une offre » (avec ``ft_offer_id``). Rien n'est "
        "enregistré. 404 : numéro inconnu ou offre retirée ; 503 : liaison non configurée ou "
        "service de France Travail indisponible."
    ),
)
def preview_france_travail_offer(
    settings: SettingsDep,
    _: Allowed(Action.EDIT_OFFERS),
    numero: str = Path(
        min_length=5,
        max_length=20,
        pattern=r"^[0-9A-Za-z]{5,20}$",
        description="Numéro de l'offre chez France Travail (5 à 20 lettres ou chiffres).",
    ),
) -> prefill.OfferPrefill:
    """Fetch a France Travail offer and return a new offer's fields (nothing is saved)."""
    return prefill.preview(settings, numero)


@router.get(
    "/{offer_id}",
    response_model=OfferPublic,
    summary="Lire une offre",
    description="Une offre (son ETag est sa version, à renvoyer dans If-Match).",
)
def read_offer(
    offer_id: PathId,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_OFFERS),
    response: Response,
) -> OfferPublic:
    """One offer (its ETag is its version, for If-Match)."""
    ctx = offers.OfferContext.for_agency(agency, settings.public_url)
    entry = offers.get_entry(db, agency.id, offer_id, ctx)
    response.headers["ETag"] = f'"{entry.offer.version}"'
    return offers.public_entry(entry, ctx)


@router.patch(
    "/{offer_id}",
    response_model=OfferPublic,
    summary="Modifier une offre",
    description=(
        "Modifie certains champs ; une version périmée (« version » ou If-Match) reçoit 409 avec "
        "l'offre actuelle."
    ),
)
def update_offer(
    offer_id: PathId,
    data: OfferUpdate,
    db: SessionDep,
    settings: SettingsDep,
    agency: StaffAgency,
    actor: Allowed(Action.EDIT_OFFERS),
    if_match: IfMatch,
    response: Response,
) -> OfferPublic:
    """Edit some fields; a stale ``version``/If-Match gets 409 with the current offer."""
    ctx = offers.OfferContext.for_agency(agency, settings.public_url)
    entry = offers.get_entry(db, agency.id, offer_id, ctx)  # candidates and owner stay as read
    offer = offers.update_offer(db, actor, entry.offer, data, if_match)
    response.headers["ETag"] = f'"{offer.version}"'
    return offers.public_entry(entry, ctx)


@router.delete(
    "/{offer_id}",
    status_code=204,
    summary="Supprimer une offre",
    description="Supprime une offre (interdit aux CDDE).",
)
def delete_offer(
    offer_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.DELETE_OFFERS),
    if_match: IfMatch,
) -> Response:
    """Delete an offer (not allowed to CDDE)."""
    offers.delete_offer(db, actor, offers.get_offer(db, agency.id, offer_id), if_match)
    return Response(status_code=204)


def _set_status(request_status: str):  # type: ignore[no-untyped-def]
    def handler(
        offer_id: PathId,
        db: SessionDep,
        settings: SettingsDep,
        agency: StaffAgency,
        actor: Allowed(Action.EDIT_OFFERS),
        if_match: IfMatch,
        data: FillRequest | None = None,
    ) -> OfferPublic:
        offer = offers.get_offer(db, agency.id, offer_id)
        expected = if_match if if_match is not None else (data.version if data else None)
        offer = offers.set_status(db, actor, offer, request_status, expected)
        return _public(db, offer, agency, settings)

    return handler


for _verb, _status, _summary, _description in (
    (
        "fill",
        "filled",
        "Marquer un poste pourvu (l'offre l'est quand tous le sont ; chacun compte au défi TPE)",
        "Un poste de plus est pourvu ; l'offre passe à « pourvue » quand tous le sont. Chaque "
        "poste d'une offre TPE compte une fois pour le défi en cours.",
    ),
    (
        "close",
        "closed",
        "Clôturer une offre sans embauche",
        "L'offre passe à « clôturée » : elle quitte l'écran sans compter pour le défi.",
    ),
    (
        "reopen",
        "open",
        "Rouvrir une offre pourvue (un poste redevient libre) ou clôturée",
        "L'offre redevient « en cours » et revient sur l'écran ; pourvue, un de ses postes "
        "redevient libre.",
    ),
):
    router.add_api_route(
        f"/{{offer_id}}/{_verb}",
        _set_status(_status),
        methods=["POST"],
        response_model=OfferPublic,
        summary=_summary,
        description=_description,
        name=f"{_verb}_offer",
    )


@router.get(
    "/{offer_id}/candidates",
    response_model=list[CandidatePublic],
    summary="Lister les candidats proposés",
    description="Les candidats proposés pour l'offre et la suite qui leur a été donnée.",
)
def list_candidates(
    offer_id: PathId, db: SessionDep, agency: StaffAgency, _: Allowed(Action.READ_OFFERS)
) -> list[CandidatePublic]:
    """Candidates proposed for the offer and their outcome."""
    return offers.list_candidates(db, offers.get_offer(db, agency.id, offer_id))


@router.post(
    "/{offer_id}/candidates",
    response_model=CandidatePublic,
    status_code=201,
    summary="Proposer un candidat (« J'ai un candidat »)",
    description=(
        "Signale que vous avez un candidat pour une offre en cours, sans aucune donnée sur la "
        "personne : seulement vous, la date et, si vous le voulez, un mot pour le CDE. "
        f"Un second appui sur la même offre dans les {REPEAT_TAP_MINUTES} minutes renvoie la "
        "première proposition (réponse 200) au lieu d'en créer une seconde : un double appui "
        "ne baisse pas deux fois l'urgence de l'offre. Pour proposer vraiment une autre "
        'personne, envoyez {"another": true} (réponse 201).'
    ),
    responses={
        200: {
            "model": CandidatePublic,
            "description": (
                f"Vous aviez déjà proposé quelqu'un sur cette offre il y a moins de "
                f"{REPEAT_TAP_MINUTES} minutes : cette proposition-là, inchangée."
            ),
        },
        201: {"description": "Proposition enregistrée."},
    },
)
def propose_candidate(
    offer_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.PROPOSE_CANDIDATE),
    response: Response,
    data: CandidateCreate | None = None,
) -> CandidatePublic:
    """ "J'ai un candidat": no personal data about the job seeker is taken."""
    data = data or CandidateCreate()
    offer = offers.get_offer(db, agency.id, offer_id)
    proposal, created = offers.propose_candidate(
        db, actor, offer, note=data.note, another=data.another
    )
    if not created:
        response.status_code = 200
    return next(c for c in offers.list_candidates(db, offer) if c.id == proposal.id)


@router.delete(
    "/{offer_id}/candidates/{candidate_id}",
    status_code=204,
    summary="Retirer sa proposition de candidat",
    description=(
        "La personne qui a proposé un candidat retire sa proposition tant que le CDE n'y a "
        "donné aucune suite : l'offre retrouve l'urgence qu'elle aurait eue sans elle, le "
        "journal en garde la trace. Une fois une suite donnée (entretien, embauche, non "
        "retenu), réponse 409 avec la raison ; pour la proposition d'un ou d'une collègue, 403."
    ),
)
def withdraw_candidate(
    offer_id: PathId,
    candidate_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.PROPOSE_CANDIDATE),
) -> Response:
    """Withdraw one's own proposal until the CDE has acted on it."""
    offer = offers.get_offer(db, agency.id, offer_id)
    offers.withdraw_candidate(db, actor, offers.proposal_on(db, offer, candidate_id))
    return Response(status_code=204)


@router.put(
    "/{offer_id}/candidates/{candidate_id}",
    response_model=CandidatePublic,
    summary="Indiquer la suite donnée à un candidat",
    description="Note ce qu'il est advenu d'un candidat proposé.",
)
def set_candidate_outcome(
    offer_id: PathId,
    candidate_id: PathId,
    data: CandidateOutcome,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.SET_CANDIDATE_OUTCOME),
) -> CandidatePublic:
    """Record what became of a proposed candidate."""
    offer = offers.get_offer(db, agency.id, offer_id)
    proposal = offers.proposal_on(db, offer, candidate_id)
    offers.set_outcome(db, actor, proposal, data.outcome)
    return next(c for c in offers.list_candidates(db, offer) if c.id == proposal.id)
