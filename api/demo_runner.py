"""``couloir demo``: the server in this process, the corridor screen in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from api.settings import Settings


def _screen_mode(requested: str) -> str:
    if requested != "auto":
        return requested
    has_screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    return "window" if has_screen or sys.platform in ("darwin", "win32") else "headless"


def start_screen(
    url: str, token: str, mode: str, cache_dir: Path
) -> subprocess.Popen[bytes] | None:
    """Start ``couloir display`` against the demo server; None when no screen is wanted."""
    if mode == "none":
        return None
    env = dict(os.environ, COULOIR_API_URL=url, COULOIR_SCREEN_TOKEN=token)
    args = [sys.executable, "-m", "api.cli", "display", "--api", url, "--token", token]
    # Without a screen it renders off-screen; managers see its screenshots under « Écrans ».
    args += ["--windowed", "--size", "1280x720"] if mode == "window" else ["--headless"]
    env["COULOIR_CACHE_DIR"] = env.get("COULOIR_CACHE_DIR") or str(cache_dir)
    return subprocess.Popen(args, env=env)


def run_demo(settings: Settings, host: str, port: int, token: str, screen_mode: str) -> int:
    """Serve until interrupted, with the corridor screen beside the server."""
    import uvicorn

    from api.main import create_app

    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning")
    server = uvicorn.Server(config)
    mode = _screen_mode(screen_mode)
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{connect_host}:{port}"
    screen = start_screen(url, token, mode, settings.data_dir / "screen-cache")
    if screen is not None:
        where = "dans une fenêtre" if mode == "window" else "hors écran (aperçu : page Écrans)"
        print(f"Écran de couloir lancé {where}.")
    try:
        server.run()
    finally:
        if screen is not None and screen.poll() is None:
            screen.terminate()
            screen.wait(timeout=10)
    return 0
