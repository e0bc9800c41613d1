"""What one agency's snapshot build and one offer edit cost in processor time, on PostgreSQL.

The burst of ``bench/scale.py`` is CPU-bound: its figures are these two costs times the number of
edits, shared by two instances, PostgreSQL and the client on two cores, and they move with
whatever else the machine runs. This measures the two costs alone, in this process, so that a
change to either can be judged on a busy or noisy machine:

- **build**: ``snapshot.build_agency_part`` for every agency of a bulk-seeded network (40 open
  offers per agency on average, 200 at most), each in a session of its own on the reading
  engine, as the server's builders do (reading the agency row included);
- **edit**: what ``PATCH /api/v1/offers/{id}`` does below HTTP: the staff member and agency of a
  bearer token, the offer's board entry, the edit with its journal line and revision bump,
  the commit, the answer's JSON.

Each is repeated; the report gives every round and the lowest (the least disturbed by other
processes: compare lowest with lowest). PostgreSQL's own CPU is counted apart (its processes on
this machine, ended backends included). A fresh database is made and dropped; only 127.0.0.1 is
used.

    .venv/bin/python bench/unit_costs.py [--agencies 100] [--rounds 5] [--edits 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import base_database_url, seed_database  # noqa: E402
from bench.scale_probe import postgres_seconds, python_loop_seconds  # noqa: E402
from tests.support.databases import create_database, drop_database  # noqa: E402


def rounds(work: Callable[[], int], count: int) -> list[tuple[float, float]]:
    """(our CPU ms, PostgreSQL CPU ms) per unit of ``work`` (which returns its units), per round."""
    work()  # warm: imports, statement caches, the pool
    figures = []
    for _ in range(count):
        ours, theirs = time.process_time(), postgres_seconds()
        units = work()
        figures.append(
            (
                (time.process_time() - ours) / units * 1000,
                (postgres_seconds() - theirs) / units * 1000,
            )
        )
    return figures


def report(name: str, figures: list[tuple[float, float]]) -> None:
    """One line per measure: each round, then the lowest."""
    ours = " ".join(f"{f[0]:.2f}" for f in figures)
    theirs = " ".join(f"{f[1]:.2f}" for f in figures)
    print(f"{name}: CPU ms {ours}  (lowest {min(f[0] for f in figures):.2f})")
    print(f"{'':{len(name)}}  PostgreSQL ms {theirs}  (lowest {min(f[1] for f in figures):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--edits", type=int, default=300, help="edits per round")
    args = parser.parse_args()

    from sqlmodel import Session

    from api.db import make_engine, reading_engine
    from api.models import Agency
    from api.models.offer import OfferUpdate
    from api.security.sessions import staff_and_agency_for_token
    from api.services import offers, snapshot

    base = base_database_url(None)
    url = create_database(Path(tempfile.mkdtemp(prefix="couloir-costs-")), base=base)
    engine = None
    try:
        seeds = seed_database(
            url,
            argparse.Namespace(
                agencies=args.agencies,
                screens=args.agencies * 2,
                staff=args.agencies * 10,
                offers_mean=40,
                offers_max=200,
            ),
        )
        engine = make_engine(url)
        builders = reading_engine(engine)

        def build_all() -> int:
            for agency in seeds:
                with Session(builders, expire_on_commit=False) as db:
                    row = db.get(Agency, agency.id)
                    assert row is not None
                    snapshot.build_agency_part(db, row, "http://127.0.0.1")
            return len(seeds)

        editor = max(seeds, key=lambda a: len(a.offer_ids))
        edits = 0

        def edit_many() -> int:
            nonlocal edits
            for _ in range(args.edits):
                edits += 1
                offer_id = editor.offer_ids[edits % len(editor.offer_ids)]
                with Session(engine, expire_on_commit=False) as db:
                    found = staff_and_agency_for_token(db, editor.editor_token)
                    assert found is not None
                    staff, agency = found
                    ctx = offers.OfferContext.for_agency(agency, "http://127.0.0.1")
                    entry = offers.get_entry(db, editor.id, offer_id, ctx)
                    change = OfferUpdate(title=f"Poste modifié {edits} (H/F)")
                    offers.update_offer(db, staff, entry.offer, change, None)
                    offers.public_entry(entry, ctx).model_dump_json()
            return args.edits

        print(f"a 10-million-step Python loop: {python_loop_seconds():.2f} s of CPU here")
        report("agency build", rounds(build_all, args.rounds))
        report("offer edit  ", rounds(edit_many, args.rounds))
    finally:
        if engine is not None:
            engine.dispose()
        drop_database(url)


if __name__ == "__main__":
    main()
