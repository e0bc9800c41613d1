"""The snapshot contract grows additively: screens in the field keep working.

Within ``SCHEMA_VERSION`` 1 the contract only gains optional fields (api/contract.py says the
rule). ``tests/fixtures/frozen_contract.py`` is the contract as screens in the field know it
(before tags became first-class) and ``snapshots/frozen/demo-before-tags.json`` the demo
snapshot such a server sent. Both directions are checked:
- an older screen reads the newer server's snapshot (its models ignore new fields; every field
  it needs is still there, with the same meaning) and draws its offers;
- a newer screen reads the older server's snapshot, or its own cache from before an update
  (new fields have defaults), and draws the first tag all the same.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pygame
from display_support import NOW, SNAPSHOTS, load_snapshot, snapshot_dict

from api.contract import (
    SCHEMA_VERSION,
    ActivityChantier,
    ActivityFillDays,
    ActivityMonth,
    Snapshot,
    SnapshotActivity,
    SnapshotEvent,
)
from display.scenes.offers import card_tag
from display.screenshot import render_frame

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
import frozen_contract as old

OLD_DEMO = SNAPSHOTS / "frozen" / "demo-before-tags.json"


def _paths(value: object, prefix: str = "") -> dict[str, set[str]]:
    """Every key path of a JSON document with the JSON types seen there."""
    out: dict[str, set[str]] = {}

    def walk(v: object, p: str) -> None:
        out.setdefault(p, set()).add(type(v).__name__)
        if isinstance(v, dict):
            for k, item in v.items():
                walk(item, f"{p}.{k}")
        elif isinstance(v, list):
            for item in v:
                walk(item, f"{p}[]")

    walk(value, prefix)
    return out


def test_the_schema_version_did_not_move() -> None:
    assert SCHEMA_VERSION == old.SCHEMA_VERSION == 1


def test_an_older_screen_reads_the_newer_server_s_snapshot() -> None:
    for name in ("demo", "sample", "stress", "empty"):
        data = snapshot_dict(name)
        seen = old.Snapshot.model_validate(data)  # the older screen's own validation
        assert len(seen.offers) == len(data["offers"])
        assert [o.tags for o in seen.offers] == [o["tags"] for o in data["offers"]]


def test_nothing_an_older_screen_reads_went_away_or_changed_type() -> None:
    before = _paths(json.loads(OLD_DEMO.read_text("utf-8")))
    after = _paths(snapshot_dict("demo"))
    missing = set(before) - set(after)
    assert not missing, f"fields an older screen reads are gone: {sorted(missing)}"
    for path, types in before.items():
        if "NoneType" in types or "NoneType" in after[path]:
            continue  # null or a value: either may appear in one document
        assert after[path] == types, (path, types, after[path])
    added = {p.rsplit(".", 1)[-1] for p in set(after) - set(before)}
    agenda = {"agenda", "agenda[]", "cde", "cdde", *SnapshotEvent.model_fields}
    criee = {"criee", "criee[]"}
    activity = {"activity", "months[]", "fill_days[]", "chantiers[]"}
    for model in (SnapshotActivity, ActivityMonth, ActivityFillDays, ActivityChantier):
        activity |= set(model.model_fields)
    assert added <= {"first_tag"} | agenda | criee | activity, (
        f"document the new fields in api/contract.py: {added}"
    )


def test_every_new_field_has_a_default_for_older_snapshots() -> None:
    def fields(model: type) -> dict[str, bool]:
        return {n: f.is_required() for n, f in model.model_fields.items()}

    for name in dir(old):
        model = getattr(old, name)
        if not (isinstance(model, type) and hasattr(model, "model_fields")):
            continue
        if name in {"BaseModel"} or not hasattr(sys.modules["api.contract"], name):
            continue
        new = getattr(sys.modules["api.contract"], name)
        before, after = fields(model), fields(new)
        assert set(before) <= set(after), (name, set(before) - set(after))
        for added in set(after) - set(before):
            assert not after[added], f"{name}.{added} must be optional"
        for kept in before:  # a field an older server left out may not become required
            assert after[kept] <= before[kept], f"{name}.{kept} became required"


def test_a_newer_screen_reads_an_older_snapshot_and_still_shows_the_first_tag(
    assets, artifacts
) -> None:
    snapshot = Snapshot.model_validate_json(OLD_DEMO.read_text("utf-8"))
    assert all(o.first_tag is None for o in snapshot.offers)  # the older server sent none
    tagged = [o for o in snapshot.offers if o.tags]
    assert tagged and all(card_tag(o) == o.tags[0] for o in tagged)
    surface, renderer = render_frame(snapshot, "offers", (1920, 1080), NOW, assets)
    pygame.image.save(surface, str(artifacts / "offers-older-snapshot-1920x1080.png"))
    shown = [b.text for b in renderer.text_boxes if b.role == "offer-tags"]
    assert shown and all(text.startswith("#") for text in shown)


def test_the_server_s_choice_of_tag_wins() -> None:
    offer = (
        load_snapshot("demo").offers[0].model_copy(update={"tags": ["#a", "#b"], "first_tag": "#b"})
    )
    assert card_tag(offer) == "#b"


def test_a_playlist_naming_a_scene_unknown_to_the_screen_plays_the_others() -> None:
    from display.feed import parse_snapshot

    data = snapshot_dict("demo")
    data["screen"]["playlist"] = [
        {"scene": "offers", "duration_s": 20},
        {"scene": "a_future_scene", "duration_s": 15},
        {"scene": "hires", "duration_s": 10},
    ]
    parsed = parse_snapshot(json.dumps(data))
    assert parsed is not None
    assert [e.scene for e in parsed.screen.playlist] == ["offers", "hires"]
