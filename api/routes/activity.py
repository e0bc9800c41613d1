"""The agency's activity dashboard and its « chantiers »: collective figures, never a person's."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import Allowed, IfMatch, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.models.activity import ActivityPublic
from api.models.chantier import ChantierCreate, ChantierPublic, ChantierUpdate
from api.params import PathId
from api.services import activity, chantiers

router = APIRouter(tags=["activity"])
CSV_TYPE = "text/csv; charset=utf-8"


def csv_filename(figures: activity.Activity) -> str:
    """The export's file name, « activite-2026-11.csv »."""
    return f"activite-{figures.current.month.key}.csv"


@router.get(
    "/activity",
    response_model=ActivityPublic,
    summary="Lire l'activité de l'agence",
    description=(
        "Les chiffres collectifs du mois en cours et des six précédents (offres ouvertes, "
        "pourvues, retirées, part des TPE, délai médian par urgence, candidats proposés et leur "
        "suite, embauches racontées, défi) et les chantiers ; jamais de chiffre par personne."
    ),
)
def read_activity(
    db: SessionDep, agency: StaffAgency, _: Allowed(Action.READ_ACTIVITY)
) -> ActivityPublic:
    """The agency's collective figures for the running month and the six before."""
    return activity.to_public(activity.summarise(db, agency))


@router.get(
    "/activity/export.csv",
    response_class=Response,
    summary="Exporter l'activité en CSV",
    description=(
        "Les sept mois en CSV pour un tableur (en-têtes en français, séparateur « ; », UTF-8 "
        "avec BOM) : managers."
    ),
    responses={200: {"content": {"text/csv": {}}, "description": "Le fichier CSV."}},
)
def export_activity(
    db: SessionDep, agency: StaffAgency, _: Allowed(Action.EXPORT_ACTIVITY)
) -> Response:
    """The seven months as a CSV file (managers)."""
    figures = activity.summarise(db, agency)
    return Response(
        activity.to_csv(figures),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{csv_filename(figures)}"'},
    )


@router.get(
    "/chantiers",
    response_model=list[ChantierPublic],
    summary="Lister les chantiers",
    description="Les chantiers de l'agence : en cours, puis à venir, puis terminés.",
)
def list_chantiers(
    db: SessionDep, agency: StaffAgency, _: Allowed(Action.READ_ACTIVITY)
) -> list[ChantierPublic]:
    """The agency's chantiers."""
    return [chantiers.to_public(c) for c in chantiers.list_chantiers(db, agency.id)]


@router.post(
    "/chantiers",
    response_model=ChantierPublic,
    status_code=201,
    summary="Ajouter un chantier",
    description="Ajoute un chantier (recrutement collectif, grappe TPE, job dating…) : managers.",
)
def create_chantier(
    data: ChantierCreate, db: SessionDep, actor: Allowed(Action.MANAGE_CHANTIERS)
) -> ChantierPublic:
    """List a chantier (managers)."""
    return chantiers.to_public(chantiers.create_chantier(db, actor, data))


@router.get(
    "/chantiers/{chantier_id}",
    response_model=ChantierPublic,
    summary="Lire un chantier",
    description="Un chantier (son ETag est sa version, à renvoyer dans If-Match).",
)
def read_chantier(
    chantier_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_ACTIVITY),
    response: Response,
) -> ChantierPublic:
    """One chantier."""
    chantier = chantiers.get_chantier(db, agency.id, chantier_id)
    response.headers["ETag"] = f'"{chantier.version}"'
    return chantiers.to_public(chantier)


@router.patch(
    "/chantiers/{chantier_id}",
    response_model=ChantierPublic,
    summary="Modifier un chantier",
    description="Modifie un chantier, son état par exemple (managers) ; version périmée : 409.",
)
def update_chantier(
    chantier_id: PathId,
    data: ChantierUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_CHANTIERS),
    if_match: IfMatch,
) -> ChantierPublic:
    """Edit a chantier (managers)."""
    chantier = chantiers.get_chantier(db, agency.id, chantier_id)
    return chantiers.to_public(chantiers.update_chantier(db, actor, chantier, data, if_match))


@router.delete(
    "/chantiers/{chantier_id}",
    status_code=204,
    summary="Supprimer un chantier",
    description="Retire un chantier de la liste (managers).",
)
def delete_chantier(
    chantier_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_CHANTIERS),
) -> Response:
    """Take a chantier off the list (managers)."""
    chantiers.delete_chantier(db, actor, chantiers.get_chantier(db, agency.id, chantier_id))
    return Response(status_code=204)
