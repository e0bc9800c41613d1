"""Restore from backup: ``couloir backup`` then ``couloir restore``, on SQLite and PostgreSQL.

Every table is compared row for row (photos and screenshots are rows: their bytes included).
The PostgreSQL cases run wherever a test server is known (COULOIR_TEST_DATABASE_URL, or
POSTGRES_TEST_URL as scripts/test exports it for the SQLite run too), so both backends run in
one pass; each backend runs the real command as a subprocess once.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api import cli
from api.backup import RESTORE_COPIES, backup_postgresql
from api.db import make_engine
from api.demo import seed_demo
from api.migrate import alembic_config, current_revision, head_revision, upgrade
from api.models import Agency, Staff
from api.services import screens
from tests import factories
from tests.support.cli import couloir
from tests.support.databases import create_database, drop_database, engine_name
from tests.support.server import _demo_template

BACKENDS = ("sqlite", "postgresql")
Rows = dict[str, list[tuple]]


def _postgres_base() -> str | None:
    return os.environ.get("COULOIR_TEST_DATABASE_URL") or os.environ.get("POSTGRES_TEST_URL")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite``, or ``postgresql`` when a test server is known (else skipped)."""
    if request.param == "postgresql" and not _postgres_base():
        pytest.skip("no PostgreSQL test server (COULOIR_TEST_DATABASE_URL / POSTGRES_TEST_URL)")
    return request.param


def _new_database(backend: str, folder: Path, template: str | None = None) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":  # also when the run's own backend is PostgreSQL
        path = folder / "couloir.db"
        if template:
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
            path.chmod(0o600)
        return f"sqlite:///{path}"
    return create_database(folder, template=template, base=_postgres_base())


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Per backend, a demo database with a published hire's photo and a screen's screenshot."""
    made = {"folder": str(tmp_path_factory.mktemp("templates"))}
    yield made
    for backend in BACKENDS:
        if backend in made:
            drop_database(made[backend])


def _template(templates: dict[str, str], backend: str) -> str:
    """The demo agency: the run's own template for its backend, else seeded here once."""
    if backend == engine_name():
        return _demo_template().database_url
    if backend not in templates:
        url = _new_database(backend, Path(templates["folder"]) / backend)
        engine = make_engine(url)
        try:
            upgrade(engine)
            with Session(engine, expire_on_commit=False) as db:
                seed_demo(db)
        finally:
            engine.dispose()
        templates[backend] = url
    return templates[backend]


def _add_images(url: str) -> None:
    """A published hire with its photo and a screen's last frame: images live in the database."""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            cde = db.exec(select(Staff).where(Staff.role == "cde")).first()
            agency = db.exec(select(Agency)).first()
            assert cde is not None and agency is not None
            factories.hire(db, cde, status="published", photo=True)
            screens.store_screenshot(db, factories.screen(db, agency), factories.sample_png())
    finally:
        engine.dispose()


@pytest.fixture
def live(backend: str, templates: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A live database (URL) seeded from the template, and its data folder."""
    data = tmp_path / "data"
    url = _new_database(backend, data, _template(templates, backend))
    _add_images(url)
    yield url, data
    drop_database(url)


def rows(url: str) -> Rows:
    """Every row of every table, sorted: what a restore must bring back exactly."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table: sorted(
                    (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                    key=repr,
                )
                for table in inspect(connection).get_table_names()
            }
    finally:
        engine.dispose()


def env_for(url: str, data: Path) -> dict[str, str]:
    """The environment an operator's shell has: the service's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COULOIR_")}
    return env | {"COULOIR_DATA_DIR": str(data), "COULOIR_DATABASE_URL": url}


def in_process(
    monkeypatch: pytest.MonkeyPatch, url: str, data: Path, *args: str, answer: str = ""
) -> int:
    """``couloir ARGS`` in this process (cheaper), stdin holding ``answer``."""
    for key, value in env_for(url, data).items():
        if key.startswith("COULOIR_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    return cli.main(list(args))


def change_everything(url: str) -> None:
    """What happens after a backup: a new offer, a renamed agency, a photo gone."""
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as db:
            cde = db.exec(select(Staff).where(Staff.role == "cde")).first()
            assert cde is not None
            factories.offer(db, cde, employer="Après La Sauvegarde SARL")
            agency = db.exec(select(Agency)).first()
            assert agency is not None
            agency.name = "Agence renommée après la sauvegarde"
            db.commit()
            db.execute(text("DELETE FROM hirephoto"))
            db.commit()
    finally:
        engine.dispose()


def test_round_trip_brings_back_every_row_and_photo(
    backend: str, live: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, data = live
    env = env_for(url, data)
    backup = tmp_path / "usb" / ("couloir.db" if backend == "sqlite" else "couloir.dump")
    saved = couloir(env, "backup", str(backup))
    assert saved.returncode == 0, saved.stderr
    before = rows(url)
    assert before["hirephoto"] and before["screenshot"], "the photos are part of the round trip"
    assert sum(map(len, before.values())) > 100

    change_everything(url)
    changed = rows(url)
    assert changed != before and not changed["hirephoto"]

    # Without --yes it asks; anything but « o » keeps everything as it is.
    assert in_process(monkeypatch, url, data, "restore", str(backup), answer="n\n") == 1
    assert rows(url) == changed
    assert not (data / RESTORE_COPIES).exists()

    result = couloir(env, "restore", "--yes", str(backup))
    assert result.returncode == 0, result.stderr
    assert f"base restaurée depuis {backup}" in result.stdout
    assert rows(url) == before  # row for row, photo bytes included
    # What it replaced is kept, and restores in turn.
    (copy,) = (data / RESTORE_COPIES).iterdir()
    assert str(copy) in result.stdout
    assert copy.stat().st_mode & 0o077 == 0
    assert in_process(monkeypatch, url, data, "restore", str(copy), answer="o\n") == 0
    assert rows(url) == changed
    assert len(list((data / RESTORE_COPIES).iterdir())) == 2
    # No scratch file left beside the database or the backup.
    assert not [p for p in data.iterdir() if "restore-" in p.name and p.is_file()]
    assert sorted(p.name for p in backup.parent.iterdir()) == [backup.name]


def _older_revision() -> str:
    """The revision just before this version's head (whatever the head is today)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    down = scripts.get_revision(head_revision()).down_revision
    assert isinstance(down, str)
    return down


def _backup_of(backend: str, url: str, target: Path) -> Path:
    if backend == "sqlite":
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        with sqlite3.connect(url.removeprefix("sqlite:///")) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return target
    backup_postgresql(url, target)
    return target


def _set_revision(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_older_schema_is_upgraded_and_newer_one_refused(
    backend: str,
    live: tuple[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, data = live
    before = rows(url)
    suffix = ".db" if backend == "sqlite" else ".dump"

    # A backup from a newer Couloir: a schema revision this version does not know.
    scratch = _new_database(backend, tmp_path / "newer", url if backend == "postgresql" else None)
    try:
        if backend == "sqlite":
            _backup_of(backend, url, Path(scratch.removeprefix("sqlite:///")))
        engine = make_engine(scratch)
        _set_revision(engine, "9999_from_the_future")
        engine.dispose()
        newer = _backup_of(backend, scratch, tmp_path / f"newer{suffix}")
    finally:
        drop_database(scratch)
    code = in_process(monkeypatch, url, data, "restore", "--yes", str(newer))
    err = capsys.readouterr().err
    assert code != 0
    assert "version plus récente de Couloir" in err and "rien n'a changé" in err, err
    assert rows(url) == before
    assert not (data / RESTORE_COPIES).exists()

    # A backup from an older Couloir: restored, then brought to this version's schema.
    old = _new_database(backend, tmp_path / "older")
    try:
        engine = make_engine(old)
        upgrade(engine, _older_revision())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agency (code, name, timezone, opening_hours, urgency_thresholds,"
                    " created_at) VALUES ('ancienne', 'Agence d''avant', 'Europe/Paris', '{}',"
                    " '{}', '2025-01-01 08:00:00')"
                )
            )
        engine.dispose()
        older = _backup_of(backend, old, tmp_path / f"older{suffix}")
    finally:
        drop_database(old)
    assert in_process(monkeypatch, url, data, "restore", "--yes", str(older)) == 0
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            names = connection.execute(text("SELECT code FROM agency")).scalars().all()
        assert names == ["ancienne"]
    finally:
        engine.dispose()


def test_refused_messages(
    backend: str,
    live: tuple[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Bad input, one by one: a clear French line, exit code ≠ 0, the live database as it was."""
    url, data = live
    before = rows(url)
    other = "postgresql" if backend == "sqlite" else "sqlite"
    good = _backup_of(backend, url, tmp_path / "good.bak")
    blob = good.read_bytes()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("pas une sauvegarde\n")
    empty = tmp_path / "empty.db"
    empty.touch()
    truncated = tmp_path / "truncated.bak"
    truncated.write_bytes(blob[: len(blob) // 2])
    corrupted = tmp_path / "corrupted.bak"
    middle = len(blob) // 2
    corrupted.write_bytes(blob[:middle] + b"\xa5" * 4096 + blob[middle + 4096 :])
    foreign = tmp_path / "foreign.bak"
    if other == "sqlite":
        with sqlite3.connect(foreign) as db:
            db.execute("CREATE TABLE t (x)")
        db.close()
    else:
        foreign.write_bytes(b"PGDMP" + blob[5:200])
    plain_sqlite = tmp_path / "plain.db"
    with sqlite3.connect(plain_sqlite) as db:
        db.execute("CREATE TABLE notes (x)")
    db.close()
    cases = {
        tmp_path / "absent.db": "n'existe pas",
        tmp_path: "est un dossier",
        text_file: "n'est pas une sauvegarde Couloir",
        empty: "n'est pas une sauvegarde Couloir",
        truncated: "abîmée ou incomplète",
        corrupted: "abîmée ou incomplète",
        foreign: "ce service utilise",
    }
    if backend == "sqlite":
        cases[plain_sqlite] = "n'est pas une sauvegarde de Couloir"
    for path, words in cases.items():
        code = in_process(monkeypatch, url, data, "restore", "--yes", str(path))
        err = capsys.readouterr().err
        assert code != 0, path
        assert words in err and "Traceback" not in err, (path, err)
        assert rows(url) == before, path
    assert not (data / RESTORE_COPIES).exists()
    assert not [p for p in data.iterdir() if p.name.startswith(".couloir-restore-")]
