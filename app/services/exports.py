"""Exports of a filtered view: CSV (a row per incident, or per claim), JSON, GeoJSON and Atom,
written from the documents of services/documents.py.

Every export streams: rows are read in batches inside the generator, so memory stays flat
however many incidents match.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.db import Database
from app.links import incident_url
from app.models import Incident
from app.schemas.filters import IncidentFilter
from app.services.browse import filter_conditions, resolve_filter
from app.services.documents import (
    CLAIM_COLUMNS,
    INCIDENT_COLUMNS,
    Batch,
    claim_row,
    incident_document,
    incident_row,
    incident_select,
    read_batch,
)
from app.services.incidents import NO_CLAIMS
from app.services.visibility import Viewer

BATCH = 2_000
# Bytes a CSV export sends at a time: big enough that per-chunk work is negligible.
CHUNK_BYTES = 256 * 1024
ATOM_ENTRIES = 50

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = frozenset(("=", "+", "-", "@", "\t", "\r"))


def _conditions(
    session: Session, wanted: IncidentFilter, viewer: Viewer
) -> list[ColumnElement[bool]]:
    resolved, _ = resolve_filter(session, wanted, viewer=viewer)
    return filter_conditions(resolved, session.get_bind().dialect.name)


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


_compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _needs_quotes(text: str) -> bool:
    """Whether csv.writer's default dialect quotes this cell. The module's writer tests every
    character against the line ending with a call each, a third of an export's time; `in`
    searches memory in C, and four searches are quicker than one regular expression's
    character class."""
    return '"' in text or "," in text or "\n" in text or "\r" in text


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if _needs_quotes(text) else text


def _csv_text(text: str) -> str:
    """A text cell as csv.writer writes it, with a leading formula character neutralised."""
    return _quoted("'" + text if text[:1] in FORMULA_STARTS else text)


def _csv_json(value: list[Any] | dict[str, Any]) -> str:
    return _csv_text(_compact_json(value))


# How each kind of value is written: exactly as csv.writer would write the value the export
# means (flags as true/false, lists and objects as compact JSON), looked up by exact type
# because this runs for every cell of every export.
_CSV_CELL: dict[type, Callable[[Any], str]] = {
    str: _csv_text,
    int: str,
    float: repr,
    type(None): lambda _: "",
    bool: lambda flag: "true" if flag else "false",
    list: _csv_json,
    dict: _csv_json,
}


def _csv_other(value: Any) -> str:
    # Text of a subclass of str is text like any other; anything else is written as str()
    # writes it, as csv.writer does.
    return _csv_text(value) if isinstance(value, str) else _quoted(str(value))


def csv_line(cells: Iterable[Any]) -> str:
    """One CSV record ending in CRLF: byte for byte what csv.writer writes for two cells or more
    (it quotes a lone empty cell, which no export has). Text of a subclass of str is
    neutralised like any other text, where the writer before this one let it through."""
    return ",".join([_CSV_CELL.get(type(v), _csv_other)(v) for v in cells]) + "\r\n"


def _csv_lines(columns: list[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    lines = [csv_line(columns)]
    size = 0
    cells_of = itemgetter(*columns)
    for row in rows:
        line = csv_line(cells_of(row))
        lines.append(line)
        size += len(line)
        if size > CHUNK_BYTES:
            yield "".join(lines)
            lines.clear()
            size = 0
    yield "".join(lines)


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
