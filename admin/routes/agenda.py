"""Agenda (every staff member): the next weeks, an event's page with « je viens », the
managers' form (with the recurrence), and one's private calendar address for Outlook."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from admin import urls
from admin.deps import Allowed, Ctx
from admin.errors import page_not_found
from admin.forms import Form, Posted
from admin.templating import render
from api.clock import aware, local_today, utcnow, zone
from api.domain.permissions import Action
from api.errors import DomainError
from api.models.agenda import (
    KIND_LABELS,
    MAX_CAPACITY,
    AgendaEvent,
    AgendaEventCreate,
    AgendaEventUpdate,
)
from api.params import PathId
from api.services import agenda as service
from api.services import staff as staff_service
from api.services import tags as tag_service

router = APIRouter(prefix=urls.AGENDA, include_in_schema=False)
Reader = Allowed(Action.READ_AGENDA)
Attendee = Allowed(Action.ATTEND_EVENTS)
Manager = Allowed(Action.MANAGE_AGENDA)
WEEKS = 8  # how far the list looks ahead
LABELS = {
    "title": "Intitulé",
    "kind": "Genre",
    "day": "Date",
    "starts": "Début",
    "ends": "Fin",
    "place": "Lieu",
    "capacity": "Places",
    "recurrence": "Répétition",
    "repeat_until": "Jusqu'au",
    "host_ids": "Qui anime",
    "tag": "Étiquette",
}
RECURRENCE_CHOICES = [
    ("none", "Une seule fois"),
    ("weekly", "Chaque semaine, le même jour"),
    ("biweekly", "Toutes les deux semaines, le même jour"),
    ("monthly_nth", "Chaque mois, le même rang du jour (« le premier vendredi du mois »)"),
    ("monthly_last", "Chaque mois, le dernier même jour de la semaine"),
]
FIELD_OF = {"starts_at": "starts", "ends_at": "ends"}


def _day(text: str | None, ctx: Ctx) -> date | None:
    """The ``le`` parameter of an event's page (a date), None when absent or unreadable."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _occurrence(ctx: Ctx, event: AgendaEvent, day: date | None) -> service.Occurrence | None:
    """The occurrence of ``day`` (cancelled or not), else the next one, else the first."""
    tz = zone(ctx.agency.timezone)
    if day is not None:
        found = service.occurrence_on(event, tz, day)
        if found is not None or day.isoformat() not in event.cancelled:
            return found
        start = datetime.combine(day, aware(event.starts_at).astimezone(tz).time(), tz)
        return service.Occurrence(event, day, start, start + service._duration(event))
    return service.next_occurrence(event, tz, utcnow())


@router.get("", response_class=HTMLResponse)
def page(request: Request, ctx: Reader) -> Response:
    """The next weeks, day by day, with who comes counted by service."""
    tz = zone(ctx.agency.timezone)
    today = local_today(ctx.agency.timezone)
    start = datetime.combine(today, time.min, tz)
    found = service.agency_occurrences(ctx.db, ctx.agency, start, start + timedelta(weeks=WEEKS))
    shown = service.occurrence_public(ctx.db, ctx.me, found)
    days: dict[date, list[Any]] = {}
    for item in shown:
        days.setdefault(item.occurs_on, []).append(item)
    return render(
        request,
        "pages/agenda.html",
        {
            "title": "Agenda",
            "active_tab": "menu",
            "days": days,
            "today": today,
            "tz": ctx.agency.timezone,
            "weeks": WEEKS,
        },
    )


@router.get("/abonnement", response_class=HTMLResponse)
def feed_page(request: Request, ctx: Reader) -> Response:
    """One's private calendar address: shown to its owner, regenerable, revocable."""
    token = service.feed_token(ctx.db, ctx.me, ctx.settings.secret_key)
    return render(
        request,
        "pages/agenda_feed.html",
        {
            "title": "Mon agenda dans Outlook ou Thunderbird",
            "active_tab": "menu",
            "feed_url": service.feed_url(ctx.settings.public_url, token) if token else None,
            "has_feed": service.feed_of(ctx.db, ctx.me) is not None,
        },
    )


@router.post("/abonnement")
def feed_create(request: Request, ctx: Reader, form: Form = Posted) -> Response:
    """Make (or make again) one's private address; the previous one stops working."""
    service.new_feed(ctx.db, ctx.me, ctx.settings.secret_key)
    return RedirectResponse(
        urls.with_message(f"{urls.AGENDA}/abonnement", "agenda-adresse-creee"), status_code=303
    )


@router.post("/abonnement/revoquer")
def feed_revoke(request: Request, ctx: Reader, form: Form = Posted) -> Response:
    """Stop one's private address."""
    service.revoke_feed(ctx.db, ctx.me)
    return RedirectResponse(
        urls.with_message(f"{urls.AGENDA}/abonnement", "agenda-adresse-revoquee"), status_code=303
    )


def _form_page(
    request: Request,
    ctx: Ctx,
    form: Form,
    event: AgendaEvent | None = None,
    status: int = 200,
) -> Response:
    colleagues = [
        (str(s.id), s.name) for s in staff_service.list_staff(ctx.db, ctx.agency.id) if s.active
    ]
    return render(
        request,
        "pages/agenda_form.html",
        {
            "title": "Modifier le rendez-vous" if event else "Nouveau rendez-vous",
            "active_tab": "menu",
            "form": form,
            "event": event,
            "labels": LABELS,
            "kinds": list(KIND_LABELS.items()),
            "recurrences": RECURRENCE_CHOICES,
            "colleagues": colleagues,
            "max_capacity": MAX_CAPACITY,
            "tag_names": tag_service.suggestion_names(ctx.db, ctx.agency.id),
        },
        status_code=status,
    )


def _initial(ctx: Ctx, event: AgendaEvent | None) -> Form:
    tz = zone(ctx.agency.timezone)
    if event is None:
        day = local_today(ctx.agency.timezone) + timedelta(days=7)
        return Form.empty(
            day=day, starts="09:00", ends="10:30", kind="petit_dej", recurrence="none"
        )
    start = aware(event.starts_at).astimezone(tz)
    end = aware(event.ends_at).astimezone(tz)
    return Form.empty(
        title=event.title,
        kind=event.kind,
        day=start.date(),
        starts=start.strftime("%H:%M"),
        ends=end.strftime("%H:%M"),
        place=event.place,
        capacity=event.capacity,
        recurrence=event.recurrence,
        repeat_until=event.repeat_until,
        host_ids=[str(i) for i in event.host_ids],
        tag=(ref.name if (ref := service.tag_of(ctx.db, event)) else None),
        version=event.version,
    )


def _clock(form: Form, name: str) -> time | None:
    text = form.raw(name).strip()
    if not text:
        form.add_error(name, "Indiquez une heure (HH:MM).")
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        form.add_error(name, "Heure invalide : utilisez le format HH:MM, par exemple 09:30.")
        return None


def _read(ctx: Ctx, form: Form) -> dict[str, Any]:
    """The form's values checked, French errors attached to their fields."""
    tz = zone(ctx.agency.timezone)
    title = form.text("title", required=True)
    kind = form.choice("kind", KIND_LABELS)
    day = form.date("day", required=True)
    starts, ends = _clock(form, "starts"), _clock(form, "ends")
    place = form.text("place")
    tag = form.text("tag", max_length=40)
    capacity = form.integer("capacity", minimum=1, maximum=MAX_CAPACITY, required=False)
    recurrence = form.choice("recurrence", dict(RECURRENCE_CHOICES))
    repeat_until = form.date("repeat_until")
    hosts: list[int] = []
    known = {str(s.id) for s in staff_service.list_staff(ctx.db, ctx.agency.id)}
    for value in form.many("host_ids"):
        if value and value not in known:
            form.add_error("host_ids", "Choisissez des collègues dans la liste.")
        elif value:
            hosts.append(int(value))
    values: dict[str, Any] = {"title": title, "kind": kind, "place": place, "capacity": capacity}
    values["tag"] = tag
    values |= {"recurrence": recurrence, "repeat_until": repeat_until, "host_ids": hosts}
    if day and starts and ends:
        if not service.FIRST_YEAR <= day.year <= service.LAST_YEAR:
            bounds = f"{service.FIRST_YEAR} et {service.LAST_YEAR}"
            form.add_error("day", f"Choisissez une date entre {bounds}.")
        else:
            values["starts_at"] = datetime.combine(day, starts, tz)
            values["ends_at"] = datetime.combine(day, ends, tz)
            if ends <= starts:
                form.add_error("ends", "La fin doit venir après le début.")
    if repeat_until and day and repeat_until < day:
        form.add_error("repeat_until", "La fin des répétitions doit venir après la date.")
    return values


def _refused(form: Form, exc: Exception) -> None:
    if isinstance(exc, DomainError):
        form.add_error(FIELD_OF.get(exc.field or "", exc.field or "title"), exc.message)
    else:
        form.add_error("title", "Valeurs refusées : vérifiez les champs.")


@router.get("/nouveau", response_class=HTMLResponse)
def new_page(request: Request, ctx: Manager) -> Response:
    """The form for a new event."""
    return _form_page(request, ctx, _initial(ctx, None))


@router.post("/nouveau", response_class=HTMLResponse)
def create(request: Request, ctx: Manager, form: Form = Posted) -> Response:
    """Add an event to the agenda."""
    values = _read(ctx, form)
    if form.ok:
        try:
            event = service.create_event(ctx.db, ctx.me, ctx.agency, AgendaEventCreate(**values))
        except (ValidationError, DomainError) as exc:
            _refused(form, exc)
        else:
            return RedirectResponse(
                urls.with_message(service.event_path(event.id or 0), "rendez-vous-cree"),
                status_code=303,
            )
    return _form_page(request, ctx, form, status=422)


@router.get("/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    event_id: PathId,
    ctx: Reader,
    le: str | None = Query(None, max_length=10),
) -> Response:
    """An event (one of its dates): when, where, who comes, « je viens »."""
    with page_not_found():
        event = service.get_event(ctx.db, ctx.agency.id, event_id)
    return _event_view(request, ctx, event, _day(le, ctx))


def _event_view(
    request: Request,
    ctx: Ctx,
    event: AgendaEvent,
    day: date | None,
    error: str | None = None,
) -> Response:
    tz = zone(ctx.agency.timezone)
    found = _occurrence(ctx, event, day)
    shown = service.occurrence_public(ctx.db, ctx.me, [found])[0] if found else None
    now = utcnow()
    upcoming = service.occurrences(event, tz, now, now + timedelta(weeks=26))[:8]
    hosts = [s for s in staff_service.list_staff(ctx.db, ctx.agency.id) if s.id in event.host_ids]
    return render(
        request,
        "pages/agenda_event.html",
        {
            "title": event.title,
            "active_tab": "menu",
            "event": service.to_public(event, tz, service.tag_of(ctx.db, event)),
            "occurrence": shown,
            "cancelled": bool(found and found.occurs_on.isoformat() in event.cancelled),
            "over": bool(found and found.ends_at <= now),
            "upcoming": upcoming,
            "hosts": hosts,
            "tz": ctx.agency.timezone,
            "error": error,
        },
        status_code=422 if error else 200,
    )


def _back(event_id: int, day: date | None, ok: str) -> Response:
    return RedirectResponse(
        urls.with_message(service.event_path(event_id, day), ok), status_code=303
    )


def _posted_day(ctx: Ctx, event: AgendaEvent, form: Form) -> date:
    day = form.date("le")
    with page_not_found():
        return service.resolve_day(ctx.agency, event, day)


@router.post("/{event_id}/je-viens")
def attend(request: Request, event_id: PathId, ctx: Attendee, form: Form = Posted) -> Response:
    """Answer « je viens » (refused in French when full, cancelled or over)."""
    return _answer(request, event_id, ctx, form, service.attend, "je-viens")


@router.post("/{event_id}/je-ne-viens-plus")
def withdraw(request: Request, event_id: PathId, ctx: Attendee, form: Form = Posted) -> Response:
    """Take back one's « je viens »."""
    return _answer(request, event_id, ctx, form, service.withdraw, "je-ne-viens-plus")


def _answer(
    request: Request,
    event_id: int,
    ctx: Ctx,
    form: Form,
    answer: Callable[..., object],
    done: str,
) -> Response:
    """Record (or take back) one's answer to the posted date, or show the refusal."""
    with page_not_found():
        event = service.get_event(ctx.db, ctx.agency.id, event_id)
    day = _posted_day(ctx, event, form)
    try:
        answer(ctx.db, ctx.me, ctx.agency, event, day)
    except DomainError as exc:
        return _event_refusal(request, ctx, event, day, exc.message)
    return _back(event_id, day, done)


def _event_refusal(
    request: Request, ctx: Ctx, event: AgendaEvent, day: date, message: str
) -> Response:
    return _event_view(request, ctx, event, day, error=message)


@router.post("/{event_id}/annulation")
def cancel(request: Request, event_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Cancel one date of the event (or bring it back)."""
    with page_not_found():
        event = service.get_event(ctx.db, ctx.agency.id, event_id)
    day = form.date("le", required=True)
    if day is None:
        return _event_view(request, ctx, event, None, error="Date invalide (AAAA-MM-JJ).")
    cancelled = form.raw("annuler") != "non"
    try:
        service.set_cancelled(ctx.db, ctx.me, ctx.agency, event, day, cancelled)
    except DomainError as exc:
        return _event_refusal(request, ctx, event, day, exc.message)
    return _back(event_id, day, "date-annulee" if cancelled else "date-retablie")


@router.get("/{event_id}/modifier", response_class=HTMLResponse)
def edit_page(request: Request, event_id: PathId, ctx: Manager) -> Response:
    """The form to change an event."""
    with page_not_found():
        event = service.get_event(ctx.db, ctx.agency.id, event_id)
    return _form_page(request, ctx, _initial(ctx, event), event)


@router.post("/{event_id}/modifier", response_class=HTMLResponse)
def edit(request: Request, event_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Save the changes (a colleague's more recent edit is not overwritten)."""
    with page_not_found():
        event = service.get_event(ctx.db, ctx.agency.id, event_id)
    values = _read(ctx, form)
    version = form.integer("version", minimum=1, maximum=2**31 - 1, required=False)
    if form.ok:
        try:
            service.update_event(
                ctx.db, ctx.me, ctx.agency, event, AgendaEventUpdate(**values, version=version)
            )
        except (ValidationError, DomainError) as exc:
            if getattr(exc, "status", 0) == 409:
                form.add_error(
                    "title",
                    "Un collègue a modifié ce rendez-vous entre-temps : rechargez la page "
                    "pour voir sa version.",
                )
            else:
                _refused(form, exc)
        else:
            return _back(event_id, None, "rendez-vous-modifie")
    return _form_page(request, ctx, form, event, status=422)


@router.post("/{event_id}/supprimer")
def delete(request: Request, event_id: PathId, ctx: Manager, form: Form = Posted) -> Response:
    """Remove the event and every one of its dates."""
    with page_not_found():
        event = service.get_event(ctx.db, ctx.agency.id, event_id)
    service.delete_event(ctx.db, ctx.me, event)
    return RedirectResponse(urls.with_message(urls.AGENDA, "rendez-vous-supprime"), status_code=303)
