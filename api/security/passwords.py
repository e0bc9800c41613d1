"""Password hashing with argon2id; hashes are upgraded when the parameters change.

Each argon2 hash or check takes 64 MiB for a fraction of a second. Unbounded, 40 parallel logins
took the server to 2.7 GB, with or without an account. So a process runs at most
``MAX_CONCURRENT_HASHES`` at once; a few more wait their turn for a bounded time, and beyond
that the caller is told to come back in a few seconds (503 with Retry-After) instead of queueing
without end, each waiter holding a worker thread and a database connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.errors import Throttled

MAX_CONCURRENT_HASHES = 2
MAX_WAITING = 16
WAIT_S = 10.0
BUSY_RETRY_AFTER_S = 5


class HashingBusy(Throttled):
    """Too many password checks in progress: the server asks to retry shortly."""

    status = 503

    def __init__(self) -> None:
        super().__init__(
            "Le serveur traite trop de connexions en même temps : "
            "réessayez dans quelques secondes.",
            retry_after=BUSY_RETRY_AFTER_S,
        )


class HashSlots:
    """A bounded number of concurrent hashes, with a bounded queue and a bounded wait."""

    def __init__(self, slots: int, max_waiting: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self._lock = threading.Lock()
        self._waiting = 0
        self._max_waiting = max_waiting
        self._wait_s = wait_s

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Run the body in a slot, or raise HashingBusy when the queue is full or too slow."""
        if not self._slots.acquire(blocking=False):
            with self._lock:
                if self._waiting >= self._max_waiting:
                    raise HashingBusy()
                self._waiting += 1
            try:
                got = self._slots.acquire(timeout=self._wait_s)
            finally:
                with self._lock:
                    self._waiting -= 1
            if not got:
                raise HashingBusy()
        try:
            yield
        finally:
            self._slots.release()


_hasher = PasswordHasher()
_slots = HashSlots(MAX_CONCURRENT_HASHES, MAX_WAITING, WAIT_S)

# Verified when the e-mail is unknown, so timing does not tell. The hash of a random, forgotten
# password, written out rather than computed: each process importing this module (every CLI
# command, every server start) would otherwise pay a full hash. A test keeps its parameters equal
# to the hasher's, so checking it costs what checking a real account does.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$A+A+wXFrAgpVmezB5f8JZw"
    "$WuaNSyBDR635n+qfqiAbes9GAq0tJkO71X3x7SKb8FA"
)


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password`` (may raise HashingBusy)."""
    with _slots.hold():
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; always spends the same work (may raise HashingBusy)."""
    with _slots.hold():
        try:
            return (
                _hasher.verify(password_hash or DUMMY_HASH, password) and password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses older parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)
