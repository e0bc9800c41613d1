"""The France Travail sync: each linked offer's last upstream state, the shared run state, and
the agency-wide suggestions (each agency's communes, the offers « À importer »).

Revision ID: 0015
Revises: 0014 (chained after the employers at merge)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
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
    op.create_table(
        "francetravailarea",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("communes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("agency_id"),
    )
    op.create_table(
        "francetravailsuggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("ft_offer_id", _text(length=20), nullable=False),
        sa.Column("status", _text(length=16), nullable=False),
        sa.Column("lacks_candidates", sa.Boolean(), nullable=False),
        sa.Column("prefill", sa.JSON(), nullable=False),
        sa.Column("found_at", _moment(), nullable=False),
        sa.Column("decided_at", _moment(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["offer_id"], ["offer.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "ft_offer_id"),
    )
    with op.batch_alter_table("francetravailsuggestion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_francetravailsuggestion_agency_id"), ["agency_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("francetravailsuggestion")
    op.drop_table("francetravailarea")
    op.drop_table("francetravailsync")
    op.drop_table("francetravaillink")
