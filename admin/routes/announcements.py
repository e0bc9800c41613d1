"""Annonces (managers): short messages for the screen over a period; urgent ones take it over."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found
from admin.forms import Form, Posted
from admin.templating import render
from api.clock import aware, utcnow
from api.domain.permissions import Action
from api.errors import DomainError
from api.models.announcement import AnnouncementCreate
from api.params import PathId
from api.services import announcements as service

router = APIRouter(prefix=urls.ANNOUNCEMENTS, include_in_schema=False)
Manager = Allowed(Action.MANAGE_ANNOUNCEMENTS)
LABELS = {"message": "Message", "urgent": "Urgente", "starts_at": "Début", "ends_at": "Fin"}
MAX_MESSAGE = 280


def _local(ctx: Ctx, moment: datetime) -> datetime:
    return aware(moment).astimezone(ZoneInfo(ctx.agency.timezone))


def _parse_local(ctx: Ctx, form: Form, name: str) -> datetime | None:
    text = form.raw(name).strip()
    if not text:
        form.add_error(name, "Indiquez une date et une heure.")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        form.add_error(name, "Date et heure invalides (JJ/MM/AAAA HH:MM).")
        return None
    return moment.replace(tzinfo=ZoneInfo(ctx.agency.timezone)) if moment.tzinfo is None else moment


def _page(request: Request, ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
    now = utcnow()
    rows = service.list_announcements(ctx.db, ctx.agency.id)
    groups = {
        "active": [a for a in rows if service.is_active(a, now)],
        "upcoming": [a for a in rows if a.starts_at > now],
        "past": [a for a in rows if a.ends_at <= now and a.starts_at <= now][:10],
    }
    start = _local(ctx, now).replace(second=0, microsecond=0)
    return render(
        request,
        "pages/announcements.html",
        {
            "title": "Annonces",
            "active_tab": "menu",
            "groups": groups,
            "form": form
            or Form.empty(
                starts_at=start.strftime("%Y-%m-%dT%H:%M"),
                ends_at=(start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            ),
            "labels": LABELS,
            "tz": ctx.agency.timezone,
            "max_message": MAX_MESSAGE,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def page(request: Request, ctx: Manager) -> Response:
    """Announcements on screen now, planned, and past; the form to post one."""
    return _page(request, ctx)


@router.post("", response_class=HTMLResponse)
def create(request: Request, ctx: Manager, form: Form = Posted) -> Response:
    """Post an announcement (an urgent one takes over the screen during its period)."""
    message = form.text("message", required=True, max_length=MAX_MESSAGE)
    starts_at = _parse_local(ctx, form, "starts_at")
    ends_at = _parse_local(ctx, form, "ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        form.add_error("ends_at", "La fin doit venir après le début.")
    if form.ok:
        try:
            service.create_announcement(
                ctx.db,
                ctx.me,
                AnnouncementCreate(
                    message=message,
                    urgent=form.checkbox("urgent"),
                    starts_at=starts_at,
                    ends_at=ends_at,
                ),
            )
        except (ValidationError, DomainError) as exc:
            form.add_error("message", getattr(exc, "message", "Valeurs refusées."))
        else:
            return RedirectResponse(
                urls.with_message(urls.ANNOUNCEMENTS, "annonce-publiee"), status_code=303
            )
    return _page(request, ctx, form, status=422)


@router.post("/{announcement_id}/retirer")
def end(request: Request, announcement_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Take an announcement off the screen now."""
    with page_not_found():
        row = service.get_announcement(ctx.db, ctx.agency.id, announcement_id)
    service.end_announcement(ctx.db, ctx.me, row)
    return RedirectResponse(
        urls.with_message(urls.ANNOUNCEMENTS, "annonce-retiree"), status_code=303
    )
