"""Agency-wide suggestions in-process, against the stand-in: small businesses' offers in the
agency's communes are filed « À importer », lacking candidates first; accepted ones become
linked offers, dismissed ones never come back; ``couloir import francetravail`` says it all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from api.cli import main
from api.errors import Conflict, Invalid
from api.francetravail.client import FranceTravailClient
from api.models import Agency, FranceTravailSuggestion, Staff
from api.services import francetravail_suggestions as suggestions
from api.services import francetravail_sync as ftsync
from api.services import offers
from api.settings import Settings
from tests import factories
from tests.support.francetravail import FakeFranceTravail, make_offer, sample_offers

COMMUNES = ["72181", "72124"]
TPE_IN_COMMUNES = 42  # sample_offers: 186XWJK, 187BQRT and 40 waiters (189LONG: 50 to 99)
LACKING = 15  # 187BQRT and one waiter in three


@pytest.fixture
def fake() -> Iterator[FakeFranceTravail]:
    with FakeFranceTravail(sample_offers(), rate_limit=100_000) as server:
        yield server


@pytest.fixture
def settings(fake: FakeFranceTravail, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        france_travail_client_id=fake.client_id,
        france_travail_client_secret=fake.client_secret,
        france_travail_api_url=fake.api_url,
        france_travail_token_url=fake.token_url,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[FranceTravailClient]:
    with FranceTravailClient.from_settings(settings, calls_per_second=1000.0) as made:
        yield made


@pytest.fixture
def cde(db: Session, agency: Agency) -> Staff:
    return factories.staff(db, agency, "cde")


def test_only_small_businesses_lacking_candidates_first(client) -> None:  # type: ignore[no-untyped-def]
    found = suggestions.search(client, COMMUNES)
    assert len(found) == TPE_IN_COMMUNES
    assert "189LONG" not in {p.ft_offer_id for p in found}
    assert all(p.is_tpe for p in found)
    assert [p.lacks_candidates for p in found] == [True] * LACKING + [False] * (
        TPE_IN_COMMUNES - LACKING
    )


def test_search_follows_the_pages(fake, client) -> None:  # type: ignore[no-untyped-def]
    for index in range(320):
        number = f"3{index:05d}C"
        fake.offers[number] = make_offer(
            number, lieuTravail={"libelle": "72 - ALLONNES", "commune": "72003"}
        )
    assert len(suggestions.search(client, ["72003"])) == 320
    assert [c.query["range"] for c in fake.api_calls()] == [["0-149"], ["150-299"], ["300-449"]]


def test_filed_once_dismissed_stay_dismissed_accepted_become_linked_offers(
    engine, db, agency, cde, client
) -> None:  # type: ignore[no-untyped-def]
    found = suggestions.search(client, COMMUNES)
    assert suggestions.file_suggestions(db, agency.id, found).new == TPE_IN_COMMUNES
    waiting = suggestions.pending(db, agency.id)
    assert waiting[0].ft_offer_id == "187BQRT" and waiting[0].lacks_candidates
    offer = suggestions.accept(db, cde, waiting[0])
    assert (offer.ft_offer_id, offer.owner_id, offer.title) == (
        "187BQRT",
        cde.id,
        "Boulanger / Boulangère — pâtisserie fine (H/F)",
    )
    assert offer.ft_url and offer.ft_url.endswith("/187BQRT")
    suggestions.dismiss(db, cde, waiting[1])
    with pytest.raises(Conflict, match="déjà été écartée"):
        suggestions.accept(db, cde, waiting[1])
    again = suggestions.file_suggestions(db, agency.id, suggestions.search(client, COMMUNES))
    assert again == suggestions.SuggestionsFiled(
        new=0, known=TPE_IN_COMMUNES - 2, dismissed=1, linked=1
    )
    assert len(suggestions.pending(db, agency.id)) == TPE_IN_COMMUNES - 2
    # The imported offer deleted later: the suggestion stays accepted (not suggested again).
    offers.delete_offer(db, cde, offer, None)
    with Session(engine) as fresh:
        kept = fresh.get(FranceTravailSuggestion, waiting[0].id)
        assert kept is not None and (kept.status, kept.offer_id) == ("accepted", None)
    # Another agency sees the same offers as its own suggestions.
    other = factories.agency(db)
    assert suggestions.file_suggestions(db, other.id, found).new == TPE_IN_COMMUNES


def test_communes_are_insee_codes(db, agency) -> None:  # type: ignore[no-untyped-def]
    assert suggestions.parse_communes(" 72181; 72124,2A004 72181") == ["72181", "72124", "2A004"]
    for bad in ("Le Mans", "7218", "🍞" * 10_000):
        with pytest.raises(Invalid, match="n'est pas un code commune INSEE"):
            suggestions.parse_communes(bad)
    with pytest.raises(Invalid, match="50 communes au plus"):
        suggestions.parse_communes(",".join(f"72{i:03d}" for i in range(51)))
    suggestions.set_communes(db, agency, ["72181"])
    assert suggestions.communes_of(db, agency.id) == ["72181"]


def test_the_scheduled_sync_files_suggestions(engine, db, agency, settings, client) -> None:  # type: ignore[no-untyped-def]
    suggestions.set_communes(db, agency, COMMUNES)
    report = ftsync.sync_once(engine, settings, force=True, client=client)
    assert report is not None and report.suggested == TPE_IN_COMMUNES


def test_the_command_line_dry_run_then_import(
    engine, db, agency, cde, fake, settings, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COULOIR_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COULOIR_DATA_DIR", str(settings.data_dir))
    for name in ("client_id", "client_secret", "api_url", "token_url"):
        monkeypatch.setenv(
            f"COULOIR_FRANCE_TRAVAIL_{name.upper()}", getattr(settings, f"france_travail_{name}")
        )
    code = agency.code
    assert main(["import", "francetravail", "--agency", code]) == 2
    assert "aucune commune pour l'agence" in capsys.readouterr().err
    assert main(["import", "francetravail", "--agency", code, "--communes", "Le Mans"]) == 1
    assert "n'est pas un code commune INSEE" in capsys.readouterr().err
    args = ["import", "francetravail", "--agency", code, "--communes", "72181,72124"]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert (
        "187BQRT · Boulanger / Boulangère — pâtisserie fine (H/F) · BOULANGERIE L'ÉPI D'OR" in out
    )
    assert f"{TPE_IN_COMMUNES} offre(s) de TPE trouvée(s), dont {LACKING} en manque" in out
    assert "rien n'a été enregistré" in out
    assert suggestions.pending(db, agency.id) == []
    assert suggestions.communes_of(db, agency.id) == []
    assert main(args) == 0
    assert f"{TPE_IN_COMMUNES} nouvelle(s) dans « À importer »" in capsys.readouterr().out
    assert main(["import", "francetravail", "--agency", code]) == 0  # the communes were kept
    assert f"0 nouvelle(s) dans « À importer », {TPE_IN_COMMUNES} déjà proposée(s)" in (
        capsys.readouterr().out
    )
