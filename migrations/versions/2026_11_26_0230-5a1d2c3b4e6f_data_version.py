"""data version: a counter raised by triggers on every write to the content tables

Revision ID: 5a1d2c3b4e6f
Revises: 42650ba2c10b
Create Date: 2026-11-26 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a1d2c3b4e6f"
down_revision: str | None = "42650ba2c10b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.cache.CONTENT_TABLES was when this ran; a test checks the two agree.
CONTENT_TABLES = (
    "actors",
    "actor_names",
    "casualty_figures",
    "claim_sources",
    "claims",
    "incident_actors",
    "incident_external_ids",
    "incident_search",
    "incidents",
    "place_aliases",
    "places",
    "sectors",
    "sources",
)
BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_data_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite has row triggers only; each fires inside the writing statement.
        for table in CONTENT_TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER data_version_{table}_{event.lower()} AFTER {event} ON {table}"
                    f" BEGIN {BUMP}; END"
                )
        return
    op.execute(
        "CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS"
        f" $$ BEGIN {BUMP}; RETURN NULL; END $$"
    )
    for table in CONTENT_TABLES:
        # One bump per statement, so a bulk import of a million rows costs one update.
        op.execute(
            f"CREATE TRIGGER data_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in CONTENT_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{event}")
    else:
        for table in CONTENT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS data_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_data_version()")
    op.drop_table("data_version")
