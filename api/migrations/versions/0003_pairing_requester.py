"""Pairing requests remember who asked (a hash of the client address), to throttle them.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("screenpairing", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_screenpairing_requested_by"), ["requested_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("screenpairing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenpairing_requested_by"))
        batch_op.drop_column("requested_by")
