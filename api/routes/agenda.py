"""The agency's agenda: events, their occurrences, « je viens », and private calendar feeds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlmodel import Session

from api.clock import local_today, zone
from api.deps import Allowed, IfMatch, SessionDep, SettingsDep, StaffAgency
from api.domain.permissions import Action
from api.errors import NotFound
from api.models import Agency, Staff
from api.models.agenda import (
    AgendaEventCreate,
    AgendaEventPublic,
    AgendaEventUpdate,
    AttendanceAnswer,
    CalendarFeedCreated,
    OccurrencePublic,
    OccurrenceStatus,
)
from api.params import PathId
from api.services import agenda, agenda_ics

router = APIRouter(prefix="/agenda", tags=["agenda"])
MAX_DAYS = 366
FEED_TOKEN = r"^[A-Za-z0-9_-]{20,100}$"


@router.get(
    "/events",
    response_model=list[AgendaEventPublic],
    summary="Lister les rendez-vous",
    description=(
        "Les rendez-vous de l'agence (job dating, petit-déj, réunions), avec leur répétition."
    ),
)
def list_events(
    db: SessionDep, agency: StaffAgency, _: Allowed(Action.READ_AGENDA)
) -> list[AgendaEventPublic]:
    """The agency's events, earliest first start first."""
    tz = zone(agency.timezone)
    rows = agenda.list_events(db, agency.id)
    return [agenda.to_public(e, tz, agenda.tag_of(db, e)) for e in rows]


@router.post(
    "/events",
    response_model=AgendaEventPublic,
    status_code=201,
    summary="Créer un rendez-vous",
    description=(
        "Ajoute un rendez-vous à l'agenda ; une heure sans fuseau est lue à l'heure de l'agence."
    ),
)
def create_event(
    data: AgendaEventCreate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_AGENDA),
) -> AgendaEventPublic:
    """Add an event to the agency's agenda."""
    event = agenda.create_event(db, actor, agency, data)
    return agenda.to_public(event, zone(agency.timezone), agenda.tag_of(db, event))


@router.get(
    "/events/{event_id}",
    response_model=AgendaEventPublic,
    summary="Lire un rendez-vous",
    description="Un rendez-vous de l'agence.",
)
def get_event(
    event_id: PathId, db: SessionDep, agency: StaffAgency, _: Allowed(Action.READ_AGENDA)
) -> AgendaEventPublic:
    """One event."""
    event = agenda.get_event(db, agency.id, event_id)
    return agenda.to_public(event, zone(agency.timezone), agenda.tag_of(db, event))


@router.patch(
    "/events/{event_id}",
    response_model=AgendaEventPublic,
    summary="Modifier un rendez-vous",
    description="Modifie un rendez-vous ; une version périmée (version ou If-Match) reçoit 409.",
)
def update_event(
    event_id: PathId,
    data: AgendaEventUpdate,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_AGENDA),
    if_match: IfMatch,
) -> AgendaEventPublic:
    """Edit an event."""
    event = agenda.get_event(db, agency.id, event_id)
    if data.version is None and if_match is not None:
        data.version = if_match
    event = agenda.update_event(db, actor, agency, event, data)
    return agenda.to_public(event, zone(agency.timezone), agenda.tag_of(db, event))


@router.delete(
    "/events/{event_id}",
    status_code=204,
    summary="Supprimer un rendez-vous",
    description="Supprime un rendez-vous, toutes ses dates et les réponses.",
)
def delete_event(
    event_id: PathId, db: SessionDep, agency: StaffAgency, actor: Allowed(Action.MANAGE_AGENDA)
) -> Response:
    """Remove an event."""
    agenda.delete_event(db, actor, agenda.get_event(db, agency.id, event_id))
    return Response(status_code=204)


@router.post(
    "/events/{event_id}/cancellation",
    response_model=AgendaEventPublic,
    summary="Annuler une date (ou la rétablir)",
    description=(
        "Annule une fois d'un rendez-vous qui se répète (une exception à la règle), ou la rétablit."
    ),
)
def set_cancelled(
    event_id: PathId,
    data: OccurrenceStatus,
    db: SessionDep,
    agency: StaffAgency,
    actor: Allowed(Action.MANAGE_AGENDA),
) -> AgendaEventPublic:
    """Cancel one occurrence, or bring it back."""
    event = agenda.get_event(db, agency.id, event_id)
    event = agenda.set_cancelled(db, actor, agency, event, data.occurs_on, data.cancelled)
    return agenda.to_public(event, zone(agency.timezone), agenda.tag_of(db, event))


@router.get(
    "/occurrences",
    response_model=list[OccurrencePublic],
    summary="Dates à venir",
    description=(
        "Chaque fois qu'un rendez-vous a lieu entre ``start`` (AAAA-MM-JJ, aujourd'hui par "
        f"défaut) et ``days`` jours plus tard (14 par défaut, {MAX_DAYS} au plus), avec qui vient."
    ),
)
def list_occurrences(
    db: SessionDep,
    agency: StaffAgency,
    me: Allowed(Action.READ_AGENDA),
    start: Annotated[date | None, Query(description="Premier jour (AAAA-MM-JJ).")] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="Nombre de jours.")] = 14,
) -> list[OccurrencePublic]:
    """Occurrences in a range of days, with their counts by service and attendees."""
    tz = zone(agency.timezone)
    first = start or local_today(agency.timezone)
    if not agenda.FIRST_YEAR <= first.year <= agenda.LAST_YEAR:
        raise NotFound(f"Choisissez un jour entre {agenda.FIRST_YEAR} et {agenda.LAST_YEAR}.")
    begin = datetime.combine(first, time.min, tz)
    found = agenda.agency_occurrences(db, agency, begin, begin + timedelta(days=days))
    return agenda.occurrence_public(db, me, found)


def _answer(db: Session, me: Staff, agency: Agency, event_id: int, day: date) -> OccurrencePublic:
    event = agenda.get_event(db, agency.id, event_id)
    found = agenda.occurrence_on(
        event, zone(agency.timezone), agenda.resolve_day(agency, event, day)
    )
    assert found is not None
    return agenda.occurrence_public(db, me, [found])[0]


@router.post(
    "/events/{event_id}/attendance",
    response_model=OccurrencePublic,
    summary="Je viens",
    description=(
        "Répond « je viens » à une date (la prochaine par défaut) ; refusé quand c'est complet."
    ),
)
def attend(
    event_id: PathId,
    data: AttendanceAnswer,
    db: SessionDep,
    agency: StaffAgency,
    me: Allowed(Action.ATTEND_EVENTS),
) -> OccurrencePublic:
    """Answer « je viens »."""
    event = agenda.get_event(db, agency.id, event_id)
    day = agenda.resolve_day(agency, event, data.occurs_on)
    agenda.attend(db, me, agency, event, day)
    return _answer(db, me, agency, event_id, day)


@router.delete(
    "/events/{event_id}/attendance",
    response_model=OccurrencePublic,
    summary="Je ne viens plus",
    description="Retire sa réponse « je viens » à une date (la prochaine par défaut).",
)
def withdraw(
    event_id: PathId,
    db: SessionDep,
    agency: StaffAgency,
    me: Allowed(Action.ATTEND_EVENTS),
    occurs_on: Annotated[date | None, Query(description="Date (AAAA-MM-JJ).")] = None,
) -> OccurrencePublic:
    """Take back one's « je viens »."""
    event = agenda.get_event(db, agency.id, event_id)
    day = agenda.resolve_day(agency, event, occurs_on)
    agenda.withdraw(db, me, agency, event, day)
    return _answer(db, me, agency, event_id, day)


@router.post(
    "/feed",
    response_model=CalendarFeedCreated,
    status_code=201,
    summary="Son adresse d'agenda privée",
    description=(
        "L'adresse iCalendar privée de la personne connectée, à ajouter dans Outlook ou "
        "Thunderbird, créée si elle n'existe pas (redemander donne la même). Pour en changer : "
        "la révoquer (DELETE), puis en demander une nouvelle."
    ),
)
def new_feed(
    db: SessionDep, settings: SettingsDep, me: Allowed(Action.READ_AGENDA)
) -> CalendarFeedCreated:
    """One's private calendar feed, made when there is none."""
    token = agenda.ensure_feed(db, me, settings.secret_key)
    return CalendarFeedCreated(url=agenda.feed_url(settings.public_url, token))


@router.delete(
    "/feed",
    status_code=204,
    summary="Révoquer son adresse d'agenda privée",
    description="L'adresse iCalendar privée de la personne connectée cesse de marcher.",
)
def revoke_feed(db: SessionDep, me: Allowed(Action.READ_AGENDA)) -> Response:
    """Stop one's private calendar feed."""
    agenda.revoke_feed(db, me)
    return Response(status_code=204)


@router.get(
    "/feed/{token}.ics",
    response_class=Response,
    summary="Agenda privé (iCalendar)",
    description=(
        "L'agenda de l'agence au format iCalendar, en lecture seule ; le jeton secret de "
        "l'adresse tient lieu de connexion."
    ),
    responses={200: {"content": {"text/calendar": {}}}},
)
def feed(
    token: Annotated[str, Path(pattern=FEED_TOKEN, description="Jeton secret de l'adresse.")],
    db: SessionDep,
    settings: SettingsDep,
) -> Response:
    """A staff member's calendar feed (the token is the credential)."""
    me = agenda.staff_for_feed(db, token)
    if me is None:
        raise NotFound("Adresse d'agenda inconnue ou révoquée.")
    agency, events, mine = agenda.feed_events(db, me)
    names = agenda.feed_tag_names(db, events)
    body = agenda_ics.calendar(
        agency, events, mine, public_url=settings.public_url, tag_names=names
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": 'inline; filename="agenda.ics"',
        },
    )
