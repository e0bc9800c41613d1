"""The golden fixture: ``tests/fixtures/snapshots/demo.json`` is what the server sends.

The screen's tests and the README pictures use that file. It is rebuilt here from the demo
seed through ``api.services.snapshot.build`` with the clock frozen and the offers' codes seeded
(see ``tests/fixtures/demo_snapshot.py``), and the two must agree in full: any change to the
contract, the seed or the snapshot's rules shows up here, and is settled by regenerating it
with ``python tests/fixtures/make_snapshots.py`` (then the README pictures, if they change).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from api.contract import Snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
from demo_snapshot import build_demo, dumps  # noqa: E402

COMMITTED = FIXTURES / "snapshots" / "demo.json"
REGENERATE = "régénérez-la : python tests/fixtures/make_snapshots.py"


@pytest.fixture(scope="module")
def produced() -> dict:
    return build_demo()


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(COMMITTED.read_text("utf-8"))


def test_the_committed_fixture_is_a_valid_snapshot(committed: dict) -> None:
    Snapshot.model_validate(committed)


def _paths(value: object, prefix: str = "") -> set[str]:
    """Every key path of a JSON document (list items under ``[]``): its structure."""
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in {f"{prefix}.{k}"} | _paths(v, f"{prefix}.{k}")}
    if isinstance(value, list):
        return {p for item in value for p in _paths(item, f"{prefix}[]")}
    return set()


def test_the_server_produces_the_same_structure(produced: dict, committed: dict) -> None:
    missing = _paths(produced) - _paths(committed)
    extra = _paths(committed) - _paths(produced)
    assert not missing, f"champs produits par le serveur absents de demo.json ({REGENERATE})"
    assert not extra, f"champs de demo.json que le serveur ne produit plus ({REGENERATE})"


@pytest.mark.parametrize(
    "part", ["agency", "screen", "offers", "hires", "challenge", "announcements", "generated_at"]
)
def test_the_server_produces_the_same_content(produced: dict, committed: dict, part: str) -> None:
    assert produced[part] == committed[part], f"demo.json a dérivé du serveur ({REGENERATE})"


def test_the_committed_file_is_exactly_what_the_generator_writes(produced: dict) -> None:
    assert COMMITTED.read_text("utf-8") == dumps(produced), REGENERATE
