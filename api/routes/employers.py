"""Employer files (« fiches TPE »): list and search, read with history, create, edit."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from api.deps import Allowed, IfMatch, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.models.employer import (
    EmployerCreate,
    EmployerFilePublic,
    EmployerPublic,
    EmployerUpdate,
)
from api.params import PathId
from api.services import employers

router = APIRouter(prefix="/employers", tags=["employers"])


@router.get(
    "",
    response_model=list[EmployerPublic],
    summary="Lister les employeurs",
    description=(
        "Les fiches employeurs de l'agence, les plus récemment actives d'abord ; avec ?q=, "
        "celles qui ressemblent à ce qui est tapé, sans souci des majuscules, des accents ni "
        "de la forme juridique (« boulangerie martin » trouve « Boulangérie Martin SARL »)."
    ),
)
def list_employers(
    db: SessionDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_EMPLOYERS),
    q: str | None = Query(None, max_length=100, description="Début ou partie d'un nom."),
) -> list[EmployerPublic]:
    """The agency's employer files, or those matching ``q``."""
    return employers.to_public(db, employers.search(db, agency.id, q or ""))


@router.post(
    "",
    response_model=EmployerPublic,
    status_code=201,
    summary="Ouvrir une fiche employeur",
    description=(
        "Ouvre la fiche d'un employeur (CDE et managers) ; un nom qui désigne déjà une fiche "
        "de l'agence est refusé. Une offre publiée au nom d'un employeur sans fiche lui en "
        "ouvre une d'elle-même."
    ),
)
def create_employer(
    data: EmployerCreate, db: SessionDep, actor: Allowed(Action.EDIT_EMPLOYERS)
) -> EmployerPublic:
    """Open an employer file."""
    return employers.to_public(db, [employers.create_employer(db, actor, data)])[0]


@router.get(
    "/{employer_id}",
    response_model=EmployerFilePublic,
    summary="Lire une fiche employeur",
    description=(
        "La fiche et son historique dans l'agence : offres (avec les candidats proposés et "
        "leur suite) et embauches. Son ETag est sa version, à renvoyer dans If-Match."
    ),
)
def read_employer(
    employer_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_EMPLOYERS),
    response: Response,
) -> EmployerFilePublic:
    """One employer file with its history."""
    employer = employers.get_employer(db, agency.id, employer_id)
    response.headers["ETag"] = f'"{employer.version}"'
    return employers.file_public(db, employer)


@router.patch(
    "/{employer_id}",
    response_model=EmployerPublic,
    summary="Modifier une fiche employeur",
    description=(
        "Modifie la fiche (CDE et managers) ; une version périmée reçoit 409 avec la fiche "
        "actuelle ; un nom qui désigne une autre fiche est refusé."
    ),
)
def update_employer(
    employer_id: PathId,
    data: EmployerUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.EDIT_EMPLOYERS),
    if_match: IfMatch,
    response: Response,
) -> EmployerPublic:
    """Edit an employer file."""
    employer = employers.get_employer(db, agency.id, employer_id)
    updated = employers.update_employer(db, actor, employer, data, if_match)
    response.headers["ETag"] = f'"{updated.version}"'
    return employers.to_public(db, [updated])[0]
