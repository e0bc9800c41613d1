"""The screens page with fleet updates, on a 390 px phone: each screen's version, the version to
install and the last result fit, in French, with nothing overflowing and nothing axe flags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.test_fleet_updates import REPORT, TARGET, report
from tests.support.fleet import fleet_env
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture
def fleet_server(tmp_path: Path) -> Iterator[LiveServer]:
    (tmp_path / "data").mkdir()
    server = LiveServer(tmp_path / "data", env=fleet_env(tmp_path / "fleet", TARGET))
    server.start()
    yield server
    server.close()


def test_the_screens_page_shows_the_fleet_on_a_phone(new_phone, fleet_server) -> None:  # type: ignore[no-untyped-def]
    reason = (
        "9.9.0 ne démarrait pas : retour automatique à 0.1.0 (couloir-display n'a pas démarré : "
        "journalctl -u couloir-display -n 100, téléviseur Samsung du couloir du premier étage)"
    )
    with fleet_server.screen_client() as screen:
        sent = report(running_version="0.1.0", result="rolled_back", reason=reason)
        assert screen.post(REPORT, json=sent).status_code == 204
    phone = new_phone(fleet_server, as_role="manager")
    assert phone.go("/admin/ecrans") == 200
    text = phone.page.locator("main").inner_text()
    assert "Version 0.1.0 · à installer : 9.9.0 (entre 02:00 et 05:00)" in text
    assert "↩ Mise à jour annulée, retour à la version d'avant (9.9.0)" in text
    assert not phone.overflows(), "the screens page overflows at 390 px"
    assert phone.axe() == []
    phone.shot("screens_fleet_updates")
