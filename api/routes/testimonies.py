"""Testimonies (« témoignages / retours d'expérience ») of the agency's staff."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from api.deps import Allowed, CurrentStaff, IfMatch, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.models.testimony import TestimonyCreate, TestimonyPublic, TestimonyUpdate
from api.params import PathId, QueryId
from api.services import tags, testimonies

router = APIRouter(prefix="/testimonies", tags=["testimonies"])


@router.get(
    "",
    response_model=list[TestimonyPublic],
    summary="Lister les témoignages",
    description=(
        "Les témoignages de l'agence, les plus récents d'abord ; filtres : offre, embauche, "
        "étiquette."
    ),
)
def list_testimonies(
    db: SessionDep,
    agency: StaffAgency,
    _: CurrentStaff,
    offer: QueryId = None,
    hire: QueryId = None,
    tag: str | None = Query(None, max_length=100, description="Nom ou adresse d'une étiquette."),
) -> list[TestimonyPublic]:
    """The agency's testimonies, newest first, optionally filtered."""
    tag_id = None
    if tag is not None:
        found = tags.find(db, agency.id, tag)
        if found is None:
            return []
        tag_id = found.id
    items = testimonies.list_testimonies(db, agency.id, offer_id=offer, hire_id=hire, tag_id=tag_id)
    return testimonies.to_public(db, items)


@router.post(
    "",
    response_model=TestimonyPublic,
    status_code=201,
    summary="Écrire un témoignage",
    description="Écrit un témoignage, jamais avec une donnée personnelle d'un demandeur d'emploi.",
)
def create_testimony(
    data: TestimonyCreate, db: SessionDep, actor: Allowed(Action.WRITE_TESTIMONIES)
) -> TestimonyPublic:
    """Write a testimony."""
    return testimonies.to_public(db, [testimonies.create_testimony(db, actor, data)])[0]


@router.get(
    "/{testimony_id}",
    response_model=TestimonyPublic,
    summary="Lire un témoignage",
    description="Un témoignage (son ETag est sa version, à renvoyer dans If-Match).",
)
def read_testimony(
    testimony_id: PathId, db: SessionDep, agency: StaffAgency, _: CurrentStaff, response: Response
) -> TestimonyPublic:
    """One testimony."""
    testimony = testimonies.get_testimony(db, agency.id, testimony_id)
    response.headers["ETag"] = f'"{testimony.version}"'
    return testimonies.to_public(db, [testimony])[0]


@router.patch(
    "/{testimony_id}",
    response_model=TestimonyPublic,
    summary="Modifier un témoignage",
    description=(
        "Modifie un témoignage : son auteur ou un manager ; une version périmée reçoit 409."
    ),
)
def update_testimony(
    testimony_id: PathId,
    data: TestimonyUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.WRITE_TESTIMONIES),
    if_match: IfMatch,
) -> TestimonyPublic:
    """Edit a testimony (its author or a manager)."""
    testimony = testimonies.get_testimony(db, agency.id, testimony_id)
    updated = testimonies.update_testimony(db, actor, testimony, data, if_match)
    return testimonies.to_public(db, [updated])[0]


@router.delete(
    "/{testimony_id}",
    status_code=204,
    summary="Supprimer un témoignage",
    description="Supprime un témoignage : son auteur ou un manager.",
)
def delete_testimony(
    testimony_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.WRITE_TESTIMONIES),
) -> Response:
    """Delete a testimony (its author or a manager)."""
    testimony = testimonies.get_testimony(db, agency.id, testimony_id)
    testimonies.delete_testimony(db, actor, testimony)
    return Response(status_code=204)
