"""When the corridor screen is on: the agency's opening hours, in the agency's timezone.

Outside those hours the screen shows black and runs ``COULOIR_SCREEN_OFF_COMMAND`` (the Pi
image wires it to HDMI-CEC); at opening it runs ``COULOIR_SCREEN_ON_COMMAND``. An empty
schedule means "always on".

    >>> monday = OpeningSlot(weekday=0, opens="08:30", closes="17:00")
    >>> is_open([monday], datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/Paris")))
    True
    >>> is_open([], datetime(2026, 11, 28, 23, 0, tzinfo=ZoneInfo("Europe/Paris")))
    True
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import time
from collections.abc import Sequence
from datetime import datetime
from datetime import time as clock_time
from functools import lru_cache
from zoneinfo import ZoneInfo

from api.clock import zone
from api.contract import OpeningSlot, Snapshot

log = logging.getLogger(__name__)


def _parse(hhmm: str) -> clock_time:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    if hours == 24 and minutes == 0:
        return clock_time.max
    return clock_time(hours, minutes)


def is_open(schedule: Sequence[OpeningSlot], local_now: datetime) -> bool:
    """Return True if ``local_now`` (agency local time) falls in one opening slot.

    A slot whose closing time is not after its opening time runs past midnight.
    """
    if not schedule:
        return True
    today = local_now.weekday()
    yesterday = (today - 1) % 7
    clock = local_now.time().replace(tzinfo=None)
    for slot in schedule:
        try:
            opens, closes = _parse(slot.opens), _parse(slot.closes)
        except ValueError:
            log.warning("schedule: ignoring slot %s-%s", slot.opens, slot.closes)
            continue
        if opens < closes:
            if slot.weekday == today and opens <= clock < closes:
                return True
        else:  # overnight: from ``opens`` on its day until ``closes`` the next day
            if slot.weekday == today and clock >= opens:
                return True
            if slot.weekday == yesterday and clock < closes:
                return True
    return False


def agency_zone(snapshot: Snapshot | None) -> ZoneInfo:
    """The agency's timezone (Europe/Paris when unknown, the rule of ``api.clock.zone``)."""
    return _zone(snapshot.agency.timezone if snapshot else "")


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    # Looked up once per name: the loop asks every frame, and an unknown name warns once.
    return zone(name)


class ScreenPower:
    """Tracks on/off and runs the configured commands on each transition."""

    def __init__(self, on_command: str | None = None, off_command: str | None = None) -> None:
        self.on_command = on_command
        self.off_command = off_command
        #: None until the first decision, so the first decision always runs its command.
        self.is_on: bool | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._pending: list[str] = []

    def update(self, snapshot: Snapshot | None, now: datetime) -> bool:
        """Decide on/off for ``now`` (aware datetime); return True if the screen is on."""
        on = True
        if snapshot is not None:
            on = is_open(snapshot.screen.schedule, now.astimezone(agency_zone(snapshot)))
        if on != self.is_on:
            self.is_on = on
            # Starting up during opening hours runs "on" too: the TV may have been left in
            # standby (a power cut, the screen restarted after an "off").
            log.info("schedule: screen %s", "on" if on else "off")
            self._run(self.on_command if on else self.off_command)
        self._reap()
        return on

    def _run(self, command: str | None) -> None:
        if command:
            # One at a time and in order: "off" then "on" must reach the TV in that order.
            self._pending.append(command)
            self._reap()

    def _start(self, command: str) -> None:
        try:
            # The operator's own command; not waited for, so a slow CEC call cannot
            # freeze the picture.
            self._child = subprocess.Popen(
                shlex.split(command),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError) as exc:
            log.warning("schedule: command %r failed to start: %s", command, exc)
            self._child = None

    def _reap(self) -> None:
        child = self._child
        if child is not None:
            code = child.poll()
            if code is None:
                return
            self._child = None
            if code != 0:
                log.warning("schedule: command %s exited with %d", child.args, code)
        while self._child is None and self._pending:
            self._start(self._pending.pop(0))

    def wait(self, timeout: float = 5.0) -> None:
        """Wait for the commands still queued or running (tests, clean exit)."""
        deadline = time.monotonic() + timeout
        while self._child is not None or self._pending:
            child = self._child
            if child is not None:
                try:
                    child.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    log.warning("schedule: command %s still running", child.args)
                    return
            self._reap()
