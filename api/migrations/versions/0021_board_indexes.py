"""The board's and the gallery's indexes: one agency's offers, or hires, by status.

The open offers of an agency are read at every snapshot build, every list and every edit; with
an index on the agency alone, an agency with years of filled and closed offers reads them all
to find its forty open ones.

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_offer_agency_status", "offer", ["agency_id", "status"])
    op.create_index("ix_hire_agency_status", "hire", ["agency_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_hire_agency_status", table_name="hire")
    op.drop_index("ix_offer_agency_status", table_name="offer")
