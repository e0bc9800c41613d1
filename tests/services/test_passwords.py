"""The unknown-account check costs what a real one does."""

from __future__ import annotations

from api.security.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password


def test_the_unknown_account_hash_uses_the_current_parameters() -> None:
    # Older parameters would make a login for an unknown e-mail faster: timing would tell.
    assert not needs_rehash(DUMMY_HASH)
    assert DUMMY_HASH.split("$")[:4] == hash_password("Cerisier-Lavande-1789").split("$")[:4]


def test_no_password_opens_an_unknown_account() -> None:
    assert not verify_password(None, "")
    assert not verify_password(None, "couloir-dummy-password")
