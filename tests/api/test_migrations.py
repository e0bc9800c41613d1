"""Schema migrations: an old database upgrades to head with its data (and the photos and
screenshots of its data folder), on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from PIL import Image
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import api.models  # noqa: F401 - registers the tables
from api.db import make_engine
from api.domain.codes import new_token, token_hash
from api.migrate import alembic_config, current_revision, head_revision, upgrade
from api.models.screen import DEFAULT_PLAYLIST
from api.security.passwords import hash_password
from tests.support.databases import create_database, drop_database
from tests.support.server import LiveServer


@pytest.fixture
def database_url(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = create_database(tmp_path)
    yield url
    drop_database(url)


def test_upgrade_from_the_first_migration_keeps_the_data(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        assert "screenpairing" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO agency (code, name, timezone, opening_hours, urgency_thresholds, created_at)"
                    " VALUES ('ancienne', 'Agence ancienne', 'Europe/Paris', '[]', '{}', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO screen (agency_id, name, rotation, playlist, schedule, created_at, version)"
                    " SELECT id, 'Écran du hall', 0, '[]', '[]', CURRENT_TIMESTAMP, 1 FROM agency"
                )
            )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT name FROM screen")).scalar_one() == "Écran du hall"
            )
            assert connection.execute(text("SELECT memory_mb FROM screen")).scalar_one() is None
            assert not compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    finally:
        engine.dispose()


def test_the_cli_upgrades_an_old_database(database_url: str, tmp_path: Path) -> None:
    """`couloir migrate` (run by `couloir serve` before serving) brings 0001 to head."""
    engine = make_engine(database_url)
    upgrade(engine, "0001")
    engine.dispose()
    env = dict(os.environ, COULOIR_DATA_DIR=str(tmp_path), COULOIR_DATABASE_URL=database_url)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert head_revision() in done.stdout


# --- photos and screenshots move from DATA_DIR into the database (0005) ------------------------


def _before_images() -> str:
    """The revision just before photos and screenshots moved into the database."""
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0005").down_revision
    assert isinstance(before, str)
    return before


@dataclass
class OldInstall:
    """A database at the revision before 0005, with its photos and screenshots on disk."""

    data_dir: Path
    url: str
    email: str
    password: str
    screen_token: str
    hire_ids: dict[str, int]
    screen_ids: dict[str, int]
    photo: bytes
    screenshot: bytes


def _old_install(data_dir: Path, url: str) -> OldInstall:
    engine = make_engine(url)
    password, token = secrets.token_urlsafe(12), new_token()
    photo, screenshot = _image("JPEG"), _image("PNG")
    try:
        upgrade(engine, _before_images())
        with engine.begin() as connection:
            run = lambda sql, **values: connection.execute(text(sql), values)  # noqa: E731
            run(
                "INSERT INTO agency (code, name, timezone, opening_hours, urgency_thresholds,"
                " created_at) VALUES ('ancienne', 'Agence ancienne', 'Europe/Paris', '[]', '{}',"
                " CURRENT_TIMESTAMP)"
            )
            agency = run("SELECT id FROM agency").scalar_one()
            run(
                "INSERT INTO staff (agency_id, name, email, role, password_hash, active,"
                " created_at, version) VALUES (:agency, 'Mme Manager', 'manager@ancienne.fr',"
                " 'manager', :hash, :yes, CURRENT_TIMESTAMP, 1)",
                agency=agency,
                hash=hash_password(password),
                yes=True,
            )
            staff = run("SELECT id FROM staff").scalar_one()
            screens = {}
            for name, hashed in (("with_file", token_hash(token)), ("without_file", None)):
                run(
                    "INSERT INTO screen (agency_id, name, token_hash, rotation, playlist,"
                    " schedule, screenshot_at, created_at, version) VALUES (:agency, :name,"
                    " :hashed, 0, :playlist, '[]', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)",
                    agency=agency,
                    name=name,
                    hashed=hashed,
                    playlist=json.dumps(DEFAULT_PLAYLIST),
                )
                screens[name] = run("SELECT max(id) FROM screen").scalar_one()
            hires = {}
            for name, photo_file in (("with_file", "hire1-0a1b.jpg"), ("without_file", "gone.jpg")):
                run(
                    "INSERT INTO hire (agency_id, employer, title, story, hired_on, photo_file,"
                    " photo_consent, status, created_by_id, created_at, updated_at, version)"
                    " VALUES (:agency, 'Cave des Papes', :name, '', :today, :photo_file, :yes,"
                    " 'published', :staff, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 3)",
                    agency=agency,
                    name=name,
                    today=date.today(),
                    photo_file=photo_file,
                    yes=True,
                    staff=staff,
                )
                hires[name] = run("SELECT max(id) FROM hire").scalar_one()
    finally:
        engine.dispose()
    (data_dir / "photos").mkdir(mode=0o700, parents=True)
    (data_dir / "photos" / "hire1-0a1b.jpg").write_bytes(photo)
    (data_dir / "photos" / "left-over.jpg").write_bytes(photo)  # referenced by nothing
    (data_dir / "screenshots").mkdir(mode=0o700)
    (data_dir / "screenshots" / f"screen-{screens['with_file']}.png").write_bytes(screenshot)
    return OldInstall(
        data_dir, url, "manager@ancienne.fr", password, token, hires, screens, photo, screenshot
    )


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, kind)
    return out.getvalue()


def test_photos_and_screenshots_on_disk_move_into_the_database_and_are_served(
    tmp_path: Path,
) -> None:
    """`couloir serve` of the new version on an old install: the same pictures, from the database."""
    server = LiveServer(tmp_path / "data", seed=False)
    old = _old_install(server.data_dir, server.database_url)
    server.accounts = {"manager": (old.email, old.password)}
    server.screen_token = old.screen_token
    try:
        server.start()  # migrates the database, with its COULOIR_DATA_DIR
        with server.client("manager") as manager, server.screen_client() as screen:
            photo = manager.get(f"/api/v1/hires/{old.hire_ids['with_file']}/photo")
            assert photo.status_code == 200 and photo.content == old.photo
            assert photo.headers["etag"] == f'"{hashlib.sha256(old.photo).hexdigest()}"'
            missing = manager.get(f"/api/v1/hires/{old.hire_ids['without_file']}").json()
            assert missing["has_photo"] is False
            shown = {h["id"]: h for h in screen.get("/api/v1/display/snapshot").json()["hires"]}
            assert shown[old.hire_ids["without_file"]]["photo_path"] is None
            download = screen.get(shown[old.hire_ids["with_file"]]["photo_path"])
            assert download.content == old.photo

            listed = {s["id"]: s for s in manager.get("/api/v1/screens").json()}
            assert listed[old.screen_ids["with_file"]]["has_screenshot"] is True
            assert listed[old.screen_ids["without_file"]]["has_screenshot"] is False
            picture = manager.get(f"/api/v1/screens/{old.screen_ids['with_file']}/screenshot")
            assert picture.status_code == 200 and picture.content == old.screenshot
    finally:
        server.close()
    # Moved files are gone once committed; what nothing referenced stays where it was.
    assert sorted(p.name for p in (old.data_dir / "photos").iterdir()) == ["left-over.jpg"]
    assert not (old.data_dir / "screenshots").exists()


def test_photos_are_not_dropped_when_the_data_folder_is_not_given(tmp_path: Path) -> None:
    old = _old_install(tmp_path / "data", create_database(tmp_path / "data"))
    engine = make_engine(old.url)
    try:
        with pytest.raises(RuntimeError, match="COULOIR_DATA_DIR"):
            upgrade(engine)
        assert current_revision(engine) == _before_images()
        with engine.connect() as connection:
            named = connection.execute(text("SELECT count(photo_file) FROM hire")).scalar_one()
            assert named == 2
    finally:
        engine.dispose()
        drop_database(old.url)
    assert (old.data_dir / "photos" / "hire1-0a1b.jpg").read_bytes() == old.photo
