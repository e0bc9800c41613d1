"""Bulk data for bench/scale.py: agencies, screens, staff, offers and editor sessions.

Inserted with SQLAlchemy Core (one multi-row statement per batch), not the ORM nor the API:
900 agencies, 2,000 screens and 36,000 offers take seconds. Screen and session tokens are
generated here and only their hashes stored, as the service does; passwords are never checked
(editors get a session row directly, so no argon2 at all).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Engine

from api.clock import utcnow
from api.domain.codes import UNAMBIGUOUS, new_token, token_hash
from api.models import Agency, Offer, Screen, Staff, StaffSession
from api.models.screen import DEFAULT_PLAYLIST

BATCH = 2000
ALL_WEEK = [{"weekday": day, "opens": "00:00", "closes": "23:59"} for day in range(7)]
ROLES = ("cde", "cdde", "cdde", "cde", "manager")  # a manager for about five counsellors
CONTRACTS = ("CDI", "CDD", "intérim", "saisonnier", "alternance")
COMMUNES = ("Arras", "Lens", "Douai", "Béthune", "Calais", "Lille", "Roubaix", "Valenciennes")
TITLES = ("Boulanger", "Aide-soignant", "Maçon", "Serveur", "Cariste", "Comptable", "Vendeur")


@dataclass
class AgencySeed:
    """What the bench needs of one seeded agency."""

    id: int
    code: str
    screen_tokens: list[str] = field(default_factory=list)
    editor_token: str = ""
    offer_ids: list[int] = field(default_factory=list)  # a few open offers, all at version 1
    open_offers: int = 0


def offer_counts(agencies: int, mean: int, maximum: int, rng: random.Random) -> list[int]:
    """Open offers per agency: skewed (a few big agencies, many small), ``mean`` on average.

    Pareto-like weights scaled by bisection so that the clipped counts sum to ``mean`` per
    agency; the biggest agency gets exactly ``maximum``.
    """
    weights = [rng.paretovariate(1.6) for _ in range(agencies)]
    target = mean * agencies

    def counts_for(scale: float) -> list[int]:
        return [min(maximum, max(1, round(w * scale))) for w in weights]

    low, high = 0.0, float(maximum)
    for _ in range(60):
        middle = (low + high) / 2
        if sum(counts_for(middle)) < target:
            low = middle
        else:
            high = middle
    counts = counts_for(high)
    counts[max(range(agencies), key=weights.__getitem__)] = maximum
    return counts


def screen_counts(agencies: int, screens: int, rng: random.Random) -> list[int]:
    """Screens per agency: at least one each, the rest spread at random (two or three usual)."""
    if screens < agencies:
        raise ValueError(f"{screens} screens for {agencies} agencies: at least one each")
    counts = [1] * agencies
    for _ in range(screens - agencies):
        counts[rng.randrange(agencies)] += 1
    return counts


def _code(index: int, length: int = 8) -> str:
    """A unique offer code from its index, in the service's alphabet."""
    digits = []
    for _ in range(length):
        index, rest = divmod(index, len(UNAMBIGUOUS))
        digits.append(UNAMBIGUOUS[rest])
    return "".join(reversed(digits))


def _insert(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in batches; return their ids in the same order."""
    ids: list[int] = []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            result = connection.execute(statement, rows[start : start + BATCH])
            ids.extend(row[0] for row in result)
    return ids


def seed(
    engine: Engine,
    *,
    agencies: int,
    screens: int,
    staff: int,
    offers_mean: int,
    offers_max: int,
    seed_value: int = 10,
) -> list[AgencySeed]:
    """Fill an empty, migrated database; return each agency with its tokens and offers."""
    rng = random.Random(seed_value)
    now = utcnow()
    agency_rows = [
        {
            "code": f"A{i:04d}",
            "name": f"Agence {COMMUNES[i % len(COMMUNES)]} {i}",
            "timezone": "Europe/Paris",
            "opening_hours": ALL_WEEK,  # screens never sleep during the bench
            "urgency_thresholds": {},
            "created_at": now,
        }
        for i in range(agencies)
    ]
    agency_ids = _insert(engine, Agency.__table__, agency_rows)  # type: ignore[arg-type]
    seeds = [
        AgencySeed(id=aid, code=row["code"])
        for aid, row in zip(agency_ids, agency_rows, strict=True)
    ]

    screen_rows = []
    for agency, count in zip(seeds, screen_counts(agencies, screens, rng), strict=True):
        for n in range(count):
            token = new_token()
            agency.screen_tokens.append(token)
            screen_rows.append(
                {
                    "agency_id": agency.id,
                    "name": f"Couloir {n + 1}",
                    "token_hash": token_hash(token),
                    "rotation": 0,
                    "playlist": DEFAULT_PLAYLIST,
                    "schedule": [],
                    "created_at": now,
                    "version": 1,
                }
            )
    _insert(engine, Screen.__table__, screen_rows)  # type: ignore[arg-type]

    # Staff: one CDE per agency first (the editor), then the rest spread evenly.
    staff_rows = []
    for i in range(max(staff, agencies)):
        agency = seeds[i % agencies]
        role = "cde" if i < agencies else ROLES[i % len(ROLES)]
        staff_rows.append(
            {
                "agency_id": agency.id,
                "name": f"Conseiller {i}",
                "email": f"conseiller.{i}@agence-{agency.code.lower()}.example.fr",
                "role": role,
                "password_hash": "!bench-no-login",
                "active": True,
                "created_at": now,
                "version": 1,
            }
        )
    staff_ids = _insert(engine, Staff.__table__, staff_rows)  # type: ignore[arg-type]
    editors = staff_ids[:agencies]

    offer_rows = []
    owners = []
    for a, (agency, count) in enumerate(
        zip(seeds, offer_counts(agencies, offers_mean, offers_max, rng), strict=True)
    ):
        agency.open_offers = count
        for n in range(count):
            # Whole days ago, three at least: no offer turns "not new" (48 h) during the run.
            opened = now - timedelta(days=3 + (n * 7 + a) % 60)
            owners.append(agency)
            offer_rows.append(
                {
                    "agency_id": agency.id,
                    "code": _code(len(offer_rows)),
                    "employer": f"Entreprise {a}-{n}",
                    "title": f"{TITLES[n % len(TITLES)]} (H/F)",
                    "contract": CONTRACTS[n % len(CONTRACTS)],
                    "commune": COMMUNES[(a + n) % len(COMMUNES)],
                    "positions": 1 + n % 3,
                    "start_date": None,
                    "tags": ["#bench"],
                    "description": "Offre de charge.",
                    "staff_note": "",
                    "is_tpe": True,
                    "ft_offer_id": None,
                    "urgency_override": None,
                    "urgency_override_reason": None,
                    "status": "open",
                    "owner_id": editors[a],
                    "opened_at": opened,
                    "updated_at": opened,
                    "version": 1,
                }
            )
    offer_ids = _insert(engine, Offer.__table__, offer_rows)  # type: ignore[arg-type]
    for agency, offer_id in zip(owners, offer_ids, strict=True):
        if len(agency.offer_ids) < 8:
            agency.offer_ids.append(offer_id)

    session_rows = []
    for agency, staff_id in zip(seeds, editors, strict=True):
        agency.editor_token = new_token()
        session_rows.append(
            {
                "token_hash": token_hash(agency.editor_token),
                "staff_id": staff_id,
                "kind": "bearer",
                "created_at": now,
                "expires_at": now + timedelta(days=1),
                "revoked": False,
            }
        )
    _insert(engine, StaffSession.__table__, session_rows)  # type: ignore[arg-type]
    _analyze(engine)
    return seeds


def _analyze(engine: Engine) -> None:
    """Give the planner the statistics a database in service has (autovacuum would gather
    them within minutes): without them, fresh bulk-loaded tables look empty, and "the open
    offers of one agency" is planned as a scan of every open offer of the network."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
