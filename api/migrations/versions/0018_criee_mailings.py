"""La criée by e-mail: which week's issue was sent to each agency's staff, or why not.

Revision ID: 0018
Revises: 0017 (chained after the merged migrations)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "crieemailing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("week", _text(length=8), nullable=False),
        sa.Column("state", _text(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("error", _text(length=300), nullable=False),
        sa.Column("claimed_at", _moment(), nullable=False),
        sa.Column("sent_at", _moment(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "week"),
    )
    op.create_index("ix_crieemailing_agency_id", "crieemailing", ["agency_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crieemailing_agency_id", table_name="crieemailing")
    op.drop_table("crieemailing")
