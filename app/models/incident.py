"""An incident: one event in time and place, with the actors involved and editors' assessment."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.actor import Actor
from app.models.base import Base, Timestamps, one_of
from app.models.district import District
from app.models.geography import Place, Sector
from app.models.vocab import EVENT_TYPES, ActorRole, DatePrecision, ReviewState

if TYPE_CHECKING:
    from app.models.claim import Claim
    from app.models.provenance import ImportRun


def claim_order() -> list[Any]:
    """An incident's claims in the order they were made; undated ones last on every database
    (SQLite and PostgreSQL sort NULL differently). Pages and exports list them so."""
    from app.models.claim import Claim

    return [Claim.claimed_on.asc().nulls_last(), Claim.id]


def _sub_type_matches_type() -> str:
    pairs = " OR ".join(
        f"(event_type = '{t}' AND sub_event_type IN ({', '.join(repr(s) for s in subs)}))"
        for t, (_, subs) in EVENT_TYPES.items()
    )
    return f"sub_event_type IS NULL OR {pairs}"


ASSESSED_FIGURES = (
    "assessed_killed_low",
    "assessed_killed_best",
    "assessed_killed_high",
    "assessed_wounded_low",
    "assessed_wounded_high",
)


def _non_negative(*columns: str) -> str:
    return " AND ".join(f"({c} IS NULL OR {c} >= 0)" for c in columns)


def _ordered(*columns: str) -> str:
    """CHECK text: each non-null value is <= the next non-null one."""
    parts = [
        f"({a} IS NULL OR {b} IS NULL OR {a} <= {b})"
        for i, a in enumerate(columns)
        for b in columns[i + 1 :]
    ]
    return " AND ".join(parts)


class Incident(Timestamps, Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("date_end >= date_start", name="dates_ordered"),
        one_of("date_precision", DatePrecision, "date_precision_known"),
        CheckConstraint("geo_precision BETWEEN 1 AND 3", name="geo_precision_range"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"
        ),
        CheckConstraint("(latitude IS NULL) = (longitude IS NULL)", name="coordinates_paired"),
        one_of("event_type", EVENT_TYPES, "event_type_known"),
        CheckConstraint(_sub_type_matches_type(), name="sub_event_type_of_type"),
        one_of("review_state", ReviewState, "review_state_known"),
        CheckConstraint(_non_negative(*ASSESSED_FIGURES), name="assessed_figures_non_negative"),
        CheckConstraint(
            _ordered("assessed_killed_low", "assessed_killed_best", "assessed_killed_high"),
            name="assessed_killed_ordered",
        ),
        CheckConstraint(
            _ordered("assessed_wounded_low", "assessed_wounded_high"),
            name="assessed_wounded_ordered",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        # A sector's incidents in a date range, as the list and its facets ask for them.
        Index("ix_incidents_sector_id_date_start", "sector_id", "date_start"),
        # Newest first with the date filter's other columns: a list or export whose `from` cuts
        # the archive short checks the older rows in the index alone, without the table.
        Index("ix_incidents_date_start", "date_start", "date_end", "review_state"),
        # A purged incident's id must never come back: permalinks and history name it.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    date_start: Mapped[date] = mapped_column(Date)
    date_end: Mapped[date] = mapped_column(Date)
    date_precision: Mapped[str] = mapped_column(String(10), default=DatePrecision.DAY)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    # The place as reported, kept even when a gazetteer place is linked.
    location: Mapped[str] = mapped_column(String(500), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    geo_precision: Mapped[int] = mapped_column(Integer, default=1)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    # The district of the gazetteer the event is in (from the place, or an import's admin names).
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    country: Mapped[str | None] = mapped_column(String(3))
    event_type: Mapped[str] = mapped_column(String(60))
    sub_event_type: Mapped[str | None] = mapped_column(String(60))
    # Editors' assessment, kept apart from what the parties claim.
    assessed_killed_low: Mapped[int | None] = mapped_column(Integer)
    assessed_killed_best: Mapped[int | None] = mapped_column(Integer)
    assessed_killed_high: Mapped[int | None] = mapped_column(Integer)
    assessed_wounded_low: Mapped[int | None] = mapped_column(Integer)
    assessed_wounded_high: Mapped[int | None] = mapped_column(Integer)
    assessment_note: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    review_state: Mapped[str] = mapped_column(String(12), default=ReviewState.DRAFT)
    # Derived from the claims on every write (services/derived.py), so lists can sort by it.
    max_claimed_killed: Mapped[int | None] = mapped_column(Integer, index=True)
    min_claimed_killed: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Every UPDATE checks the version it read, so a stale write fails instead of overwriting.
    # Editorial saves raise the version themselves; derived values (search text, highest
    # claimed killed) are refreshed without raising it, so they never cause an edit conflict.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    place: Mapped[Place | None] = relationship()
    sector: Mapped[Sector | None] = relationship()
    district: Mapped[District | None] = relationship()
    actor_links: Mapped[list[IncidentActor]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentActor.position"
    )
    claims: Mapped[list[Claim]] = relationship(
        back_populates="incident",
        cascade="all, delete-orphan",
        foreign_keys="Claim.incident_id",
        order_by=lambda: claim_order(),
        passive_deletes=True,
    )
    external_ids: Mapped[list[ExternalId]] = relationship(
        back_populates="incident", cascade="all, delete-orphan"
    )

    @property
    def has_assessment(self) -> bool:
        return any(
            v is not None
            for v in (
                self.assessed_killed_low,
                self.assessed_killed_best,
                self.assessed_killed_high,
                self.assessed_wounded_low,
                self.assessed_wounded_high,
            )
        )


class IncidentActor(Base):
    __tablename__ = "incident_actors"
    __table_args__ = (
        UniqueConstraint("incident_id", "actor_id", "role"),
        one_of("role", ActorRole, "role_known"),
        # Covers "incidents this actor is in" (the actor filter) without reading the table.
        Index("ix_incident_actors_actor_id_incident_id", "actor_id", "incident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="RESTRICT"))
    role: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)

    incident: Mapped[Incident] = relationship(back_populates="actor_links")
    actor: Mapped[Actor] = relationship()


class ExternalId(Base):
    """An incident's id in an outside dataset, so re-imports update instead of duplicating."""

    __tablename__ = "incident_external_ids"
    __table_args__ = (
        UniqueConstraint("dataset", "external_id"),
        CheckConstraint("length(external_id) > 0", name="external_id_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    dataset: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    # A digest of the imported row, so importing the same file again skips what did not change.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # The import run and the file's line the incident last came from.
    import_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_runs.id", ondelete="SET NULL")
    )
    source_row: Mapped[int | None] = mapped_column(Integer)
    # The claim that carries this record's account: after a merge an incident holds several
    # records' claims, and a re-import must update this one and no other.
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))

    import_run: Mapped[ImportRun | None] = relationship()

    incident: Mapped[Incident] = relationship(back_populates="external_ids")
