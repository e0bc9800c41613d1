"""Staff accounts (managers) and the journal."""

from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import Allowed, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.models.audit import AuditEventPublic
from api.models.staff import StaffCreate, StaffPublic, StaffUpdate
from api.params import Offset, PathId, QueryId
from api.services import audit
from api.services import staff as staff_service

router = APIRouter(tags=["staff"])


@router.get(
    "/staff",
    response_model=list[StaffPublic],
    summary="Lister les collègues",
    description=(
        "Les collègues de l'agence (pour créditer une embauche, filtrer les offres par CDE)."
    ),
)
def list_staff(
    db: SessionDep, agency: StaffAgency, _: Allowed(Action.READ_OFFERS)
) -> list[StaffPublic]:
    """The agency's colleagues (to credit a hire, filter offers by owner)."""
    return [StaffPublic(**s.model_dump()) for s in staff_service.list_staff(db, agency.id)]


@router.post(
    "/staff",
    response_model=StaffPublic,
    status_code=201,
    summary="Créer un compte",
    description="Crée un compte dans l'agence du manager.",
)
def create_staff(
    data: StaffCreate, db: SessionDep, actor: Allowed(Action.MANAGE_STAFF)
) -> StaffPublic:
    """Create an account in the manager's agency."""
    return StaffPublic(**staff_service.create_staff(db, actor, actor.agency_id, data).model_dump())


@router.patch(
    "/staff/{staff_id}",
    response_model=StaffPublic,
    summary="Modifier un compte",
    description=(
        "Renomme, change le rôle, désactive (ce qui ferme ses sessions) ou réinitialise le mot de"
        " passe."
    ),
)
def update_staff(
    staff_id: PathId,
    data: StaffUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_STAFF),
) -> StaffPublic:
    """Rename, change role, deactivate (ends their sessions) or reset a password."""
    person = staff_service.get_staff(db, agency.id, staff_id)
    return StaffPublic(**staff_service.update_staff(db, actor, person, data).model_dump())


@router.get(
    "/audit",
    response_model=list[AuditEventPublic],
    summary="Lire le journal des modifications",
    description="Le journal de l'agence, les modifications les plus récentes d'abord.",
)
def journal(
    db: SessionDep,
    agency: StaffAgency,
    _: Allowed(Action.READ_AUDIT),
    entity: str | None = Query(None, max_length=40, pattern=r"^[a-z_]+$"),
    actor: QueryId = None,
    limit: int = Query(100, ge=1, le=500),
    offset: Offset = 0,
) -> list[AuditEventPublic]:
    """The agency's journal, newest first."""
    rows = audit.list_events(
        db, agency.id, entity=entity, actor_id=actor, limit=limit, offset=offset
    )
    return [AuditEventPublic(**e.model_dump()) for e in rows]
