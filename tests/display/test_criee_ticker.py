"""The ticker « la criée » says the server's weekly issue (api.services.criee), the same one the
staff pages show; against an older server (no ``criee`` field) it cries the gallery as before."""

from __future__ import annotations

from display_support import NOW, snapshot_dict

from api.contract import Snapshot
from display.frame import ticker_items


def test_the_ticker_says_the_server_issue_first_and_nothing_else_about_hires() -> None:
    data = snapshot_dict("demo")
    assert data["criee"], "the golden demo snapshot carries the week's issue"
    items = ticker_items(Snapshot.model_validate(data), NOW)
    assert items[: len(data["criee"])] == data["criee"]
    bravos = [i for i in items if i.startswith("Bravo !")]
    assert bravos == [i for i in data["criee"] if i.startswith("Bravo !")]


def test_a_week_with_nothing_cried_says_no_hire_even_with_a_gallery() -> None:
    data = snapshot_dict("demo") | {"criee": []}
    assert data["hires"]
    items = ticker_items(Snapshot.model_validate(data), NOW)
    assert not [i for i in items if i.startswith("Bravo !")]
    assert items  # the défi, the offers and the news still run


def test_an_older_server_without_the_issue_still_gets_its_gallery_cried() -> None:
    data = snapshot_dict("demo")
    del data["criee"]
    snapshot = Snapshot.model_validate(data)
    assert snapshot.criee is None
    items = ticker_items(snapshot, NOW)
    newest = max(data["hires"], key=lambda h: (h["hired_on"], h["id"]))
    assert items[0].startswith(f"Bravo ! {newest['title']} chez {newest['employer']}")
    assert sum(i.startswith("Bravo !") for i in items) == min(4, len(data["hires"]))
