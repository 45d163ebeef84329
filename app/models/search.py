"""The text an incident is found by: its own words, its claims' statements, its place and aliases.

Kept in a plain table on every database; SQLite indexes it with FTS5 and PostgreSQL with a GIN
index over to_tsvector (both created by the migration, see migrations/versions).
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# Objects the migration creates for one dialect only; Alembic's comparison leaves them alone.
SQLITE_FTS_TABLE = "incident_search_fts"
POSTGRES_TSV_INDEX = "ix_incident_search_body_tsv"
POSTGRES_TSV_COLUMN = "body_tsv"  # generated from body, see the stored_tsvector migration
TEXT_SEARCH_CONFIG = "simple"  # no stemming: names and transliterations must match as written


class IncidentSearch(Base):
    __tablename__ = "incident_search"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[str] = mapped_column(Text, default="")
