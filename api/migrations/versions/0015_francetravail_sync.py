"""The France Travail sync: each linked offer's last upstream state, and the shared run state.

Revision ID: 0015
Revises: 0012 (to be chained after the other helpers' 0013, 0014 at merge)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None

_moment = sqlmodel.sql.sqltypes.UTCDateTime
_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "francetravaillink",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=False),
        sa.Column("ft_updated", _text(length=40), nullable=False),
        sa.Column("checked_at", _moment(), nullable=False),
        sa.Column("changed_at", _moment(), nullable=True),
        sa.Column("updated_fields", sa.JSON(), nullable=False),
        sa.Column("kept_fields", sa.JSON(), nullable=False),
        sa.Column("withdrawn_at", _moment(), nullable=True),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("offer_id"),
    )
    op.create_table(
        "francetravailsync",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", _moment(), nullable=True),
        sa.Column("finished_at", _moment(), nullable=True),
        sa.Column("last_success_at", _moment(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", _moment(), nullable=True),
        sa.Column("message", _text(length=300), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("malformed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("francetravailsync")
    op.drop_table("francetravaillink")
