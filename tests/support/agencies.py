"""Objects to attack, made in-process with the services in a live server's database.

``add_agency`` seeds a second agency beside the demo one (its own staff of each role, an offer
with a candidate, hires with photos, a défi, an announcement, a screen); ``make_targets`` makes a
fresh set of objects in any agency, so that a test may change or delete them freely, and
``make_targets_for`` only those a route names (the others shared).
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from PIL import Image
from sqlalchemy import func, select, text
from sqlmodel import Session, SQLModel

from api.clock import local_today
from api.db import make_engine
from api.models import Agency, AuditEvent, FranceTravailSuggestion, Staff
from api.models.agency import DEFAULT_OPENING_HOURS
from api.models.agenda import AgendaEventCreate
from api.models.announcement import AnnouncementCreate
from api.models.challenge import ChallengeCreate
from api.models.chantier import ChantierCreate
from api.models.hire import HireCreate, HireUpdate
from api.models.offer import OfferCreate
from api.models.screen import ScreenCreate
from api.models.tag import fold
from api.models.testimony import TestimonyCreate
from api.security.passwords import hash_password
from api.security.sessions import open_session
from api.services import (
    agenda,
    announcements,
    challenges,
    chantiers,
    employers,
    hires,
    offers,
    questionnaire,
    screens,
    testimonies,
)

ROLES = ("cdde", "cde", "manager", "admin")
ALWAYS_ON = [{"weekday": day, "opens": "00:00", "closes": "00:00"} for day in range(7)]


@cache
def _unusable_hash() -> str:
    """One argon2 hash for every made-up account (nobody logs in with it; hashing is slow)."""
    return hash_password(secrets.token_urlsafe(24))


def jpeg(colour: str = "#b03060", size: int = 64) -> bytes:
    """A small real JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "JPEG")
    return out.getvalue()


def png(size: int = 32) -> bytes:
    """A small real PNG (a screen's screenshot)."""
    out = io.BytesIO()
    Image.new("RGB", (size, size), "#204060").save(out, "PNG")
    return out.getvalue()


@dataclass
class Targets:
    """One of each object of an agency, by id (fresh unless said otherwise)."""

    agency_id: int
    offer_id: int
    offer_code: str
    closed_offer_id: int
    candidate_id: int
    draft_hire_id: int  # with a photo and consent, not yet published
    published_hire_id: int  # with a photo and consent, on the screen
    challenge_id: int
    announcement_id: int
    screen_id: int
    screen_token: str
    colleague_id: int  # a CDDE account nobody else relies on
    marker: str  # a word in every title, to spot a leak in any listing
    tag_slug: str  # the offer's first tag, « #<marker> » (its second is « #fusion »)
    testimony_id: int  # written by the admin, about the offer, under the tag
    event_id: int = 0  # a weekly agenda event, from tomorrow 9:00 agency time
    chantier_id: int = 0  # a running chantier of the activity dashboard
    employer_id: int = 0  # the offer's employer file, « Employeur <marker> »
    questionnaire_id: int = 0  # an ethics questionnaire begun with that employer
    question_id: int = 0  # the agency's first ethics question
    suggestion_id: int = 0  # a France Travail offer « À importer », still to decide

    def ids(self) -> dict[str, int]:
        """Path parameter name → id, as the routes name them."""
        return {
            "offer_id": self.offer_id,
            "candidate_id": self.candidate_id,
            "proposal_id": self.candidate_id,
            "hire_id": self.published_hire_id,
            "challenge_id": self.challenge_id,
            "announcement_id": self.announcement_id,
            "screen_id": self.screen_id,
            "staff_id": self.colleague_id,
            "event_id": self.event_id,
            "slug": self.tag_slug,  # type: ignore[dict-item]
            "testimony_id": self.testimony_id,
            "chantier_id": self.chantier_id,
            "employer_id": self.employer_id,
            "questionnaire_id": self.questionnaire_id,
            "question_id": self.question_id,
            "step": 1,
            "suggestion_id": self.suggestion_id,
            "semaine": "2026-W43",  # type: ignore[dict-item]  # a week of la criée
            "numero": "186XWJK",  # type: ignore[dict-item]  # an offer of the France Travail stand-in
        }


@dataclass
class SeededAgency:
    """A second agency and its staff (one account per role, ids only: tokens are minted)."""

    id: int
    code: str
    staff: dict[str, int]
    targets: Targets
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def database(url: str) -> Iterator[Session]:
    """A session on a live server's database (the server keeps running meanwhile)."""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            yield db
    finally:
        engine.dispose()


def add_staff(db: Session, agency_id: int, role: str, label: str) -> Staff:
    """An account of ``role`` with an unknown password."""
    person = Staff(
        agency_id=agency_id,
        name=f"{label} {role}",
        email=f"{label.lower()}-{role}-{secrets.token_hex(4)}@autre.couloir.test",
        role=role,
        password_hash=_unusable_hash(),
    )
    db.add(person)
    db.commit()
    db.refresh(person)
    return person


# What make_targets makes, in groups: a route naming some ids needs only their groups fresh.
KINDS = (
    "offer",  # the open offer (its tags, employer, proposal) and the closed one
    "hires",  # a draft and a published hire (needs "offer": they come from the closed one)
    "challenge",
    "announcement",
    "screen",
    "colleague",
    "event",
    "testimony",  # needs "offer"
    "chantier",
    "questionnaire",  # begun with the offer's employer (needs "offer")
    "suggestion",
)
# Path parameter → the groups holding the objects it names (with what they depend on).
PARAM_KINDS: dict[str, frozenset[str]] = {
    "offer_id": frozenset({"offer"}),
    "code": frozenset({"offer"}),
    "candidate_id": frozenset({"offer"}),
    "proposal_id": frozenset({"offer"}),
    "slug": frozenset({"offer"}),
    "hire_id": frozenset({"offer", "hires"}),
    "challenge_id": frozenset({"challenge"}),
    "announcement_id": frozenset({"announcement"}),
    "screen_id": frozenset({"screen"}),
    "staff_id": frozenset({"colleague"}),
    "event_id": frozenset({"event"}),
    "testimony_id": frozenset({"offer", "testimony"}),
    "chantier_id": frozenset({"chantier"}),
    # An employer file is met with its questionnaire begun, as make_targets leaves it.
    "employer_id": frozenset({"offer", "questionnaire"}),
    "questionnaire_id": frozenset({"offer", "questionnaire"}),
    "question_id": frozenset({"offer", "questionnaire"}),
    "suggestion_id": frozenset({"suggestion"}),
}


def make_targets(db: Session, agency_id: int, marker: str = "") -> Targets:
    """A fresh offer, candidate, hires with photos, défi, announcement, screen and colleague."""
    return _make(db, agency_id, marker, frozenset(KINDS), None)


def make_targets_for(db: Session, base: Targets, params: Iterable[str]) -> Targets:
    """``base`` with fresh objects in its agency for the path parameters ``params`` only.

    A route naming an offer gets a fresh offer (with its proposal, tags, employer and closed
    twin), one naming a hire fresh hires with photos, and so on (``PARAM_KINDS``); the other
    ids stay ``base``'s. Cheaper than ``make_targets`` and piles up fewer objects in list pages.
    """
    kinds = frozenset().union(*(PARAM_KINDS.get(name, frozenset()) for name in params))
    return _make(db, base.agency_id, "", kinds, base) if kinds else base


def _make(
    db: Session, agency_id: int, marker: str, kinds: frozenset[str], base: Targets | None
) -> Targets:
    marker = marker or f"cible{secrets.token_hex(3)}"
    people = {
        role: db.exec(
            select(Staff).where(Staff.agency_id == agency_id, Staff.role == role, Staff.active)
        ).first()
        for role in ROLES
    }
    actor = people["admin"][0]
    cdde = people["cdde"][0]
    today = date.today()
    made: dict[str, Any] = {}
    if "offer" in kinds:
        offer = offers.create_offer(
            db,
            actor,
            OfferCreate(
                employer=f"Employeur {marker}",
                title=f"Poste {marker}",
                contract="CDI",
                commune="Orange",
                staff_note=f"note interne {marker}",
                tags=[f"#{marker}", "#fusion"],
            ),
        )
        closed = offers.create_offer(
            db,
            actor,
            OfferCreate(
                employer=f"Fermée {marker}", title="Poste", contract="CDD", commune="Orange"
            ),
        )
        offers.set_status(db, actor, closed, "closed", None)
        candidate, _ = offers.propose_candidate(db, cdde, offer)
        made |= {
            "offer_id": offer.id,
            "offer_code": offer.code,
            "closed_offer_id": closed.id,
            "candidate_id": candidate.id,
            "marker": marker,
            "tag_slug": fold(marker),
            "employer_id": offer.employer_id,
        }
    for key, publish in (("draft", False), ("published", True)) if "hires" in kinds else ():
        hire = hires.create_hire(
            db,
            actor,
            HireCreate(
                employer=f"Embauche {marker}",
                title=f"Métier {marker}",
                story=f"Histoire {marker}",
                hired_on=today,
                expires_on=today + timedelta(days=30),
                cdde_id=cdde.id,
                offer_id=made["closed_offer_id"],
                photo_consent=True,
            ),
        )
        hire = hires.set_photo(db, actor, hire, jpeg(), 10_000_000)
        if publish:
            hire = hires.update_hire(db, actor, hire, HireUpdate(status="published"))
        made[f"{key}_hire_id"] = hire.id
    if "challenge" in kinds:
        made["challenge_id"] = challenges.create_challenge(
            db,
            actor,
            ChallengeCreate(
                title=f"Défi {marker}", goal=10, starts_on=today, ends_on=today + timedelta(days=20)
            ),
        ).id
    if "announcement" in kinds:
        now = datetime.now(UTC)
        made["announcement_id"] = announcements.create_announcement(
            db,
            actor,
            AnnouncementCreate(
                message=f"Annonce {marker}", starts_at=now, ends_at=now + timedelta(days=2)
            ),
        ).id
    if "screen" in kinds:
        screen, token = screens.create_screen(
            db, actor, agency_id, ScreenCreate(name=f"Écran {marker}")
        )
        screen.schedule = ALWAYS_ON
        db.add(screen)
        db.commit()
        screens.store_screenshot(db, screen, png())
        made |= {"screen_id": screen.id, "screen_token": token}
    if "colleague" in kinds:
        made["colleague_id"] = add_staff(db, agency_id, "cdde", f"Collègue{marker}").id
    if "event" in kinds:
        agency = db.get(Agency, agency_id)
        tomorrow = datetime.combine(local_today(agency.timezone) + timedelta(days=1), time(9))
        made["event_id"] = agenda.create_event(
            db,
            actor,
            agency,
            AgendaEventCreate(
                title=f"Rendez-vous {marker}",
                kind="job_dating",
                starts_at=tomorrow,
                ends_at=tomorrow + timedelta(hours=2),
                recurrence="weekly",
            ),
        ).id
    if "testimony" in kinds:
        made["testimony_id"] = testimonies.create_testimony(
            db,
            actor,
            TestimonyCreate(
                text=f"Témoignage {marker}", offer_id=made["offer_id"], tags=[f"#{marker}"]
            ),
        ).id
    if "chantier" in kinds:
        made["chantier_id"] = chantiers.create_chantier(
            db,
            actor,
            ChantierCreate(title=f"Chantier {marker}", kind="grappe_tpe", state="en_cours"),
        ).id
    if "questionnaire" in kinds:
        employer = employers.get_employer(db, agency_id, made["employer_id"])
        taken = questionnaire.start(db, actor, employer)
        made |= {"questionnaire_id": taken.id, "question_id": taken.answers[0]["question_id"]}
    if "suggestion" in kinds:
        suggestion = FranceTravailSuggestion(
            agency_id=agency_id,
            ft_offer_id=secrets.token_hex(5).upper(),
            lacks_candidates=True,
            prefill={
                "title": f"Suggestion {marker}",
                "employer": f"TPE {marker}",
                "contract": "CDI",
                "commune": "Le Mans",
                "positions": 1,
                "description": "",
            },
        )
        db.add(suggestion)
        db.commit()
        made["suggestion_id"] = suggestion.id
    if base is not None:
        return replace(base, **made)
    return Targets(agency_id=agency_id, **made)


def add_agency(db: Session, code: str, marker: str) -> SeededAgency:
    """A second agency with one account per role and one of each object."""
    agency = Agency(
        code=code,
        name=f"Agence {code}",  # admins list every agency, by design: no marker here
        timezone="Europe/Paris",
        opening_hours=DEFAULT_OPENING_HOURS,
    )
    db.add(agency)
    db.commit()
    db.refresh(agency)
    staff = {role: add_staff(db, agency.id, role, marker).id for role in ROLES}
    return SeededAgency(
        id=agency.id,
        code=code,
        staff=staff,
        targets=make_targets(db, agency.id, marker),
    )


def agency_id_of(db: Session, code: str) -> int:
    """The id of the agency with ``code``."""
    return db.exec(select(Agency.id).where(Agency.code == code)).one()[0]


def staff_id_of(db: Session, email: str) -> int:
    """The id of the account with ``email``."""
    return db.exec(select(Staff.id).where(Staff.email == email)).one()[0]


def bearer_for(db: Session, staff_id: int) -> str:
    """A fresh bearer token for an account, without the (slow, throttled) password check."""
    person = db.get(Staff, staff_id)
    assert person is not None
    return open_session(db, person, kind="bearer", days=1)


def last_audit_id(db: Session) -> int:
    """The newest journal entry's id: every accepted write adds one."""
    db.expire_all()
    return db.exec(select(func.max(AuditEvent.id))).one()[0] or 0


@cache
def _agency_queries() -> tuple[tuple[str, Any], ...]:
    """Per table holding ``agency_id`` (the journal aside): its rows of one agency, in key order.

    Plain SQL text, its rows as the driver gives them: no ORM compiling or type conversion,
    five times cheaper for a check that only compares them before and after.
    """
    queries = []
    for table in SQLModel.metadata.sorted_tables:
        if "agency_id" in table.c and table.name != AuditEvent.__tablename__:
            order = ", ".join(f'"{column.name}"' for column in table.primary_key)
            sql = f'SELECT * FROM "{table.name}" WHERE agency_id = :agency ORDER BY {order}'
            queries.append((table.name, text(sql)))
    queries.append(("agency", text('SELECT * FROM "agency" WHERE id = :agency')))
    return tuple(queries)


def agency_rows(db: Session, agency_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table that belongs to ``agency_id`` (to prove nothing changed).

    The journal only grows: its newest id stands for it (reading it whole gets slow).
    """
    db.expire_all()
    rows: dict[str, list[tuple[Any, ...]]] = {"journal": [(last_audit_id(db),)]}
    connection = db.connection()
    for name, query in _agency_queries():
        rows[name] = [tuple(row) for row in connection.execute(query, {"agency": agency_id})]
    return rows
