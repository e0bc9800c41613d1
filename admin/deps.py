"""Dependencies of the staff pages: the database, the logged-in staff member, their agency."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from admin.errors import LoginRequired, PageForbidden
from api.deps import SessionDep, SettingsDep
from api.domain.permissions import Action, can
from api.models import Agency, Staff
from api.security.sessions import COOKIE_NAME, staff_for_token
from api.services.offers import OfferContext
from api.settings import Settings

DbDep = SessionDep


def optional_staff(request: Request, db: DbDep) -> Staff | None:
    """The staff member of the session cookie, or None (pages use cookies, never bearers)."""
    token = request.cookies.get(COOKIE_NAME)
    staff = staff_for_token(db, token) if token else None
    request.state.staff = staff
    return staff


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


# Pure checks are ``async`` so FastAPI runs them inline instead of hopping to a worker thread.
async def page_staff(
    request: Request, staff: Annotated[Staff | None, Depends(optional_staff)]
) -> Staff:
    """The logged-in staff member; otherwise off to the login page, coming back here after."""
    if staff is None:
        # After a POST the user lands back on the page that showed the form.
        target = _here(request) if request.method == "GET" else request.headers.get("referer", "")
        raise LoginRequired(target if target.startswith("/") else _here(request))
    return staff


MaybeStaff = Annotated[Staff | None, Depends(optional_staff)]
PageStaff = Annotated[Staff, Depends(page_staff)]


@dataclass
class Ctx:
    """What most pages need: the database, who is asking, their agency and the settings."""

    db: Session
    me: Staff
    agency: Agency
    settings: Settings

    @property
    def offers(self) -> OfferContext:
        return OfferContext.for_agency(self.agency, self.settings.public_url)

    def allow(self, action: Action) -> None:
        """Refuse with a French 403 page when the role may not ``action`` (forged forms too)."""
        if not can(self.me.role, action):
            raise PageForbidden()

    def may(self, action: Action) -> bool:
        return can(self.me.role, action)


def page_ctx(db: DbDep, me: PageStaff, settings: SettingsDep) -> Ctx:
    """Build the page context for a logged-in staff member."""
    agency = db.get(Agency, me.agency_id)
    assert agency is not None  # staff rows always belong to an agency (foreign key)
    return Ctx(db=db, me=me, agency=agency, settings=settings)


CtxDep = Annotated[Ctx, Depends(page_ctx)]


def require(action: Action):  # type: ignore[no-untyped-def]
    """Dependency: the page context, refused unless the role may ``action``."""

    async def _check(ctx: CtxDep) -> Ctx:
        ctx.allow(action)
        return ctx

    return Depends(_check)
