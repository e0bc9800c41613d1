"""Screens' clocks: how far each screen's clock is from the service's, from its heartbeat.

Revision ID: 0020
Revises: 0019 (to be chained after the last migration at merge)
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("screen", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_skew_s", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("clock_before_release", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screen", schema=None) as batch_op:
        batch_op.drop_column("clock_before_release")
        batch_op.drop_column("clock_skew_s")
