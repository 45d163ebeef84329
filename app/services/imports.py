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
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Insert, Table, delete, func, insert, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from app.db import Database, one_version_bump, reserve_ids
from app.i18n import gettext
from app.importers import DATASET_LABELS, READERS
from app.importers.common import (
    DELIMITERS,
    ImportEvent,
    RowRejected,
    parse_coordinate,
    parse_date,
    parse_int,
)
from app.importers.native import NativeIncident, read_native
from app.models import (
    Actor,
    CasualtyFigure,
    Claim,
    ClaimSource,
    District,
    ExternalId,
    ImportRun,
    Incident,
    IncidentActor,
    Place,
    Sector,
    Source,
    UnmappedName,
)
from app.models.base import Base, utcnow
from app.models.incident import ASSESSED_FIGURES
from app.models.vocab import ActorKind, ChangeAction, ReviewState
from app.services.changes import record_incident_versions
from app.services.crosswalk import Crosswalk, actor_key
from app.services.derived import refresh_derived, write_derived
from app.services.editing import set_actor_links
from app.services.gazetteer import DistrictIndex, PlaceIndex, name_key
from app.services.lookup import find_actor, find_place
from app.services.proposals import propose_matches
from app.services.snapshots import SNAPSHOT_LOADS
from app.slugs import slugify

BATCH = 500
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
    out_of_scope: int = 0  # away from the border, when only the frontier was asked for
    errors: list[tuple[int, str]] = field(default_factory=list)
    # Rows imported after being put right (UCDP's out-of-order low/best/high), with how.
    repaired: list[tuple[int, str]] = field(default_factory=list)
    # Dataset names no actor is known by: each got a placeholder for editors to map.
    unmapped: dict[str, int] = field(default_factory=dict)
    # Events whose district came from the file's admin names, from coordinates, or not at all.
    located: dict[str, int] = field(default_factory=dict)
    run_id: int | None = None
    # The incidents created or changed, and the match proposals made for them.
    incident_ids: list[int] = field(default_factory=list)
    proposed: int = 0

    def summary(self) -> str:
        scope = f", {self.out_of_scope} away from the border" if self.out_of_scope else ""
        matches = f", {self.proposed} new match proposals" if self.proposed else ""
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.skipped} skipped (other countries){scope}, {len(self.repaired)} repaired, "
            f"{len(self.errors)} rows with errors{matches}"
        )

    def counts(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "out_of_scope": self.out_of_scope,
            "repaired": len(self.repaired),
            "errors": len(self.errors),
            "unmapped": len(self.unmapped),
            "proposed": self.proposed,
        }


def fingerprint(event: ImportEvent) -> str:
    """A digest of everything the event says, so an unchanged row is skipped on re-import.
    (Built from the fields directly: dataclasses.asdict took a third of an import's time.)"""
    record = {
        **vars(event),
        "actors": [vars(a) for a in event.actors],
        "figures": [vars(f) for f in event.figures],
    }
    text = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class _Context:
    """What turning events into incidents needs, loaded once per import and grown as new
    places and placeholder actors are made."""

    def __init__(self, session: Session, dataset: str, report: ImportReport) -> None:
        self.session = session
        self.dataset = dataset
        self.report = report
        self.crosswalk = Crosswalk.load(session)
        self.districts = DistrictIndex.load(session)
        self.places = PlaceIndex.load(session)
        self.claimant = self._dataset_actor(dataset)
        self.placeholders: dict[str, Actor] = {
            actor_key(u.name): u.actor
            for u in session.scalars(
                select(UnmappedName)
                .where(UnmappedName.dataset == dataset)
                .options(selectinload(UnmappedName.actor))
            )
        }
        self.slugs = set(session.scalars(select(Actor.slug)))
        self.sectors: dict[int | None, Sector] = {
            sector.id: sector for sector in session.scalars(select(Sector))
        }

    def _dataset_actor(self, dataset: str) -> Actor:
        """The dataset as a claimant (reference data has it; made here if it is missing)."""
        actor = self.crosswalk.by_slug.get(dataset)
        if actor is None:
            label = DATASET_LABELS.get(dataset, dataset)
            actor = Actor(slug=dataset, name=label.split()[0], kind=ActorKind.DATASET)
            self.session.add(actor)
            self.session.flush()
            self.crosswalk.remember(actor)
        return actor

    def actor(self, name: str, inter: str, on: date, country: str | None) -> Actor:
        found = self.crosswalk.resolve(self.dataset, name, on, country)
        if found is not None:
            return found
        key = actor_key(name)
        self.report.unmapped[name] = self.report.unmapped.get(name, 0) + 1
        placeholder = self.placeholders.get(key)
        if placeholder is None:
            slug = base = slugify(name) or "actor"
            n = 2
            while slug in self.slugs:
                slug, n = f"{base}-{n}", n + 1
            self.slugs.add(slug)
            kind = ACTOR_KIND_BY_INTER.get(
                inter, "civilians" if key.startswith("civilians") else "other"
            )
            placeholder = Actor(slug=slug, name=name[:200], kind=kind)
            self.session.add(placeholder)
            self.session.add(UnmappedName(dataset=self.dataset, name=name[:300], actor=placeholder))
            self.placeholders[key] = placeholder
        return placeholder

    def where(self, event: ImportEvent) -> tuple[District | None, Place | None]:
        point = (
            (event.latitude, event.longitude)
            if event.latitude is not None and event.longitude is not None
            else None
        )
        located = self.districts.locate(event.country, [event.admin2, event.place_name], point)
        self.report.located[located.how or "none"] = (
            self.report.located.get(located.how or "none", 0) + 1
        )
        return located.district, self._place(event, located.district, point)

    def _place(
        self, event: ImportEvent, district: District | None, point: tuple[float, float] | None
    ) -> Place | None:
        name = event.place_name
        if not name or point is None:
            return None
        found = self.places.find(name, event.country, point)
        if found is not None:
            return found
        if district is not None and name_key(name) in {
            name_key(n) for n in (district.name, *(a.alias for a in district.aliases))
        }:
            return None  # located to the district only: no town of that name is made up
        slug = base = slugify(name) or "place"
        n = 2
        while slug in self.places.slugs:
            slug, n = f"{base}-{n}", n + 1
        place = Place(
            slug=slug,
            name=name[:200],
            country=event.country or "",
            kind="town",
            admin1=event.admin1[:200] or None,
            admin2=event.admin2[:200] or None,
            latitude=point[0],
            longitude=point[1],
            district_id=district.id if district else None,
            sector_id=district.sector_id if district else None,
        )
        self.session.add(place)
        self.places.add(place)
        return place


@dataclass
class _Pending:
    """An event on its way in: new (no incident yet) or changed (its incident is rewritten)."""

    line: int
    event: ImportEvent
    digest: str
    incident_id: int | None = None
    # The claim the record made last time, and whether its incident holds other records too
    # (a merge): then only that claim is rewritten, never the incident the editors kept.
    claim_id: int | None = None
    merged: bool = False
    source_id: int | None = None
    source_url: str = ""
    district: District | None = None
    place: Place | None = None
    actors: list[tuple[Actor, str]] = field(default_factory=list)
    figure_actors: list[Actor | None] = field(default_factory=list)


class OptionRefused(ValueError):
    """An import asked for with an option it cannot take; the message says which and why, in the
    reader's language (English on the command line), begun in lower case."""


@dataclass(frozen=True)
class ImportOptions:
    """What an import is asked for, from `incidents import` or the admin page's form."""

    dataset: str
    countries: frozenset[str] | None = None
    border_only: bool = False
    delimiter: str = ","
    dry_run: bool = False


def import_options(
    *,
    dataset: str,
    country: str = "",
    delimiter: str = ",",
    border_only: bool = False,
    dry_run: bool = False,
    datasets: Collection[str] = (*READERS, "native"),
) -> ImportOptions:
    """The options, checked in the one place both ways in read them. `country` is a list of
    ISO codes separated by commas; a delimiter may be written "tab"."""
    if dataset not in datasets:
        raise OptionRefused(
            gettext("the dataset is one of %(datasets)s (not %(given)s)")
            % {"datasets": ", ".join(datasets), "given": repr(dataset)}
        )
    delimiter = "\t" if delimiter in ("tab", "\\t") else delimiter
    if delimiter not in DELIMITERS:
        named = ", ".join(gettext(name) for name in DELIMITERS.values())
        raise OptionRefused(
            gettext("the fields are separated by one of: %(delimiters)s (not %(given)s)")
            % {"delimiters": named, "given": repr(delimiter)}
        )
    codes = frozenset(c.strip().upper() for c in country.split(",") if c.strip())
    return ImportOptions(dataset, codes or None, border_only, delimiter, dry_run)


def run_import(
    database: Database,
    options: ImportOptions,
    path: Path,
    *,
    file_name: str,
    claims_path: Path | None = None,
    user_id: int | None = None,
    origin: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """An import as the command line and the admin page run it. Raises FileRejected, before
    anything is written, when the file is not what the dataset publishes."""
    origin = origin or f"import {options.dataset}"
    if options.dataset != "native":
        return import_file(
            database,
            dataset=options.dataset,
            path=path,
            file_name=file_name,
            countries=set(options.countries) if options.countries else None,
            border_only=options.border_only,
            delimiter=options.delimiter,
            dry_run=options.dry_run,
            user_id=user_id,
            origin=origin,
            progress=progress,
        )
    try:
        with database.write() as session:
            items = read_native(path, claims_path)
            report = import_native(session, items, origin=origin[:100], progress=progress)
            if options.dry_run:
                raise DryRunFinished(report)
    except DryRunFinished as finished:
        assert finished.report is not None
        return finished.report
    return report


def import_file(
    database: Database,
    *,
    dataset: str,
    path: Path,
    file_name: str,
    countries: set[str] | None = None,
    border_only: bool = False,
    delimiter: str = ",",
    dry_run: bool = False,
    user_id: int | None = None,
    origin: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """One file, as `incidents import` and the admin page both import it: all or nothing in
    one transaction, recorded as an import run. Raises FileRejected before anything is
    written when the file is not the dataset's CSV."""
    reader = READERS[dataset]
    origin = (origin or f"import {dataset}")[:100]  # as the change log's column holds it
    try:
        with database.write() as session, one_version_bump(session.connection()):
            run = ImportRun(
                dataset=dataset,
                file_name=file_name[:300],
                sha256=file_digest(path),
                user_id=user_id,
                origin=origin[:100],
                counts={},
            )
            session.add(run)
            session.flush()
            report = import_events(
                session,
                reader(path, delimiter),
                countries=countries,
                border_only=border_only,
                origin=origin,
                run=run,
                progress=progress,
            )
            if report.incident_ids:
                # What the file brought may be events another dataset has: editors review them.
                report.proposed = propose_matches(session, involving=report.incident_ids).new
                run.counts = report.counts()
            if dry_run:
                raise DryRunFinished(report)
    except DryRunFinished as finished:
        assert finished.report is not None
        finished.report.run_id = None
        return finished.report
    return report


def import_events(
    session: Session,
    rows: Iterable[tuple[int, ImportEvent | RowRejected]],
    *,
    countries: set[str] | None = None,
    border_only: bool = False,
    origin: str = "import",
    run: ImportRun | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Every event of the rows as an incident with one claim by the dataset; the report says
    what came of each row. With `border_only`, events outside the border districts are
    counted and left out. With `run`, incidents are linked to it and it gets the counts."""
    report = ImportReport()
    context: _Context | None = None
    batch: list[tuple[int, ImportEvent]] = []

    def flush() -> None:
        nonlocal context
        if batch:
            context = context or _Context(session, batch[0][1].dataset, report)
            _import_batch(context, batch, border_only, origin, run)
            batch.clear()

    for done, (line, item) in enumerate(rows, start=1):
        if isinstance(item, RowRejected):
            report.errors.append((line, str(item)))
        elif countries and item.country not in countries:
            report.skipped += 1
        else:
            batch.append((line, item))
            if len(batch) >= BATCH:
                flush()
        if progress:
            progress(done)
    flush()
    for name, events in report.unmapped.items():
        session.execute(
            update(UnmappedName)
            .where(UnmappedName.name == name[:300])
            .values(events=UnmappedName.events + events)
        )
    if run is not None:
        run.counts = report.counts()
        run.finished_at = utcnow()
        report.run_id = run.id
    return report


def _import_batch(
    context: _Context,
    events: list[tuple[int, ImportEvent]],
    border_only: bool,
    origin: str,
    run: ImportRun | None,
) -> None:
    session, report, dataset = context.session, context.report, context.dataset
    known = {
        ref.external_id: ref
        for ref in session.scalars(
            select(ExternalId).where(
                ExternalId.dataset == dataset,
                ExternalId.external_id.in_([e.external_id for _, e in events]),
            )
        )
    }
    merged = _holding_several_records(session, [ref.incident_id for ref in known.values()])
    pending: list[_Pending] = []
    seen: set[str] = set()
    with session.no_autoflush:
        for line, event in events:
            if event.external_id in seen:
                continue  # the same id twice in one file: the first row counts
            seen.add(event.external_id)
            digest = fingerprint(event)
            ref = known.get(event.external_id)
            if ref is not None and ref.fingerprint == digest:
                report.unchanged += 1
                continue
            item = _Pending(line, event, digest)
            if ref is not None:
                item.incident_id, item.claim_id = ref.incident_id, ref.claim_id
                item.merged = ref.incident_id in merged
            item.district, item.place = context.where(event)
            if border_only and (item.district is None or not item.district.on_border):
                report.out_of_scope += 1
                continue
            item.actors = [
                (context.actor(a.name, a.inter, event.date_start, event.country), a.role)
                for a in event.actors
            ]
            item.figure_actors = [
                context.actor(f.actor, "", event.date_start, event.country) if f.actor else None
                for f in event.figures
            ]
            if event.repaired:  # put right, and written
                report.repaired.append((line, event.repaired))
            pending.append(item)
    session.flush()  # new places and placeholder actors get their ids
    changed = [p for p in pending if p.incident_id is not None]
    new = [p for p in pending if p.incident_id is None]
    if changed:
        _clear_dataset_parts(context, changed)
        for item in changed:
            # A merged incident keeps what the editors chose; its version still goes up, as
            # one of its claims changed.
            values = {} if item.merged else _incident_values(item)
            session.execute(
                update(Incident)
                .where(Incident.id == item.incident_id)
                .values(**values, version=Incident.version + 1)
            )
    if new:
        # Ids reserved up front: one executemany, not a statement per row to get each id back.
        first = reserve_ids(session.connection(), "incidents", len(new))
        for n, item in enumerate(new):
            item.incident_id = first + n
        session.execute(
            _bulk(Incident),
            [
                {
                    **_incident_values(p),
                    "id": p.incident_id,
                    "review_state": ReviewState.PUBLISHED.value,
                    "version": 1,
                }
                for p in new
            ],
        )
    _write_claims_and_links(context, pending)
    for item in changed:
        session.execute(
            update(ExternalId)
            .where(ExternalId.dataset == dataset, ExternalId.external_id == item.event.external_id)
            .values(
                fingerprint=item.digest,
                import_run_id=run.id if run else None,
                source_row=item.line,
                claim_id=item.claim_id,
            )
        )
    if new:
        session.execute(
            _bulk(ExternalId),
            [
                {
                    "incident_id": p.incident_id,
                    "dataset": dataset,
                    "external_id": p.event.external_id,
                    "fingerprint": p.digest,
                    "import_run_id": run.id if run else None,
                    "source_row": p.line,
                    "claim_id": p.claim_id,
                }
                for p in new
            ],
        )
    report.created += len(new)
    report.updated += len(changed)
    report.incident_ids += [p.incident_id for p in pending if p.incident_id is not None]
    # A new incident has nothing but what was just written: its derived values and snapshot
    # come from that, built in memory. A changed one may carry editors' claims too: it is read
    # back whole.
    fresh = [_as_loaded(context, p) for p in new]
    write_derived(session, fresh)
    reread = refresh_derived(session, [p.incident_id for p in changed if p.incident_id])
    action_of = {p.incident_id: ChangeAction.UPDATE for p in changed}
    action_of.update({p.incident_id: ChangeAction.CREATE for p in new})
    record_incident_versions(
        session, ((i, action_of[i.id]) for i in [*fresh, *reread]), origin=origin
    )


def _bulk(model: type[Base]) -> Insert:
    """A multi-row INSERT of plain rows, through the table rather than the mapped class: the
    ORM's bulk insert leaves out a row's None values and writes rows in groups of the same
    non-None columns (a statement every few rows), and costs several times Core's time a row
    on PostgreSQL."""
    return insert(cast(Table, model.__table__))


def _incident_values(item: _Pending) -> dict[str, Any]:
    """The incident's own columns, from the event and where it was found to be."""
    event, place, district = item.event, item.place, item.district
    latitude, longitude = event.latitude, event.longitude
    if latitude is None and place is not None:
        latitude, longitude = place.latitude, place.longitude
    sector_id = district.sector_id if district else place.sector_id if place else None
    return {
        "title": event.title,
        "summary": event.summary,
        "date_start": event.date_start,
        "date_end": event.date_end,
        "date_precision": event.date_precision,
        "place_id": place.id if place is not None else None,
        "district_id": district.id if district is not None else None,
        "location": event.location[:500],
        "latitude": latitude,
        "longitude": longitude,
        "geo_precision": event.geo_precision,
        "sector_id": sector_id,
        "country": event.country,
        "event_type": event.event_type,
        "sub_event_type": event.sub_event_type,
    }


def _holding_several_records(session: Session, incident_ids: list[int]) -> set[int]:
    """Those of the incidents that carry more than one dataset record: merged ones."""
    if not incident_ids:
        return set()
    return set(
        session.scalars(
            select(ExternalId.incident_id)
            .where(ExternalId.incident_id.in_(incident_ids))
            .group_by(ExternalId.incident_id)
            .having(func.count() > 1)
        )
    )


def _clear_dataset_parts(context: _Context, changed: list[_Pending]) -> None:
    """A changed record loses what it gave its incident (its claim; its actor links, unless
    the incident is a merge of several records), to be written again; other claims stay."""
    session = context.session
    by_id = [p.claim_id for p in changed if p.claim_id is not None]
    # Records imported before claims were tied to them: their claim is the dataset's one.
    untied = [p.incident_id for p in changed if p.claim_id is None]
    session.execute(
        delete(Claim).where(
            Claim.id.in_(by_id)
            | (Claim.incident_id.in_(untied) & (Claim.claimant_actor_id == context.claimant.id))
        )
    )
    whole = [p.incident_id for p in changed if not p.merged]
    session.execute(delete(IncidentActor).where(IncidentActor.incident_id.in_(whole)))
    # An incident an earlier batch loaded must not keep the claims and links just deleted.
    for incident_id in (p.incident_id for p in changed):
        loaded = session.identity_map.get(identity_key(Incident, incident_id))
        if loaded is not None:
            session.expire(loaded)


def _write_claims_and_links(context: _Context, items: list[_Pending]) -> None:
    """The actors' links, and the dataset's claim with its figures and its source, for each
    event (each item learns its claim's and source's ids): one multi-row INSERT per table (the
    ORM's unit of work, object by object, is several times slower for thousands of rows)."""
    if not items:
        return
    session, dataset = context.session, context.dataset
    label = DATASET_LABELS.get(dataset, dataset)
    kept = _kept_links(session, [p.incident_id for p in items if p.merged])
    links = [
        {"incident_id": p.incident_id, "actor_id": actor.id, "role": role, "position": n}
        for p in items
        for n, (actor, role) in enumerate(dict.fromkeys(p.actors), start=100 if p.merged else 0)
        if (p.incident_id, actor.id, role) not in kept
    ]
    if links:
        session.execute(_bulk(IncidentActor), links)
    urls = [p.event.url or f"urn:{dataset}:{p.event.external_id}" for p in items]
    existing = dict(
        session.execute(select(Source.url, Source.id).where(Source.url.in_(urls))).all()
    )
    missing = [(p, url) for p, url in zip(items, urls, strict=True) if url not in existing]
    if missing:
        first = reserve_ids(session.connection(), "sources", len(missing))
        session.execute(
            _bulk(Source),
            [
                {
                    "id": first + n,
                    "url": url,
                    "outlet": label,
                    "title": f"{label} event {p.event.external_id}",
                    "language": "en",
                    "reliability": "B",
                }
                for n, (p, url) in enumerate(missing)
            ],
        )
        existing.update((url, first + n) for n, (_, url) in enumerate(missing))
    first_claim = reserve_ids(session.connection(), "claims", len(items))
    claim_ids = [first_claim + n for n in range(len(items))]
    session.execute(
        _bulk(Claim),
        [
            {
                "id": claim_id,
                "incident_id": p.incident_id,
                "claimant_actor_id": context.claimant.id,
                "spokesperson_role": f"{label} (sources: {p.event.source_label})"[:300],
                "claimed_on": p.event.date_end,
                "kind": "casualties",
                "statement": p.event.statement,
                "status": "unverified",
                "note": p.event.note,
            }
            for claim_id, p in zip(claim_ids, items, strict=True)
        ],
    )
    session.execute(
        _bulk(ClaimSource),
        [
            {"claim_id": c, "source_id": existing[url], "position": 0}
            for c, url in zip(claim_ids, urls, strict=True)
        ],
    )
    figures = [
        {
            "claim_id": c,
            "party": f.party,
            "actor_id": a.id if a else None,
            "outcome": f.outcome,
            "low": f.low,
            "best": f.best,
            "high": f.high,
            "part_of_total": f.part_of_total,
        }
        for c, p in zip(claim_ids, items, strict=True)
        for f, a in zip(p.event.figures, p.figure_actors, strict=True)
    ]
    if figures:
        session.execute(_bulk(CasualtyFigure), figures)
    for p, claim_id, url in zip(items, claim_ids, urls, strict=True):
        p.claim_id, p.source_id, p.source_url = claim_id, existing[url], url


def _kept_links(session: Session, incident_ids: list[int | None]) -> set[tuple[int, int, str]]:
    """The actor links merged incidents keep through a re-import: a record's actors are added
    to them, never duplicated (positions from 100 put them after the editors' own)."""
    if not incident_ids:
        return set()
    rows = session.execute(
        select(IncidentActor.incident_id, IncidentActor.actor_id, IncidentActor.role).where(
            IncidentActor.incident_id.in_(incident_ids)
        )
    )
    return {(i, a, r) for i, a, r in rows}


def _as_loaded(context: _Context, item: _Pending) -> Incident:
    """The new incident as the database now holds it, built in memory from what was just
    written: what derived values and change-log snapshots read, without reading it back.

    Plain objects with the attributes those read, not mapped instances: building thousands of
    mapped objects (with their relationship events) took a third of an import's time.
    """
    event = item.event
    label = DATASET_LABELS.get(context.dataset, context.dataset)
    figures = [
        SimpleNamespace(**{**vars(f), "actor": actor})
        for f, actor in zip(event.figures, item.figure_actors, strict=True)
    ]
    claim = SimpleNamespace(
        id=item.claim_id,
        claimant=context.claimant,
        spokesperson=None,
        spokesperson_role=f"{label} (sources: {event.source_label})"[:300],
        claimed_on=event.date_end,
        kind="casualties",
        statement=event.statement,
        statement_language="en",
        translation=None,
        status="unverified",
        credibility=None,
        responds_to_id=None,
        note=event.note,
        figures=figures,
        sources=[SimpleNamespace(id=item.source_id, url=item.source_url)],
    )
    values = _incident_values(item)
    incident = SimpleNamespace(
        **values,
        id=item.incident_id,
        review_state=ReviewState.PUBLISHED.value,
        version=1,
        notes="",
        assessment_note="",
        **dict.fromkeys(ASSESSED_FIGURES),
        place=item.place,
        sector=context.sectors.get(values["sector_id"]),
        district=item.district,
        actor_links=[
            SimpleNamespace(actor=actor, role=role) for actor, role in dict.fromkeys(item.actors)
        ],
        external_ids=[SimpleNamespace(dataset=context.dataset, external_id=event.external_id)],
        claims=[claim],
    )
    return cast(Incident, incident)


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
    created: list[int] = []
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
            created.append(incident.id)
            report.created += 1
        except (RowRejected, ValueError, KeyError, TypeError) as problem:
            report.errors.append((item.line, str(problem)))
        except (IntegrityError, DataError) as problem:
            # A value the schema's checks refuse (an unknown status, a range out of order).
            report.errors.append((item.line, f"refused by the database: {problem.orig}"))
    # Logged as every origin logs an incident, read back as written (ids, derived values).
    for start in range(0, len(created), 500):
        chunk = created[start : start + 500]
        loaded = session.scalars(
            select(Incident).where(Incident.id.in_(chunk)).options(*SNAPSHOT_LOADS)
        )
        record_incident_versions(
            session, ((incident, ChangeAction.CREATE) for incident in loaded), origin=origin
        )
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
