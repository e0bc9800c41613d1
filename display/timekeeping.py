"""Where the screen program reads the time: a monotonic clock for durations, wall time for
what is shown.

A Raspberry Pi has no battery-backed clock: it may boot believing it is last Tuesday, then
jump to the right time when NTP answers (or jump back an hour). So every duration (how old
the data is, when to retry, when the next heartbeat is due) is measured on the monotonic
clock, which never jumps; wall time only decides what people see (the clock, the date,
opening hours, which announcements run).

When the screen's own clock is far from the service's (the ``Date`` header of its answers),
the service's time, carried forward on the monotonic clock, is what is shown; the skew goes
to the managers with the heartbeat. Tests hand in both clocks and move them by hand::

    clocks = Clocks(now=lambda: datetime(2026, 11, 20, 9, 0, tzinfo=UTC), monotonic=lambda: 0.0)
    clocks.learn_service_time(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    clocks.now()      # 2026-11-23 09:00 UTC: three days off, the service's time is shown
    clocks.skew_s()   # 259200: the screen's clock is three days behind
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

log = logging.getLogger(__name__)

#: Set at release: a screen whose clock reads an earlier day has not been set to the time.
RELEASED_ON = date(2026, 11, 29)
#: Beyond this gap from the service's time the screen's own clock is not trusted (seconds).
TRUSTED_SKEW_S = 120.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


def service_time(date_header: str | None) -> datetime | None:
    """The moment an HTTP ``Date`` header gives (UTC), or None when absent or unreadable.

    >>> service_time("Mon, 23 Nov 2026 09:00:00 GMT")
    datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.timezone.utc)
    """
    if not date_header:
        return None
    try:
        moment = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class Clocks:
    """The screen's clocks: ``now`` (the system's wall clock, aware) and ``monotonic``
    (seconds that never jump), both replaceable by tests; see the module's docstring."""

    def __init__(
        self,
        now: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        released_on: date = RELEASED_ON,
    ) -> None:
        self.system_now = now
        self.monotonic = monotonic
        self.released_on = released_on
        # The service's time and the monotonic reading when it was learnt (None: not yet).
        self._anchor: tuple[datetime, float] | None = None
        self._trusting: bool | None = None

    def learn_service_time(self, moment: datetime | None) -> None:
        """Remember the service's time read from an answer (called by the feed's thread)."""
        if moment is not None:
            # A Date header drops the fraction of its second: half a second in on average.
            self._anchor = (moment + timedelta(seconds=0.5), self.monotonic())

    def service_now(self) -> datetime | None:
        """The service's time now, carried forward on the monotonic clock (None: unknown)."""
        anchor = self._anchor
        if anchor is None:
            return None
        moment, at = anchor
        return moment + timedelta(seconds=self.monotonic() - at)

    def skew_s(self) -> int | None:
        """How far the screen's own clock is behind the service's, in seconds (negative:
        ahead); None before any answer carrying a Date header."""
        service = self.service_now()
        if service is None:
            return None
        return round((service - self.system_now()).total_seconds())

    def before_release(self) -> bool:
        """True when the screen's own clock reads a day before this version was released."""
        return self.system_now().date() < self.released_on

    def now(self) -> datetime:
        """Wall time to show: the screen's own clock, or the service's when they are more than
        ``TRUSTED_SKEW_S`` apart (the screen's is then wrong: no NTP yet, or none at all)."""
        system = self.system_now()
        service = self.service_now()
        trusting = service is None or abs((service - system).total_seconds()) <= TRUSTED_SKEW_S
        if trusting != self._trusting:
            self._trusting = trusting
            if not trusting:
                log.warning(
                    "clock: the screen's clock says %s, the service's %s; showing the service's",
                    system.isoformat(timespec="seconds"),
                    service.isoformat(timespec="seconds") if service else "?",
                )
            elif service is not None:
                log.info("clock: the screen's clock agrees with the service's again")
        return system if trusting or service is None else service
