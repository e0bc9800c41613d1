"""Employer files (« fiche TPE »): the ``employer`` table, and every offer attached to one.

Offers of an agency whose employer names are the same once case, accents, punctuation, extra
spaces and a legal form at either end are set aside (« Boulangerie Martin », « BOULANGERIE
MARTIN SARL », « boulangérie  martin ») join one employer; every other name gets its own, so
nothing is merged on a guess. An employer is named with the spelling its offers use most (the
latest offer's on a tie) and placed in the latest offer's commune. ``offer.employer`` stays
each offer's text as typed; the downgrade drops the link and the table, losing no offer data.

On SQLite the column is added with ``ALTER TABLE … ADD COLUMN … REFERENCES``: a batch rebuild
of ``offer`` would drop the table under foreign keys that are on, cascading into its tags.

Revision ID: 0014
Revises: 0013 (chained after the chantiers at merge)
"""

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_LEGAL_FORMS = frozenset(
    {"sarl", "sas", "sasu", "eurl", "sa", "snc", "sci", "scop", "scp", "earl", "gaec",
     "selarl", "eirl", "ei", "sca", "scea"}
)  # fmt: skip
_LEADING_FORMS = _LEGAL_FORMS - {"sa", "ei"}
_DOTTED = re.compile(r"(?<=\w)\.(?=\w)")


def _key(name: str) -> str:
    """An employer's matching key, as ``api.models.employer.employer_key`` computed it here."""
    undotted = _DOTTED.sub("", name.strip().casefold())
    decomposed = unicodedata.normalize("NFKD", undotted)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in letters).split()
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    while len(words) > 1 and words[0] in _LEADING_FORMS:
        words.pop(0)
    key = " ".join(words)[:220]
    if key or not name.strip():
        return key
    return "e-" + hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:16]


def _create_table() -> None:
    op.create_table(
        "employer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=220), nullable=False),
        sa.Column("commune", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("siret", sqlmodel.sql.sqltypes.AutoString(length=14), nullable=True),
        sa.Column("sector", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_band", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("contact", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "key", name="uq_employer_agency_key"),
    )
    op.create_index("ix_employer_agency_id", "employer", ["agency_id"], unique=False)
    op.create_index("ix_employer_key", "employer", ["key"], unique=False)


def _add_offer_link() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE offer ADD COLUMN employer_id INTEGER REFERENCES employer (id)")
    else:
        op.add_column("offer", sa.Column("employer_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "offer_employer_id_fkey", "offer", "employer", ["employer_id"], ["id"]
        )
    op.create_index("ix_offer_employer_id", "offer", ["employer_id"], unique=False)


def _attach_offers() -> None:
    """One employer per agency and matching key; each offer points to its own."""
    bind = op.get_bind()
    offer = sa.table(
        "offer",
        sa.column("id", sa.Integer),
        sa.column("agency_id", sa.Integer),
        sa.column("employer", sa.String),
        sa.column("commune", sa.String),
        sa.column("opened_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("employer_id", sa.Integer),
    )
    employer = sa.table(
        "employer",
        sa.column("id", sa.Integer),
        sa.column("agency_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("key", sa.String),
        sa.column("commune", sa.String),
        sa.column("siret", sa.String),
        sa.column("sector", sa.String),
        sa.column("size_band", sa.String),
        sa.column("contact", sa.String),
        sa.column("notes", sa.String),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("version", sa.Integer),
    )
    rows = bind.execute(
        sa.select(
            offer.c.id, offer.c.agency_id, offer.c.employer, offer.c.commune, offer.c.opened_at
        ).order_by(offer.c.opened_at, offer.c.id)
    ).all()
    groups: dict[tuple[int, str], list[sa.Row]] = defaultdict(list)
    for row in rows:
        key = _key(row.employer or "")
        if key:
            groups[row.agency_id, key].append(row)
    now = datetime.now(UTC)
    for (agency_id, key), members in groups.items():
        spellings = Counter(r.employer.strip() for r in members)
        latest = members[-1]
        best = max(spellings.values())
        name = next(
            r.employer.strip() for r in reversed(members) if spellings[r.employer.strip()] == best
        )
        employer_id = bind.execute(
            sa.insert(employer)
            .values(
                agency_id=agency_id,
                name=name,
                key=key,
                commune=latest.commune or "",
                siret=None,
                sector="",
                size_band=None,
                contact="",
                notes="",
                created_at=members[0].opened_at or now,
                updated_at=now,
                version=1,
            )
            .returning(employer.c.id)
        ).scalar_one()
        bind.execute(
            sa.update(offer)
            .where(offer.c.id.in_([r.id for r in members]))
            .values(employer_id=employer_id)
        )


def upgrade() -> None:
    _create_table()
    _add_offer_link()
    _attach_offers()


def downgrade() -> None:
    op.drop_index("ix_offer_employer_id", table_name="offer")
    if op.get_bind().dialect.name == "sqlite":
        # The REFERENCES clause keeps SQLite from dropping the column in place: rebuilt by
        # batch, as 0012's downgrade does (under foreign keys, test it on a copy first).
        with op.batch_alter_table("offer", schema=None) as batch_op:
            batch_op.drop_column("employer_id")
    else:
        op.drop_constraint("offer_employer_id_fkey", "offer", type_="foreignkey")
        op.drop_column("offer", "employer_id")
    op.drop_index("ix_employer_key", table_name="employer")
    op.drop_index("ix_employer_agency_id", table_name="employer")
    op.drop_table("employer")
