"""Settings: a wrong value stops start-up with one clear line; the secret key; the README table."""

from __future__ import annotations

import os
import re
import stat
import time
from pathlib import Path

import httpx
import pytest
from pydantic_settings import BaseSettings

from api.settings import Settings
from tests.support.cli import couloir
from tests.support.forkserver import shared_fork_server
from tests.support.server import ROOT, free_port

README = ROOT / "README.md"


def _clean_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of an operator's shell: no COULOIR_* left over from the test runner."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    env.update(COULOIR_DATA_DIR=str(data_dir), **settings)
    return env


def _refused_in_one_line(env: dict[str, str], port: int | None = None) -> str:
    """Start ``couloir serve`` with ``env``; it must stop at once, saying why in one line."""
    args = ("serve", "--port", str(port or free_port()), "--log-level", "warning")
    result = couloir(env, *args, timeout=60)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("COULOIR_PUBLIC_URL", "couloir.local:8000"),
        ("COULOIR_PUBLIC_URL", "ftp://couloir.local"),
        ("COULOIR_PUBLIC_URL", "http://"),
        ("COULOIR_TIMEZONE", "Europe/Avignon"),
        ("COULOIR_TIMEZONE", "../../etc/passwd"),
        ("COULOIR_ENV", "prod"),
        ("COULOIR_DATABASE_URL", "mysql://root@localhost/couloir"),
        ("COULOIR_SESSION_DAYS", "quatorze"),
        ("COULOIR_MAX_UPLOAD_MB", "0"),
    ],
)
def test_a_wrong_setting_stops_serve_with_one_line_naming_it(
    tmp_path: Path, setting: str, value: str
) -> None:
    port = free_port()
    line = _refused_in_one_line(_clean_env(tmp_path, **{setting: value}), port)
    assert setting in line
    assert "Traceback" not in line and "Value error" not in line
    # Nothing was served, nothing was created but the data folder.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
    assert not (tmp_path / "couloir.db").exists()


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    env = _clean_env(tmp_path, COULOIR_ENV="production", COULOIR_SECRET_KEY="court")
    result = couloir(env, "check")
    assert result.returncode != 0
    assert "COULOIR_SECRET_KEY" in result.stderr and "32" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    """Several hosts must sign alike: production never generates a key of its own."""
    env = _clean_env(
        tmp_path, COULOIR_ENV="production", COULOIR_PUBLIC_URL="https://couloir.example.fr"
    )
    line = _refused_in_one_line(env)
    assert "COULOIR_SECRET_KEY" in line and "obligatoire en production" in line
    assert not (tmp_path / "secret_key").exists()
    assert not (tmp_path / "couloir.db").exists()


def test_production_refuses_plain_http_in_one_line(tmp_path: Path) -> None:
    """Over http:// the login cookie cannot be Secure: production does not start."""
    env = _clean_env(
        tmp_path,
        COULOIR_ENV="production",
        COULOIR_SECRET_KEY="k" * 40,
        COULOIR_PUBLIC_URL="http://couloir.local:8000",
    )
    line = _refused_in_one_line(env)
    assert "COULOIR_PUBLIC_URL" in line and "https://" in line
    assert not (tmp_path / "couloir.db").exists()


def test_production_over_http_only_when_the_operator_says_so(tmp_path: Path) -> None:
    env = _clean_env(
        tmp_path,
        COULOIR_ENV="production",
        COULOIR_SECRET_KEY="k" * 40,
        COULOIR_PUBLIC_URL="http://couloir.local:8000",
        COULOIR_ALLOW_HTTP="true",
    )
    result = couloir(env, "check")
    assert "COULOIR_PUBLIC_URL" not in result.stderr, result.stderr
    assert "données :" in result.stdout
    https = {**env, "COULOIR_PUBLIC_URL": "https://couloir.local"}
    del https["COULOIR_ALLOW_HTTP"]
    result = couloir(https, "check")
    assert "COULOIR_PUBLIC_URL" not in result.stderr, result.stderr
    assert "données :" in result.stdout


def test_an_unusable_data_dir_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    env = _clean_env(blocker / "couloir")
    result = couloir(env, "check")
    assert result.returncode != 0
    assert "COULOIR_DATA_DIR" in result.stderr and "Traceback" not in result.stderr


def _start_and_stop(data_dir: Path, port: int) -> None:
    env = _clean_env(data_dir, COULOIR_PUBLIC_URL=f"http://127.0.0.1:{port}")
    log = data_dir.parent / "serve.log"
    args = ["serve", "--port", str(port), "--log-level", "warning"]
    process = shared_fork_server().spawn(args, env, log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)  # waiting for start-up
        else:
            pytest.fail("the server did not start")
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_generated_secret_key_is_private_and_kept_across_restarts(tmp_path: Path) -> None:
    """No COULOIR_SECRET_KEY, the embedded SQLite default: as on a fresh laptop or Pi."""
    data_dir, port = tmp_path / "données", free_port()
    _start_and_stop(data_dir, port)
    key_file = data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_text().strip()
    assert len(first) >= 32
    assert (data_dir / "couloir.db").exists()  # the default database lives in DATA_DIR

    _start_and_stop(data_dir, port)
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_the_default_data_dir_follows_xdg(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    env["XDG_DATA_HOME"] = str(tmp_path)
    result = couloir(env, "check")
    assert f"données : {tmp_path / 'couloir'}" in result.stdout, result.stdout + result.stderr
    assert (tmp_path / "couloir" / "secret_key").exists()


# --- the README's configuration table ---------------------------------------------------------


def _settings_classes() -> list[type[BaseSettings]]:
    classes: list[type[BaseSettings]] = [Settings]
    try:
        from display.settings import DisplaySettings
    except ImportError:  # the screen side is optional on a server-only install
        return classes
    return [*classes, DisplaySettings]


def _readme_rows() -> dict[str, str]:
    """``COULOIR_NAME`` → its default column, from the README's configuration table."""
    rows = {}
    for line in README.read_text().splitlines():
        match = re.match(r"^\|\s*`(COULOIR_[A-Z0-9_]+)`\s*\|\s*([^|]*?)\s*\|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def _documented_default(field) -> str:  # type: ignore[no-untyped-def]
    if field.default_factory is not None:
        return "(computed)"
    if field.default in (None, ""):
        return "(empty)"
    return f"`{field.default}`"


SETTINGS = [
    (cls.__name__, name, field)
    for cls in _settings_classes()
    for name, field in cls.model_fields.items()
]


@pytest.mark.parametrize(
    ("owner", "name", "field"), SETTINGS, ids=[f"COULOIR_{s[1].upper()}" for s in SETTINGS]
)
def test_every_setting_is_in_the_readme_with_its_default(owner: str, name: str, field) -> None:  # type: ignore[no-untyped-def]
    rows = _readme_rows()
    variable = f"COULOIR_{name.upper()}"
    assert variable in rows, f"{variable} ({owner}) is missing from README.md's configuration table"
    assert rows[variable] == _documented_default(field), variable


def test_the_readme_documents_no_setting_that_does_not_exist() -> None:
    known = {f"COULOIR_{name.upper()}" for _, name, _ in SETTINGS}
    assert set(_readme_rows()) <= known, set(_readme_rows()) - known


def test_every_setting_has_a_description() -> None:
    for owner, name, field in SETTINGS:
        assert field.description, f"{owner}.{name} has no description for the README"
