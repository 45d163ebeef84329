"""Exports of a filtered view: CSV (a row per incident, or per claim), JSON, GeoJSON and Atom.

Every export streams: rows are read in batches inside the generator, so memory stays flat
however many incidents match. The columns are part of the public contract (docs/data-formats.md):
add columns at the end, never rename or reorder.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import ColumnElement, Connection, RowMapping, Select, select
from sqlalchemy.orm import Session, aliased

from app.db import Database
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
from app.schemas.filters import IncidentFilter
from app.services.browse import filter_conditions, resolve_filter
from app.services.incidents import NO_CLAIMS, ClaimSummary, claim_summaries
from app.services.visibility import Viewer
from app.slugs import slugify

BATCH = 2_000
# Bytes a CSV export sends at a time: big enough that per-chunk work is negligible.
CHUNK_BYTES = 256 * 1024
ATOM_ENTRIES = 50

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

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))


def _conditions(
    session: Session, wanted: IncidentFilter, viewer: Viewer
) -> list[ColumnElement[bool]]:
    resolved, _ = resolve_filter(session, wanted, viewer=viewer)
    return filter_conditions(resolved, session.get_bind().dialect.name)


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


def _batches(
    database: Database,
    wanted: IncidentFilter,
    viewer: Viewer,
    *,
    with_claims: bool = False,
    limit: int | None = None,
) -> Iterator[Batch]:
    """The filter's incidents, newest first, batch by batch; memory stays flat.

    Each batch is read in a session of its own and the connection goes back to the pool before
    the batch is handed on: a reader who stops reading holds no connection while the server
    waits on them (keyset paging makes the batches seamless without one long transaction).
    """
    with database.read() as session:
        conditions = _conditions(session, wanted, viewer)
    last: tuple[Any, int] | None = None
    seen = 0
    while limit is None or seen < limit:
        with database.read() as session:
            query = incident_select(conditions)
            if last is not None:
                # Keyset paging: stable and cheap however deep the export goes.
                # The plain bound first, so the database starts the index scan there instead
                # of filtering from the newest row on every batch.
                query = query.where(
                    Incident.date_start <= last[0],
                    (Incident.date_start < last[0]) | (Incident.id < last[1]),
                )
            size = BATCH if limit is None else min(BATCH, limit - seen)
            query = query.order_by(Incident.date_start.desc(), Incident.id.desc()).limit(size)
            batch = read_batch(session, query, with_claims=with_claims)
        if batch.incidents:
            yield batch
        if len(batch.incidents) < size:
            # A short batch is the last: asking again would only scan the rest of the
            # index to find nothing.
            return
        seen += len(batch.incidents)
        last = (batch.incidents[-1]["date_start"], batch.incidents[-1]["id"])


def incident_document(base: str, batch: Batch, incident: RowMapping) -> dict[str, Any]:
    """An incident with its claims, as the JSON export and the API give it."""
    document = incident_row(base, batch, incident)
    document["claims"] = [
        claim_row(base, incident, c) for c in batch.claims.get(incident["id"], [])
    ]
    return document


def incident_url(base: str, incident_id: int, title: str) -> str:
    return f"{base}/incidents/{incident_id}/{slugify(title)}"


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


_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _csv_cell(value: Any) -> Any:
    # Dispatch on the exact type, and neutralise inline: this runs for every text, list and
    # flag cell of every export.
    kind = type(value)
    if kind is str:
        return "'" + value if value[:1] in FORMULA_STARTS else value
    if kind is list or kind is dict:
        text = _compact_json(value) if value else ("[]" if kind is list else "{}")
        return "'" + text if text[:1] in FORMULA_STARTS else text
    if kind is bool:
        return "true" if value else "false"
    return value


# Cells written as they are: a call per cell is most of the CSV's cost, and about half the
# cells are numbers or empty.
_AS_THEY_ARE = frozenset((int, float, type(None)))


def _csv_lines(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    cells_of = itemgetter(*columns)
    for row in rows:
        writer.writerow([v if type(v) in _AS_THEY_ARE else _csv_cell(v) for v in cells_of(row)])
        if buffer.tell() > CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_export(
    database: Database, wanted: IncidentFilter, *, base: str, viewer: Viewer, per_claim: bool
) -> Iterator[str]:
    batches = _batches(database, wanted, viewer, with_claims=per_claim)
    if per_claim:
        rows = (
            claim_row(base, i, c)
            for b in batches
            for i in b.incidents
            for c in b.claims.get(i["id"], [])
        )
        return _csv_lines(CLAIM_COLUMNS, rows)
    return _csv_lines(
        INCIDENT_COLUMNS, (incident_row(base, b, i) for b in batches for i in b.incidents)
    )


def json_export(
    database: Database, wanted: IncidentFilter, *, base: str, viewer: Viewer
) -> Iterator[str]:
    yield '{"filter": ' + json.dumps(wanted.url()) + ', "incidents": ['
    n = 0
    for batch in _batches(database, wanted, viewer, with_claims=True):
        for incident in batch.incidents:
            document = incident_document(base, batch, incident)
            yield ("," if n else "") + json.dumps(document, ensure_ascii=False)
            n += 1
    yield "]}"


def geojson_export(
    database: Database, wanted: IncidentFilter, *, base: str, viewer: Viewer
) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    n = 0
    for batch in _batches(database, wanted, viewer):
        for incident in batch.incidents:
            if incident["latitude"] is None or incident["longitude"] is None:
                continue
            feature = {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [incident["longitude"], incident["latitude"]],
                },
                "properties": incident_row(base, batch, incident),
            }
            yield ("," if n else "") + json.dumps(feature, ensure_ascii=False)
            n += 1
    yield "]}"


def atom_feed(
    database: Database, wanted: IncidentFilter, *, base: str, viewer: Viewer, title: str
) -> Iterator[str]:
    now = datetime.now(UTC).isoformat()
    feed_url = base + wanted.url("/incidents.atom")
    yield '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    yield f"<title>{escape(title)}</title>\n<id>{escape(feed_url)}</id>\n<updated>{now}</updated>\n"
    yield f'<link rel="self" href="{escape(feed_url)}"/>\n'
    yield f'<link rel="alternate" href="{escape(base + wanted.url())}"/>\n'
    for batch in _batches(database, wanted, viewer, limit=ATOM_ENTRIES):
        for incident in batch.incidents:
            url = incident_url(base, incident["id"], incident["title"])
            updated = (incident["updated_at"] or datetime.now(UTC)).isoformat()
            claims = batch.claims_of.get(incident["id"], NO_CLAIMS)
            summary = f"{incident['date_start'].isoformat()}: {incident['summary']} ({claims})"
            yield (
                f"<entry><title>{escape(incident['title'])}</title><id>{escape(url)}</id>"
                f'<link href="{escape(url)}"/><updated>{updated}</updated>'
                f"<summary>{escape(summary)}</summary></entry>\n"
            )
    yield "</feed>\n"
