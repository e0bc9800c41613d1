"""``couloir demo``: what it tells the person who started it, and how it stops."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from api.demo_runner import demo_public_url, how_to_reach
from tests.support.forkserver import shared_fork_server
from tests.support.server import client_tls, free_port


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_demo_says_how_to_reach_it_and_stops_with_its_screen(
    tmp_path: Path, stop: signal.Signals
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "COULOIR_DATA_DIR": str(tmp_path / "data"),
        "COULOIR_CACHE_DIR": str(tmp_path / "screen"),
        "SDL_VIDEODRIVER": "dummy",
    }
    env.pop("COULOIR_PUBLIC_URL", None)
    log = tmp_path / "demo.log"
    demo = shared_fork_server().spawn(
        ["demo", "--port", str(port), "--screen", "headless"], env, log
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def answers() -> bool:
            try:
                return (
                    httpx.get(f"{url}/healthz", timeout=1, verify=client_tls()).status_code == 200
                )
            except httpx.HTTPError:
                return False

        assert _wait_until(answers, 60), "the demo never answered"
        token_file = tmp_path / "data" / "demo-screen-token"
        token = token_file.read_text().strip()
        snapshot = httpx.get(
            f"{url}/api/v1/display/snapshot", headers={"Authorization": f"Bearer {token}"}
        ).json()
        # QR codes lead to the address the demo serves, not to an unreachable « localhost ».
        assert snapshot["offers"][0]["qr_url"].startswith(f"{url}/o/")
        assert _wait_until(lambda: bool(_children(demo.pid)), 30), "no screen started"
        screen = _children(demo.pid)[0]
        demo.send_signal(stop)
        demo.wait(timeout=20)
        output = log.read_text()
        assert _wait_until(lambda: not _alive(screen), 10), "the screen outlived the demo"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert f"Jeton de l'écran de démo : {token_file}" in output
    assert "relancez avec --host 0.0.0.0" in output
    assert "Traceback" not in output


def test_serving_the_network_puts_the_network_address_in_the_qr_codes() -> None:
    assert demo_public_url("0.0.0.0", 8000, "192.168.1.23") == "http://192.168.1.23:8000"
    assert demo_public_url("0.0.0.0", 8000, None) == "http://127.0.0.1:8000"
    assert demo_public_url("127.0.0.1", 8080, "192.168.1.23") == "http://127.0.0.1:8080"
    told = "\n".join(how_to_reach("0.0.0.0", 8000, "192.168.1.23", Path("/d/jeton")))
    assert "Téléphones du même réseau : http://192.168.1.23:8000/admin/" in told
    assert "Jeton de l'écran de démo : /d/jeton" in told
