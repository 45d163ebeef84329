"""Values derived from an incident and its claims, stored so lists can search and sort on them.

Every write to an incident or its claims calls refresh_derived for that incident, in the same
transaction; nothing else writes these values.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Actor, Claim, Incident, IncidentActor, IncidentSearch, Place
from app.models.base import utcnow
from app.services.claims import claimed_killed


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
    return "\n".join(p for p in parts if p)


def refresh_derived(session: Session, incident_ids: Iterable[int]) -> None:
    ids = sorted(set(incident_ids))
    if not ids:
        return
    session.flush()
    incidents = session.scalars(
        select(Incident)
        .where(Incident.id.in_(ids))
        .options(
            selectinload(Incident.place).selectinload(Place.aliases),
            selectinload(Incident.sector),
            selectinload(Incident.actor_links)
            .selectinload(IncidentActor.actor)
            .selectinload(Actor.names),
            selectinload(Incident.claims).selectinload(Claim.figures),
        )
    ).all()
    documents = {
        d.incident_id: d
        for d in session.scalars(select(IncidentSearch).where(IncidentSearch.incident_id.in_(ids)))
    }
    for incident in incidents:
        incident.updated_at = utcnow()  # a claim's change is the incident's change
        killed = [claimed_killed(c) for c in incident.claims]
        given = [k for k in killed if k is not None]
        incident.max_claimed_killed = max(given, default=None)
        incident.min_claimed_killed = min(given, default=None)
        document = documents.get(incident.id)
        if document is None:
            session.add(IncidentSearch(incident_id=incident.id, body=search_text(incident)))
        else:
            document.body = search_text(incident)
    session.flush()
