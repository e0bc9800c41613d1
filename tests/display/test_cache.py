"""The screen's disk cache: atomic writes, restart from it, corrupted files ignored."""

from __future__ import annotations

import json
import logging
import os
import stat

import pytest
from runtime_support import snapshot_dict

from display.cache import DisplayCache, atomic_write


def test_snapshot_round_trip(tmp_path):
    cache = DisplayCache(tmp_path / "nested" / "cache")
    cache.save_snapshot(json.dumps(snapshot_dict(title="Soudeur")), etag='"e1"')
    cached = cache.load_snapshot()
    assert cached.snapshot.offers[0].title == "Soudeur"
    assert cached.etag == '"e1"'
    # Nothing half-written is left behind.
    assert [p.name for p in cache.root.iterdir()] == ["snapshot.json"]


def test_empty_cache_is_no_snapshot(tmp_path):
    assert DisplayCache(tmp_path / "nothing").load_snapshot() is None


def test_corrupted_snapshot_is_logged_and_ignored(tmp_path, caplog):
    cache = DisplayCache(tmp_path)
    cache.save_snapshot(json.dumps(snapshot_dict()), etag=None)
    whole = cache.snapshot_path.read_bytes()
    for damaged in (whole[: len(whole) // 2], b"\x00" * 40, b"", b'{"etag": 1}'):
        cache.snapshot_path.write_bytes(damaged)
        with caplog.at_level(logging.WARNING, logger="display.cache"):
            assert cache.load_snapshot() is None
        assert "corrupted snapshot file" in caplog.text
        caplog.clear()


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "snapshot.json"
    atomic_write(target, b"old and good")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old and good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snapshot.json"]


def test_token_is_private(tmp_path):
    cache = DisplayCache(tmp_path)
    assert cache.load_token() is None
    cache.save_token("secret-token")
    assert cache.load_token() == "secret-token"
    mode = stat.S_IMODE((tmp_path / "screen_token").stat().st_mode)
    assert mode == 0o600


def test_photos_kept_per_source_and_pruned(tmp_path):
    cache = DisplayCache(tmp_path)
    cache.save_photo(1, "/p/1?v=1", b"one")
    cache.save_photo(1, "/p/1?v=2", b"one, new photo")
    cache.save_photo(2, "/p/2", b"two")
    assert cache.load_photo(1, "/p/1?v=2") == b"one, new photo"
    cache.prune_photos({1: "/p/1?v=2"})
    assert cache.load_photo(1, "/p/1?v=1") is None
    assert cache.load_photo(2, "/p/2") is None
    assert cache.load_photo(1, "/p/1?v=2") == b"one, new photo"
