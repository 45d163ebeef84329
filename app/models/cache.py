"""The record's version: a number that changes with every committed write to what pages show.

Database triggers (see the data_version migration) raise it on any insert, update or delete of
the content tables, whoever writes, so cached pages keyed by it can never be stale.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# Everything a public page or export can show. Accounts, sessions, sign-in attempts, tokens,
# settings and the change log are not here: writing them changes no public page.
CONTENT_TABLES = (
    "actors",
    "actor_names",
    "casualty_figures",
    "claim_sources",
    "claims",
    "district_aliases",
    "districts",
    "incident_actors",
    "import_runs",
    "incident_external_ids",
    "incident_search",
    "incidents",
    "merges",
    "place_aliases",
    "places",
    "sectors",
    "sources",
)


class DataVersion(Base):
    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # The first version whose changes are all in incident_changes (see services/facet_index.py).
    changes_from: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class IncidentChange(Base):
    """An incident a committed write touched, under the data version it committed as. Written by
    triggers only (see the incident_changes migration)."""

    __tablename__ = "incident_changes"
    __table_args__ = (Index("ix_incident_changes_version", "version", "incident_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger)
    incident_id: Mapped[int] = mapped_column(Integer)
