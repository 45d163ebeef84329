"""Values derived from an incident and its claims, stored so lists can search and sort on them.

Every write to an incident or its claims calls refresh_derived for that incident, in the same
transaction; nothing else writes these values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session, selectinload

from app.models import Actor, Incident, IncidentActor, IncidentSearch, Place
from app.models.base import utcnow
from app.services.claims import claimed_killed
from app.services.snapshots import SNAPSHOT_LOADS


def search_text(incident: Incident) -> str:
    """Everything a reader might type to find this incident."""
    parts: list[str] = [incident.title, incident.summary, incident.location]
    if incident.place is not None:
        parts += [incident.place.name, *(a.alias for a in incident.place.aliases)]
    if incident.sector is not None:
        parts.append(incident.sector.name)
    for link in incident.actor_links:
        parts += [link.actor.name, *link.actor.aliases]
    for claim in incident.claims:
        parts += [claim.statement, claim.translation or "", claim.spokesperson or ""]
        parts.append(claim.spokesperson_role or "")
    return search_document(parts)


def search_document(parts: Iterable[str]) -> str:
    """The indexed text: the non-empty parts, one per line."""
    return "\n".join(p for p in parts if p)


def refresh_derived(session: Session, incident_ids: Iterable[int]) -> list[Incident]:
    """Recompute the incidents' derived values; returns them, loaded with everything their
    search text and their change-log snapshot read (imports snapshot them next)."""
    ids = sorted(set(incident_ids))
    if not ids:
        return []
    session.flush()
    incidents = session.scalars(
        select(Incident)
        .where(Incident.id.in_(ids))
        .options(
            *SNAPSHOT_LOADS,
            selectinload(Incident.place).selectinload(Place.aliases),
            selectinload(Incident.actor_links)
            .selectinload(IncidentActor.actor)
            .selectinload(Actor.names),
        )
    ).all()
    write_derived(session, incidents)
    for incident in incidents:
        session.expire(incident, ["max_claimed_killed", "min_claimed_killed", "updated_at"])
    return list(incidents)


def write_derived(session: Session, incidents: Sequence[Incident]) -> None:
    """Store the derived values of these incidents: loaded from the database, or built in
    memory by an import that has just written them (it has every value at hand)."""
    if not incidents:
        return
    now = utcnow()  # a claim's change is the incident's change
    values = []
    documents = []
    for incident in incidents:
        given = [k for k in (claimed_killed(c) for c in incident.claims) if k is not None]
        values.append(
            {
                "b_id": incident.id,
                "max_killed": max(given, default=None),
                "min_killed": min(given, default=None),
                "now": now,
            }
        )
        documents.append({"incident_id": incident.id, "body": search_text(incident)})
    # Written with one statement per table, outside the ORM's per-object bookkeeping (and its
    # version check: derived values are not an edit).
    table = cast(Table, Incident.__table__)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            max_claimed_killed=bindparam("max_killed"),
            min_claimed_killed=bindparam("min_killed"),
            updated_at=bindparam("now"),
        ),
        values,
    )
    ids = [incident.id for incident in incidents]
    session.execute(delete(IncidentSearch).where(IncidentSearch.incident_id.in_(ids)))
    session.execute(insert(cast(Table, IncidentSearch.__table__)), documents)
