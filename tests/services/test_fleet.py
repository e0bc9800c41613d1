"""Fleet updates in-process: the order a screen gets (window, wheel and pins) and its report."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from api.clock import utcnow
from api.errors import Invalid
from api.models import Agency, Staff
from api.models.screen import ScreenUpdate, UpdateReport
from api.services import screens
from tests import factories

WHEEL_PATH = "/api/v1/display/update/wheel"


@pytest.fixture
def fleet_dir(tmp_path: Path) -> Path:
    (tmp_path / "couloir-1.5.0-py3-none-any.whl").write_bytes(b"wheel bytes")
    (tmp_path / "constraints.txt").write_text("qrcode==8.0\n")
    return tmp_path


def test_the_order_names_the_release_its_digest_and_pins(
    db: Session, agency: Agency, fleet_dir: Path
) -> None:
    screen = factories.screen(db, agency)
    order = screens.update_order(db, screen, "1.5.0", fleet_dir, WHEEL_PATH)
    assert order.target_version == "1.5.0"
    assert order.wheel_name == "couloir-1.5.0-py3-none-any.whl"
    assert order.wheel_sha256 == hashlib.sha256(b"wheel bytes").hexdigest()
    assert order.constraints == "qrcode==8.0\n"
    assert (order.window.opens, order.window.closes) == ("02:00", "05:00")
    assert order.window.timezone == agency.timezone


def test_a_wheel_without_its_pins_is_not_offered(
    db: Session, agency: Agency, fleet_dir: Path
) -> None:
    (fleet_dir / "constraints.txt").unlink()
    order = screens.update_order(db, factories.screen(db, agency), "1.5.0", fleet_dir, WHEEL_PATH)
    assert order.target_version == "1.5.0"
    assert (order.wheel_path, order.wheel_sha256, order.constraints) == (None, None, None)


def test_no_target_no_wheel(db: Session, agency: Agency, fleet_dir: Path) -> None:
    order = screens.update_order(db, factories.screen(db, agency), "", fleet_dir, WHEEL_PATH)
    assert order.target_version is None and order.wheel_path is None


def test_a_manager_gives_a_screen_its_own_window(
    db: Session, agency: Agency, manager: Staff, fleet_dir: Path
) -> None:
    screen = factories.screen(db, agency)
    change = ScreenUpdate(update_window_opens="12:30", update_window_closes="13:30")
    screens.update_screen(db, manager, screen, change)
    order = screens.update_order(db, screen, "1.5.0", fleet_dir, WHEEL_PATH)
    assert (order.window.opens, order.window.closes) == ("12:30", "13:30")
    public = screens.to_public(screen, target_version="1.5.0", timezone="Europe/Paris")
    assert public.update_window is not None and public.update_window.opens == "12:30"


@pytest.mark.parametrize("bad", ["24:00", "2:00", "02h00", "", "12:60"])
def test_a_window_time_is_hh_mm(bad: str) -> None:
    with pytest.raises(ValueError):
        ScreenUpdate(update_window_opens=bad)


def test_a_report_updates_the_running_version_and_the_last_result(
    db: Session, agency: Agency
) -> None:
    screen = factories.screen(db, agency)
    version = screen.version
    finished = utcnow() - timedelta(minutes=3)
    report = UpdateReport(
        running_version="1.4.0",
        target_version="1.5.0",
        result="rolled_back",
        reason="1.5.0 ne démarrait pas : retour automatique à 1.4.0.",
        finished_at=finished,
    )
    screens.record_update_report(db, screen, report)
    db.refresh(screen)
    assert screen.reported_version == "1.4.0"
    last = screens.last_update(screen)
    assert last is not None
    assert (last.result, last.target_version, last.at) == ("rolled_back", "1.5.0", finished)
    # Not an edit: a manager's form open on this screen does not become stale.
    assert screen.version == version


def test_a_report_dated_in_the_future_is_refused(db: Session, agency: Agency) -> None:
    screen = factories.screen(db, agency)
    report = UpdateReport(
        running_version="1.5.0",
        target_version="1.5.0",
        result="ok",
        reason="",
        finished_at=utcnow() + timedelta(hours=1),
    )
    with pytest.raises(Invalid, match="horloge de l'écran"):
        screens.record_update_report(db, screen, report)
    db.refresh(screen)
    assert screen.update_result is None
