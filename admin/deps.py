"""Dependencies of the staff pages: the database, the logged-in staff member, their agency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from admin.errors import LoginRequired, PageForbidden
from api.deps import SessionDep, SettingsDep
from api.domain.permissions import DENIED_MESSAGE, Action, can
from api.models import Agency, Staff
from api.security.sessions import COOKIE_NAME, staff_and_agency_for_token
from api.services.offers import OfferContext, unseen_proposals_count
from api.settings import Settings

DbDep = SessionDep


def optional_staff(request: Request, db: DbDep) -> Staff | None:
    """The staff member of the session cookie, or None (pages use cookies, never bearers)."""
    token = request.cookies.get(COOKIE_NAME)
    found = staff_and_agency_for_token(db, token) if token else None
    staff, request.state.agency = found or (None, None)
    request.state.staff = staff
    if staff is not None:
        refresh_badges(request, db, staff)
    return staff


def refresh_badges(request: Request, db: Session, staff: Staff) -> None:
    """Count what the tab bar flags for ``staff`` (new candidates on their offers).

    Pages that show those candidates mark them seen, then call this again before rendering.
    """
    request.state.new_proposals = unseen_proposals_count(db, staff)


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


async def page_ctx(request: Request, db: DbDep, me: PageStaff, settings: SettingsDep) -> Ctx:
    """Build the page context for a logged-in staff member (agency read with the session)."""
    return Ctx(db=db, me=me, agency=request.state.agency, settings=settings)


CtxDep = Annotated[Ctx, Depends(page_ctx)]


def require(action: Action) -> Callable[[Ctx], Awaitable[Ctx]]:
    """A dependency letting through only roles the one table allows to ``action``.

    The staff pages' twin of ``api.deps.require``: same table (``api.domain.permissions``),
    same check, but a refusal is the French 403 page rather than JSON.
    """

    async def check(ctx: CtxDep) -> Ctx:
        if not can(ctx.me.role, action):
            raise PageForbidden(DENIED_MESSAGE)
        return ctx

    check.__name__ = f"require_{action.value}"
    return check


def Allowed(action: Action) -> type[Ctx]:
    """``ctx: Allowed(Action.EDIT_OFFERS)`` in a page route's signature, as in the API."""
    return Annotated[Ctx, Depends(require(action))]  # type: ignore[return-value]
