"""Tags become rows of their agency (``tag``), carried by offers, hires and the new testimonies.

Every tag string of every offer moves into ``tag`` and ``offertag`` (in its order): one tag per
agency and folded form, named as first met, so « #antiplome » and « #antiplôme » become one.
``offer.tags`` stays as the offer's ordered display copy, rewritten with the tags' names; the
downgrade drops the new tables and leaves that copy, so nothing of the offers is lost either way.

Revision ID: 0009
Revises: 0008
"""

import hashlib
import json
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    """The folded form of a tag, as ``api.models.tag.fold`` computed it at this revision."""
    bare = text.strip().lstrip("#")
    decomposed = unicodedata.normalize("NFKD", bare.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else "-" for c in letters)
    slug = "-".join(part for part in words.split("-") if part)[:80]
    if slug or not bare:
        return slug
    return "t-" + hashlib.sha256(bare.encode("utf-8")).hexdigest()[:12]


def _create_tables() -> None:
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "slug", name="uq_tag_agency_slug"),
    )
    op.create_index("ix_tag_agency_id", "tag", ["agency_id"], unique=False)
    op.create_index("ix_tag_slug", "tag", ["slug"], unique=False)
    for owner in ("offer", "hire"):
        table = f"{owner}tag"
        op.create_table(
            table,
            sa.Column(f"{owner}_id", sa.Integer(), nullable=False),
            sa.Column("tag_id", sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint([f"{owner}_id"], [f"{owner}.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint(f"{owner}_id", "tag_id"),
        )
        op.create_index(f"ix_{table}_tag_id", table, ["tag_id"], unique=False)
    op.create_table(
        "testimony",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("hire_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["hire_id"], ["hire.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_testimony_agency_id", "testimony", ["agency_id"], unique=False)
    op.create_index("ix_testimony_author_id", "testimony", ["author_id"], unique=False)
    op.create_table(
        "testimonytag",
        sa.Column("testimony_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["testimony_id"], ["testimony.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("testimony_id", "tag_id"),
    )
    op.create_index("ix_testimonytag_tag_id", "testimonytag", ["tag_id"], unique=False)


def _move_offer_tags() -> None:
    """Each offer's tag strings become ``offertag`` rows, in order, without losing one."""
    bind = op.get_bind()
    offer = sa.table(
        "offer",
        sa.column("id", sa.Integer),
        sa.column("agency_id", sa.Integer),
        sa.column("tags", sa.JSON),
    )
    tag = sa.table(
        "tag",
        sa.column("id", sa.Integer),
        sa.column("agency_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("slug", sa.String),
        sa.column("description", sa.String),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("version", sa.Integer),
    )
    offertag = sa.table(
        "offertag",
        sa.column("offer_id", sa.Integer),
        sa.column("tag_id", sa.Integer),
        sa.column("position", sa.Integer),
    )
    now = datetime.now(UTC)
    known: dict[tuple[int, str], tuple[int, str]] = {}  # (agency, slug) -> (tag id, name)
    rows = bind.execute(
        sa.select(offer.c.id, offer.c.agency_id, offer.c.tags).order_by(offer.c.id)
    ).all()
    for offer_id, agency_id, raw in rows:
        strings = json.loads(raw) if isinstance(raw, str) else (raw or [])
        names: list[str] = []
        seen: set[int] = set()
        for text in strings:
            name = str(text).strip().lstrip("#")
            slug = _fold(name)
            if not slug:
                continue
            if (agency_id, slug) not in known:
                tag_id = bind.execute(
                    sa.insert(tag)
                    .values(
                        agency_id=agency_id,
                        name=name,
                        slug=slug,
                        description="",
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                    .returning(tag.c.id)
                ).scalar_one()
                known[agency_id, slug] = (tag_id, name)
            tag_id, canonical = known[agency_id, slug]
            if tag_id in seen:
                continue
            seen.add(tag_id)
            bind.execute(
                sa.insert(offertag).values(offer_id=offer_id, tag_id=tag_id, position=len(names))
            )
            names.append("#" + canonical)
        if names != list(strings):
            bind.execute(sa.update(offer).where(offer.c.id == offer_id).values(tags=names))


def upgrade() -> None:
    _create_tables()
    _move_offer_tags()


def downgrade() -> None:
    op.drop_index("ix_testimonytag_tag_id", table_name="testimonytag")
    op.drop_table("testimonytag")
    op.drop_index("ix_testimony_author_id", table_name="testimony")
    op.drop_index("ix_testimony_agency_id", table_name="testimony")
    op.drop_table("testimony")
    for owner in ("hire", "offer"):
        op.drop_index(f"ix_{owner}tag_tag_id", table_name=f"{owner}tag")
        op.drop_table(f"{owner}tag")
    op.drop_index("ix_tag_slug", table_name="tag")
    op.drop_index("ix_tag_agency_id", table_name="tag")
    op.drop_table("tag")
