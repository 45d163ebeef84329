"""Where merged-away incidents went, and what each survivor absorbed (read only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Merge

# A chain of merges (a into b, b into c) is followed this far and no further.
MAX_CHAIN = 20


def survivor_of(session: Session, incident_id: int) -> int | None:
    """The incident a merged-away id now lives in (following merges of merges), or None when
    the id was never merged away (or its merge was undone)."""
    current, seen = incident_id, 0
    while seen < MAX_CHAIN:
        target = session.scalar(
            select(Merge.survivor_id)
            .where(Merge.merged_id == current, Merge.undone_at.is_(None))
            .order_by(Merge.id.desc())
            .limit(1)
        )
        if target is None:
            return current if current != incident_id else None
        current, seen = target, seen + 1
    return current


def merged_into(session: Session, survivor_id: int) -> list[Merge]:
    """The standing merges into this incident, newest first."""
    return list(
        session.scalars(
            select(Merge)
            .where(Merge.survivor_id == survivor_id, Merge.undone_at.is_(None))
            .order_by(Merge.id.desc())
        )
    )


def absorbed_ids(session: Session, survivor_id: int) -> list[int]:
    """Every incident merged into this one, directly or through merges of merges."""
    found: list[int] = []
    frontier = [survivor_id]
    while frontier and len(found) < 10_000:
        merged = list(
            session.scalars(
                select(Merge.merged_id).where(
                    Merge.survivor_id.in_(frontier), Merge.undone_at.is_(None)
                )
            )
        )
        found += merged
        frontier = merged
    return found
