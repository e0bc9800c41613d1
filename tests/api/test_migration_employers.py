"""Migration 0014: existing offers are attached to employer files, obvious duplicates merged and
the rest left alone, on SQLite and PostgreSQL (``COULOIR_TEST_DATABASE_URL``)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import api.models  # noqa: F401 - registers the tables
from api.migrate import upgrade
from api.models.employer import employer_key
from tests.support.old_schemas import AGENCY_CODES, two_agencies_at
from tests.support.old_schemas import database_url as database_url  # the fixture

# (employer as typed, commune, days ago opened, tags)
OLD_OFFERS: list[tuple[str, str, int, list[str]]] = [
    ("Boulangerie Martin", "Avignon", 90, ["#antiplome"]),
    ("BOULANGERIE  MARTIN SARL", "Avignon", 60, []),
    ("boulangérie martin", "Le Pontet", 30, []),
    ("Boul. Martin", "Avignon", 20, []),  # an abbreviation: a guess, left alone
    ("S.A.S. Cave des Papes", "Châteauneuf-du-Pape", 10, []),
    ("Cave des Papes", "Châteauneuf-du-Pape", 5, []),
    ("Sa Majesté des Crêpes", "Avignon", 4, []),  # « Sa » is a word here
    ("🥐🥐", "Sorgues", 3, []),
]
OLD_OFFERS_NAMES = [employer for employer, *_ in OLD_OFFERS]


def _old_database(url: str):  # type: ignore[no-untyped-def]
    """A database at 0013 with two agencies whose offers name their employers as free text."""
    engine = two_agencies_at(url, "0013")
    with engine.begin() as db:
        for code in AGENCY_CODES:
            offers = OLD_OFFERS if code == "avignon" else OLD_OFFERS[:1]
            for number, (employer, commune, days, tags) in enumerate(offers):
                db.execute(
                    text(
                        "INSERT INTO offer (agency_id, code, employer, title, contract, commune,"
                        " positions, positions_filled, tags, description, staff_note, is_tpe,"
                        " status, owner_id, opened_at, updated_at, version)"
                        " SELECT a.id, :code, :employer, 'Poste', 'CDI', :commune, 1, 0, :tags,"
                        " '', '', true, 'open', s.id, :opened, CURRENT_TIMESTAMP, 1"
                        " FROM agency a JOIN staff s ON s.agency_id = a.id WHERE a.code = :c"
                    ),
                    {
                        "c": code,
                        "code": f"{code[:3]}{number:05d}".upper(),
                        "employer": employer,
                        "commune": commune,
                        "opened": f"2026-{12 - days // 30:02d}-01 09:00:00",
                        "tags": '["' + '","'.join(tags) + '"]' if tags else "[]",
                    },
                )
        db.execute(
            text(
                "INSERT INTO tag (agency_id, name, slug, description, created_at, updated_at,"
                " version) SELECT id, 'antiplome', 'antiplome', '', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP, 1 FROM agency WHERE code = 'avignon'"
            )
        )
        db.execute(
            text(
                "INSERT INTO offertag (offer_id, tag_id, position) SELECT o.id, t.id, 0"
                " FROM offer o JOIN tag t ON t.agency_id = o.agency_id"
                " WHERE o.employer = 'Boulangerie Martin'"
            )
        )
    return engine


def test_offers_are_attached_to_employers_merging_only_obvious_duplicates(
    database_url: str,
) -> None:
    engine = _old_database(database_url)
    try:
        upgrade(engine, "0014")
        with engine.connect() as db:
            employers = db.execute(
                text(
                    "SELECT a.code, e.name, e.key, e.commune, e.id FROM employer e"
                    " JOIN agency a ON a.id = e.agency_id ORDER BY a.code, e.key"
                )
            ).all()
            links = db.execute(
                text(
                    "SELECT a.code, o.employer, o.employer_id FROM offer o"
                    " JOIN agency a ON a.id = o.agency_id ORDER BY o.id"
                )
            ).all()
            kept_tags = db.execute(text("SELECT count(*) FROM offertag")).scalar_one()
        # The later migrations apply on top, and the result is the models' schema.
        upgrade(engine)
        with engine.connect() as db:
            assert not compare_metadata(MigrationContext.configure(db), SQLModel.metadata)
    finally:
        engine.dispose()
    avignon = {
        key: (name, commune) for code, name, key, commune, _ in employers if code == "avignon"
    }
    assert avignon == {
        # Three spellings, once each: the latest offer's names the file, in its commune.
        "boulangerie martin": ("boulangérie martin", "Le Pontet"),
        "boul martin": ("Boul. Martin", "Avignon"),
        "cave des papes": ("Cave des Papes", "Châteauneuf-du-Pape"),
        "sa majeste des crepes": ("Sa Majesté des Crêpes", "Avignon"),
        employer_key("🥐🥐"): ("🥐🥐", "Sorgues"),
    }
    ids = {(code, key): employer_id for code, _, key, _, employer_id in employers}
    by_offer = {(code, employer): employer_id for code, employer, employer_id in links}
    martin = ids["avignon", "boulangerie martin"]
    assert [by_offer["avignon", n] for n in OLD_OFFERS_NAMES[:3]] == [martin] * 3
    assert by_offer["avignon", "S.A.S. Cave des Papes"] == by_offer["avignon", "Cave des Papes"]
    assert by_offer["avignon", "Boul. Martin"] not in {martin, None}
    # Each agency has its own file for the same name; every offer is attached.
    assert by_offer["carpentras", "Boulangerie Martin"] == ids["carpentras", "boulangerie martin"]
    assert by_offer["carpentras", "Boulangerie Martin"] != martin
    assert None not in by_offer.values()
    assert len(employers) == 6
    # Nothing of the offers was lost on the way (their tags neither).
    assert sorted(e for c, e, _ in links if c == "avignon") == sorted(OLD_OFFERS_NAMES)
    assert kept_tags == 1
