"""The screen's endpoints are spelled once, beside the contract, and the server serves them."""

from __future__ import annotations

import api.main
from api import contract
from api.routes.display import router

SCREEN_CALLS = {
    ("GET", contract.SNAPSHOT_PATH),
    ("GET", contract.EVENTS_PATH),
    ("GET", f"{contract.PHOTOS_PATH}/{{hire_id}}"),
    ("POST", contract.HEARTBEAT_PATH),
    ("PUT", contract.SCREENSHOT_PATH),
    ("POST", contract.PAIRINGS_PATH),
    ("GET", f"{contract.PAIRINGS_PATH}/{{poll_secret}}"),
}


def test_the_display_router_sits_where_the_contract_says() -> None:
    assert contract.API_ROOT == api.main.API_PREFIX
    assert router.prefix == contract.DISPLAY_ROUTER


def test_every_path_the_screen_calls_is_a_route_of_the_display_router() -> None:
    served = {
        (method, f"{contract.API_ROOT}{r.path}")
        for r in router.routes
        for method in getattr(r, "methods", ())
    }
    assert served >= SCREEN_CALLS, SCREEN_CALLS - served
