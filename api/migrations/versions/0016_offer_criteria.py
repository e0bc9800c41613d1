"""Offers carry the employer's structured criteria (« mouton à 5 pattes » check).

One nullable JSON column: experience, diploma, pay, weekly hours, licence, must-haves.

Revision ID: 0016
Revises: 0015 (chained after the France Travail sync at merge)
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("criteria", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("criteria")
