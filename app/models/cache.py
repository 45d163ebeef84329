"""The record's version: a number that changes with every committed write to what pages show.

Database triggers (see the data_version migration) raise it on any insert, update or delete of
the content tables, whoever writes, so cached pages keyed by it can never be stale.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Integer
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
