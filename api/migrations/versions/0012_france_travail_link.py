"""Offers linked to France Travail keep a link to the original offer.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_PAGE = "https://candidat.francetravail.fr/offres/recherche/detail/"


def upgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("ft_url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True)
        )
    # Offers already carrying a France Travail number get their link too.
    offer = sa.table("offer", sa.column("ft_offer_id", sa.String), sa.column("ft_url", sa.String))
    op.execute(
        offer.update()
        .where(offer.c.ft_offer_id.is_not(None))
        .values(ft_url=sa.literal(_PAGE) + offer.c.ft_offer_id)
    )


def downgrade() -> None:
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_column("ft_url")
