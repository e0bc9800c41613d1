"""Helpers shared by the screen's tests: fixture snapshots, sizes, the fixtures' "now"."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from api.contract import Snapshot

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOTS = ROOT / "tests" / "fixtures" / "snapshots"
ARTIFACTS = ROOT / "artifacts" / "display"
PARIS = timezone(timedelta(hours=1))
# The fixtures' "now": Saturday 28 November 2026, 10:15 in Avignon.
NOW = datetime(2026, 11, 28, 10, 15, tzinfo=PARIS)
SIZES = ((1280, 720), (1920, 1080), (3840, 2160), (1080, 1920))


def load_snapshot(name: str) -> Snapshot:
    """A fixture snapshot by file stem (empty, sample, stress, demo when present)."""
    return Snapshot.model_validate_json((SNAPSHOTS / f"{name}.json").read_text("utf-8"))


def snapshot_dict(name: str) -> dict:
    return json.loads((SNAPSHOTS / f"{name}.json").read_text("utf-8"))


def fixture_names() -> list[str]:
    """Every fixture present: the lead's demo.json joins automatically."""
    return sorted(p.stem for p in SNAPSHOTS.glob("*.json"))
