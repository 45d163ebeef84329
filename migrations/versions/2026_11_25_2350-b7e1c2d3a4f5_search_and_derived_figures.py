"""Full-text search over incidents, and the highest claimed killed per incident.

Revision ID: b7e1c2d3a4f5
Revises: 582935af0c7d
Create Date: 2026-11-25 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e1c2d3a4f5"
down_revision: str | None = "582935af0c7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("max_claimed_killed", sa.Integer(), nullable=True))
        batch.create_index("ix_incidents_max_claimed_killed", ["max_claimed_killed"])

    op.create_table(
        "incident_search",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_search_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_search")),
    )

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # External-content FTS5 index kept in step with incident_search by triggers.
        op.execute(
            "CREATE VIRTUAL TABLE incident_search_fts USING fts5("
            "body, content='incident_search', content_rowid='incident_id',"
            " tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER incident_search_ai AFTER INSERT ON incident_search BEGIN "
            "INSERT INTO incident_search_fts(rowid, body) VALUES (new.incident_id, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER incident_search_ad AFTER DELETE ON incident_search BEGIN "
            "INSERT INTO incident_search_fts(incident_search_fts, rowid, body)"
            " VALUES ('delete', old.incident_id, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER incident_search_au AFTER UPDATE ON incident_search BEGIN "
            "INSERT INTO incident_search_fts(incident_search_fts, rowid, body)"
            " VALUES ('delete', old.incident_id, old.body);"
            " INSERT INTO incident_search_fts(rowid, body) VALUES (new.incident_id, new.body); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_incident_search_body_tsv ON incident_search"
            " USING gin (to_tsvector('simple', body))"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("incident_search_ai", "incident_search_ad", "incident_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS incident_search_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_incident_search_body_tsv")
    op.drop_table("incident_search")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_index("ix_incidents_max_claimed_killed")
        batch.drop_column("max_claimed_killed")
