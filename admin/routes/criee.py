"""« La criée »: the week's issue on the phone, printable on A4, archived by ISO week."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import PageNotFound
from admin.templating import render
from api.domain.permissions import Action
from api.models.agenda import KIND_LABELS
from api.services import criee, criee_mailing, hires

router = APIRouter(prefix=urls.CRIEE, include_in_schema=False)
Reader = Allowed(Action.READ_CRIEE)
NO_SUCH_WEEK = "Cette semaine n'existe pas : l'adresse attend une semaine comme 2026-W48."
# Side of the photos inlined in the page (data: URLs, kept when printed or saved).
PHOTO_PX = 480


def week_page(week: criee.Week) -> str:
    """The address of one week's issue.

    >>> week_page(criee.Week(2026, 3))
    '/admin/criee/2026-W03'
    """
    return f"{urls.CRIEE}/{week.key}"


def _issue_page(request: Request, ctx: Ctx, week: criee.Week) -> Response:
    issue = criee.compose(ctx.db, ctx.agency, week, public_url=ctx.settings.public_url)
    thumbnails = criee.issue_photos(ctx.db, issue, PHOTO_PX)
    photos = {hire_id: hires.data_url(jpeg) for hire_id, jpeg in thumbnails.items()}
    current = criee.current_week(ctx.agency)
    return render(
        request,
        "pages/criee.html",
        {
            "title": f"La criée, {week.label()}",
            "active_tab": "menu",
            "issue": issue,
            "photos": photos,
            "tz": ctx.agency.timezone,
            "kind_labels": KIND_LABELS,
            "previous": week_page(week.previous()),
            "next": week_page(week.next()) if week.next().monday <= current.monday else None,
            "is_current": week == current,
            "current": urls.CRIEE,
            "mailing": criee_mailing.last_mailing(ctx.db, ctx.agency.id, week),  # type: ignore[arg-type]
        },
    )


@router.get("", response_class=HTMLResponse)
def this_week(request: Request, ctx: Reader) -> Response:
    """The running week's issue."""
    return _issue_page(request, ctx, criee.current_week(ctx.agency))


@router.get("/{semaine}", response_class=HTMLResponse)
def archived(
    request: Request,
    ctx: Reader,
    semaine: Annotated[str, Path(description="Semaine ISO, comme 2026-W48.")],
) -> Response:
    """One week's issue, by its ISO week (« 2026-W48 »)."""
    week = criee.parse_week(semaine)
    if week is None:
        raise PageNotFound(NO_SUCH_WEEK)
    return _issue_page(request, ctx, week)
