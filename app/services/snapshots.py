"""JSON snapshots of an incident and its claims, for the change log."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import selectinload
from typing_extensions import TypeIs

from app.models import CasualtyFigure, Claim, ClaimSource, Incident, IncidentActor

# What snapshot_incident reads, loaded in a fixed number of queries for any number of incidents.
SNAPSHOT_LOADS = (
    selectinload(Incident.place),
    selectinload(Incident.sector),
    selectinload(Incident.district),
    selectinload(Incident.actor_links).selectinload(IncidentActor.actor),
    selectinload(Incident.external_ids),
    selectinload(Incident.claims).options(
        selectinload(Claim.claimant),
        selectinload(Claim.figures).selectinload(CasualtyFigure.actor),
        selectinload(Claim.source_links).selectinload(ClaimSource.source),
    ),
)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def snapshot_claim(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "claimant": claim.claimant.slug if claim.claimant else None,
        "spokesperson": claim.spokesperson,
        "spokesperson_role": claim.spokesperson_role,
        "claimed_on": _iso(claim.claimed_on),
        "kind": claim.kind,
        "statement": claim.statement,
        "statement_language": claim.statement_language,
        "translation": claim.translation,
        "status": claim.status,
        "credibility": claim.credibility,
        "responds_to_id": claim.responds_to_id,
        "note": claim.note,
        "figures": [
            {
                "party": f.party,
                "actor": f.actor.slug if f.actor else None,
                "outcome": f.outcome,
                "low": f.low,
                "best": f.best,
                "high": f.high,
                "part_of_total": f.part_of_total,
            }
            for f in claim.figures
        ],
        "sources": [s.url for s in claim.sources],
        "source_ids": [s.id for s in claim.sources],
    }


INCIDENT_FIELDS = (
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_precision",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "country",
    "event_type",
    "sub_event_type",
    "assessed_killed_low",
    "assessed_killed_best",
    "assessed_killed_high",
    "assessed_wounded_low",
    "assessed_wounded_high",
    "assessment_note",
    "notes",
    "review_state",
    "version",
)


DATE_FIELDS = {"date_start", "date_end", "claimed_on"}


def restore_value(name: str, value: Any) -> Any:
    """A snapshot's JSON value back as the column's Python value."""
    if name in DATE_FIELDS and isinstance(value, str):
        return date.fromisoformat(value)
    return value


SNAPSHOT_KEYS = frozenset(
    {"id", *INCIDENT_FIELDS, "place", "sector", "district", "actors", "external_ids", "claims"}
)


def is_incident_snapshot(value: Any) -> TypeIs[dict[str, Any]]:
    """Whether a change-log value has the shape snapshot_incident gives: what history, versions
    and restore can read. (Change rows written before every origin logged this shape may
    hold an import's raw row instead.)"""
    return (
        isinstance(value, dict)
        and value.keys() >= SNAPSHOT_KEYS
        and isinstance(value["claims"], list)
        and isinstance(value["actors"], list)
    )


def snapshot_incident(incident: Incident) -> dict[str, Any]:
    data: dict[str, Any] = {"id": incident.id}
    data.update({name: _iso(getattr(incident, name)) for name in INCIDENT_FIELDS})
    data["place"] = incident.place.slug if incident.place else None
    data["sector"] = incident.sector.slug if incident.sector else None
    data["district"] = incident.district.slug if incident.district else None
    data["actors"] = [
        {"actor": link.actor.slug, "role": link.role} for link in incident.actor_links
    ]
    data["external_ids"] = [
        {"dataset": e.dataset, "external_id": e.external_id} for e in incident.external_ids
    ]
    data["claims"] = [snapshot_claim(c) for c in incident.claims]
    return data
