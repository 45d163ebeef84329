"""The read model of exports and the API: incidents and their claims as plain documents.

Rows are read as Core rows, a batch of incidents with one query per table, and turned into the
documents the JSON export and the API give and the CSV rows are cut from. The keys are part of
the public contract (docs/data-formats.md): add keys at the end, never rename or reorder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, RowMapping, Select, select
from sqlalchemy.orm import Session, aliased

from app.links import incident_url
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
from app.models.incident import claim_order
from app.services.incidents import NO_CLAIMS, ClaimSummary, claim_summaries

INCIDENT_COLUMNS = [
    "id", "url", "title", "date_start", "date_end", "date_precision", "country", "sector", "place",
    "location", "latitude", "longitude", "geo_precision", "event_type", "sub_event_type", "actors",
    "claims", "contested", "min_claimed_killed", "max_claimed_killed", "assessed_killed_low",
    "assessed_killed_best", "assessed_killed_high", "assessed_wounded_low", "assessed_wounded_high",
    "summary", "external_ids", "review_state", "version", "updated_at", "notes", "assessment_note",
]  # fmt: skip
CLAIM_COLUMNS = [
    "incident_id", "incident_url", "incident_title", "incident_date", "claim_id", "claimant",
    "spokesperson", "spokesperson_role", "claimed_on", "kind", "status", "credibility",
    "responds_to", "statement", "statement_language", "translation", "figures", "killed_low",
    "killed_high", "sources", "note",
]  # fmt: skip


@dataclass
class Batch:
    """Some incidents, as the plain rows an export writes, read with one query per table.

    Exports read Core rows rather than ORM objects: building objects and their relationships
    took most of an export's time.
    """

    incidents: Sequence[RowMapping]
    claims_of: dict[int, ClaimSummary] = field(default_factory=dict)
    actors: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    external_ids: dict[int, list[str]] = field(default_factory=dict)
    claims: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


def _group(rows: Iterable[Any]) -> dict[int, list[Any]]:
    """(key, value) rows to key -> values, in row order."""
    grouped: dict[int, list[Any]] = {}
    for key, value in rows:
        grouped.setdefault(key, []).append(value)
    return grouped


def source_document(source: Any) -> dict[str, Any]:
    """A source as exports and the API give it; `source` is a Source or a row with its columns."""
    return {
        "url": source.url,
        "outlet": source.outlet,
        "title": source.title,
        "published_on": source.published_on.isoformat() if source.published_on else None,
        "language": source.language,
        "reliability": source.reliability,
    }


def _read_claims(
    connection: Connection, incident_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    claimant = aliased(Actor)
    claims = connection.execute(
        select(*Claim.__table__.columns, claimant.slug.label("claimant_slug"))
        .outerjoin(claimant, claimant.id == Claim.claimant_actor_id)
        .where(Claim.incident_id.in_(incident_ids))
        # As on the incident page: undated claims last, on every database.
        .order_by(Claim.incident_id, *claim_order())
    ).mappings()
    claim_rows = [dict(c) for c in claims]
    claim_ids = [c["id"] for c in claim_rows]
    figure_actor = aliased(Actor)
    figures = _group(
        (f.claim_id, {"party": f.party, "actor": f.slug, "outcome": f.outcome, "low": f.low,
                      "high": f.high, "best": f.best, "part_of_total": f.part_of_total})
        for f in connection.execute(
            select(CasualtyFigure, figure_actor.slug)
            .with_only_columns(
                CasualtyFigure.claim_id, CasualtyFigure.party, figure_actor.slug,
                CasualtyFigure.outcome, CasualtyFigure.low, CasualtyFigure.high,
                CasualtyFigure.best, CasualtyFigure.part_of_total,
            )
            .outerjoin(figure_actor, figure_actor.id == CasualtyFigure.actor_id)
            .where(CasualtyFigure.claim_id.in_(claim_ids))
            .order_by(CasualtyFigure.claim_id, CasualtyFigure.id)
        )
    )  # fmt: skip
    sources = _group(
        (s.claim_id, source_document(s))
        for s in connection.execute(
            select(ClaimSource.claim_id, Source.url, Source.outlet, Source.title,
                   Source.published_on, Source.language, Source.reliability)
            .join(Source, Source.id == ClaimSource.source_id)
            .where(ClaimSource.claim_id.in_(claim_ids))
            .order_by(ClaimSource.claim_id, ClaimSource.position, ClaimSource.source_id)
        )
    )  # fmt: skip
    for claim in claim_rows:
        claim["figures"] = figures.get(claim["id"], [])
        claim["sources"] = sources.get(claim["id"], [])
    return _group((c["incident_id"], c) for c in claim_rows)


def incident_select(conditions: list[ColumnElement[bool]]) -> Select[Any]:
    """Incidents' own columns with their sector's and place's slugs. How many claims each has,
    and whether any is contested, read_batch counts for the batch in one statement: counted
    per row here, the two subqueries took half the time SQLite spent on an export."""
    return (
        select(
            *(c for c in Incident.__table__.columns if c.name != "created_at"),
            Sector.slug.label("sector_slug"),
            Place.slug.label("place_slug"),
        )
        .outerjoin(Sector, Sector.id == Incident.sector_id)
        .outerjoin(Place, Place.id == Incident.place_id)
        .where(*conditions)
    )


def read_batch(session: Session, query: Select[Any], *, with_claims: bool) -> Batch:
    """The incidents a query of incident_select gives, with everything their rows need."""
    # Through the connection: ORM-enabled execution adds per-row work plain rows do not need.
    connection = session.connection()
    # .all(): the driver's fetchall, not a call into it per row.
    batch = Batch(connection.execute(query).mappings().all())
    ids = [r["id"] for r in batch.incidents]
    if not ids:
        return batch
    batch.claims_of = claim_summaries(session, ids)
    batch.actors = _group(
        (incident_id, {"actor": slug, "role": role})
        for incident_id, slug, role in connection.execute(
            select(IncidentActor.incident_id, Actor.slug, IncidentActor.role)
            .join(Actor, Actor.id == IncidentActor.actor_id)
            .where(IncidentActor.incident_id.in_(ids))
            .order_by(IncidentActor.incident_id, IncidentActor.position, IncidentActor.id)
        ).all()
    )
    batch.external_ids = _group(
        (incident_id, f"{dataset}:{external_id}")
        for incident_id, dataset, external_id in connection.execute(
            select(ExternalId.incident_id, ExternalId.dataset, ExternalId.external_id)
            .where(ExternalId.incident_id.in_(ids))
            .order_by(ExternalId.incident_id, ExternalId.id)
        ).all()
    )
    if with_claims:
        batch.claims = _read_claims(connection, ids)
    return batch


def incident_document(base: str, batch: Batch, incident: RowMapping) -> dict[str, Any]:
    """An incident with its claims, as the JSON export and the API give it."""
    document = incident_row(base, batch, incident)
    document["claims"] = [
        claim_row(base, incident, c) for c in batch.claims.get(incident["id"], [])
    ]
    return document


def incident_row(base: str, batch: Batch, incident: RowMapping) -> dict[str, Any]:
    updated_at = incident["updated_at"]
    claims = batch.claims_of.get(incident["id"], NO_CLAIMS)
    return {
        "id": incident["id"],
        "url": incident_url(base, incident["id"], incident["title"]),
        "title": incident["title"],
        "date_start": incident["date_start"].isoformat(),
        "date_end": incident["date_end"].isoformat(),
        "date_precision": incident["date_precision"],
        "country": incident["country"],
        "sector": incident["sector_slug"],
        "place": incident["place_slug"],
        "location": incident["location"],
        "latitude": incident["latitude"],
        "longitude": incident["longitude"],
        "geo_precision": incident["geo_precision"],
        "event_type": incident["event_type"],
        "sub_event_type": incident["sub_event_type"],
        "actors": batch.actors.get(incident["id"], []),
        "claims": claims.count,
        "contested": claims.contested,
        "min_claimed_killed": incident["min_claimed_killed"],
        "max_claimed_killed": incident["max_claimed_killed"],
        "assessed_killed_low": incident["assessed_killed_low"],
        "assessed_killed_best": incident["assessed_killed_best"],
        "assessed_killed_high": incident["assessed_killed_high"],
        "assessed_wounded_low": incident["assessed_wounded_low"],
        "assessed_wounded_high": incident["assessed_wounded_high"],
        "summary": incident["summary"],
        "external_ids": batch.external_ids.get(incident["id"], []),
        "review_state": incident["review_state"],
        "version": incident["version"],
        "updated_at": updated_at.isoformat() if updated_at else None,
        "notes": incident["notes"],
        "assessment_note": incident["assessment_note"],
    }


def claim_row(base: str, incident: RowMapping, claim: dict[str, Any]) -> dict[str, Any]:
    # A part of a total is in the total already.
    killed = [f for f in claim["figures"] if f["outcome"] == "killed" and not f["part_of_total"]]
    return {
        "incident_id": incident["id"],
        "incident_url": incident_url(base, incident["id"], incident["title"]),
        "incident_title": incident["title"],
        "incident_date": incident["date_start"].isoformat(),
        "claim_id": claim["id"],
        "claimant": claim["claimant_slug"],
        "spokesperson": claim["spokesperson"],
        "spokesperson_role": claim["spokesperson_role"],
        "claimed_on": claim["claimed_on"].isoformat() if claim["claimed_on"] else None,
        "kind": claim["kind"],
        "status": claim["status"],
        "credibility": claim["credibility"],
        "responds_to": claim["responds_to_id"],
        "statement": claim["statement"],
        "statement_language": claim["statement_language"],
        "translation": claim["translation"],
        "figures": claim["figures"],
        "killed_low": sum(f["low"] for f in killed) if killed else None,
        "killed_high": sum(f["high"] if f["high"] is not None else f["low"] for f in killed)
        if killed
        else None,
        "sources": claim["sources"],
        "note": claim["note"],
    }
