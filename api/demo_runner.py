"""``couloir demo``: the server in this process, the corridor screen in a child process."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import NoReturn

from api.settings import Settings

ALL_INTERFACES = ("0.0.0.0", "::")
# A documentation address (RFC 5737): connecting a UDP socket to it sends nothing, but tells
# which local address the system would use to leave the machine.
_PROBE_ADDRESS = ("192.0.2.1", 9)


def _screen_mode(requested: str) -> str:
    if requested != "auto":
        return requested
    has_screen = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    return "window" if has_screen or sys.platform in ("darwin", "win32") else "headless"


def lan_address() -> str | None:
    """This machine's address on the local network, or None without one (no packet is sent)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(_PROBE_ADDRESS)
        address = str(probe.getsockname()[0])
        return None if address.startswith(("127.", "0.")) else address
    return None


def demo_public_url(host: str, port: int, lan: str | None) -> str:
    """The address the QR codes carry: the one phones can reach when the demo serves the LAN."""
    if host in ALL_INTERFACES and lan:
        return f"http://{lan}:{port}"
    return f"http://{'127.0.0.1' if host in ALL_INTERFACES else host}:{port}"


def how_to_reach(host: str, port: int, lan: str | None, token_file: Path) -> list[str]:
    """What the demo prints about reaching it: this machine, phones, the screen's token."""
    local = f"http://{'127.0.0.1' if host in ALL_INTERFACES else host}:{port}"
    lines = [f"Pages du personnel : {local}/admin/  ·  API : {local}/docs"]
    if host in ALL_INTERFACES and lan:
        lines.append(
            f"Téléphones du même réseau : http://{lan}:{port}/admin/ (les QR codes y mènent)."
        )
    else:
        found = f"adresse trouvée : {lan}" if lan else "aucune adresse réseau trouvée"
        lines.append(
            "Pour un téléphone du même réseau, relancez avec --host 0.0.0.0 "
            f"({found}) ; les QR codes mèneront à COULOIR_PUBLIC_URL=http://<adresse>:{port}."
        )
    lines.append(f"Jeton de l'écran de démo : {token_file} (--token ou COULOIR_SCREEN_TOKEN).")
    return lines


def _die_with_parent() -> None:
    """In the screen's process (Linux): end when the demo ends, however it ends."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


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
    preexec: Callable[[], None] | None = _die_with_parent if sys.platform == "linux" else None
    return subprocess.Popen(args, env=env, preexec_fn=preexec)


def stop_screen(screen: subprocess.Popen[bytes] | None, timeout: float = 2.0) -> None:
    """End the screen's process: politely, then for good after ``timeout`` seconds."""
    if screen is None or screen.poll() is not None:
        return
    screen.terminate()
    try:
        screen.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        screen.kill()
        screen.wait()


def _leave(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def run_demo(settings: Settings, host: str, port: int, token: str, screen_mode: str) -> int:
    """Serve until interrupted, with the corridor screen beside the server."""
    import uvicorn

    from api.main import create_app

    mode = _screen_mode(screen_mode)
    url = f"http://{'127.0.0.1' if host in ALL_INTERFACES else host}:{port}"
    # uvicorn stops on SIGTERM, then raises the signal again for the handler found before it:
    # this one turns it into SystemExit, so that the screen is stopped below.
    previous = signal.signal(signal.SIGTERM, _leave)
    screen = start_screen(url, token, mode, settings.data_dir / "screen-cache")

    class DemoServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if screen is not None and screen.poll() is None:
                screen.terminate()  # the screen stops while the server drains
            super().handle_exit(sig, frame)

    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning")
    server = DemoServer(config)
    if screen is not None:
        where = "dans une fenêtre" if mode == "window" else "hors écran (aperçu : page Écrans)"
        print(f"Écran de couloir lancé {where}.", flush=True)
    code = 0
    try:
        server.run()
    except SystemExit as stopped:  # SIGTERM, raised again by uvicorn once it has stopped
        code = int(stopped.code or 0)
    except KeyboardInterrupt:  # Ctrl-C, likewise
        code = 130
    finally:
        stop_screen(screen)
        signal.signal(signal.SIGTERM, previous)
    return code


def exit_at_once(code: int) -> NoReturn:
    """Leave without the interpreter's final garbage collection.

    Over a whole server's objects it takes seconds on a busy machine, and a demo stopped with
    Ctrl-C should be gone at once; by now the server and the screen are stopped and the
    database closed, so only the standard streams need flushing.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
