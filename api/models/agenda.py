"""Agenda: the agency's moments where both services meet, who comes, and private calendar feeds.

An event is stored once with its first start and end in UTC; a recurring one (« le premier
vendredi du mois ») repeats by a rule computed in the agency's time zone (``api.services.agenda``),
less the dates cancelled. Each staff member's « je viens » is kept per occurrence, with the
service it counts for, so a job dating shows whether both sides come.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from api.clock import utcnow
from api.models.fields import Day, DbId, Flag, Moment, ShortText, count_between, json_column
from api.models.fields import Tag as TagText
from api.models.tag import TagRef
from api.models.versioned import Versioned

EventKind = Literal["job_dating", "petit_dej", "reunion", "autre"]
KIND_LABELS: dict[str, str] = {
    "job_dating": "Job dating CDE × CDDE",
    "petit_dej": "Petit-déj d'échange de pratiques",
    "reunion": "Réunion thématique",
    "autre": "Autre",
}
Recurrence = Literal["none", "weekly", "biweekly", "monthly_nth", "monthly_last"]
RECURRENCES: tuple[str, ...] = ("none", "weekly", "biweekly", "monthly_nth", "monthly_last")
MAX_CAPACITY = 1000
MAX_HOSTS = 20
MAX_CANCELLED = 200
Capacity = count_between(1, MAX_CAPACITY)

_KIND_HELP = (
    "Genre : job_dating (job dating CDE × CDDE), petit_dej (petit-déj d'échange de pratiques), "
    "reunion (réunion thématique) ou autre."
)
_RECURRENCE_HELP = (
    "Répétition : none (une seule fois), weekly (chaque semaine), biweekly (toutes les deux "
    "semaines), monthly_nth (chaque mois, le même rang du même jour : « le premier vendredi du "
    "mois »), monthly_last (chaque mois, le dernier même jour de la semaine) ; calculée à "
    "l'heure de l'agence."
)
_VERSION_HELP = (
    "Numéro de version, augmenté à chaque modification ; à renvoyer pour éviter "
    "d'écraser la modification d'un collègue (sinon 409)."
)


class AgendaEvent(Versioned, SQLModel, table=True):
    __tablename__ = "agendaevent"

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    title: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    starts_at: datetime  # the first occurrence, UTC
    ends_at: datetime
    place: str = Field(default="", max_length=200)
    capacity: int | None = None
    recurrence: str = Field(default="none", max_length=16)
    repeat_until: date | None = None  # last local date an occurrence may fall on
    cancelled: list[str] = json_column([])  # local dates (AAAA-MM-JJ) of cancelled occurrences
    host_ids: list[int] = json_column([])
    # A thematic meeting's tag (its page crosses offers, stories and testimonies under it).
    tag_id: int | None = Field(default=None, foreign_key="tag.id", ondelete="SET NULL")
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class AgendaAttendance(SQLModel, table=True):
    """One staff member's « je viens » to one occurrence (its local date)."""

    __tablename__ = "agendaattendance"
    __table_args__ = (UniqueConstraint("event_id", "staff_id", "occurs_on"),)

    id: int | None = Field(default=None, primary_key=True)
    # The event's agency, kept here too: an answer moves the agency's revision (the screen's
    # counts) like any other row of the agency.
    agency_id: int = Field(foreign_key="agency.id", index=True)
    event_id: int = Field(foreign_key="agendaevent.id", index=True, ondelete="CASCADE")
    staff_id: int = Field(foreign_key="staff.id", index=True, ondelete="CASCADE")
    occurs_on: date
    service: str = Field(max_length=8)  # cde or cdde, as counted when the answer was given
    created_at: datetime = Field(default_factory=utcnow)


class CalendarFeed(SQLModel, table=True):
    """A staff member's private calendar address.

    The token is an HMAC of ``nonce`` under the server's secret key: the database alone holds
    neither the token nor what makes it (its owner's page computes it again to show the
    address), and looks a request up by the token's hash.
    """

    __tablename__ = "calendarfeed"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", unique=True, ondelete="CASCADE")
    nonce: str = Field(max_length=64)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


_TAG_HELP = (
    "Étiquette d'une réunion thématique (« #antiplôme »), reconnue sans souci des accents ni "
    "des majuscules, créée si nouvelle ; sa page réunit offres, embauches et témoignages."
)


class AgendaEventBase(SQLModel):
    title: ShortText = Field(description="Intitulé du rendez-vous, 1 à 200 caractères.")
    kind: EventKind = Field(description=_KIND_HELP)
    starts_at: Moment = Field(
        description=(
            "Début (de la première fois si le rendez-vous se répète), date et heure ISO 8601 "
            "avec fuseau ; sans fuseau, lue à l'heure de l'agence."
        )
    )
    ends_at: Moment = Field(description="Fin, après le début et le même jour (ISO 8601).")
    place: ShortText | None = Field(None, description="Lieu (salle, étage), 200 caractères.")
    capacity: Capacity | None = Field(  # type: ignore[valid-type]
        None, description=f"Nombre de places, de 1 à {MAX_CAPACITY} ; vide : sans limite."
    )
    recurrence: Recurrence = Field("none", description=_RECURRENCE_HELP)
    repeat_until: Day | None = Field(
        None, description="Dernier jour possible d'une répétition (AAAA-MM-JJ) ; vide : sans fin."
    )
    host_ids: list[DbId] = Field(  # type: ignore[valid-type]
        [],
        max_length=MAX_HOSTS,
        description=f"Identifiants des collègues qui animent, {MAX_HOSTS} au plus.",
    )
    tag: TagText | None = Field(None, description=_TAG_HELP)


def _in_order(starts_at: datetime | None, ends_at: datetime | None) -> None:
    # Naive times are read in the agency's zone by the service, which checks them again then.
    if starts_at is None or ends_at is None:
        return
    if (starts_at.tzinfo is None) != (ends_at.tzinfo is None):
        return
    try:
        if ends_at <= starts_at:
            raise ValueError("la fin doit être après le début")
    except OverflowError:
        raise ValueError("date hors des limites du calendrier") from None


class AgendaEventCreate(AgendaEventBase):
    @model_validator(mode="after")
    def _period_in_order(self) -> AgendaEventCreate:
        _in_order(self.starts_at, self.ends_at)
        return self


class AgendaEventUpdate(SQLModel):
    """Every field optional; ``version`` guards against overwriting a colleague's edit."""

    title: ShortText | None = Field(None, description="Intitulé du rendez-vous.")
    kind: EventKind | None = Field(None, description=_KIND_HELP)
    starts_at: Moment | None = Field(None, description="Début (ISO 8601).")
    ends_at: Moment | None = Field(None, description="Fin (ISO 8601).")
    place: ShortText | None = Field(None, description="Lieu (salle, étage).")
    capacity: Capacity | None = Field(  # type: ignore[valid-type]
        None, description=f"Nombre de places, de 1 à {MAX_CAPACITY} ; null : sans limite."
    )
    recurrence: Recurrence | None = Field(None, description=_RECURRENCE_HELP)
    repeat_until: Day | None = Field(None, description="Dernier jour possible d'une répétition.")
    host_ids: list[DbId] | None = Field(  # type: ignore[valid-type]
        None, max_length=MAX_HOSTS, description="Identifiants des collègues qui animent."
    )
    tag: TagText | None = Field(None, description=_TAG_HELP + " null : plus d'étiquette.")
    version: count_between(1, 2**31 - 1) | None = Field(  # type: ignore[valid-type]
        None, description=_VERSION_HELP
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> AgendaEventUpdate:
        _in_order(self.starts_at, self.ends_at)
        return self


class OccurrenceStatus(SQLModel):
    occurs_on: Day = Field(description="Date de la fois concernée (AAAA-MM-JJ, heure de l'agence).")
    cancelled: Flag = Field(description="true : cette fois est annulée ; false : elle a lieu.")


class AttendanceAnswer(SQLModel):
    occurs_on: Day | None = Field(
        None, description="Date de la fois concernée (AAAA-MM-JJ) ; vide : la prochaine."
    )


class ServiceCounts(SQLModel):
    cde: int = Field(description="Collègues du côté entreprises (CDE, managers) qui viennent.")
    cdde: int = Field(description="Collègues du côté demandeurs d'emploi (CDDE) qui viennent.")


class Attendee(SQLModel):
    id: int = Field(description="Identifiant du compte.")
    name: str = Field(description="Nom de la personne (visible des seuls collègues).")
    service: str = Field(description="Service compté : cde ou cdde.")


class OccurrencePublic(SQLModel):
    event_id: int = Field(description="Identifiant du rendez-vous.")
    title: str = Field(description="Intitulé du rendez-vous.")
    kind: str = Field(description=_KIND_HELP)
    kind_label: str = Field(description="Genre en mots.")
    occurs_on: date = Field(description="Date de cette fois (AAAA-MM-JJ, heure de l'agence).")
    starts_at: datetime = Field(description="Début de cette fois (ISO 8601, avec fuseau).")
    ends_at: datetime = Field(description="Fin de cette fois (ISO 8601, avec fuseau).")
    place: str = Field(description="Lieu.")
    capacity: int | None = Field(description="Nombre de places ; vide : sans limite.")
    counts: ServiceCounts = Field(description="Qui vient, compté par service.")
    attendees: list[Attendee] = Field(description="Qui vient (visible des seuls collègues).")
    attending: bool = Field(description="La personne connectée a répondu « je viens ».")
    full: bool = Field(description="Toutes les places sont prises.")


class AgendaEventPublic(SQLModel):
    id: int = Field(description="Identifiant (numéro attribué par Couloir).")
    title: str = Field(description="Intitulé du rendez-vous.")
    kind: str = Field(description=_KIND_HELP)
    kind_label: str = Field(description="Genre en mots.")
    starts_at: datetime = Field(description="Début de la première fois (ISO 8601, UTC).")
    ends_at: datetime = Field(description="Fin de la première fois (ISO 8601, UTC).")
    place: str = Field(description="Lieu.")
    capacity: int | None = Field(description="Nombre de places ; vide : sans limite.")
    recurrence: str = Field(description=_RECURRENCE_HELP)
    recurrence_label: str = Field(description="Répétition en mots (« le premier vendredi… »).")
    repeat_until: date | None = Field(description="Dernier jour possible d'une répétition.")
    cancelled: list[date] = Field(description="Dates des fois annulées.")
    host_ids: list[int] = Field(description="Identifiants des collègues qui animent.")
    tag: TagRef | None = Field(None, description="Étiquette de la réunion thématique, s'il y en a.")
    version: int = Field(description=_VERSION_HELP)


class CalendarFeedCreated(SQLModel):
    url: str = Field(
        description=(
            "Adresse privée de l'agenda (iCalendar), à ajouter comme abonnement dans Outlook ou "
            "Thunderbird ; à garder pour soi."
        )
    )
