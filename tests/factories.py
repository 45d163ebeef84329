"""Plain-function factories: each builds a valid object; keyword overrides change any field."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.models import (
    Actor,
    CasualtyFigure,
    Claim,
    ClaimSource,
    ExternalId,
    Incident,
    IncidentActor,
    Place,
    Sector,
    Source,
)

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make_sector(session: Session, **overrides: Any) -> Sector:
    n = _n()
    sector = Sector(**{"slug": f"sector-{n}", "name": f"Sector {n}", **overrides})
    session.add(sector)
    session.flush()
    return sector


def make_place(session: Session, **overrides: Any) -> Place:
    n = _n()
    fields = {
        "slug": f"place-{n}",
        "name": f"Place {n}",
        "country": "PAK",
        "kind": "town",
        "latitude": 31.0,
        "longitude": 66.4,
    }
    place = Place(**{**fields, **overrides})
    session.add(place)
    session.flush()
    return place


def make_actor(session: Session, **overrides: Any) -> Actor:
    n = _n()
    actor = Actor(
        **{"slug": f"actor-{n}", "name": f"Actor {n}", "kind": "state-forces", **overrides}
    )
    session.add(actor)
    session.flush()
    return actor


def make_source(session: Session, **overrides: Any) -> Source:
    n = _n()
    source = Source(**{"url": f"https://news.example/{n}", "outlet": f"Outlet {n}", **overrides})
    session.add(source)
    session.flush()
    return source


def make_incident(session: Session, **overrides: Any) -> Incident:
    n = _n()
    fields: dict[str, Any] = {
        "title": f"Incident {n}",
        "summary": "Clashes were reported.",
        "date_start": date(2025, 10, 15),
        "date_end": date(2025, 10, 15),
        "event_type": "battles",
        "sub_event_type": "armed-clash",
        "review_state": "published",
    }
    fields.update(overrides)
    fields["date_end"] = overrides.get("date_end", fields["date_start"])
    incident = Incident(**fields)
    session.add(incident)
    session.flush()
    return incident


def make_claim(
    session: Session,
    *,
    incident: Incident | None = None,
    claimant: Actor | None = None,
    figures: list[dict[str, Any]] | None = None,
    sources: list[Source] | None = None,
    **overrides: Any,
) -> Claim:
    incident = incident or make_incident(session)
    if claimant is None and "spokesperson_role" not in overrides:
        claimant = make_actor(session)
    claim = Claim(
        **{
            "incident": incident,
            "claimant": claimant,
            "kind": "casualties",
            "statement": "Several fighters were killed.",
            "status": "unverified",
            "claimed_on": incident.date_start,
            **overrides,
        }
    )
    claim.figures = [
        CasualtyFigure(**{"party": "combatants", "outcome": "killed", **f}) for f in figures or []
    ]
    claim.source_links = [ClaimSource(source=s, position=i) for i, s in enumerate(sources or [])]
    session.add(claim)
    session.flush()
    return claim


def link_actor(
    session: Session, incident: Incident, actor: Actor, role: str = "side_a"
) -> IncidentActor:
    link = IncidentActor(incident=incident, actor=actor, role=role)
    session.add(link)
    session.flush()
    return link


def add_external_id(
    session: Session, incident: Incident, dataset: str, external_id: str
) -> ExternalId:
    ref = ExternalId(incident=incident, dataset=dataset, external_id=external_id)
    session.add(ref)
    session.flush()
    return ref
