"""Every staff page router, aggregated into ``router`` (included by ``admin.install``)."""

from fastapi import APIRouter

from admin.routes import (
    agenda,
    announcements,
    assets,
    auth,
    challenge,
    criee,
    francetravail,
    hires,
    home,
    journal,
    offers,
    public,
    screens,
    suggestions,
    tags,
    team,
    testimonies,
)

router = APIRouter(include_in_schema=False)
for _module_router in (
    assets.router,
    auth.router,
    francetravail.router,
    offers.router,
    offers.candidates_router,
    public.router,
    home.router,
    hires.router,
    challenge.router,
    announcements.router,
    agenda.router,
    screens.router,
    team.router,
    journal.router,
    tags.router,
    testimonies.router,
    criee.router,
    suggestions.router,
):
    router.include_router(_module_router)

__all__ = ["router"]
