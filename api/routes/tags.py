"""Tags of the agency: suggestions, what each one crosses, a manager's rename and merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.deps import Allowed, CurrentStaff, IfMatch, SessionDep, SettingsDep, StaffAgency
from api.domain.permissions import Action
from api.errors import Invalid
from api.models.tag import TagMerge, TagPublic, TagUpdate
from api.models.testimony import TagCrossingPublic
from api.services import hires, offers, tags, testimonies

router = APIRouter(prefix="/tags", tags=["tags"])

Slug = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="Adresse de l'étiquette (son nom sans accents ni majuscules : antiplome).",
    ),
]


@router.get(
    "",
    response_model=list[TagPublic],
    summary="Lister les étiquettes",
    description=(
        "Les étiquettes de l'agence ; avec ?q=, les suggestions pour ce qui est tapé, sans souci "
        "des majuscules ni des accents (« antiplome » trouve « antiplôme »)."
    ),
)
def list_tags(
    db: SessionDep,
    agency: StaffAgency,
    _: CurrentStaff,
    q: str | None = Query(None, max_length=100, description="Début ou partie d'un nom."),
) -> list[TagPublic]:
    """The agency's tags, or suggestions for ``q``."""
    found = tags.suggest(db, agency.id, q) if q is not None else tags.agency_tags(db, agency.id)
    return tags.to_public(db, found)


@router.get(
    "/{slug}",
    response_model=TagCrossingPublic,
    summary="Lire une étiquette",
    description="L'étiquette et ce qu'elle croise : offres en cours, embauches, témoignages.",
)
def read_tag(
    slug: Slug, db: SessionDep, settings: SettingsDep, agency: StaffAgency, _: CurrentStaff
) -> TagCrossingPublic:
    """A tag with the open offers, hire stories and testimonies under it."""
    tag = tags.get_by_slug(db, agency.id, slug)
    ctx = offers.OfferContext.for_agency(agency, settings.public_url)
    crossing = tags.crossing(db, tag, ctx)
    return TagCrossingPublic(
        tag=tags.to_public(db, [tag])[0],
        offers=offers.to_public(db, [e.offer for e in crossing.offers], ctx),
        hires=hires.to_public(db, crossing.hires),
        testimonies=testimonies.to_public(db, crossing.testimonies),
    )


@router.patch(
    "/{slug}",
    response_model=TagPublic,
    summary="Renommer une étiquette",
    description=(
        "Renomme une étiquette ou change sa description (managers) ; un nom déjà pris par une "
        "autre étiquette est refusé (fusionnez-les) ; une version périmée reçoit 409."
    ),
)
def update_tag(
    slug: Slug,
    data: TagUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_TAGS),
    if_match: IfMatch,
    response: Response,
) -> TagPublic:
    """Rename a tag or describe it (managers)."""
    tag = tags.update_tag(db, actor, tags.get_by_slug(db, agency.id, slug), data, if_match)
    response.headers["ETag"] = f'"{tag.version}"'
    return tags.to_public(db, [tag])[0]


@router.post(
    "/{slug}/merge",
    response_model=TagPublic,
    summary="Fusionner une étiquette",
    description=(
        "Fusionne l'étiquette dans une autre (managers) : offres, embauches et témoignages "
        "passent sous celle qui reste, celle-ci disparaît."
    ),
)
def merge_tag(
    slug: Slug,
    data: TagMerge,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_TAGS),
) -> TagPublic:
    """Merge a tag into another one (managers)."""
    source = tags.get_by_slug(db, agency.id, slug)
    into = tags.find(db, agency.id, data.into)
    if into is None:
        raise Invalid("Étiquette introuvable dans cette agence.", field="into")
    return tags.to_public(db, [tags.merge(db, actor, source, into)])[0]
