"""The fleet update timer's decision, in-process: target against installed version, inside or
outside the maintenance window (in the agency's time zone), the Pi's clock, earlier failures."""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import sys
import urllib.error
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
from deploy_support import DEPLOY


def _load() -> ModuleType:
    path = DEPLOY / "bin" / "couloir-fleet-update"
    loader = importlib.machinery.SourceFileLoader("couloir_fleet_update", str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # dataclasses look their module up there
    loader.exec_module(module)
    return module


fleet = _load()
# 03:30 in Paris on a winter night (UTC+1).
NIGHT = datetime(2026, 11, 30, 2, 30, tzinfo=UTC)
NIGHT_WINDOW = {"opens": "02:00", "closes": "05:00", "timezone": "Europe/Paris"}


def order(now: datetime = NIGHT, **changes: Any) -> dict[str, Any]:
    """What the service answers, announcing 1.5.0 with its wheel and pins."""
    return {
        "target_version": "1.5.0",
        "window": NIGHT_WINDOW,
        "server_time": now.isoformat(),
        "wheel_path": "/api/v1/display/update/wheel",
        "wheel_name": "couloir-1.5.0-py3-none-any.whl",
        "wheel_sha256": "0" * 64,
        "constraints": "fastapi==0.115.0\n",
        **changes,
    }


def test_a_new_version_inside_the_window_is_installed() -> None:
    decision = fleet.decide(order(), "1.4.0", NIGHT, {})
    assert decision.action == "update"
    assert decision.reason == "1.4.0 -> 1.5.0"


@pytest.mark.parametrize(
    ("target", "installed", "why"),
    [
        (None, "1.4.0", "le service n'annonce aucune version"),
        ("", "1.4.0", "le service n'annonce aucune version"),
        ("1.5.0", "1.5.0", "Couloir 1.5.0 tourne déjà"),
    ],
)
def test_nothing_to_do_when_no_target_or_already_there(
    target: str | None, installed: str, why: str
) -> None:
    decision = fleet.decide(order(target_version=target), installed, NIGHT, {})
    assert (decision.action, decision.reason) == ("nothing", why)


@pytest.mark.parametrize(
    ("utc", "inside"),
    [
        ("00:59", False),  # 01:59 in Paris
        ("01:00", True),  # 02:00: the window opens
        ("03:59", True),
        ("04:00", False),  # 05:00: closed
        ("12:00", False),  # daytime, agency open
    ],
)
def test_the_window_is_read_in_the_agencys_time_zone(utc: str, inside: bool) -> None:
    hours, minutes = map(int, utc.split(":"))
    now = NIGHT.replace(hour=hours, minute=minutes)
    decision = fleet.decide(order(now), "1.4.0", now, {})
    assert decision.action == ("update" if inside else "wait"), decision.reason
    if not inside:
        assert decision.reason == "hors de la fenêtre de maintenance (02:00–05:00)"


def test_summer_time_moves_the_window_in_utc() -> None:
    summer = datetime(2026, 7, 1, 0, 30, tzinfo=UTC)  # 02:30 in Paris (UTC+2)
    assert fleet.decide(order(summer), "1.4.0", summer, {}).action == "update"
    assert fleet.in_window(NIGHT_WINDOW, summer)
    assert not fleet.in_window(NIGHT_WINDOW, summer + timedelta(hours=3))


def test_a_window_across_midnight() -> None:
    late = {"opens": "22:30", "closes": "01:00", "timezone": "Europe/Paris"}
    paris = NIGHT.replace(hour=22)  # 23:00 in Paris
    assert fleet.in_window(late, paris)
    assert fleet.in_window(late, NIGHT.replace(hour=23, minute=45))  # 00:45
    assert not fleet.in_window(late, NIGHT.replace(hour=0, minute=0))  # 01:00
    assert not fleet.in_window(late, NIGHT.replace(hour=20))  # 21:00


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-11), timedelta(minutes=11), timedelta(days=-400)]
)
def test_a_pi_clock_far_from_the_services_waits(skew: timedelta) -> None:
    """A Pi without network time (no battery clock) must not trust its own idea of night."""
    pi_now = NIGHT + skew
    decision = fleet.decide(order(NIGHT), "1.4.0", pi_now, {})
    assert decision.action == "wait"
    assert "l'horloge du Pi" in decision.reason and "diffère de celle du service" in decision.reason


def test_a_small_clock_difference_is_tolerated() -> None:
    assert fleet.decide(order(NIGHT), "1.4.0", NIGHT + timedelta(minutes=4), {}).action == "update"


def test_a_failed_version_is_tried_again_the_next_night_only() -> None:
    failed = {"target": "1.5.0", "result": "rolled_back", "at": NIGHT.isoformat()}
    half_hour = NIGHT + timedelta(minutes=30)
    decision = fleet.decide(order(half_hour), "1.4.0", half_hour, failed)
    assert decision.action == "wait" and "nouvel essai la nuit suivante" in decision.reason
    next_night = NIGHT + timedelta(days=1)
    assert fleet.decide(order(next_night), "1.4.0", next_night, failed).action == "update"
    # Another target is tried at once.
    newer = order(half_hour, target_version="1.5.1")
    assert fleet.decide(newer, "1.4.0", half_hour, failed).action == "update"


@pytest.mark.parametrize("missing", ["wheel_path", "wheel_sha256", "constraints"])
def test_nothing_is_installed_without_the_wheel_and_its_pins(missing: str) -> None:
    decision = fleet.decide(order(**{missing: None}), "1.4.0", NIGHT, {})
    assert decision.action == "wait"
    assert decision.reason == "la roue de 1.5.0 ou ses versions épinglées manquent sur le service"


def test_an_odd_target_is_never_used_as_a_path() -> None:
    decision = fleet.decide(order(target_version="../../etc"), "1.4.0", NIGHT, {})
    assert decision.action == "wait" and "illisible" in decision.reason


def test_the_env_file_is_parsed_not_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = tmp_path / "couloir.env"
    env.write_text(
        "# comment\nCOULOIR_API_URL=http://srv:8000\n"
        'COULOIR_SCREEN_TOKEN="tok en"\nCOULOIR_X=$(touch /tmp/nope)\n'
    )
    values = fleet.read_env(env)
    assert values["COULOIR_API_URL"] == "http://srv:8000"
    assert values["COULOIR_SCREEN_TOKEN"] == "tok en"
    assert values["COULOIR_X"] == "$(touch /tmp/nope)"


# --- One run of the timer, with the service and update.sh stubbed (their real run is in
# test_update.py) -------------------------------------------------------------------------------


class StubService:
    """The service as the timer sees it: an order, a wheel, and reports that may fail."""

    wheel = b"the wheel"
    reachable = True
    reports: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, base_url: str, token: str) -> None:
        assert (base_url, token) == ("http://srv:8000", "tok-123")

    def order(self) -> dict[str, Any]:
        now = datetime.now(UTC)
        window = {"opens": "00:00", "closes": "23:59", "timezone": "UTC"}
        digest = hashlib.sha256(StubService.wheel).hexdigest()
        return order(now, window=window, wheel_sha256=digest)

    def download(self, path: str, dest: Path) -> None:
        dest.write_bytes(b"the wheel")

    def report(self, report: dict[str, Any]) -> None:
        if not StubService.reachable:
            raise urllib.error.URLError("connexion refusée")
        StubService.reports.append(report)


@pytest.fixture
def pi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "pi"
    (root / "etc/couloir").mkdir(parents=True)
    (root / "opt/couloir").mkdir(parents=True)
    (root / "etc/couloir/couloir.env").write_text(
        "COULOIR_API_URL=http://srv:8000\nCOULOIR_SCREEN_TOKEN=tok-123\n"
    )
    monkeypatch.setattr(fleet, "Service", StubService)
    monkeypatch.setattr(fleet, "installed_version", lambda _current: "1.4.0")
    monkeypatch.setattr(StubService, "reports", [])
    monkeypatch.setattr(StubService, "reachable", True)
    return root


def _run(root: Path) -> int:
    args = fleet.argparse.Namespace(
        root=str(root), systemctl=None, update_script=None, timeout=None, dry_run=False
    )
    return fleet.FleetUpdate(args).run(datetime.now(UTC))


def test_a_rollback_is_reported_and_a_lost_report_is_sent_at_the_next_run(
    pi: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[Path] = []

    def update_sh(self, wheel: Path) -> tuple[int, str]:  # type: ignore[no-untyped-def]
        ran.append(wheel)
        assert (wheel.parent / "constraints.txt").read_text() == "fastapi==0.115.0\n"
        return 2, "couloir-display n'a pas démarré"

    monkeypatch.setattr(fleet.FleetUpdate, "run_update_sh", update_sh)
    StubService.reachable = False
    assert _run(pi) == 2
    assert [w.name for w in ran] == ["couloir-1.5.0-py3-none-any.whl"]
    assert StubService.reports == []
    assert not (pi / "opt/couloir/fleet/1.5.0").exists()

    StubService.reachable = True
    assert _run(pi) == 0  # the report goes first; then: failed less than 20 hours ago
    assert len(ran) == 1
    (sent,) = StubService.reports
    assert sent["result"] == "rolled_back" and sent["running_version"] == "1.4.0"
    assert sent["reason"] == (
        "1.5.0 ne démarrait pas : retour automatique à 1.4.0. (couloir-display n'a pas démarré)"
    )


def test_a_wheel_that_is_not_the_announced_one_is_never_installed(
    pi: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fleet.FleetUpdate, "run_update_sh", lambda *_: pytest.fail("ran"))
    monkeypatch.setattr(StubService, "wheel", b"another wheel")
    assert _run(pi) == 2
    (sent,) = StubService.reports
    assert sent["result"] == "failed"
    assert "la roue téléchargée n'a pas l'empreinte annoncée" in sent["reason"]


def test_a_screen_not_yet_paired_does_nothing(pi: Path) -> None:
    (pi / "etc/couloir/couloir.env").write_text("COULOIR_API_URL=http://srv:8000\n")
    assert _run(pi) == 0
    assert StubService.reports == []
