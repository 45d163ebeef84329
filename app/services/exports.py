"""Exports of a filtered view: CSV (a row per incident, or per claim), JSON, GeoJSON and Atom.

Every export streams: rows are read in batches inside the generator, so memory stays flat
however many incidents match. The columns are part of the public contract (docs/data-formats.md):
add columns at the end, never rename or reorder.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from app.db import Database
from app.models import CasualtyFigure, Claim, ClaimSource, Incident, IncidentActor
from app.schemas.filters import IncidentFilter
from app.services.browse import filter_conditions, resolve_filter
from app.services.claims import is_contested
from app.slugs import slugify

BATCH = 500
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
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Make a text cell inert in spreadsheets; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _conditions(
    session: Session, wanted: IncidentFilter, editor: bool
) -> list[ColumnElement[bool]]:
    resolved, _ = resolve_filter(session, wanted, can_see_unpublished=editor)
    return filter_conditions(resolved, session.get_bind().dialect.name)


def _incidents(
    database: Database, wanted: IncidentFilter, editor: bool, *, limit: int | None = None
) -> Iterator[Incident]:
    """The filter's incidents, newest first, in batches with everything an export writes."""
    with database.read() as session:
        conditions = _conditions(session, wanted, editor)
        last: tuple[Any, int] | None = None
        seen = 0
        while limit is None or seen < limit:
            query = select(Incident).where(*conditions)
            if last is not None:
                # Keyset paging: stable and cheap however deep the export goes.
                query = query.where(
                    (Incident.date_start < last[0])
                    | ((Incident.date_start == last[0]) & (Incident.id < last[1]))
                )
            batch = session.scalars(
                query.order_by(Incident.date_start.desc(), Incident.id.desc())
                .limit(BATCH if limit is None else min(BATCH, limit - seen))
                .options(
                    selectinload(Incident.place),
                    selectinload(Incident.sector),
                    selectinload(Incident.external_ids),
                    selectinload(Incident.actor_links).selectinload(IncidentActor.actor),
                    selectinload(Incident.claims).options(
                        selectinload(Claim.claimant),
                        selectinload(Claim.figures).selectinload(CasualtyFigure.actor),
                        selectinload(Claim.source_links).selectinload(ClaimSource.source),
                    ),
                )
            ).all()
            if not batch:
                return
            yield from batch
            seen += len(batch)
            last = (batch[-1].date_start, batch[-1].id)
            session.expunge_all()  # keep memory flat


def incident_url(base: str, incident: Incident) -> str:
    return f"{base}/incidents/{incident.id}/{slugify(incident.title)}"


def incident_row(base: str, incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "url": incident_url(base, incident),
        "title": incident.title,
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat(),
        "date_precision": incident.date_precision,
        "country": incident.country,
        "sector": incident.sector.slug if incident.sector else None,
        "place": incident.place.slug if incident.place else None,
        "location": incident.location,
        "latitude": incident.latitude,
        "longitude": incident.longitude,
        "geo_precision": incident.geo_precision,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
        "actors": [{"actor": a.actor.slug, "role": a.role} for a in incident.actor_links],
        "claims": len(incident.claims),
        "contested": is_contested(c.status for c in incident.claims),
        "min_claimed_killed": incident.min_claimed_killed,
        "max_claimed_killed": incident.max_claimed_killed,
        "assessed_killed_low": incident.assessed_killed_low,
        "assessed_killed_best": incident.assessed_killed_best,
        "assessed_killed_high": incident.assessed_killed_high,
        "assessed_wounded_low": incident.assessed_wounded_low,
        "assessed_wounded_high": incident.assessed_wounded_high,
        "summary": incident.summary,
        "external_ids": [f"{e.dataset}:{e.external_id}" for e in incident.external_ids],
        "review_state": incident.review_state,
        "version": incident.version,
        "updated_at": incident.updated_at.isoformat() if incident.updated_at else None,
        "notes": incident.notes,
        "assessment_note": incident.assessment_note,
    }


def claim_row(base: str, incident: Incident, claim: Claim) -> dict[str, Any]:
    killed = [f for f in claim.figures if f.outcome == "killed"]
    return {
        "incident_id": incident.id,
        "incident_url": incident_url(base, incident),
        "incident_title": incident.title,
        "incident_date": incident.date_start.isoformat(),
        "claim_id": claim.id,
        "claimant": claim.claimant.slug if claim.claimant else None,
        "spokesperson": claim.spokesperson,
        "spokesperson_role": claim.spokesperson_role,
        "claimed_on": claim.claimed_on.isoformat() if claim.claimed_on else None,
        "kind": claim.kind,
        "status": claim.status,
        "credibility": claim.credibility,
        "responds_to": claim.responds_to_id,
        "statement": claim.statement,
        "statement_language": claim.statement_language,
        "translation": claim.translation,
        "figures": [
            {
                "party": f.party,
                "actor": f.actor.slug if f.actor else None,
                "outcome": f.outcome,
                "low": f.low,
                "high": f.high,
            }
            for f in claim.figures
        ],
        "killed_low": sum(f.low for f in killed) if killed else None,
        "killed_high": sum(f.high if f.high is not None else f.low for f in killed)
        if killed
        else None,
        "sources": [
            {
                "url": s.url,
                "outlet": s.outlet,
                "title": s.title,
                "published_on": s.published_on.isoformat() if s.published_on else None,
                "language": s.language,
                "reliability": s.reliability,
            }
            for s in claim.sources
        ],
        "note": claim.note,
    }


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif isinstance(value, bool):
        value = "true" if value else "false"
    return neutralise(value)


def _csv_lines(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_export(
    database: Database, wanted: IncidentFilter, *, base: str, editor: bool, per_claim: bool
) -> Iterator[str]:
    incidents = _incidents(database, wanted, editor)
    if per_claim:
        rows = (claim_row(base, i, c) for i in incidents for c in i.claims)
        return _csv_lines(CLAIM_COLUMNS, rows)
    return _csv_lines(INCIDENT_COLUMNS, (incident_row(base, i) for i in incidents))


def json_export(
    database: Database, wanted: IncidentFilter, *, base: str, editor: bool
) -> Iterator[str]:
    yield '{"filter": ' + json.dumps(wanted.url()) + ', "incidents": ['
    for n, incident in enumerate(_incidents(database, wanted, editor)):
        row = incident_row(base, incident)
        row["claims"] = [claim_row(base, incident, c) for c in incident.claims]
        yield ("," if n else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"


def geojson_export(
    database: Database, wanted: IncidentFilter, *, base: str, editor: bool
) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": ['
    n = 0
    for incident in _incidents(database, wanted, editor):
        if incident.latitude is None or incident.longitude is None:
            continue
        properties = incident_row(base, incident)
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [incident.longitude, incident.latitude]},
            "properties": properties,
        }
        yield ("," if n else "") + json.dumps(feature, ensure_ascii=False)
        n += 1
    yield "]}"


def atom_feed(
    database: Database, wanted: IncidentFilter, *, base: str, editor: bool, title: str
) -> Iterator[str]:
    now = datetime.now(UTC).isoformat()
    feed_url = base + wanted.url("/incidents.atom")
    yield '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
    yield f"<title>{escape(title)}</title>\n<id>{escape(feed_url)}</id>\n<updated>{now}</updated>\n"
    yield f'<link rel="self" href="{escape(feed_url)}"/>\n'
    yield f'<link rel="alternate" href="{escape(base + wanted.url())}"/>\n'
    for incident in _incidents(database, wanted, editor, limit=ATOM_ENTRIES):
        url = incident_url(base, incident)
        updated = (incident.updated_at or datetime.now(UTC)).isoformat()
        claims = len(incident.claims)
        contested = ", contested" if is_contested(c.status for c in incident.claims) else ""
        summary = (
            f"{incident.date_start.isoformat()}: {incident.summary} ({claims} claims{contested})"
        )
        yield (
            f"<entry><title>{escape(incident.title)}</title><id>{escape(url)}</id>"
            f'<link href="{escape(url)}"/><updated>{updated}</updated>'
            f"<summary>{escape(summary)}</summary></entry>\n"
        )
    yield "</feed>\n"
