"""The ``couloir`` command against a real server and database: the console script and
``python -m api.cli`` as subprocesses, every other run forked from an interpreter that has
already imported the service (tests/support/cli.py)."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.cli import build_parser
from tests.support.agencies import jpeg
from tests.support.cli import couloir
from tests.support.databases import create_database, drop_database, engine_name
from tests.support.server import ROOT, LiveServer

ON_POSTGRES = engine_name() == "postgresql"


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code ≠ 0, one clear last line naming the problem, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    for word in words:
        assert word in last, result.stderr


def _subcommands() -> list[list[str]]:
    """Every command path of the parser: ``serve``, ``user add``, ``display …``."""
    found: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found.append([*prefix, name])
                    walk(child, [*prefix, name])

    walk(build_parser(), [])
    return found


SUBCOMMANDS = _subcommands()


def test_help_lists_every_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0
    for command in ("serve", "demo", "seed", "user", "screen", "backup", "check", "migrate"):
        assert command in result.stdout


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "couloir"
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("couloir ")


@pytest.mark.parametrize("command", SUBCOMMANDS, ids=[" ".join(c) for c in SUBCOMMANDS])
def test_each_subcommand_has_help(command: list[str]) -> None:
    result = couloir(dict(os.environ), *command, "--help", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage : couloir " + " ".join(command))
    # A description follows the usage lines.
    assert len(result.stdout.strip().splitlines()) >= 3


def test_user_add_creates_an_account_that_logs_in(module_server: LiveServer) -> None:
    result = couloir(
        module_server.env,
        "user",
        "add",
        "Nouvelle.CDE@example.fr",
        "--name",
        "Inès Nouvelle",
        "--role",
        "cde",
        "--agency",
        "avignon-joly-jean",
        "--password-stdin",
        stdin="un mot de passe sûr\n",
    )
    assert result.returncode == 0, result.stderr
    assert "nouvelle.cde@example.fr" in result.stdout
    login = httpx.post(
        f"{module_server.url}/api/v1/auth/token",
        json={"email": "nouvelle.cde@example.fr", "password": "un mot de passe sûr"},
    )
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = httpx.get(f"{module_server.url}/api/v1/auth/me", headers=headers).json()
    assert me["name"] == "Inès Nouvelle" and me["role"] == "cde"

    again = couloir(
        module_server.env,
        *("user", "add", "nouvelle.cde@example.fr", "--name", "Doublon", "--role", "cde"),
        *("--agency", "avignon-joly-jean", "--password-stdin"),
        stdin="un autre mot de passe\n",
    )
    assert_clean_failure(again, "sert déjà d'identifiant")

    bad_cases = [
        (["--role", "boss", "--agency", "avignon-joly-jean"], "long enough 1", ["--role", "boss"]),
        (["--role", "cde", "--agency", "avignon-joly-jean"], "court", ["mot de passe", "10"]),
        (["--role", "cde", "--agency", "nulle-part"], "assez long 123", ["Agence inconnue"]),
    ]
    for options, password, words in bad_cases:
        result = couloir(
            module_server.env,
            *("user", "add", "autre@example.fr", "--name", "Autre", *options, "--password-stdin"),
            stdin=password + "\n",
        )
        assert_clean_failure(result, *words)
    bad_email = couloir(
        module_server.env,
        *("user", "add", "pas-un-email", "--name", "X", "--role", "cde"),
        *("--agency", "avignon-joly-jean", "--password-stdin"),
        stdin="assez long 123\n",
    )
    assert_clean_failure(bad_email, "e-mail")
    refused = httpx.post(
        f"{module_server.url}/api/v1/auth/token",
        json={"email": "autre@example.fr", "password": "assez long 123"},
    )
    assert refused.status_code == 401


def test_screen_add_prints_a_token_that_reads_the_snapshot(module_server: LiveServer) -> None:
    result = couloir(
        module_server.env, "screen", "add", "Couloir RDC", "--agency", "avignon-joly-jean"
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert " " not in token and len(token) >= 32
    snapshot = httpx.get(
        f"{module_server.url}/api/v1/display/snapshot", headers={"Authorization": f"Bearer {token}"}
    )
    assert snapshot.status_code == 200
    assert snapshot.json()["screen"]["name"] == "Couloir RDC"

    unknown = couloir(module_server.env, "screen", "add", "Ailleurs", "--agency", "nulle-part")
    assert_clean_failure(unknown, "Agence inconnue")
    empty = couloir(module_server.env, "screen", "add", "   ", "--agency", "avignon-joly-jean")
    assert_clean_failure(empty, "nom")


@pytest.mark.skipif(
    ON_POSTGRES, reason="couloir backup copies the SQLite file; PostgreSQL uses pg_dump"
)
def test_backup_while_the_server_runs_is_a_sqlite_file_with_the_offers(
    module_server: LiveServer, tmp_path: Path
) -> None:
    with module_server.client("manager") as manager:
        hire = manager.get("/api/v1/hires").json()[0]
        put = manager.put(
            f"/api/v1/hires/{hire['id']}/photo",
            content=jpeg(),
            headers={"Content-Type": "image/jpeg"},
        )
        assert put.status_code == 200, put.text
    with module_server.client("cde") as cde:
        body = {"employer": "Sauvegarde SARL", "title": "Archiviste", "contract": "CDI"}
        created = cde.post("/api/v1/offers", json={**body, "commune": "Avignon"}).json()
        offers = {
            o["id"]: o["employer"]
            for status in ("open", "filled", "closed")
            for o in cde.get("/api/v1/offers", params={"status": status}).json()
        }
    target = tmp_path / "copies" / "couloir-backup.db"
    result = couloir(module_server.env, "backup", str(target))
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stdout
    assert not target.with_name(target.name + ".partial").exists()

    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = dict(copy.execute("SELECT id, employer FROM offer").fetchall())
        photos = dict(copy.execute("SELECT hire_id, sha256 FROM hirephoto").fetchall())
    assert rows == offers
    # Photos live in the database: the copy holds them, byte for byte as served.
    with module_server.client("manager") as manager:
        served = {
            h["id"]: manager.get(f"/api/v1/hires/{h['id']}/photo").headers["ETag"].strip('"')
            for h in manager.get("/api/v1/hires").json()
            if h.get("has_photo")
        }
    assert served and photos == served
    assert rows[created["id"]] == "Sauvegarde SARL"
    # The server kept serving during and after the copy.
    assert httpx.get(f"{module_server.url}/healthz").status_code == 200

    into_a_folder = couloir(module_server.env, "backup", str(tmp_path))
    assert_clean_failure(into_a_folder, "dossier")


@pytest.mark.skipif(not ON_POSTGRES, reason="the pg_dump archive is PostgreSQL's backup")
def test_backup_on_postgresql_writes_a_pg_dump_archive(
    module_server: LiveServer, tmp_path: Path
) -> None:
    target = tmp_path / "copy.dump"
    result = couloir(module_server.env, "backup", str(target))
    assert result.returncode == 0, result.stderr
    assert "archive pg_dump" in result.stdout
    assert target.read_bytes().startswith(b"PGDMP")
    assert not target.with_name(target.name + ".partial").exists()
    # Restoring it is tested in tests/faults/test_restore.py.
    into_a_folder = couloir(module_server.env, "backup", str(tmp_path))
    assert_clean_failure(into_a_folder, "dossier")


def test_check_on_a_good_setup(module_server: LiveServer) -> None:
    result = couloir(module_server.env, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "tout va bien" in result.stdout
    assert "PROBLÈME" not in result.stdout


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql+psycopg://personne:secret@127.0.0.1:1/rien", ["injoignable", "DATABASE_URL"]),
        ("mysql://root@localhost/couloir", ["COULOIR_DATABASE_URL"]),
        ("sqlite:///{tmp}/not-a-database.db", ["not-a-database.db", "pas une base SQLite"]),
        ("sqlite:///{tmp}/empty.db", ["couloir migrate"]),
    ],
    ids=["unreachable server", "unsupported engine", "garbage file", "never migrated"],
)
def test_check_says_what_is_wrong_and_how_to_fix_it(
    module_server: LiveServer, tmp_path: Path, url: str, words: list[str]
) -> None:
    (tmp_path / "not-a-database.db").write_bytes(b"ceci n'est pas une base SQLite" * 200)
    env = {**module_server.env, "COULOIR_DATABASE_URL": url.format(tmp=tmp_path)}
    result = couloir(env, "check")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    problem = [line for line in output.splitlines() if "PROBLÈME" in line or "invalide" in line]
    assert problem, output
    for word in words:
        assert word in problem[0], output
    assert "personne:secret" not in output and "secret" not in output


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Settings for an empty database (SQLite file or a new PostgreSQL database)."""
    url = create_database(tmp_path)
    env = dict(
        os.environ,
        COULOIR_DATA_DIR=str(tmp_path),
        COULOIR_DATABASE_URL=url,
        COULOIR_PUBLIC_URL="http://127.0.0.1:9",
    )
    yield env
    drop_database(url)


def test_seed_demo_twice_says_the_data_is_already_there(empty_database: dict[str, str]) -> None:
    without_flag = couloir(empty_database, "seed")
    assert_clean_failure(without_flag, "--demo")

    first = couloir(empty_database, "seed", "--demo")
    assert first.returncode == 0, first.stderr
    for role in ("cde", "cdde", "manager", "admin"):
        assert role in first.stdout
    check = couloir(empty_database, "check")
    assert check.returncode == 0 and "tout va bien" in check.stdout

    second = couloir(empty_database, "seed", "--demo")
    assert second.returncode == 1
    assert_clean_failure(second, "déjà")


def test_migrate_brings_an_empty_database_to_the_latest_schema(
    empty_database: dict[str, str],
) -> None:
    assert "couloir migrate" in couloir(empty_database, "check").stdout
    result = couloir(empty_database, "migrate")
    assert result.returncode == 0 and "à jour" in result.stdout
    assert couloir(empty_database, "check").returncode == 0


def test_migrate_on_a_fresh_data_dir_keeps_the_database_and_photos_private(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "fresh"
    env = {**os.environ, "COULOIR_DATA_DIR": str(data_dir), "COULOIR_PUBLIC_URL": "http://x.fr"}
    env.pop("COULOIR_DATABASE_URL", None)
    result = couloir(env, "migrate")
    assert result.returncode == 0, result.stderr
    # The server opens the database in WAL mode: its -wal and -shm files appear beside it.
    with sqlite3.connect(data_dir / "couloir.db") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE probe (x)")
        files = ["couloir.db", "couloir.db-wal", "couloir.db-shm", "secret_key"]
        modes = {name: (data_dir / name).stat().st_mode & 0o777 for name in files}
    assert modes == dict.fromkeys(files, 0o600)
    assert data_dir.stat().st_mode & 0o777 == 0o700
    # Photos and screenshots are kept in the database, with the rest.
    assert not (data_dir / "photos").exists() and not (data_dir / "screenshots").exists()


# Start-up failures an operator meets, each answered by one French line naming the cause and
# the fix, exit code 2, no traceback; the default database URL is never blamed.
STARTUP_COMMANDS = ["serve", "migrate", "check"]


def _start_up_failure(env: dict[str, str], command: str) -> str:
    """Run ``command`` expecting a start-up failure; return its one line."""
    result = couloir({**env, "COULOIR_PUBLIC_URL": "http://127.0.0.1:9"}, command, timeout=60)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    if command == "check":
        lines = [line for line in result.stdout.splitlines() if line.startswith("PROBLÈME")]
    else:
        lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


def _default_url_env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "COULOIR_DATA_DIR": str(data_dir)}
    env.pop("COULOIR_DATABASE_URL", None)
    return env


@pytest.mark.parametrize("command", STARTUP_COMMANDS)
def test_a_corrupt_sqlite_file_is_named_with_the_fix(tmp_path: Path, command: str) -> None:
    (tmp_path / "couloir.db").write_bytes(os.urandom(64 * 1024))
    line = _start_up_failure(_default_url_env(tmp_path), command)
    assert f"{tmp_path / 'couloir.db'} n'est pas une base SQLite" in line
    assert "sauvegarde" in line
    assert "injoignable" not in line and "DATABASE_URL" not in line


@pytest.fixture(scope="module")
def read_only_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated data folder that then becomes read-only (a read-only mount as root).

    One for the module: nothing can change it, and each command is refused before writing.
    """
    data_dir = tmp_path_factory.mktemp("read-only") / "data"
    data_dir.mkdir()
    mounted = False
    if os.geteuid() == 0:  # root writes through file modes: only a read-only mount stops it
        mount = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(data_dir)], capture_output=True
        )
        if mount.returncode != 0:
            pytest.skip(f"running as root but cannot mount a tmpfs: {mount.stderr.decode()}")
        mounted = True
    try:
        assert couloir(_default_url_env(data_dir), "migrate").returncode == 0
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(data_dir)], check=True)
        else:
            data_dir.chmod(0o500)
        yield data_dir
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(data_dir)], check=False)
        else:
            data_dir.chmod(0o700)


@pytest.mark.parametrize("command", STARTUP_COMMANDS)
def test_a_read_only_data_dir_is_named_with_the_fix(read_only_data_dir: Path, command: str) -> None:
    line = _start_up_failure(_default_url_env(read_only_data_dir), command)
    assert f"dossier {read_only_data_dir} en lecture seule" in line
    assert "COULOIR_DATA_DIR" in line
    assert "injoignable" not in line and "DATABASE_URL" not in line


@pytest.mark.parametrize("command", STARTUP_COMMANDS)
def test_an_unreachable_postgresql_is_named_with_the_fix(tmp_path: Path, command: str) -> None:
    url = "postgresql+psycopg://couloir:motdepasse-secret@127.0.0.1:1/couloir"
    line = _start_up_failure({**_default_url_env(tmp_path), "COULOIR_DATABASE_URL": url}, command)
    assert "PostgreSQL injoignable sur 127.0.0.1:1" in line and "COULOIR_DATABASE_URL" in line
    assert "motdepasse-secret" not in line


@pytest.mark.skipif(not ON_POSTGRES, reason="needs the PostgreSQL test server")
@pytest.mark.parametrize("command", STARTUP_COMMANDS)
def test_a_wrong_postgresql_password_is_named_with_the_fix(tmp_path: Path, command: str) -> None:
    from sqlalchemy.engine import make_url

    good = make_url(os.environ["COULOIR_TEST_DATABASE_URL"])
    url = good.set(password="pas-le-bon-mot-de-passe").render_as_string(hide_password=False)
    line = _start_up_failure({**_default_url_env(tmp_path), "COULOIR_DATABASE_URL": url}, command)
    assert f"refuse le mot de passe de l'utilisateur « {good.username} »" in line
    assert "COULOIR_DATABASE_URL" in line and "pas-le-bon" not in line


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    result = couloir(
        {"COULOIR_DATA_DIR": str(tmp_path), "PATH": "/usr/bin"}, "serve", "--workers", "2"
    )
    assert result.returncode == 2
    assert "--workers supérieur à 1 demande PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


def test_agency_add_creates_the_first_agency_and_refuses_bad_input_in_one_line(
    tmp_path: Path,
) -> None:
    env = {"COULOIR_DATA_DIR": str(tmp_path), "PATH": "/usr/bin"}
    created = couloir(
        env, "agency", "add", "siege", "Direction régionale", "--timezone", "America/Cayenne"
    )
    assert created.returncode == 0, created.stderr
    assert "agence créée : siege (Direction régionale, America/Cayenne)" in created.stdout
    refusals = {
        ("siege", "Encore"): "Une agence porte déjà ce code.",
        ("Siège Nord", "Nord"): "code : minuscules sans accents, chiffres et tirets seulement",
        ("nord", "   "): "nom : ne peut pas être vide",
        ("nord", "Nord", "--timezone", "Mars/Olympus"): "fuseau horaire inconnu : Mars/Olympus",
    }
    for args, reason in refusals.items():
        refused = couloir(env, "agency", "add", *args)
        assert refused.returncode != 0 and reason in refused.stderr, (args, refused.stderr)
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    added = couloir(
        env,
        *("user", "add", "chef@example.fr", "--name", "Chef", "--role", "admin"),
        *("--agency", "siege", "--password-stdin"),
        stdin="Cerisier-Lavande-1789\n",
    )
    assert "compte créé : chef@example.fr (admin, siege)" in added.stdout, added.stderr
