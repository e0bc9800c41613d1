"""The nightly backup: the backup unit's command copies the real database and keeps 14."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from deploy_support import unit_command

UNIT = Path("etc/systemd/system/couloir-backup.service")


def run_backup(root: Path, data: Path, backups: Path) -> subprocess.CompletedProcess[str]:
    argv, env = unit_command(
        root / UNIT,
        root,
        {"COULOIR_DATA_DIR": str(data), "COULOIR_BACKUP_DIR": str(backups)},
    )
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_backup_copies_the_database_and_keeps_the_newest_14(
    all_root: tuple[Path, str], seeded_data: tuple[Path, str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(seeded_data[0], data)
    backups = tmp_path / "usb"
    backups.mkdir()
    old = [backups / f"couloir-202501{day:02d}-023000.db" for day in range(1, 16)]
    for path in old:
        path.write_bytes(b"older copy")
    unrelated = backups / "notes.txt"
    unrelated.write_text("the operator's own file")

    result = run_backup(all_root[0], data, backups)
    assert result.returncode == 0, result.stdout + result.stderr
    copies = sorted(backups.glob("couloir-*.db"))
    assert len(copies) == 14
    newest = copies[-1]
    assert newest not in old
    # Oldest first out; the operator's file and no half-written copy left behind.
    assert not old[0].exists() and not old[1].exists() and old[2].exists()
    assert unrelated.exists()
    assert not list(backups.glob(".*partial*"))
    assert f"{newest.name} écrite, 14 copies gardées" in result.stdout
    # The copy is a whole database with the agency's offers in it.
    with sqlite3.connect(newest) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        original = sqlite3.connect(data / "couloir.db")
        counts = {t: original.execute(f'SELECT count(*) FROM "{t}"').fetchone() for t in tables}
        original.close()
        assert sum(c[0] for c in counts.values()) > 40
        for table, count in counts.items():
            assert db.execute(f'SELECT count(*) FROM "{table}"').fetchone() == count

    # The nightly copy restores with the installed `couloir restore` (couloir-cli runs it so).
    with sqlite3.connect(data / "couloir.db") as live:
        live.execute("UPDATE agency SET name = 'Renommée après la copie'")
    live.close()
    couloir = all_root[0] / "opt/couloir/current/bin/couloir"
    _, env = unit_command(all_root[0] / UNIT, all_root[0], {"COULOIR_DATA_DIR": str(data)})
    restored = subprocess.run(
        [str(couloir), "restore", "--yes", str(newest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    with sqlite3.connect(data / "couloir.db") as live:
        assert live.execute("SELECT name FROM agency").fetchall() != [("Renommée après la copie",)]
        for table, count in counts.items():
            assert live.execute(f'SELECT count(*) FROM "{table}"').fetchone() == count
    live.close()
    assert len(list((data / "restore-copies").glob("couloir-*.db"))) == 1


def test_missing_usb_stick_fails_loudly_and_prunes_nothing(
    all_root: tuple[Path, str], seeded_data: tuple[Path, str], tmp_path: Path
) -> None:
    result = run_backup(all_root[0], seeded_data[0], tmp_path / "unplugged")
    assert result.returncode == 1
    assert "n'existe pas (clé USB débranchée ou non montée ?)" in result.stderr


def test_a_failed_copy_keeps_every_previous_one(all_root: tuple[Path, str], tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [backups / f"couloir-202501{day:02d}-023000.db" for day in range(1, 16)]
    for path in old:
        path.write_bytes(b"older copy")
    empty = tmp_path / "empty-data"
    empty.mkdir()
    result = run_backup(all_root[0], empty, backups)
    assert result.returncode == 1
    assert "les copies précédentes sont gardées" in result.stderr
    assert all(path.exists() for path in old)
    assert sorted(p.name for p in backups.iterdir()) == sorted(p.name for p in old)
