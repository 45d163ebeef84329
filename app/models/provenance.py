"""Where imported records came from: every import run, and the dataset names mapped to actors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.actor import Actor
from app.models.base import Base, utcnow
from app.models.user import User


class ImportRun(Base):
    """One import of one file: who, when, which file (by name and SHA-256), what came of it."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # created, updated, unchanged, skipped, out_of_scope, repaired, errors
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


class ActorMapping(Base):
    """A dataset's name for a party, and the actor it means from one date to another.

    "Government of Afghanistan" in UCDP is the Islamic Republic until 14 August 2021 and the
    Taliban from the 15th. Reference rows come from app/data/reference/actor_crosswalk.csv;
    editors add rows when they map a name an import could not place.
    """

    __tablename__ = "actor_mappings"
    __table_args__ = (Index("ix_actor_mappings_key", "dataset", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(20))  # acled, ucdp, or * for any
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(20), default="reference")  # or "editor"

    actor: Mapped[Actor] = relationship()


class UnmappedName(Base):
    """A name an import could not place: the placeholder actor it got, until an editor maps it."""

    __tablename__ = "unmapped_actor_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), unique=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    events: Mapped[int] = mapped_column(Integer, default=0)

    actor: Mapped[Actor] = relationship()
