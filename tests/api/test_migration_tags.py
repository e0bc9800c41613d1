"""Migration 0009: offers' tag strings move into ``tag`` and ``offertag`` without loss, on
SQLite and PostgreSQL (``COULOIR_TEST_DATABASE_URL``)."""

from __future__ import annotations

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import api.models  # noqa: F401 - registers the tables
from api.migrate import alembic_config, upgrade
from tests.support.old_schemas import AGENCY_CODES, two_agencies_at
from tests.support.old_schemas import database_url as database_url  # the fixture

OLD_TAGS = {
    "Boulangerie": ["#embaucheenor", "#antiplome"],
    "Brasserie": ["#antiplôme", "#festival", "#ANTIPLOME"],
    "Domaine": [],
    "Bistrot": ["#🎉🎉", "#Bac+2"],
}


def _old_database(url: str):  # type: ignore[no-untyped-def]
    """A database at 0008 with two agencies whose offers carry old-style tag strings."""
    engine = two_agencies_at(url, "0008")
    with engine.begin() as db:
        for code in AGENCY_CODES:
            for employer, tags in OLD_TAGS.items():
                db.execute(
                    text(
                        "INSERT INTO offer (agency_id, code, employer, title, contract, commune,"
                        " positions, positions_filled, tags, description, staff_note, is_tpe,"
                        " status, owner_id, opened_at, updated_at, version)"
                        " SELECT a.id, :code, :employer, 'Poste', 'CDI', 'Avignon', 1, 0, :tags,"
                        " '', '', true, 'open', s.id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1"
                        " FROM agency a JOIN staff s ON s.agency_id = a.id WHERE a.code = :c"
                    ),
                    {
                        "c": code,
                        "code": f"{code[:3]}{employer[:4]}".upper(),
                        "employer": employer,
                        "tags": json.dumps(tags),
                    },
                )
    return engine


def test_offer_tags_move_into_the_tag_tables(database_url: str) -> None:
    engine = _old_database(database_url)
    try:
        upgrade(engine, "0009")
        with engine.connect() as db:
            tags = db.execute(
                text(
                    "SELECT a.code, t.name, t.slug FROM tag t JOIN agency a ON a.id = t.agency_id"
                    " ORDER BY a.code, t.id"
                )
            ).all()
            links = db.execute(
                text(
                    "SELECT a.code, o.employer, t.name, ot.position FROM offertag ot"
                    " JOIN offer o ON o.id = ot.offer_id JOIN tag t ON t.id = ot.tag_id"
                    " JOIN agency a ON a.id = o.agency_id ORDER BY a.code, o.employer, ot.position"
                )
            ).all()
            copies = dict(
                db.execute(
                    text(
                        "SELECT o.employer, o.tags FROM offer o JOIN agency a"
                        " ON a.id = o.agency_id WHERE a.code = 'avignon'"
                    )
                ).all()
            )
        # The later migrations apply on top, and the result is the models' schema.
        upgrade(engine)
        with engine.connect() as db:
            assert not compare_metadata(MigrationContext.configure(db), SQLModel.metadata)
    finally:
        engine.dispose()
    per_agency = [(name, slug) for code, name, slug in tags if code == "avignon"]
    # One tag per folded form, named as first met; each agency has its own.
    assert per_agency == [
        ("embaucheenor", "embaucheenor"),
        ("antiplome", "antiplome"),
        ("festival", "festival"),
        ("🎉🎉", per_agency[3][1]),
        ("Bac+2", "bac-2"),
    ]
    assert per_agency[3][1].startswith("t-")
    assert [row for row in tags if row[0] == "carpentras"] == [
        ("carpentras", name, slug) for name, slug in per_agency
    ]
    avignon = [(employer, name, pos) for code, employer, name, pos in links if code == "avignon"]
    assert avignon == [
        ("Bistrot", "🎉🎉", 0),
        ("Bistrot", "Bac+2", 1),
        ("Boulangerie", "embaucheenor", 0),
        ("Boulangerie", "antiplome", 1),
        ("Brasserie", "antiplome", 0),
        ("Brasserie", "festival", 1),
    ]
    # The display copy names the tags; nothing typed is lost (the duplicate was a duplicate).
    loaded = {k: json.loads(v) if isinstance(v, str) else v for k, v in copies.items()}
    assert loaded["Brasserie"] == ["#antiplome", "#festival"]
    assert loaded["Boulangerie"] == ["#embaucheenor", "#antiplome"]
    assert loaded["Domaine"] == []


def test_the_downgrade_keeps_the_offers_tags(database_url: str) -> None:
    engine = _old_database(database_url)
    try:
        upgrade(engine, "0009")
        command.downgrade(alembic_config(engine), "0008")
        with engine.connect() as db:
            copies = dict(db.execute(text("SELECT employer, tags FROM offer")).all())
    finally:
        engine.dispose()
    loaded = {k: json.loads(v) if isinstance(v, str) else v for k, v in copies.items()}
    assert loaded["Boulangerie"] == ["#embaucheenor", "#antiplome"]
    assert loaded["Bistrot"] == ["#🎉🎉", "#Bac+2"]
