"""Backups and restore of the whole database, photos included (they live in it).

SQLite: a backup is a copy of the database file made with SQLite's backup API. PostgreSQL: a
``pg_dump --format=custom`` archive (what ``couloir backup`` and deploy/server's nightly
``couloir-pgdump`` write). ``restore`` checks a backup completely before touching the live
database: readable to the end, a Couloir database, a schema this version knows (older ones are
upgraded, newer ones refused). It keeps a copy of what it replaces, and replaces it in one
transaction: a failure at any step leaves the live database as it was.

    restore(settings, Path("couloir-20261129-023000.db"), confirm=lambda question: True)
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.db import is_disk_full, make_engine
from api.migrate import alembic_config, upgrade
from api.settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
RESTORE_COPIES = "restore-copies"  # under COULOIR_DATA_DIR: what each restore replaced
PG_TOOL_TIMEOUT_S = 3600
UNCHANGED = "rien n'a changé"


class BackupError(Exception):
    """A backup or restore refused or failed; ``message`` says why in French."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Restored:
    """What ``restore`` did: the revision of the backup, the one now live, the copy kept."""

    revision: str
    head: str
    replaced_copy: Path | None


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def sqlite_path(settings: Settings) -> Path:
    """The live SQLite database file."""
    return Path(settings.resolved_database_url.removeprefix("sqlite:///"))


# --- PostgreSQL client tools -------------------------------------------------------------


def _libpq_env(url: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore/psql: libpq variables read from ``url``.

    The password goes through PGPASSWORD, never on a command line.
    """
    parts = make_url(url)
    values = {
        "PGHOST": parts.host or "",
        "PGPORT": str(parts.port or ""),
        "PGUSER": parts.username or "",
        "PGPASSWORD": parts.password or "",
        "PGDATABASE": parts.database or "",
    }
    for key, value in parts.query.items():
        if key in {"host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey"}:
            values["PG" + key.upper()] = value if isinstance(value, str) else value[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({k: v for k, v in values.items() if v})
    return env


def _server_major(url: str) -> int | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    finally:
        engine.dispose()


def pg_tool(name: str, server_major: int | None = None) -> str:
    """The path of PostgreSQL's ``name`` tool, of the server's major version where installed.

    pg_dump refuses a server newer than itself, and a newer pg_dump writes statements an older
    server rejects: Debian's /usr/lib/postgresql/<major>/bin of the server's version first, then
    the newest installed one, then the PATH.
    """
    versions = sorted(
        (int(p.name) for p in Path("/usr/lib/postgresql").glob("*") if p.name.isdigit()),
        reverse=True,
    )
    if server_major in versions:
        versions.insert(0, server_major)
    for version in versions:
        candidate = Path(f"/usr/lib/postgresql/{version}/bin/{name}")
        if os.access(candidate, os.X_OK) and (server_major is None or version >= server_major):
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        wanted = f" {server_major} ou plus récent" if server_major else ""
        raise BackupError(f"{name} introuvable : installez postgresql-client{wanted}")
    return found


def _run_tool(argv: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        argv, env=env, capture_output=True, text=True, timeout=PG_TOOL_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        detail = lines[-1] if lines else f"code {result.returncode}"
        raise BackupError(f"{what} ({detail})")
    return result


def backup_postgresql(url: str, target: Path) -> None:
    """Write a pg_dump archive (custom format) of ``url`` to ``target``, whole or not at all."""
    env = _libpq_env(url)
    major = _server_major(url)
    partial = target.with_name(target.name + ".partial")
    _private(partial)
    try:
        _run_tool(
            [pg_tool("pg_dump", major), "--format=custom", "--no-password", "--file", str(partial)],
            env,
            "pg_dump a échoué",
        )
        _run_tool(
            [pg_tool("pg_restore", major), "--list", str(partial)],
            env,
            "la sauvegarde écrite ne se relit pas",
        )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _private(path: Path) -> None:
    """Create ``path`` empty, readable by its owner only, if absent (backups are personal data)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _copy_sqlite(source: str, target: Path, *, uri: bool = False) -> None:
    """Copy a SQLite database into ``target`` in one write transaction (SQLite's backup API)."""
    _private(target)
    with (
        closing(sqlite3.connect(source, uri=uri, timeout=30)) as src,
        closing(sqlite3.connect(target, timeout=30)) as dst,
    ):
        src.backup(dst)


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` to ``target`` (consistent while the server writes)."""
    partial = target.with_name(target.name + ".partial")
    try:
        _copy_sqlite(str(source), partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


# --- Checking a backup -------------------------------------------------------------------


def backup_kind(path: Path) -> str:
    """``sqlite`` or ``postgresql``: what the file at ``path`` is; BackupError otherwise."""
    if not path.exists():
        raise BackupError(f"{path} n'existe pas : donnez le chemin d'un fichier de sauvegarde")
    if path.is_dir():
        raise BackupError(f"{path} est un dossier : donnez le fichier de sauvegarde lui-même")
    try:
        with path.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BackupError(f"{path} ne se lit pas ({exc.strerror}) : {UNCHANGED}") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(
        f"{path} n'est pas une sauvegarde Couloir (ni base SQLite, ni archive pg_dump) : "
        f"{UNCHANGED}"
    )


def _damaged(path: Path) -> BackupError:
    return BackupError(
        f"la sauvegarde {path} est abîmée ou incomplète (copie interrompue ?) : {UNCHANGED} ; "
        "essayez une sauvegarde plus ancienne"
    )


def _not_couloir(path: Path) -> BackupError:
    return BackupError(f"{path} n'est pas une sauvegarde de Couloir : {UNCHANGED}")


def check_revision(path: Path, revision: str | None) -> bool:
    """True when the backup's schema ``revision`` is older than this version's head.

    BackupError when the backup comes from a newer Couloir (a revision this version does not
    know) or has no revision at all.
    """
    if not revision:
        raise _not_couloir(path)
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if revision == head:
        return False
    try:
        known = scripts.get_revision(revision)
    except (RevisionError, CommandError):
        known = None
    if known is None:
        raise BackupError(
            f"la sauvegarde {path} vient d'une version plus récente de Couloir (schéma "
            f"{revision}, inconnu de cette version qui s'arrête à {head}) : mettez Couloir à "
            f"jour avant de la restaurer ; {UNCHANGED}"
        )
    return True


def _sqlite_revision(path: Path) -> str | None:
    with closing(sqlite3.connect(path)) as db:
        if db.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise sqlite3.DatabaseError("malformed")
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            return None
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _pg_script_revision(script: Path) -> tuple[str | None, bool]:
    """The alembic revision in a pg_restore SQL script, and whether it creates Couloir's tables."""
    revision = None
    has_agency = False
    with script.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith("CREATE TABLE ") and line.split()[2].split(".")[-1] == "agency":
                has_agency = True
            elif line.startswith("COPY ") and line.split()[1].split(".")[-1] == "alembic_version":
                first = next(lines, "").rstrip("\n")
                revision = None if first == "\\." else first
    return revision, has_agency


# --- Restore -----------------------------------------------------------------------------


@contextmanager
def _scratch_file(folder: Path, suffix: str) -> Iterator[Path]:
    """A temporary file name in ``folder``; the file and its SQLite companions removed after."""
    fd, name = tempfile.mkstemp(prefix=".couloir-restore-", suffix=suffix, dir=folder)
    os.close(fd)
    path = Path(name)
    try:
        yield path
    finally:
        for extra in ("", "-wal", "-shm", "-journal"):
            Path(name + extra).unlink(missing_ok=True)


def _copy_target(settings: Settings, suffix: str) -> Path:
    folder = settings.data_dir / RESTORE_COPIES  # made when the copy is, after the question
    stamp = _stamp()
    path = folder / f"couloir-{stamp}{suffix}"
    count = 1
    while path.exists():  # two restores within a second: each copy kept
        path = folder / f"couloir-{stamp}-{count}{suffix}"
        count += 1
    return path


def _ask(
    confirm: Callable[[str], bool], live: str, path: Path, revision: str, older: bool, copy: str
) -> None:
    upgraded = " (schéma plus ancien : il sera mis à jour)" if older else ""
    question = (
        f"Remplacer toutes les données de {live} par la sauvegarde {path} (schéma {revision})"
        f"{upgraded} ? La base actuelle sera d'abord copiée dans {copy}."
    )
    if not confirm(question):
        raise BackupError(f"restauration annulée : {UNCHANGED}", code=1)


def _no_room(folder: Path) -> BackupError:
    return BackupError(
        f"plus de place sur le disque de {folder} : libérez de l'espace puis relancez ; {UNCHANGED}"
    )


def _restore_sqlite(
    settings: Settings, path: Path, confirm: Callable[[str], bool], head: str
) -> Restored:
    live = sqlite_path(settings)
    live.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _scratch_file(live.parent, ".db") as staging:
        # A private copy first: checked and upgraded there, the backup file itself untouched.
        try:
            _copy_sqlite(f"file:{path}?mode=ro&immutable=1", staging, uri=True)
            revision = _sqlite_revision(staging)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise (_no_room(live.parent) if is_disk_full(exc) else _damaged(path)) from None
        older = check_revision(path, revision)
        assert revision is not None
        if older:
            engine = make_engine(f"sqlite:///{staging}")
            try:
                upgrade(engine, data_dir=settings.data_dir)
            except Exception as exc:
                if is_disk_full(exc):
                    raise _no_room(live.parent) from exc
                raise BackupError(
                    f"la mise à jour du schéma de la sauvegarde a échoué ({exc}) : {UNCHANGED}"
                ) from exc
            finally:
                engine.dispose()
        kept = live.exists() and live.stat().st_size > 0
        copy_path = _copy_target(settings, ".db") if kept else None
        _ask(confirm, str(live), path, revision, older, str(copy_path or "(aucune base)"))
        try:
            if copy_path is not None:
                copy_path.parent.mkdir(mode=0o700, exist_ok=True)
                backup_sqlite(live, copy_path)
            # One write transaction into the live file: readers see the old or the new one.
            _copy_sqlite(str(staging), live)
        except (sqlite3.OperationalError, OSError) as exc:
            if copy_path is not None:  # nothing replaced: the copy would only take room
                copy_path.unlink(missing_ok=True)
                with suppress(OSError):
                    copy_path.parent.rmdir()
            if is_disk_full(exc):
                raise _no_room(live.parent) from exc
            raise BackupError(
                f"la base {live} n'a pas pu être remplacée ({exc}) : {UNCHANGED} ; arrêtez le "
                "service puis relancez la restauration"
            ) from exc
    return Restored(revision, head, copy_path)


# A server still running holds no lock for long; one that does makes the restore give up
# (and roll back) rather than wait behind it for ever.
_DROP_EVERYTHING = """\
SET lock_timeout = '30s';
DO $couloir$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  LOOP
    EXECUTE format('DROP %s IF EXISTS %I CASCADE',
      CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                     WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, r.relname);
  END LOOP;
END
$couloir$;
"""


def _psql_restore(url: str, script: Path, major: int | None) -> None:
    """Replace every table of ``url``'s schema by the script's, in one transaction."""
    env = _libpq_env(url)
    with script.open("rb") as body:
        result = subprocess.run(
            [
                pg_tool("psql", major),
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                "--command",
                _DROP_EVERYTHING,
                "--file",
                "-",
            ],
            stdin=body,
            env=env,
            capture_output=True,
            text=True,
            timeout=PG_TOOL_TIMEOUT_S,
            check=False,
        )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if "ERROR" in line or "ERREUR" in line]
        detail = (lines or result.stderr.strip().splitlines() or ["?"])[-1]
        hint = " ; arrêtez le service puis relancez" if "lock timeout" in detail else ""
        raise BackupError(f"PostgreSQL a refusé la restauration ({detail}) : {UNCHANGED}{hint}")


def _pg_script(path: Path, folder: Path, major: int | None, env: dict[str, str]) -> Path:
    script = folder / "restore.sql"
    result = subprocess.run(
        [
            pg_tool("pg_restore", major),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--file",
            str(script),
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=PG_TOOL_TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        if "unsupported version" in result.stderr:
            raise BackupError(
                f"la sauvegarde {path} vient d'un pg_dump plus récent que ce pg_restore : "
                f"installez postgresql-client plus récent ; {UNCHANGED}"
            )
        if "No space left" in result.stderr:
            raise _no_room(folder)
        raise _damaged(path)
    return script


def _restore_postgresql(
    settings: Settings, path: Path, confirm: Callable[[str], bool], head: str
) -> Restored:
    url = settings.resolved_database_url
    major = _server_major(url)
    env = _libpq_env(url)
    with tempfile.TemporaryDirectory(prefix="couloir-restore-") as folder:
        script = _pg_script(path, Path(folder), major, env)
        revision, has_agency = _pg_script_revision(script)
        if not has_agency:
            raise _not_couloir(path)
        older = check_revision(path, revision)
        assert revision is not None
        copy_path = _copy_target(settings, ".dump")
        where = f"la base PostgreSQL « {make_url(url).database} »"
        _ask(confirm, where, path, revision, older, str(copy_path))
        copy_path.parent.mkdir(mode=0o700, exist_ok=True)
        try:
            backup_postgresql(url, copy_path)
        except BackupError as exc:
            raise BackupError(
                f"la copie de la base actuelle a échoué ({exc.message}) : {UNCHANGED}"
            ) from exc
        _psql_restore(url, script, major)
    if older:
        engine = make_engine(url)
        try:
            upgrade(engine, data_dir=settings.data_dir)
        except Exception as exc:
            # Put back what was there: the copy was taken a moment ago by this same code.
            with tempfile.TemporaryDirectory(prefix="couloir-restore-") as folder:
                _psql_restore(url, _pg_script(copy_path, Path(folder), major, env), major)
            raise BackupError(
                f"la mise à jour du schéma de la sauvegarde a échoué ({exc}) : la base d'avant "
                f"a été remise en place depuis {copy_path}"
            ) from exc
        finally:
            engine.dispose()
    return Restored(revision, head, copy_path)


def restore(settings: Settings, path: Path, *, confirm: Callable[[str], bool]) -> Restored:
    """Replace the live database by the backup at ``path`` (see the module docstring).

    ``confirm`` is asked one French question once the backup is known good; False cancels.
    Raises BackupError (French message) with the live database unchanged on every refusal.
    """
    kind = backup_kind(path)
    live = "postgresql" if not settings.is_sqlite else "sqlite"
    if kind != live:
        names = {"sqlite": "une base SQLite", "postgresql": "une archive pg_dump (PostgreSQL)"}
        raise BackupError(
            f"la sauvegarde {path} est {names[kind]} mais ce service utilise "
            f"{'PostgreSQL' if live == 'postgresql' else 'SQLite'} : restaurez-la sur une "
            f"installation du même type ; {UNCHANGED}"
        )
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    if kind == "sqlite":
        return _restore_sqlite(settings, path, confirm, head)
    return _restore_postgresql(settings, path, confirm, head)
