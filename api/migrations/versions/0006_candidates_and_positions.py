"""Candidate proposals get a note and a "seen by the CDE" moment; offers count filled positions.

Existing filled offers count all their positions as filled, so that « 2 postes » filled before
this revision reads « 2 postes sur 2 pourvus » and the défi's per-position count agrees with it.
Existing proposals count as seen: they were on the CDE's home before the badge existed.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("positions_filled", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("candidateproposal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.execute("UPDATE offer SET positions_filled = positions WHERE status = 'filled'")
    op.execute("UPDATE candidateproposal SET seen_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("candidateproposal", schema=None) as batch_op:
        batch_op.drop_column("seen_at")
        batch_op.drop_column("note")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("positions_filled")
