"""A fleet release folder for test servers: the wheel to announce and its pins."""

from __future__ import annotations

from pathlib import Path

PINS = "fastapi==0.115.0\nstarlette==0.41.0\n"


def wheel_name(version: str) -> str:
    """The file name of Couloir's wheel for ``version``."""
    return f"couloir-{version}-py3-none-any.whl"


def fleet_env(folder: Path, version: str) -> dict[str, str]:
    """Write a (stand-in) wheel of ``version`` and its pins into ``folder``; the settings a
    server needs to announce it (``LiveServer(..., env=fleet_env(...))``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / wheel_name(version)).write_bytes(b"PK\x03\x04 not really a wheel " * 100)
    (folder / "constraints.txt").write_text(PINS)
    return {"COULOIR_FLEET_VERSION": version, "COULOIR_FLEET_DIR": str(folder)}
