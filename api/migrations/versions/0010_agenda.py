"""The agency's agenda: events (with their recurrence), « je viens » answers, calendar feeds.

Revision ID: 0010
Revises: 0009 (chained after the tags migration when the tags branch was merged)
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_text = sqlmodel.sql.sqltypes.AutoString
_moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "agendaevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("title", _text(length=200), nullable=False),
        sa.Column("kind", _text(length=16), nullable=False),
        sa.Column("starts_at", _moment(), nullable=False),
        sa.Column("ends_at", _moment(), nullable=False),
        sa.Column("place", _text(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("recurrence", _text(length=16), nullable=False),
        sa.Column("repeat_until", sa.Date(), nullable=True),
        sa.Column("cancelled", sa.JSON(), nullable=False),
        sa.Column("host_ids", sa.JSON(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_agendaevent_agency_id", "agendaevent", ["agency_id"], unique=False)
    op.create_table(
        "agendaattendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("occurs_on", sa.Date(), nullable=False),
        sa.Column("service", _text(length=8), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["agendaevent.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "staff_id", "occurs_on"),
    )
    op.create_index(
        "ix_agendaattendance_agency_id", "agendaattendance", ["agency_id"], unique=False
    )
    op.create_index("ix_agendaattendance_event_id", "agendaattendance", ["event_id"], unique=False)
    op.create_index("ix_agendaattendance_staff_id", "agendaattendance", ["staff_id"], unique=False)
    op.create_table(
        "calendarfeed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("nonce", _text(length=64), nullable=False),
        sa.Column("token_hash", _text(length=64), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id"),
    )
    op.create_index("ix_calendarfeed_token_hash", "calendarfeed", ["token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_calendarfeed_token_hash", table_name="calendarfeed")
    op.drop_table("calendarfeed")
    op.drop_index("ix_agendaattendance_staff_id", table_name="agendaattendance")
    op.drop_index("ix_agendaattendance_event_id", table_name="agendaattendance")
    op.drop_index("ix_agendaattendance_agency_id", table_name="agendaattendance")
    op.drop_table("agendaattendance")
    op.drop_index("ix_agendaevent_agency_id", table_name="agendaevent")
    op.drop_table("agendaevent")
