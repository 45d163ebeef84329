"""Records of one event in several datasets: proposed matches, and the merges editors made."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, one_of, utcnow
from app.models.user import User
from app.models.vocab import ProposalState


class MatchProposal(Base):
    """Two incidents that may be one event, with the score and the reasons the matcher saw.

    Incident ids are plain numbers, not foreign keys: a rejection must outlive a merge or a purge
    of either side, so that the pair is never proposed again.
    """

    __tablename__ = "match_proposals"
    __table_args__ = (
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="pair_ordered"),
        one_of("state", ProposalState, "state_known"),
        Index("ix_match_proposals_state_score", "state", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(Integer)
    high_id: Mapped[int] = mapped_column(Integer, index=True)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(10), default=ProposalState.OPEN)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User | None] = relationship()


class Merge(Base):
    """One incident folded into another, with what unmerging needs to put both back exactly.

    The merged-away incident's row is removed (its id is never reused) and kept here whole,
    with its actor links; its claims and dataset ids move to the survivor and are listed, so
    they can move back. While the merge stands, the merged-away id answers 301 to the survivor.
    """

    __tablename__ = "merges"
    __table_args__ = (Index("ix_merges_merged_id", "merged_id", "undone_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(Integer, index=True)
    merged_id: Mapped[int] = mapped_column(Integer)
    # Both incidents' rows and actor links as they were before the merge.
    merged_row: Mapped[dict[str, Any]] = mapped_column(JSON)
    merged_links: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    survivor_row: Mapped[dict[str, Any]] = mapped_column(JSON)
    survivor_links: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    claim_ids: Mapped[list[int]] = mapped_column(JSON)
    external_id_ids: Mapped[list[int]] = mapped_column(JSON)
    # The survivor's version the merge left: if it is still that, unmerging restores the
    # survivor's row exactly; if not, later edits are kept and only the merge is taken out.
    survivor_version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User | None] = relationship()
