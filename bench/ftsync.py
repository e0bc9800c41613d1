"""France Travail sync benchmark: 500 linked offers refreshed against the loopback stand-in.

Builds a fresh database (SQLite in a temporary folder, or ``--database-url``), links
``--offers`` offers to the stand-in's offers (each with a staff note, a tag and a proposal that
the sync must not touch), then runs the sync twice with the production client (4 calls a
second, the stand-in refusing beyond 5): a first run that takes the baselines, and a second
after France Travail changed 10 % of the offers and withdrew 2 %. Prints each run's time,
the fastest second of calls seen by the stand-in, its 429 answers, and checks that nothing
local changed.

    .venv/bin/python bench/ftsync.py [--offers 500] [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from api.db import make_engine  # noqa: E402
from api.migrate import upgrade  # noqa: E402
from api.models import CandidateProposal, Offer  # noqa: E402
from api.models.offer import OfferCreate  # noqa: E402
from api.services import francetravail_sync, offers  # noqa: E402
from api.settings import Settings  # noqa: E402
from tests import factories  # noqa: E402
from tests.support.francetravail import FakeFranceTravail, make_offer  # noqa: E402

NOTE = "Note de la CDE : ne pas toucher"


def _busiest_second(times: list[float]) -> int:
    """The most calls the stand-in received within any one second."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="couloir-ftsync-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'couloir.db'}"
    engine = make_engine(url)
    upgrade(engine)
    numbers = [f"2{index:06d}B" for index in range(args.offers)]
    upstream = [make_offer(n, intitule=f"Offre n° {i}") for i, n in enumerate(numbers)]
    with FakeFranceTravail(upstream, rate_limit=5) as fake:
        settings = Settings(
            data_dir=folder,
            database_url=url,
            france_travail_client_id=fake.client_id,
            france_travail_client_secret=fake.client_secret,
            france_travail_api_url=fake.api_url,
            france_travail_token_url=fake.token_url,
        )
        with Session(engine, expire_on_commit=False) as db:
            agency = factories.agency(db)
            cde = factories.staff(db, agency, "cde")
            for index, number in enumerate(numbers):
                offer = offers.create_offer(
                    db,
                    cde,
                    OfferCreate(
                        employer="JARDINS DU MAINE",
                        title=f"Offre n° {index}",
                        contract="CDI",
                        commune="Le Mans",
                        description=upstream[index]["description"],
                        staff_note=NOTE,
                        tags=["#bench"],
                        ft_offer_id=number,
                    ),
                )
                offers.propose_candidate(db, cde, offer)
        print(f"{args.offers} offres liées ({engine.dialect.name})")
        results = []
        for run in (1, 2):
            if run == 2:
                for index, number in enumerate(numbers):
                    if index % 10 == 0:
                        fake.offers[number]["intitule"] = f"Offre n° {index} (mise à jour)"
                    elif index % 50 == 1:
                        fake.withdraw(number)
            fake.calls.clear()
            started = time.perf_counter()
            report = francetravail_sync.sync_once(engine, settings, force=True)
            elapsed = time.perf_counter() - started
            assert report is not None and report.failed is None, report
            calls = sorted(c.at for c in fake.api_calls())
            results.append(elapsed)
            print(
                f"synchro {run} : {elapsed:.1f} s pour {report.checked} offres "
                f"({report.updated} mises à jour, {report.withdrawn} retirées) ; "
                f"{len(calls)} appels, au plus {_busiest_second(calls)} par seconde "
                f"(limite 5), {report.malformed} illisibles"
            )
        with Session(engine) as db:
            rows = db.exec(select(Offer)).all()
            untouched = all(o.staff_note == NOTE and o.tags == ["#bench"] for o in rows)
            proposals = len(db.exec(select(CandidateProposal)).all())
        print(
            f"champs locaux intacts : {'oui' if untouched else 'NON'} ; "
            f"propositions : {proposals}/{args.offers} ; offres : {len(rows)}/{args.offers}"
        )
    engine.dispose()
    interval_s = settings.france_travail_sync_minutes * 60
    print(f"intervalle par défaut : {interval_s} s ; synchro la plus longue : {max(results):.0f} s")
    return 0 if untouched and proposals == args.offers and len(rows) == args.offers else 1


if __name__ == "__main__":
    sys.exit(main())
