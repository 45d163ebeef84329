"""Claims: what each party asserts about an incident, with its figures and its sources."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from app.models.actor import Actor
from app.models.base import Base, Timestamps, one_of
from app.models.incident import Incident
from app.models.vocab import ClaimKind, ClaimStatus, LossParty, Outcome, Reliability


class Source(Timestamps, Base):
    """Where a claim was published. Reused by every claim it reports."""

    __tablename__ = "sources"
    __table_args__ = (
        one_of("reliability", Reliability, "reliability_known"),
        # Only web addresses (and urn: for documents without one) are ever linked from a page.
        CheckConstraint(
            "lower(substr(url, 1, 8)) = 'https://' OR lower(substr(url, 1, 7)) = 'http://'"
            " OR lower(substr(url, 1, 4)) = 'urn:'",
            name="url_scheme",
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    outlet: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500), default="")
    published_on: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(10), default="en")
    reliability: Mapped[str] = mapped_column(String(1), default=Reliability.F)
    # Set when the outlet is an actor's own voice (ISPR for Pakistan's military, say).
    speaks_for_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL")
    )

    speaks_for: Mapped[Actor | None] = relationship()


class Claim(Timestamps, Base):
    __tablename__ = "claims"
    __table_args__ = (
        # Target of the composite foreign key below: a response must be in the same incident.
        UniqueConstraint("id", "incident_id"),
        ForeignKeyConstraint(
            ["responds_to_id", "incident_id"],
            ["claims.id", "claims.incident_id"],
            name="fk_claims_responds_to_same_incident",
        ),
        CheckConstraint("responds_to_id IS NULL OR responds_to_id <> id", name="not_self_response"),
        CheckConstraint(
            "claimant_actor_id IS NOT NULL OR spokesperson IS NOT NULL"
            " OR spokesperson_role IS NOT NULL",
            name="has_claimant",
        ),
        one_of("kind", ClaimKind, "kind_known"),
        one_of("status", ClaimStatus, "status_known"),
        CheckConstraint("credibility IS NULL OR credibility BETWEEN 1 AND 6", name="credibility"),
        # Both cover the status filter and facet: an incident's statuses, a status's incidents.
        Index("ix_claims_incident_id_status", "incident_id", "status"),
        Index("ix_claims_status_incident_id", "status", "incident_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    claimant_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="RESTRICT"), index=True
    )
    spokesperson: Mapped[str | None] = mapped_column(String(200))
    spokesperson_role: Mapped[str | None] = mapped_column(String(300))
    claimed_on: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text, default="")
    statement_language: Mapped[str] = mapped_column(String(10), default="en")
    translation: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ClaimStatus.UNVERIFIED)
    credibility: Mapped[int | None] = mapped_column(Integer)
    responds_to_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    incident: Mapped[Incident] = relationship(back_populates="claims", foreign_keys=[incident_id])
    claimant: Mapped[Actor | None] = relationship()
    responds_to: Mapped[Claim | None] = relationship(
        remote_side=[id], foreign_keys=[responds_to_id], viewonly=True
    )
    figures: Mapped[list[CasualtyFigure]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="CasualtyFigure.id"
    )
    source_links: Mapped[list[ClaimSource]] = relationship(
        back_populates="claim", cascade="all, delete-orphan", order_by="ClaimSource.position"
    )

    @property
    def claimant_label(self) -> str:
        """Who is speaking: the party, else the office or person quoted."""
        if self.claimant is not None:
            return self.claimant.name
        return self.spokesperson_role or self.spokesperson or "Unattributed"

    @property
    def sources(self) -> list[Source]:
        return [link.source for link in self.source_links]


class CasualtyFigure(Base):
    """One row of a claim: whose losses, what outcome, and the claimed range.

    "Over 100 wounded" is low 100 with no high; "15-20 killed" is 15 to 20; one number is
    low = high.
    """

    __tablename__ = "casualty_figures"
    __table_args__ = (
        CheckConstraint("low >= 0", name="low_non_negative"),
        CheckConstraint("high IS NULL OR high >= low", name="low_le_high"),
        CheckConstraint(
            "best IS NULL OR (best >= low AND (high IS NULL OR best <= high))",
            name="best_within_range",
        ),
        one_of("party", LossParty, "party_known"),
        one_of("outcome", Outcome, "outcome_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="RESTRICT"))
    outcome: Mapped[str] = mapped_column(String(20))
    low: Mapped[int] = mapped_column(Integer)
    # The claimant's own best estimate within the range, when it gives one (UCDP does).
    best: Mapped[int | None] = mapped_column(Integer)
    high: Mapped[int | None] = mapped_column(Integer)
    # A part of the claim's total for the same outcome (UCDP's deaths on side A, side B, among
    # civilians, unknown): shown as a breakdown, never added to the total.
    part_of_total: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    claim: Mapped[Claim] = relationship(back_populates="figures")
    actor: Mapped[Actor | None] = relationship()


class ClaimSource(Base):
    __tablename__ = "claim_sources"

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    claim: Mapped[Claim] = relationship(back_populates="source_links")
    source: Mapped[Source] = relationship()
