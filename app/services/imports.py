"""Importing events from outside datasets (ACLED, UCDP GED) as incidents with one claim each.

Each event becomes an incident whose claim is attributed to the dataset's own source, with its
figures and status unverified. Actors are matched by name, alias or ACLED name, else created;
places by name or alias, else by proximity (within 5 km), else created. The dataset's id is kept,
so importing the file again creates nothing twice: unchanged rows are skipped and changed rows
update their incident. Bad rows are reported with their line and skipped.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.importers.common import (
    ImportEvent,
    RowRejected,
    parse_coordinate,
    parse_date,
    parse_int,
)
from app.importers.native import NativeIncident
from app.models import (
    Actor,
    ActorName,
    CasualtyFigure,
    Change,
    Claim,
    ClaimSource,
    ExternalId,
    Incident,
    IncidentActor,
    Place,
    Sector,
    Source,
)
from app.models.vocab import ChangeAction, ReviewState
from app.services.changes import record_change
from app.services.derived import refresh_derived
from app.services.editing import set_actor_links
from app.services.lookup import find_actor, find_place
from app.slugs import slugify

BATCH = 500
NEAR_KM = 5.0
DATASET_NAMES = {"acled": "ACLED", "ucdp": "UCDP GED"}
# ACLED's inter codes: 1 state forces, 2 rebels, 3 political militia, 4 identity militia,
# 5 rioters, 6 protesters, 7 civilians, 8 external forces.
ACTOR_KIND_BY_INTER = {
    "1": "state-forces",
    "2": "rebel-group",
    "3": "rebel-group",
    "4": "rebel-group",
    "7": "civilians",
    "8": "state-forces",
}


class DryRunFinished(Exception):
    """Raised after a dry run's import so that its transaction rolls back; carries the report."""

    def __init__(self, report: ImportReport | None = None) -> None:
        super().__init__("dry run")
        self.report = report


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # outside the chosen countries
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped (other countries), {len(self.errors)} rows with errors"
        )


def event_record(event: ImportEvent) -> dict[str, Any]:
    """The event as JSON-ready data: what the change log keeps and the fingerprint digests."""
    record: dict[str, Any] = json.loads(json.dumps(asdict(event), default=str))
    return record


def fingerprint(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371 * 2 * math.asin(math.sqrt(h))


class _Resolver:
    """Actors and places by name, loaded once and grown as new ones are made."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.reload()

    def reload(self) -> None:
        """After a batch is written and let go: read the (grown) lists again."""
        session = self.session
        self.actors: dict[str, Actor] = {}
        for actor in session.scalars(select(Actor).options(selectinload(Actor.names))):
            for name in (actor.name, actor.slug, *(n.name for n in actor.names)):
                self.actors.setdefault(name.lower(), actor)
        self.actor_slugs = {a.slug for a in self.actors.values()}
        self.places: dict[str, Place] = {}
        self.located: list[tuple[tuple[float, float], Place]] = []
        for place in session.scalars(select(Place).options(selectinload(Place.aliases))):
            self._remember_place(place)
        self.place_slugs = {p.slug for p in self.places.values()}

    def _remember_place(self, place: Place) -> None:
        for name in (place.name, *(a.alias for a in place.aliases)):
            self.places.setdefault(name.lower(), place)
        if place.latitude is not None and place.longitude is not None:
            self.located.append(((place.latitude, place.longitude), place))

    def actor(self, name: str, inter: str = "", *, acled: bool) -> Actor:
        found = self.actors.get(name.lower())
        if found is not None:
            return found
        slug = base = slugify(name) or "actor"
        n = 2
        while slug in self.actor_slugs:
            slug, n = f"{base}-{n}", n + 1
        kind = ACTOR_KIND_BY_INTER.get(
            inter, "civilians" if name.lower().startswith("civilians") else "other"
        )
        actor = Actor(slug=slug, name=name[:200], kind=kind)
        if acled:
            actor.names.append(ActorName(kind="acled", name=name[:200]))
        self.session.add(actor)
        self.actors[name.lower()] = actor
        self.actor_slugs.add(slug)
        return actor

    def place(self, event: ImportEvent) -> Place | None:
        if event.location and event.location.lower() in self.places:
            return self.places[event.location.lower()]
        if event.latitude is None or event.longitude is None:
            return None
        point = (event.latitude, event.longitude)
        near = min(self.located, key=lambda item: _distance_km(point, item[0]), default=None)
        if near is not None and _distance_km(point, near[0]) <= NEAR_KM:
            return near[1]
        if not event.location:
            return None
        slug = base = slugify(event.location) or "place"
        n = 2
        while slug in self.place_slugs:
            slug, n = f"{base}-{n}", n + 1
        place = Place(
            slug=slug,
            name=event.location[:200],
            country=event.country or "",
            kind="town",
            admin1=event.admin1 or None,
            admin2=event.admin2 or None,
            latitude=event.latitude,
            longitude=event.longitude,
        )
        self.session.add(place)
        self.place_slugs.add(slug)
        self._remember_place(place)
        return place


def _apply(session: Session, resolver: _Resolver, incident: Incident, event: ImportEvent) -> None:
    place = resolver.place(event)
    incident.title = event.title
    incident.summary = event.summary
    incident.date_start, incident.date_end = event.date_start, event.date_end
    incident.date_precision = event.date_precision
    incident.place = place
    incident.sector = place.sector if place is not None else None
    incident.location = event.location
    incident.latitude, incident.longitude = event.latitude, event.longitude
    if incident.latitude is None and place is not None:
        incident.latitude, incident.longitude = place.latitude, place.longitude
    incident.geo_precision = event.geo_precision
    incident.country = event.country
    incident.event_type, incident.sub_event_type = event.event_type, event.sub_event_type
    acled = event.dataset == "acled"
    wanted = [(resolver.actor(a.name, a.inter, acled=acled), a.role) for a in event.actors]
    set_actor_links(incident, wanted)

    label = DATASET_NAMES.get(event.dataset, event.dataset)
    url = f"urn:{event.dataset}:{event.external_id}"
    # Only a re-imported event can already have its source.
    source = session.scalar(select(Source).where(Source.url == url)) if incident.id else None
    if source is None:
        source = Source(
            url=url,
            outlet=label,
            title=f"{label} event {event.external_id}",
            language="en",
            reliability="B",
        )
        session.add(source)
    claim = Claim(
        incident=incident,
        spokesperson_role=f"{label} (sources: {event.source_label})"[:300],
        claimed_on=event.date_end,
        kind="casualties",
        statement=event.statement,
        status="unverified",
        note=f"Imported from {label}, event {event.external_id}.",
    )
    claim.figures = [
        CasualtyFigure(
            party=f.party,
            actor=resolver.actor(f.actor, acled=acled) if f.actor else None,
            outcome=f.outcome,
            low=f.low,
            high=f.high,
        )
        for f in event.figures
    ]
    claim.source_links = [ClaimSource(source=source, position=0)]
    session.add(claim)


def import_events(
    session: Session,
    rows: Iterable[tuple[int, ImportEvent | RowRejected]],
    *,
    countries: set[str] | None = None,
    origin: str = "import",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    resolver = _Resolver(session)
    batch: list[ImportEvent] = []

    def flush() -> None:
        if batch:
            _import_batch(session, resolver, batch, report, origin)
            batch.clear()

    for done, (line, item) in enumerate(rows, start=1):
        if isinstance(item, RowRejected):
            report.errors.append((line, str(item)))
        elif countries and item.country not in countries:
            report.skipped += 1
        else:
            batch.append(item)
            if len(batch) >= BATCH:
                flush()
        if progress:
            progress(done)
    flush()
    return report


def _insert_new(
    session: Session,
    resolver: _Resolver,
    new: list[tuple[ImportEvent, dict[str, Any], str]],
    origin: str,
) -> list[int]:
    """New events, written with one multi-row INSERT per table: the ORM's unit of work, object
    by object, is several times slower for thousands of rows. Returns the new incident ids."""
    if not new:
        return []
    with session.no_autoflush:
        places = [resolver.place(event) for event, _, _ in new]
        actors = [
            [
                (resolver.actor(a.name, a.inter, acled=e.dataset == "acled"), a.role)
                for a in e.actors
            ]
            for e, _, _ in new
        ]
        figure_actors = [
            [
                resolver.actor(f.actor, acled=e.dataset == "acled") if f.actor else None
                for f in e.figures
            ]
            for e, _, _ in new
        ]
    session.flush()  # new actors and places get their ids
    incident_rows = []
    for (event, _, _), place in zip(new, places, strict=True):
        latitude, longitude = event.latitude, event.longitude
        if latitude is None and place is not None:
            latitude, longitude = place.latitude, place.longitude
        incident_rows.append(
            {
                "title": event.title,
                "summary": event.summary,
                "date_start": event.date_start,
                "date_end": event.date_end,
                "date_precision": event.date_precision,
                "place_id": place.id if place is not None else None,
                "location": event.location,
                "latitude": latitude,
                "longitude": longitude,
                "geo_precision": event.geo_precision,
                "sector_id": place.sector_id if place is not None else None,
                "country": event.country,
                "event_type": event.event_type,
                "sub_event_type": event.sub_event_type,
                "review_state": ReviewState.PUBLISHED.value,
                "version": 1,
            }
        )
    incident_ids = list(
        session.scalars(
            insert(Incident).returning(Incident.id, sort_by_parameter_order=True), incident_rows
        )
    )
    dataset = new[0][0].dataset
    label = DATASET_NAMES.get(dataset, dataset)
    session.execute(
        insert(ExternalId),
        [
            {"incident_id": i, "dataset": dataset, "external_id": e.external_id, "fingerprint": d}
            for i, (e, _, d) in zip(incident_ids, new, strict=True)
        ],
    )
    links = [
        {"incident_id": i, "actor_id": actor.id, "role": role, "position": n}
        for i, pairs in zip(incident_ids, actors, strict=True)
        for n, (actor, role) in enumerate(dict.fromkeys((a, r) for a, r in pairs))
    ]
    if links:
        session.execute(insert(IncidentActor), links)
    source_ids = list(
        session.scalars(
            insert(Source).returning(Source.id, sort_by_parameter_order=True),
            [
                {
                    "url": f"urn:{dataset}:{e.external_id}",
                    "outlet": label,
                    "title": f"{label} event {e.external_id}",
                    "language": "en",
                    "reliability": "B",
                }
                for e, _, _ in new
            ],
        )
    )
    claim_ids = list(
        session.scalars(
            insert(Claim).returning(Claim.id, sort_by_parameter_order=True),
            [
                {
                    "incident_id": i,
                    "spokesperson_role": f"{label} (sources: {e.source_label})"[:300],
                    "claimed_on": e.date_end,
                    "kind": "casualties",
                    "statement": e.statement,
                    "status": "unverified",
                    "note": f"Imported from {label}, event {e.external_id}.",
                }
                for i, (e, _, _) in zip(incident_ids, new, strict=True)
            ],
        )
    )
    session.execute(
        insert(ClaimSource),
        [
            {"claim_id": c, "source_id": s, "position": 0}
            for c, s in zip(claim_ids, source_ids, strict=True)
        ],
    )
    figures = [
        {
            "claim_id": c,
            "party": f.party,
            "actor_id": a.id if a else None,
            "outcome": f.outcome,
            "low": f.low,
            "high": f.high,
        }
        for c, (e, _, _), with_actors in zip(claim_ids, new, figure_actors, strict=True)
        for f, a in zip(e.figures, with_actors, strict=True)
    ]
    if figures:
        session.execute(insert(CasualtyFigure), figures)
    session.execute(
        insert(Change),
        [
            {
                "entity_type": "incident",
                "entity_id": i,
                "action": ChangeAction.CREATE.value,
                "before": None,
                "after": record,
                "origin": origin,
            }
            for i, (_, record, _) in zip(incident_ids, new, strict=True)
        ],
    )
    return incident_ids


def _import_batch(
    session: Session,
    resolver: _Resolver,
    events: list[ImportEvent],
    report: ImportReport,
    origin: str,
) -> None:
    dataset = events[0].dataset
    known = {
        ref.external_id: ref
        for ref in session.scalars(
            select(ExternalId).where(
                ExternalId.dataset == dataset,
                ExternalId.external_id.in_([e.external_id for e in events]),
            )
        )
    }
    touched: list[tuple[Incident, ChangeAction, dict[str, Any]]] = []
    new: list[tuple[ImportEvent, dict[str, Any], str]] = []
    seen: set[str] = set()
    for event in events:
        if event.external_id in seen:
            continue  # the same id twice in one file: the first row counts
        seen.add(event.external_id)
        record = event_record(event)
        digest = fingerprint(record)
        ref = known.get(event.external_id)
        with session.no_autoflush:
            if ref is None:
                new.append((event, record, digest))
                report.created += 1
            elif ref.fingerprint == digest:
                report.unchanged += 1
            else:
                incident = ref.incident
                session.execute(
                    delete(Claim).where(
                        Claim.incident_id == incident.id,
                        Claim.id.in_(
                            select(ClaimSource.claim_id)
                            .join(Source, Source.id == ClaimSource.source_id)
                            .where(Source.url == f"urn:{dataset}:{event.external_id}")
                        ),
                    )
                )
                session.expire(incident, ["claims"])
                _apply(session, resolver, incident, event)
                incident.version += 1
                ref.fingerprint = digest
                touched.append((incident, ChangeAction.UPDATE, record))
                report.updated += 1
    session.flush()
    created = _insert_new(session, resolver, new, origin)
    refresh_derived(session, [*created, *(incident.id for incident, _, _ in touched)])
    for incident, action, data in touched:
        record_change(
            session,
            entity_type="incident",
            entity_id=incident.id,
            action=action,
            before=None,
            after=data,
            origin=origin,
        )
    session.flush()
    session.expunge_all()
    resolver.reload()


# ---- the project's own CSV ---------------------------------------------------------------------


def _or_none(value: str) -> str | None:
    return value if value not in ("", None) else None


def _count(value: Any, what: str) -> int | None:
    """A count from a cell (text) or from the JSON of a cell (a number)."""
    if value is None or isinstance(value, bool):
        return None
    return parse_int(str(value), what, required=False)


def _date_or_none(value: str | None, what: str) -> date | None:
    return parse_date(value, what) if value else None


def import_native(
    session: Session,
    items: list[Any],
    *,
    origin: str = "import native",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Incidents (and their claims) from this app's CSV exports. An incident whose dataset ids
    are already here is left alone, so importing twice creates nothing twice."""
    report = ImportReport()
    sectors = {s.slug: s for s in session.scalars(select(Sector))}
    made: dict[str, Source] = {}
    for done, item in enumerate(items, start=1):
        if progress:
            progress(done)
        if not isinstance(item, NativeIncident):
            line, problem = item
            report.errors.append((line, str(problem)))
            continue
        row = item.row
        refs = [tuple(ref.split(":", 1)) for ref in row["external_ids"] if ":" in ref]
        if not refs:
            refs = [("native", row["id"])]
        present = session.scalar(
            select(ExternalId.id).where(
                or_(*[(ExternalId.dataset == d) & (ExternalId.external_id == e) for d, e in refs])
            )
        )
        if present is not None:
            report.unchanged += 1
            continue
        try:
            with session.begin_nested():
                incident = _native_incident(session, row, sectors)
                incident.external_ids = [ExternalId(dataset=d, external_id=e) for d, e in refs]
                session.add(incident)
                session.flush()
                _native_claims(session, incident, item.claims, made)
                session.flush()
                refresh_derived(session, [incident.id])
                record_change(
                    session,
                    entity_type="incident",
                    entity_id=incident.id,
                    action=ChangeAction.CREATE,
                    before=None,
                    after=row,
                    origin=origin,
                )
            report.created += 1
        except (RowRejected, ValueError, KeyError, TypeError) as problem:
            report.errors.append((item.line, str(problem)))
        except (IntegrityError, DataError) as problem:
            # A value the schema's checks refuse (an unknown status, a range out of order).
            report.errors.append((item.line, f"refused by the database: {problem.orig}"))
    return report


def _native_incident(session: Session, row: dict[str, Any], sectors: dict[str, Sector]) -> Incident:
    place = find_place(session, row["place"]) if row["place"] else None
    if row["place"] and place is None:
        raise RowRejected(f"no place {row['place']!r} in the gazetteer")
    incident = Incident(
        title=row["title"],
        summary=row["summary"],
        notes=row.get("notes", ""),
        assessment_note=row.get("assessment_note", ""),
        date_start=parse_date(row["date_start"], "date_start"),
        date_end=parse_date(row["date_end"], "date_end"),
        date_precision=row["date_precision"],
        country=_or_none(row["country"]),
        place=place,
        sector=sectors.get(row["sector"]) if row["sector"] else None,
        location=row["location"],
        latitude=parse_coordinate(row["latitude"], "latitude", 90),
        longitude=parse_coordinate(row["longitude"], "longitude", 180),
        geo_precision=_count(row["geo_precision"], "geo_precision"),
        event_type=row["event_type"],
        sub_event_type=_or_none(row["sub_event_type"]),
        review_state=row["review_state"],
        version=1,
    )
    for name in ("killed_low", "killed_best", "killed_high", "wounded_low", "wounded_high"):
        setattr(incident, f"assessed_{name}", _count(row[f"assessed_{name}"], name))
    wanted = []
    for link in row["actors"]:
        actor = find_actor(session, link["actor"])
        if actor is None:
            raise RowRejected(f"no actor {link['actor']!r}")
        wanted.append((actor, link["role"]))
    set_actor_links(incident, wanted)
    return incident


def _native_claims(
    session: Session, incident: Incident, rows: list[dict[str, Any]], made: dict[str, Source]
) -> None:
    by_old_id: dict[str, Claim] = {}
    with session.no_autoflush:  # lookups must not flush a half-built claim
        for row in rows:
            claimant = find_actor(session, row["claimant"]) if row["claimant"] else None
            claim = Claim(
                incident=incident,
                claimant=claimant,
                spokesperson=_or_none(row["spokesperson"]),
                spokesperson_role=_or_none(row["spokesperson_role"]),
                claimed_on=_date_or_none(row["claimed_on"], "claimed_on"),
                kind=row["kind"],
                status=row["status"],
                credibility=_count(row["credibility"], "credibility"),
                statement=row["statement"],
                statement_language=row["statement_language"] or "en",
                translation=_or_none(row["translation"]),
                note=row.get("note", ""),
            )
            claim.figures = [
                CasualtyFigure(
                    party=f["party"],
                    actor=find_actor(session, f["actor"]) if f["actor"] else None,
                    outcome=f["outcome"],
                    low=_count(f["low"], "low"),
                    high=_count(f["high"], "high"),
                )
                for f in row["figures"]
            ]
            links = []
            for position, given in enumerate(row["sources"]):
                # (sources made earlier in this import are not written yet: ask `made` first)
                source = made.get(given["url"]) or session.scalar(
                    select(Source).where(Source.url == given["url"])
                )
                if source is None:
                    published = given.get("published_on")
                    source = Source(
                        url=given["url"],
                        outlet=given["outlet"],
                        title=given.get("title") or "",
                        published_on=_date_or_none(published, "published_on"),
                        language=given.get("language") or "en",
                        reliability=given["reliability"],
                    )
                    session.add(source)
                made[given["url"]] = source
                links.append(ClaimSource(source=source, position=position))
            claim.source_links = links
            session.add(claim)
            by_old_id[row["claim_id"]] = claim
    session.flush()
    for row in rows:
        if row["responds_to"] and row["responds_to"] in by_old_id:
            by_old_id[row["claim_id"]].responds_to_id = by_old_id[row["responds_to"]].id
