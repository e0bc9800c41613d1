"""Factories: the rows a test needs, built through the real models and services.

Each function writes into the given session and commits, with French defaults any field of
which a test may override. Rows go through the API's own validation (the Create models) and,
where one exists, the service that creates them in production, so a factory never builds a row
the application could not have built. Dates that drive urgency are given relative to the
agency's today (``days_open``, ``start_in_days``).

    agency = factories.agency(db)
    cde = factories.staff(db, agency, "cde")
    offer = factories.offer(db, cde, days_open=40, candidates=2)
    factories.hire(db, cde, status="published", photo=True)
"""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from PIL import Image
from sqlmodel import Session, select

from api.clock import local_today, utcnow
from api.domain.urgency import UrgencyThresholds
from api.models import (
    Agency,
    AgendaEvent,
    Announcement,
    Challenge,
    Chantier,
    Employer,
    Hire,
    Offer,
    Screen,
    Staff,
    Testimony,
)
from api.models.agency import AgencyCreate
from api.models.agenda import AgendaEventCreate
from api.models.announcement import AnnouncementCreate
from api.models.challenge import ChallengeCreate
from api.models.chantier import ChantierCreate
from api.models.employer import EmployerCreate
from api.models.hire import HireCreate, HireUpdate
from api.models.offer import OfferCreate
from api.models.screen import ScreenCreate
from api.models.staff import StaffBase, StaffCreate
from api.models.testimony import TestimonyCreate
from api.security import passwords
from api.services import (
    agencies,
    agenda,
    announcements,
    challenges,
    chantiers,
    employers,
    hires,
    offers,
    photos,
    screens,
    testimonies,
)

# Every factory-made account logs in with this password (it passes the password policy).
PASSWORD = "Lavande-Rhône-Tilleul-42"
_serial = itertools.count(1)

NAMES = {
    "cde": "Sophie Marchal",
    "cdde": "Thomas Girard",
    "manager": "Claire Vidal",
    "admin": "Équipe support",
}


def _next() -> int:
    """A number no other row of this test run has used (codes, e-mails)."""
    return next(_serial)


@cache
def _password_hash() -> str:
    """One argon2 hash for every account: hashing takes a tenth of a second each time."""
    StaffCreate(name="Contrôle", email="controle@couloir.test", role="cde", password=PASSWORD)
    return passwords.hash_password(PASSWORD)


def today(agency: Agency) -> date:
    """The agency's date today (urgency and défis count in its time zone)."""
    return local_today(agency.timezone)


def agency(
    db: Session,
    *,
    code: str | None = None,
    name: str = "Agence d'Avignon",
    timezone: str = "Europe/Paris",
    urgency_thresholds: dict[str, int] | None = None,
) -> Agency:
    """An agency created as ``couloir agency add`` does, with optional urgency thresholds."""
    data = AgencyCreate(code=code or f"avignon-{_next()}", name=name, timezone=timezone)
    created = agencies.create_agency(db, None, data)
    if urgency_thresholds is not None:
        created.urgency_thresholds = UrgencyThresholds(**urgency_thresholds).model_dump()
        db.commit()
    return created


def staff(
    db: Session,
    agency: Agency,
    role: str = "cde",
    *,
    name: str | None = None,
    email: str | None = None,
    active: bool = True,
) -> Staff:
    """An account of ``role`` in ``agency`` whose password is ``PASSWORD``.

    Validated by the API's model; written directly rather than by ``staff.create_staff`` only
    to reuse one password hash.
    """
    serial = _next()
    data = StaffBase(
        name=name or NAMES[role],
        email=email or f"{role}.{serial}@agence.couloir.test",
        role=role,  # type: ignore[arg-type]
    )
    person = Staff(
        agency_id=agency.id,  # type: ignore[arg-type]
        name=data.name,
        email=data.email,
        role=data.role,
        password_hash=_password_hash(),
        active=active,
    )
    db.add(person)
    db.commit()
    db.refresh(person)
    return person


def offer(
    db: Session,
    owner: Staff,
    *,
    days_open: int = 0,
    start_in_days: int | None = None,
    candidates: int = 0,
    proposer: Staff | None = None,
    status: str = "open",
    **fields: Any,
) -> Offer:
    """An offer opened ``days_open`` days ago by ``owner`` (a CDE), through ``create_offer``.

    ``start_in_days`` sets the start date from the agency's today (negative: already past);
    ``candidates`` distinct proposals are made by ``proposer`` (default: the owner); ``status``
    filled (every position) or closed goes through ``set_status``, as a CDE's button does.
    """
    owner_agency = db.get(Agency, owner.agency_id)
    assert owner_agency is not None
    values: dict[str, Any] = {
        "employer": "Boulangerie Au Pain d'Antan",
        "title": "Boulanger·ère",
        "contract": "CDI",
        "commune": "Avignon",
        "description": "Fournil au feu de bois, départ 4 h.",
    }
    if start_in_days is not None:
        values["start_date"] = today(owner_agency) + timedelta(days=start_in_days)
    values.update(fields)
    created = offers.create_offer(db, owner, OfferCreate(**values))
    if days_open:
        created.opened_at = utcnow() - timedelta(days=days_open)
        db.commit()
    for _ in range(candidates):
        offers.propose_candidate(db, proposer or owner, created, another=True)
    if status == "filled":  # every position, one at a time as the CDE's button does
        while created.status != "filled":
            created = offers.set_status(db, owner, created, status, None)
    elif status != "open":
        created = offers.set_status(db, owner, created, status, None)
    return created


def sample_jpeg(width: int = 64, height: int = 48) -> bytes:
    """A small photo as uploads are stored (re-encoded by ``photos.reencode``)."""
    return _sample_jpeg(width, height)


@cache
def _sample_jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, "PNG")
    return photos.reencode(out.getvalue(), max_bytes=10_000_000)


@cache
def sample_png() -> bytes:
    """A small PNG frame, as a screen sends its screenshot."""
    out = io.BytesIO()
    Image.new("RGB", (32, 18), (20, 40, 80)).save(out, "PNG")
    return out.getvalue()


def _moderator(db: Session, agency_id: int) -> Staff:
    """A manager of the agency, made if it has none (to publish or withdraw a hire)."""
    found = db.exec(
        select(Staff).where(Staff.agency_id == agency_id, Staff.role == "manager")
    ).first()
    if found is not None:
        return found
    owner_agency = db.get(Agency, agency_id)
    assert owner_agency is not None
    return staff(db, owner_agency, "manager")


def hire(
    db: Session,
    author: Staff,
    *,
    status: str = "draft",
    photo: bool = False,
    photo_consent: bool | None = None,
    hired_days_ago: int = 3,
    publisher: Staff | None = None,
    **fields: Any,
) -> Hire:
    """A hire written by ``author`` through ``create_hire``; published or withdrawn by a manager.

    ``photo`` adds a photo (with consent unless ``photo_consent`` says otherwise) while the hire
    is still a draft; ``publisher`` is the manager who moderates (default: one of the agency's,
    made if needed).
    """
    owner_agency = db.get(Agency, author.agency_id)
    assert owner_agency is not None
    values: dict[str, Any] = {
        "employer": "Garage Martin",
        "title": "Mécanicien·ne automobile",
        "story": "Après six mois de recherche, Karim a signé un CDI grâce au job dating.",
        "hired_on": today(owner_agency) - timedelta(days=hired_days_ago),
        "photo_consent": photo if photo_consent is None else photo_consent,
    }
    values.update(fields)
    created = hires.create_hire(db, author, HireCreate(**values))
    if photo:
        created = hires.store_photo(db, author, created, sample_jpeg())
    if status != "draft":
        moderator = publisher or _moderator(db, author.agency_id)
        created = hires.update_hire(db, moderator, created, HireUpdate(status=status))  # type: ignore[arg-type]
    return created


def screen_and_token(
    db: Session, agency: Agency, *, name: str = "Écran du hall", **fields: Any
) -> tuple[Screen, str]:
    """A screen registered through ``create_screen``, with its bearer token."""
    return screens.create_screen(db, None, agency.id, ScreenCreate(name=name, **fields))  # type: ignore[arg-type]


def screen(db: Session, agency: Agency, *, name: str = "Écran du hall", **fields: Any) -> Screen:
    """A screen registered through ``create_screen`` (its token left aside)."""
    return screen_and_token(db, agency, name=name, **fields)[0]


def announcement(
    db: Session,
    author: Staff,
    *,
    message: str = "Réunion d'équipe à 14 h en salle Durance.",
    urgent: bool = False,
    starts_at: datetime | None = None,
    lasts: timedelta = timedelta(hours=8),
) -> Announcement:
    """An announcement posted by ``author`` (a manager), on screen from an hour ago by default."""
    start = starts_at or utcnow() - timedelta(hours=1)
    data = AnnouncementCreate(
        message=message, urgent=urgent, starts_at=start, ends_at=start + lasts
    )
    return announcements.create_announcement(db, author, data)


def challenge(
    db: Session,
    author: Staff,
    *,
    title: str = "Défi TPE du printemps",
    goal: int = 20,
    started_days_ago: int = 7,
    days: int = 30,
    **fields: Any,
) -> Challenge:
    """A défi started by ``author`` (a manager), running today by default."""
    owner_agency = db.get(Agency, author.agency_id)
    assert owner_agency is not None
    starts_on = today(owner_agency) - timedelta(days=started_days_ago)
    data = ChallengeCreate(
        title=title,
        goal=goal,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days),
        **fields,
    )
    return challenges.create_challenge(db, author, data)


def event(
    db: Session,
    author: Staff,
    *,
    title: str = "Petit-déj d'échange de pratiques",
    kind: str = "petit_dej",
    starts_at: datetime | None = None,
    lasts: timedelta = timedelta(hours=1, minutes=30),
    **fields: Any,
) -> AgendaEvent:
    """An agenda event made by ``author`` (a manager); tomorrow at 9:00 agency time by default.

    ``starts_at`` naive is read on the agency's wall clock, as the API reads it.
    """
    owner_agency = db.get(Agency, author.agency_id)
    assert owner_agency is not None
    start = starts_at or datetime.combine(today(owner_agency) + timedelta(days=1), time(9, 0))
    data = AgendaEventCreate(
        title=title, kind=kind, starts_at=start, ends_at=start + lasts, **fields
    )
    return agenda.create_event(db, author, owner_agency, data)


def testimony(db: Session, author: Staff, **fields: Any) -> Testimony:
    """A testimony written by ``author`` through ``create_testimony``."""
    values: dict[str, Any] = {
        "text": "Présenter le poste au fournil plutôt qu'en entretien a tout changé.",
    }
    values.update(fields)
    return testimonies.create_testimony(db, author, TestimonyCreate(**values))


def chantier(db: Session, author: Staff, **fields: Any) -> Chantier:
    """A chantier listed by ``author`` (a manager) through ``create_chantier``."""
    values: dict[str, Any] = {
        "title": "Recrutement collectif des vendanges",
        "kind": "recrutement_collectif",
        "state": "en_cours",
    }
    values.update(fields)
    return chantiers.create_chantier(db, author, ChantierCreate(**values))


def employer(db: Session, author: Staff, **fields: Any) -> Employer:
    """An employer file opened by ``author`` (a CDE) through ``create_employer``."""
    values: dict[str, Any] = {
        "name": "Boulangerie Au Pain d'Antan",
        "commune": "Avignon",
        "sector": "Boulangerie-pâtisserie",
        "size_band": "3-5",
    }
    values.update(fields)
    return employers.create_employer(db, author, EmployerCreate(**values))
