"""Hire photos and screen screenshots move from DATA_DIR into the database.

Any server host then answers any request, and a backup of the database (pg_dump, `couloir
backup`) holds everything. The files are read from DATA_DIR/photos (named by ``hire.photo_file``)
and DATA_DIR/screenshots/screen-{id}.png; ``api.migrate.upgrade`` passes DATA_DIR in
``config.attributes["data_dir"]`` and deletes the files moved once the upgrade has committed
(they are collected in ``config.attributes["moved_files"]``). Files nothing referenced are left.

Downgrade drops the images: the photo of every hire is lost (its file was deleted).

Revision ID: 0005
Revises: 0004
"""

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def legacy_photos_dir(data_dir: Path) -> Path:
    """Where photos were kept before this migration."""
    return data_dir / "photos"


def legacy_screenshots_dir(data_dir: Path) -> Path:
    """Where screenshots were kept before this migration."""
    return data_dir / "screenshots"


def _image_columns(key: str, table: str) -> list[sa.Column]:
    return [
        sa.Column(key, sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint([key], [f"{table}.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint(key),
    ]


def _image_table(name: str, key: str) -> sa.TableClause:
    """A light table for inserts, with the types that bind bytes and aware datetimes."""
    return sa.table(
        name,
        sa.column(key, sa.Integer()),
        sa.column("data", sa.LargeBinary()),
        sa.column("media_type", sa.String()),
        sa.column("size", sa.Integer()),
        sa.column("sha256", sa.String()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )


def _file_in(folder: Path, name: str) -> Path | None:
    """``folder/name`` when ``name`` is a plain file name (it comes from the database)."""
    if not name or Path(name).name != name or name.startswith("."):
        return None
    return folder / name


def upgrade() -> None:
    bind = op.get_bind()
    config = context.config
    data_dir: Path | None = config.attributes.get("data_dir")
    moved: list[Path] = config.attributes.setdefault("moved_files", [])

    photo_files = bind.execute(
        sa.text("SELECT id, photo_file FROM hire WHERE photo_file IS NOT NULL")
    ).all()
    if photo_files and data_dir is None:
        # Without the folder the photos would be lost (the column naming them goes): refuse.
        raise RuntimeError(
            f"{len(photo_files)} photo(s) d'embauche à déplacer dans la base : "
            "indiquez le dossier de données (COULOIR_DATA_DIR) à la migration"
        )

    # The hire table is rebuilt on SQLite: before any table refers to it.
    with op.batch_alter_table("hire", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("photo_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.drop_column("photo_file")
    op.create_table("hirephoto", *_image_columns("hire_id", "hire"))
    op.create_table("screenshot", *_image_columns("screen_id", "screen"))
    if bind.dialect.name == "postgresql":
        # JPEG and PNG are compressed already: out of line, without another compression try.
        op.execute("ALTER TABLE hirephoto ALTER COLUMN data SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE screenshot ALTER COLUMN data SET STORAGE EXTERNAL")

    if data_dir is None:
        log.warning("0005: no data folder given; no screenshot moved into the database")
        bind.execute(sa.text("UPDATE screen SET screenshot_at = NULL"))
        return
    _move_photos(bind, legacy_photos_dir(data_dir), photo_files, moved)
    _move_screenshots(bind, legacy_screenshots_dir(data_dir), moved)


def _move_photos(
    bind: sa.Connection, folder: Path, photo_files: list[sa.Row], moved: list[Path]
) -> None:
    table = _image_table("hirephoto", "hire_id")
    count = 0
    for hire_id, name in photo_files:
        path = _file_in(folder, name)
        if path is None or not path.is_file():
            log.warning(
                "0005: photo of hire %s not found (%s); the hire has no photo", hire_id, path
            )
            continue
        # One at a time: never every photo in memory.
        sha256 = _insert_image(bind, table, {"hire_id": hire_id}, path, "image/jpeg")
        bind.execute(
            sa.text("UPDATE hire SET photo_sha256 = :sha256 WHERE id = :id"),
            {"sha256": sha256, "id": hire_id},
        )
        moved.append(path)
        count += 1
    if count:
        log.info("0005: %d photo(s) moved from %s into the database", count, folder)
    moved.append(folder)


def _move_screenshots(bind: sa.Connection, folder: Path, moved: list[Path]) -> None:
    table = _image_table("screenshot", "screen_id")
    kept: list[int] = []
    for (screen_id,) in bind.execute(sa.text("SELECT id FROM screen")).all():
        path = folder / f"screen-{screen_id}.png"
        if not path.is_file():
            continue
        _insert_image(bind, table, {"screen_id": screen_id}, path, "image/png")
        taken_at = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        bind.execute(
            sa.text(
                "UPDATE screen SET screenshot_at = :at WHERE id = :id AND screenshot_at IS NULL"
            ),
            {"at": taken_at, "id": screen_id},
        )
        moved.append(path)
        kept.append(screen_id)
    # ``screenshot_at`` now says whether a screenshot exists: none for screens without a file.
    reset = sa.text("UPDATE screen SET screenshot_at = NULL WHERE id NOT IN :kept").bindparams(
        sa.bindparam("kept", expanding=True)
    )
    if kept:
        bind.execute(reset, {"kept": kept})
        log.info("0005: %d screenshot(s) moved from %s into the database", len(kept), folder)
    else:
        bind.execute(sa.text("UPDATE screen SET screenshot_at = NULL"))
    moved.append(folder)


def downgrade() -> None:
    op.drop_table("screenshot")
    op.drop_table("hirephoto")
    with op.batch_alter_table("hire", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("photo_file", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch_op.drop_column("photo_sha256")


def _insert_image(bind, table, owner: dict, path: Path, media_type: str) -> str:  # type: ignore[no-untyped-def]
    """Copy the file at ``path`` into ``table`` for ``owner``; return its SHA-256."""
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    bind.execute(
        table.insert().values(
            **owner,
            data=data,
            media_type=media_type,
            size=len(data),
            sha256=sha256,
            created_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
        )
    )
    return sha256
