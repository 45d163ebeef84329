"""PostgreSQL: keep each search document's tsvector, so matching never re-parses text

Revision ID: 7c3f4e5d6a81
Revises: 6b2e3d4c5f70
Create Date: 2026-11-26 02:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c3f4e5d6a81"
down_revision: str | None = "6b2e3d4c5f70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite's FTS5 index already keeps its own tokens
    # When a search matches many documents the planner reads them all; with the expression index
    # alone each read ran to_tsvector again (about 80 microseconds a document).
    op.execute(
        "ALTER TABLE incident_search ADD COLUMN body_tsv tsvector"
        " GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED"
    )
    op.execute("DROP INDEX IF EXISTS ix_incident_search_body_tsv")
    op.execute("CREATE INDEX ix_incident_search_body_tsv ON incident_search USING gin (body_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_incident_search_body_tsv")
    op.execute("ALTER TABLE incident_search DROP COLUMN body_tsv")
    op.execute(
        "CREATE INDEX ix_incident_search_body_tsv ON incident_search"
        " USING gin (to_tsvector('simple', body))"
    )
