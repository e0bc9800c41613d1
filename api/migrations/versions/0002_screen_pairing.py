"""Screen pairing by code, and the memory a screen reports.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screenpairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("poll_secret_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=True),
        sa.Column("pending_token", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["screen_id"],
            ["screen.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("screenpairing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenpairing_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_screenpairing_poll_secret_hash"), ["poll_secret_hash"], unique=True
        )

    with op.batch_alter_table("screen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("memory_mb", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screen", schema=None) as batch_op:
        batch_op.drop_column("memory_mb")
    with op.batch_alter_table("screenpairing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenpairing_poll_secret_hash"))
        batch_op.drop_index(batch_op.f("ix_screenpairing_code"))

    op.drop_table("screenpairing")
