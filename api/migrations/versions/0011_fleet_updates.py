"""Fleet updates: each screen's maintenance window and its last update result.

Revision ID: 0011
Revises: 0008 (to be chained after 0010 at merge)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = (
    ("update_window_opens", 5),
    ("update_window_closes", 5),
    ("update_result", 20),
    ("update_target", 40),
    ("update_reason", 300),
)


def upgrade() -> None:
    with op.batch_alter_table("screen", schema=None) as batch_op:
        for name, length in _TEXT_COLUMNS:
            batch_op.add_column(
                sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=True)
            )
        batch_op.add_column(
            sa.Column("update_reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("screen", schema=None) as batch_op:
        batch_op.drop_column("update_reported_at")
        for name, _length in reversed(_TEXT_COLUMNS):
            batch_op.drop_column(name)
