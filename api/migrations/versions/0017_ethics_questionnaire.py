"""The ethics questionnaire: an agency's questions (``ethicsquestion``, edited by managers) and
the questionnaires taken with employers' recruiters (``ethicsquestionnaire``, on their file).

Each agency gets its default questions the first time the questionnaire is used
(``api.services.questionnaire``), so nothing is seeded here.

Revision ID: 0017
Revises: 0015 (chained after the France Travail sync at merge)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ethicsquestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("hint", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("asked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ethicsquestion_agency_id", "ethicsquestion", ["agency_id"], unique=False)
    op.create_table(
        "ethicsquestionnaire",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("conducted_by_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["conducted_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_ethicsquestionnaire_agency_id", "ethicsquestionnaire", ["agency_id"], unique=False
    )
    op.create_index(
        "ix_ethicsquestionnaire_employer_id", "ethicsquestionnaire", ["employer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ethicsquestionnaire_employer_id", table_name="ethicsquestionnaire")
    op.drop_index("ix_ethicsquestionnaire_agency_id", table_name="ethicsquestionnaire")
    op.drop_table("ethicsquestionnaire")
    op.drop_index("ix_ethicsquestion_agency_id", table_name="ethicsquestion")
    op.drop_table("ethicsquestion")
