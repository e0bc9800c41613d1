"""Six months of the demo agency's past, so that the activity dashboard tells a real story.

Offers opened month after month, most of them filled (some through a CDDE's candidate), a few
closed, the hires told from them and each month's défi, closed and counting exactly that
month's filled TPE offers; and the « chantiers » a manager lists. Everything in the past is
over before the running month begins: the board, the running défi and the gallery stay those of
``api.demo``. Deterministic (its own random generator), so the golden fixture stays put.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from api.clock import to_utc
from api.domain import french
from api.models import (
    Agency,
    CandidateProposal,
    Challenge,
    Chantier,
    Contribution,
    Hire,
    Offer,
    Staff,
)
from api.services.offers import unused_code

# Offers opened each month, oldest month first (six months ago → last month): the agency grows.
OPENED_PER_MONTH = (6, 7, 9, 8, 11, 13)
# Employers of the past months (employer, title, contract, commune, TPE).
PAST_OFFERS = [
    ("Boulangerie Le Fournil des Halles", "Vendeur·se en boulangerie", "CDI", "Avignon", True),
    ("Domaine de la Nerthe", "Ouvrier·ère viticole", "saisonnier", "Châteauneuf-du-Pape", True),
    ("Brasserie du Festival", "Serveur·se", "saisonnier", "Avignon", True),
    ("Transports Durance Express", "Chauffeur·se livreur", "CDI", "Cavaillon", False),
    ("Atelier Bois et Lumière", "Ébéniste", "CDD", "L'Isle-sur-la-Sorgue", True),
    ("Clinique du Rhône", "Agent·e de service hospitalier", "CDD", "Avignon", False),
    ("Salon Coiffure Mistral", "Coiffeur·se", "CDI", "Le Pontet", True),
    ("Épicerie fine Saveurs du Comtat", "Vendeur·se", "CDI", "Carpentras", True),
    ("Garage des Papes", "Carrossier·ère", "CDI", "Sorgues", True),
    ("Logistique Avignon Nord", "Préparateur·rice de commandes", "intérim", "Le Pontet", False),
    ("Crèche Les Petits Mistrals", "Auxiliaire de puériculture", "CDI", "Avignon", True),
    ("Hôtel Les Remparts", "Femme ou valet de chambre", "saisonnier", "Avignon", True),
]
# Days from opening to filled, in turn: quick ones, ones that waited, a few very long.
DAYS_TO_FILL = (6, 11, 19, 9, 33, 14, 52, 8, 24, 40, 12, 17)
CHANTIERS = [
    (
        "Recrutement collectif des vendanges",
        "recrutement_collectif",
        "termine",
        "Quarante postes chez huit domaines ; session collective à l'agence.",
    ),
    (
        "Grappe TPE des boulangers du Grand Avignon",
        "grappe_tpe",
        "en_cours",
        "Cinq artisans recrutent ensemble leurs apprentis pour la rentrée de janvier.",
    ),
    (
        "Job dating restauration du Festival",
        "job_dating",
        "a_venir",
        "Avec les restaurateurs de la place de l'Horloge, pour l'été.",
    ),
    (
        "Recrutement collectif de la plateforme logistique",
        "recrutement_collectif",
        "en_cours",
        "",
    ),
]


def _month_start(day: date, zone: ZoneInfo) -> datetime:
    return to_utc(datetime.combine(day.replace(day=1), time(), zone))


def _months_back(today: date, count: int) -> date:
    first = today.replace(day=1)
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _working_moment(day: date, zone: ZoneInfo, rng: random.Random) -> datetime:
    moment = datetime.combine(day, time(8 + rng.randrange(9), rng.randrange(60)), zone)
    return to_utc(moment)


def seed_history(db: Session, agency: Agency, people: dict[str, list[Staff]], today: date) -> None:
    """The six months before this one, and the chantiers (see the module's docstring)."""
    rng = random.Random(2020)
    zone = ZoneInfo(agency.timezone)
    this_month = _month_start(today, zone)
    for back in range(6, 0, -1):  # each month's défi first: an offer may fill the next month
        first = _months_back(today, back)
        db.add(
            Challenge(
                agency_id=agency.id,
                title=f"Défi TPE de {french.month_name(first.month)}",
                unit="offres TPE pourvues",
                goal=6 + 2 * (6 - back),
                starts_on=first,
                ends_on=_months_back(today, back - 1) - timedelta(days=1),
                closed=True,
            )
        )
    db.flush()
    serial = 0
    for back in range(6, 0, -1):
        first = _months_back(today, back)
        days = (_months_back(today, back - 1) - first).days
        for _ in range(OPENED_PER_MONTH[6 - back]):
            employer, title, contract, commune, tpe = PAST_OFFERS[serial % len(PAST_OFFERS)]
            owner = people["cde"][serial % len(people["cde"])]
            opened_at = _working_moment(first + timedelta(days=rng.randrange(days)), zone, rng)
            wait = DAYS_TO_FILL[serial % len(DAYS_TO_FILL)]
            ends_at = min(opened_at + timedelta(days=wait), this_month - timedelta(hours=2))
            fate = "closed" if serial % 7 == 3 else "filled"
            offer = Offer(
                agency_id=agency.id,
                code=unused_code(db),
                employer=employer,
                title=title,
                contract=contract,
                commune=commune,
                is_tpe=tpe,
                status=fate,
                positions_filled=1 if fate == "filled" else 0,
                owner_id=owner.id,
                opened_at=opened_at,
                filled_at=ends_at if fate == "filled" else None,
                closed_at=ends_at if fate == "closed" else None,
                updated_at=ends_at,
            )
            db.add(offer)
            db.flush()
            _proposals(db, agency, offer, people, serial, ends_at, rng)
            if fate == "filled" and tpe:
                _count_in_month_defi(db, agency, offer, owner, ends_at, zone)
            if fate == "filled" and serial % 3 == 0:
                _told(db, agency, offer, owner, people, serial, ends_at, zone)
            serial += 1
    for title, kind, state, note in CHANTIERS:
        starts = {"termine": -80, "en_cours": -20, "a_venir": 45}[state]
        db.add(
            Chantier(
                agency_id=agency.id,
                title=title,
                kind=kind,
                state=state,
                starts_on=today + timedelta(days=starts),
                ends_on=today + timedelta(days=starts + 40) if state != "en_cours" else None,
                note=note,
            )
        )


def _proposals(
    db: Session,
    agency: Agency,
    offer: Offer,
    people: dict[str, list[Staff]],
    serial: int,
    ends_at: datetime,
    rng: random.Random,
) -> None:
    """One to three candidates proposed while the offer was open; the first one hired when it
    was filled through a proposal, the others interviewed or not kept."""
    count = 1 + serial % 3
    hired = offer.status == "filled" and serial % 2 == 0
    for i in range(count):
        proposer = people["cdde"][(serial + i) % len(people["cdde"])]
        created = offer.opened_at + (ends_at - offer.opened_at) * rng.uniform(0.1, 0.8)
        outcome = "hired" if hired and i == 0 else ("declined", "interview")[(serial + i) % 2]
        db.add(
            CandidateProposal(
                agency_id=agency.id,
                offer_id=offer.id,
                proposed_by_id=proposer.id,
                created_at=created,
                outcome=outcome,
                outcome_at=ends_at,
                seen_at=created + timedelta(hours=3),
            )
        )


def _count_in_month_defi(
    db: Session, agency: Agency, offer: Offer, owner: Staff, filled_at: datetime, zone: ZoneInfo
) -> None:
    """The filled TPE offer counts once in the défi of the month it was filled in."""
    day = filled_at.astimezone(zone).date()
    challenge = db.exec(
        select(Challenge).where(
            Challenge.agency_id == agency.id,
            col(Challenge.starts_on) <= day,
            col(Challenge.ends_on) >= day,
            col(Challenge.closed).is_(True),
        )
    ).first()
    assert challenge is not None
    db.add(
        Contribution(
            agency_id=agency.id,
            challenge_id=challenge.id,
            service=owner.service,
            amount=1,
            label=f"{offer.title} — {offer.employer}",
            staff_id=owner.id,
            offer_id=offer.id,
            created_at=filled_at,
        )
    )


def _told(
    db: Session,
    agency: Agency,
    offer: Offer,
    owner: Staff,
    people: dict[str, list[Staff]],
    serial: int,
    filled_at: datetime,
    zone: ZoneInfo,
) -> None:
    """A hire told from the offer: published then, off the screen since its month ended."""
    hired_on = filled_at.astimezone(zone).date()
    db.add(
        Hire(
            agency_id=agency.id,
            offer_id=offer.id,
            employer=offer.employer,
            title=offer.title,
            story="Une embauche de plus pour l'équipe : le binôme CDE + CDDE a suivi la personne "
            "jusqu'à la signature.",
            hired_on=hired_on,
            # Off the screen once its month is over: the gallery is the running month's.
            expires_on=(hired_on.replace(day=28) + timedelta(days=4)).replace(day=1)
            - timedelta(days=1),
            cde_id=owner.id,
            cdde_id=people["cdde"][serial % len(people["cdde"])].id,
            status="published",
            published_at=filled_at + timedelta(hours=20),
            created_by_id=owner.id,
        )
    )
