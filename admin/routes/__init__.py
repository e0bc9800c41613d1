"""Every staff page router, aggregated into ``router`` (included by ``admin.install``)."""

from fastapi import APIRouter

from admin.routes import (
    activity,
    agenda,
    announcements,
    assets,
    auth,
    challenge,
    criee,
    employers,
    francetravail,
    hires,
    home,
    journal,
    offer_import,
    offers,
    public,
    questionnaire,
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
    offer_import.router,
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
    activity.router,
    employers.router,
    questionnaire.questions_router,
    questionnaire.router,
    suggestions.router,
):
    router.include_router(_module_router)

__all__ = ["router"]
