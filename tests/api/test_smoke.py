"""The server starts on a fresh database and serves the demo agency."""

from tests.support.server import LiveServer


def test_health_and_snapshot(live_server: LiveServer) -> None:
    with live_server.screen_client() as client:
        assert client.get("/healthz").json()["status"] == "ok"
        snapshot = client.get("/api/v1/display/snapshot").json()
    assert snapshot["agency"]["code"] == "avignon-joly-jean"
    assert len(snapshot["offers"]) >= 40
