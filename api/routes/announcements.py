"""Announcements for the corridor screen."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Allowed, CurrentStaff, SessionDep, StaffAgency
from api.domain.permissions import Action
from api.models import Announcement
from api.models.announcement import AnnouncementCreate, AnnouncementPublic
from api.params import PathId
from api.services import announcements
from api.services.common import get_scoped

router = APIRouter(prefix="/announcements", tags=["announcements"])


@router.get(
    "",
    response_model=list[AnnouncementPublic],
    summary="Lister les annonces",
    description="Les annonces de l'agence, les plus récentes d'abord.",
)
def list_announcements(
    db: SessionDep, agency: StaffAgency, _: CurrentStaff, active: bool = False
) -> list[AnnouncementPublic]:
    """The agency's announcements, latest first."""
    rows = announcements.list_announcements(db, agency.id, active_only=active)
    return [announcements.to_public(a) for a in rows]


@router.post(
    "",
    response_model=AnnouncementPublic,
    status_code=201,
    summary="Publier une annonce",
    description="Publie une annonce ; une annonce urgente occupe tout l'écran pendant sa période.",
)
def create_announcement(
    data: AnnouncementCreate, db: SessionDep, actor: Allowed(Action.MANAGE_ANNOUNCEMENTS)
) -> AnnouncementPublic:
    """Post an announcement; an urgent one takes over the screen during its period."""
    return announcements.to_public(announcements.create_announcement(db, actor, data))


@router.post(
    "/{announcement_id}/end",
    response_model=AnnouncementPublic,
    summary="Terminer une annonce",
    description="Retire une annonce de l'écran tout de suite.",
)
def end_announcement(
    announcement_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_ANNOUNCEMENTS),
) -> AnnouncementPublic:
    """Take an announcement off the screen now."""
    row = get_scoped(db, Announcement, announcement_id, agency.id, "Annonce")
    return announcements.to_public(announcements.end_announcement(db, actor, row))
