"""systemd notifications (``sd_notify``) in a few lines of stdlib socket code.

Under systemd with ``Type=notify`` and ``WatchdogSec=``, the unit sets ``NOTIFY_SOCKET``
(and ``WATCHDOG_USEC``). The render loop calls :meth:`Notifier.ready` once the first frame
is on screen and :meth:`Notifier.tick` every frame; ``WATCHDOG=1`` then goes out at half
the watchdog period, so a frozen loop stops sending it and systemd restarts the program.
Without ``NOTIFY_SOCKET`` every call does nothing.

    >>> notifier = Notifier(None)  # what ``from_environment()`` gives outside systemd
    >>> notifier.ready()
    False
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)

_DEFAULT_WATCHDOG_PERIOD_S = 10.0


class Notifier:
    """Sends datagrams to systemd's notification socket, if there is one."""

    def __init__(
        self,
        address: str | None,
        watchdog_usec: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.address = address or None
        # Ping at half the watchdog period so one late frame does not get us killed.
        period = watchdog_usec / 1_000_000 if watchdog_usec else _DEFAULT_WATCHDOG_PERIOD_S * 2
        self.watchdog_every_s = period / 2
        self._clock = clock
        self._last_watchdog: float | None = None
        self._socket: socket.socket | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        """Build from ``NOTIFY_SOCKET`` and ``WATCHDOG_USEC``."""
        env = os.environ if environ is None else environ
        usec = env.get("WATCHDOG_USEC", "")
        return cls(env.get("NOTIFY_SOCKET"), int(usec) if usec.isdigit() else None)

    @property
    def enabled(self) -> bool:
        """True when running under systemd's notification protocol."""
        return self.address is not None

    def notify(self, message: str) -> bool:
        """Send one notification (``"READY=1"``...); return True if it was sent."""
        if self.address is None:
            return False
        # A leading "@" names a Linux abstract socket, spelt with a NUL byte.
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            if self._socket is None:
                self._socket = socket.socket(
                    socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC
                )
            self._socket.sendto(message.encode("utf-8"), target)
        except OSError as exc:
            log.warning("notify: could not tell systemd %r: %s", message, exc)
            return False
        return True

    def ready(self) -> bool:
        """Tell systemd the program is up (first frame shown)."""
        self._last_watchdog = self._clock()
        return self.notify("READY=1\nSTATUS=Écran en marche")

    def tick(self) -> bool:
        """Call every frame; sends ``WATCHDOG=1`` when due. Returns True if sent."""
        if self.address is None:
            return False
        now = self._clock()
        if self._last_watchdog is not None and now - self._last_watchdog < self.watchdog_every_s:
            return False
        self._last_watchdog = now
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        """Tell systemd a clean exit is under way."""
        return self.notify("STOPPING=1")

    def close(self) -> None:
        """Release the socket."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
