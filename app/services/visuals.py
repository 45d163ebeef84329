"""The pictures of a filter: map features, a timeline, and the home page's overview.

They use the list's own filter conditions (services/browse.py), so a map or a chart always shows
exactly the incidents the list shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from app import dates
from app.i18n import format_percent
from app.links import incident_path
from app.models import Actor, CasualtyFigure, Claim, District, Incident, Place, Sector
from app.models.vocab import CONTESTING_STATUSES, ReviewState
from app.schemas.filters import IncidentFilter
from app.services.browse import ask_index, filter_conditions, list_items, resolve_filter
from app.services.claims import adds_to_killed, contesting_status_condition, format_range
from app.services.incidents import IncidentListItem
from app.services.names import names
from app.services.visibility import READER, Viewer

MAP_LIMIT = 5_000
TIMELINE_CLAIMANTS = 6


# The map's colours, the one that wins first: a marker for several incidents takes the first
# any of them has, as an incident takes the first any of its claims has.
CATEGORIES = ("contested", "corroborated", "unverified", "retracted", "no-claims")


def status_category(statuses: set[str]) -> str:
    """One colour per incident from its claims' statuses."""
    if statuses & CONTESTING_STATUSES:
        return "contested"
    return first_category(statuses)


def first_category(categories: Iterable[str]) -> str:
    present = set(categories)
    return next((c for c in CATEGORIES if c in present), "no-claims")


def _conditions(
    session: Session, wanted: IncidentFilter, viewer: Viewer
) -> list[ColumnElement[bool]]:
    resolved, _ = resolve_filter(session, wanted, viewer=viewer)
    return filter_conditions(resolved, session.get_bind().dialect.name)


def _statuses(session: Session, incident_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in range(0, len(incident_ids), 900):
        rows = session.execute(
            select(Claim.incident_id, Claim.status)
            .where(Claim.incident_id.in_(incident_ids[chunk : chunk + 900]))
            .distinct()
        )
        for incident_id, status in rows:
            found[incident_id].add(status)
    return found


# How many of a filter's located incidents the map draws, newest first. A view holding more
# says so and asks for a narrower filter: past this, the map's data outweighs the page.
MAP_LIMIT = 20_000
# Incidents in one cell of a grid share a marker: a cell of 0.001° (about 100 m) first. A view
# with more cells than MAP_POINTS takes a coarser grid (about 1 km, then 10 km), so what a
# filter change sends stays small however scattered the incidents are; the map says so.
MAP_GRIDS = {3: 100, 2: 1_000, 1: 10_000}  # decimals of a degree: about that many metres
MAP_POINTS = 1_000


@dataclass
class _Spot:
    """The incidents a filter has in one cell of the grid: what one marker stands for."""

    geo_precision: int
    latest: Any  # the first row added: rows come newest first
    latest_status: str
    statuses: dict[str, int] = field(default_factory=dict)
    count: int = 0
    max_killed: int | None = None
    district: tuple[str, str] | None = None  # (slug, name), when all of them share one
    # Sums of their coordinates: the marker stands at their middle.
    latitudes: float = 0.0
    longitudes: float = 0.0

    def add(self, row: Any, status: str) -> None:
        self.count += 1
        self.latitudes += row.latitude
        self.longitudes += row.longitude
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if row.max_claimed_killed is not None:
            self.max_killed = max(self.max_killed or 0, row.max_claimed_killed)
        district = (row.district_slug, row.district_name) if row.district_slug else None
        self.district = district if self.count == 1 or self.district == district else None


def _spots(rows: Sequence[Any], statuses: dict[int, str], decimals: int) -> list[_Spot]:
    """The rows, newest first, gathered by cell of a grid of `decimals` decimals of a degree
    (and by location precision: a district's centre is not a village)."""
    spots: dict[tuple[float, float, int], _Spot] = {}
    for row in rows:
        key = (round(row.latitude, decimals), round(row.longitude, decimals), row.geo_precision)
        spot = spots.get(key)
        if spot is None:
            spot = spots[key] = _Spot(row.geo_precision, row, statuses[row.id])
        spot.add(row, statuses[row.id])
    return list(spots.values())


def _gathered(rows: Sequence[Any], statuses: dict[int, str]) -> tuple[list[_Spot], int]:
    """The rows by the finest grid that gives at most MAP_POINTS markers, or the coarsest,
    with its cell's size in metres."""
    for decimals, metres in MAP_GRIDS.items():
        spots = _spots(rows, statuses, decimals)
        if len(spots) <= MAP_POINTS:
            return spots, metres
    return spots, metres


def map_features(
    session: Session,
    wanted: IncidentFilter,
    *,
    limit: int = MAP_LIMIT,
    viewer: Viewer = READER,
) -> dict[str, Any]:
    """The filter's located incidents as a GeoJSON FeatureCollection of points, one feature
    per cell of a grid with incidents (not per incident): real data puts hundreds of incidents
    on one town, and one marker each would weigh down every filter change and hide each other.

    Each feature says how many incidents it stands for, their claim statuses, the highest
    killed any claimed, the newest of them and the district they share. The collection says
    how many incidents match, how many have coordinates, how many are drawn, whether that is
    all, and the grid that gathered them (`grid_m`, about that many metres)."""
    conditions = _conditions(session, wanted, viewer)
    located = [*conditions, Incident.latitude.is_not(None), Incident.longitude.is_not(None)]
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    located_total = session.scalar(select(func.count()).select_from(Incident).where(*located)) or 0
    rows = session.execute(
        select(
            Incident.id,
            Incident.title,
            Incident.date_start,
            Incident.date_end,
            Incident.latitude,
            Incident.longitude,
            Incident.geo_precision,
            Incident.min_claimed_killed,
            Incident.max_claimed_killed,
            District.slug.label("district_slug"),
            District.name.label("district_name"),
        )
        .outerjoin(District, District.id == Incident.district_id)
        .where(*located)
        .order_by(Incident.date_start.desc(), Incident.id.desc())
        .limit(limit)
    ).all()
    claims = _statuses(session, [r.id for r in rows])
    categories = {r.id: status_category(claims.get(r.id, set())) for r in rows}
    spots, metres = _gathered(rows, categories)
    return {
        "type": "FeatureCollection",
        "features": [_spot_feature(spot) for spot in spots],
        "grid_m": metres,
        "total": total,
        "unlocated": total - located_total,
        "located": located_total,
        "drawn": len(rows),
        "truncated": len(rows) < located_total,
    }


def _spot_feature(spot: _Spot) -> dict[str, Any]:
    """One marker's data, kept lean: a view of thousands of incidents sends one of these per
    point on every filter change. Its popup says the rest through the links."""
    latest = spot.latest
    properties: dict[str, Any] = {
        "count": spot.count,
        # One colour for the marker: the first any of its incidents has.
        "status": first_category(spot.statuses),
        "geo_precision": spot.geo_precision,
        "max_killed": spot.max_killed,
        "latest": {
            "url": incident_path(latest.id, latest.title),
            "title": latest.title,
            "date": latest.date_start.isoformat(),
            "status": spot.latest_status,
        },
    }
    if spot.count > 1:
        properties["statuses"] = spot.statuses
        if spot.district is not None:
            slug, name = spot.district
            properties["district"] = {"slug": slug, "name": name}
    coordinates = [round(spot.longitudes / spot.count, 5), round(spot.latitudes / spot.count, 5)]
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": coordinates},
        "properties": properties,
    }


@dataclass
class Timeline:
    bucket: str  # "day", "week", "month" or "year"
    starts: list[date]
    incidents: list[int]
    # Total killed claimed per claimant, bucket by bucket (None where it claimed nothing).
    claimants: dict[str, list[int | None]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "starts": [d.isoformat() for d in self.starts],
            "incidents": self.incidents,
            "claimants": self.claimants,
        }


def _bucket_of(day: date, size: str) -> date:
    if size == "day":
        return day
    if size == "week":
        return day - timedelta(days=day.weekday())
    if size == "year":
        return day.replace(month=1, day=1)
    return day.replace(day=1)


def _next_bucket(start: date, size: str) -> date:
    if size == "day":
        return start + timedelta(days=1)
    if size == "week":
        return start + timedelta(days=7)
    if size == "year":
        return start.replace(year=start.year + 1)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def timeline(session: Session, wanted: IncidentFilter, *, viewer: Viewer = READER) -> Timeline:
    # A date outside the record's range (written before dates were checked, or straight into
    # the database) would stretch the chart over centuries; the chart leaves it out.
    first_day, last_day = dates.EARLIEST, dates.latest()
    resolved, _ = resolve_filter(session, wanted, viewer=viewer)
    span = first_day.toordinal(), last_day.toordinal()
    counted = ask_index(
        session,
        resolved,
        lambda selection: (selection.days(*span), selection.killed_by_claimant_and_day(*span)),
    )
    if counted is not None:
        (day_ordinals, day_counts), (actor_ids, claim_days, killed) = counted
        actors = names(session).actors
        present, claimant_codes = np.unique(actor_ids, return_inverse=True)
        # An actor the book lacks was written after this transaction began (see browse).
        claimants = [actors[a].name if a in actors else f"Actor {a}" for a in present.tolist()]
        return _timeline(day_ordinals, day_counts, claimants, claimant_codes, claim_days, killed)
    conditions = [
        *filter_conditions(resolved, session.get_bind().dialect.name),
        Incident.date_start.between(first_day, last_day),
    ]
    days = session.execute(
        select(Incident.date_start, func.count()).where(*conditions).group_by(Incident.date_start)
    ).all()
    per_claim = (
        select(
            Claim.id.label("claim_id"),
            Claim.claimant_actor_id.label("actor_id"),
            Incident.date_start.label("day"),
            func.sum(func.coalesce(CasualtyFigure.high, CasualtyFigure.low)).label("killed"),
        )
        .join(Incident, Incident.id == Claim.incident_id)
        .join(CasualtyFigure, CasualtyFigure.claim_id == Claim.id)
        .where(
            *conditions,
            adds_to_killed(),
            Claim.claimant_actor_id.is_not(None),
        )
        .group_by(Claim.id, Claim.claimant_actor_id, Incident.date_start)
        .subquery()
    )
    claimed = session.execute(
        select(Actor.name, per_claim.c.day, func.sum(per_claim.c.killed))
        .join(Actor, Actor.id == per_claim.c.actor_id)
        .group_by(Actor.name, per_claim.c.day)
    ).all()
    claimant_names, claimant_codes = np.unique(
        np.array([name for name, _, _ in claimed], dtype=str), return_inverse=True
    )
    return _timeline(
        np.array([day.toordinal() for day, _ in days], np.int64),
        np.array([n for _, n in days], np.int64),
        claimant_names.tolist(),
        claimant_codes,
        np.array([day.toordinal() for _, day, _ in claimed], np.int64),
        np.array([int(killed or 0) for _, _, killed in claimed], np.int64),
    )


def _timeline(
    day_ordinals: np.ndarray,
    day_counts: np.ndarray,
    claimants: list[str],
    claimant_codes: np.ndarray,
    claim_days: np.ndarray,
    killed: np.ndarray,
) -> Timeline:
    """Incidents per start day, and killed claimed by each claimant per start day (one entry
    per claimant and day: `claimants[claimant_codes[k]]` claimed `killed[k]` on
    `claim_days[k]`), as a chart of buckets sized to the span."""
    if not len(day_ordinals):
        return Timeline("day", [], [])
    first = date.fromordinal(int(day_ordinals.min()))
    last = date.fromordinal(int(day_ordinals.max()))
    span = (last - first).days
    size = (
        "day"
        if span <= 120
        else "week"
        if span <= 3 * 365
        else "month"
        if span <= 30 * 365
        else "year"
    )
    starts = [_bucket_of(first, size)]
    while _next_bucket(starts[-1], size) <= last:
        starts.append(_next_bucket(starts[-1], size))
    edges = np.array([start.toordinal() for start in starts], np.int64)

    def slots(ordinals: np.ndarray) -> np.ndarray:
        return np.searchsorted(edges, ordinals, side="right") - 1

    counts = np.bincount(slots(day_ordinals), weights=day_counts, minlength=len(starts))
    # Claimants are named in the chart, so two actors of one name are one line.
    names = sorted(set(claimants))
    name_of = np.array([names.index(n) for n in claimants], np.int64)[claimant_codes]
    totals = np.bincount(name_of, weights=killed, minlength=len(names))
    shown = sorted(range(len(names)), key=lambda k: (-totals[k], names[k]))[:TIMELINE_CLAIMANTS]
    claim_slots = slots(claim_days)
    series: dict[str, list[int | None]] = {}
    for k in shown:
        mine = name_of == k
        sums = np.bincount(claim_slots[mine], weights=killed[mine], minlength=len(starts))
        claimed = np.bincount(claim_slots[mine], minlength=len(starts)) > 0
        series[names[k]] = [
            int(total) if was else None
            for total, was in zip(sums.tolist(), claimed.tolist(), strict=True)
        ]
    return Timeline(size, starts, [int(n) for n in counts.tolist()], series)


@dataclass(frozen=True)
class PlaceRow:
    slug: str
    name: str
    latitude: float | None
    longitude: float | None
    incidents: int
    highest_killed: int | None


def places_table(
    session: Session, wanted: IncidentFilter, *, viewer: Viewer = READER, limit: int = 30
) -> list[PlaceRow]:
    """The map as a table: incidents per gazetteer place, busiest first."""
    resolved, _ = resolve_filter(session, wanted, viewer=viewer)
    per_place = ask_index(session, resolved, lambda selection: selection.places())
    if per_place is not None:
        if not per_place:
            return []
        # The busiest `limit` places, with every place tied with the last of them.
        enough = sorted((n for n, _ in per_place.values()), reverse=True)[:limit][-1]
        shown = [
            PlaceRow(slug, name, latitude, longitude, *per_place[place_id])
            for place_id, slug, name, latitude, longitude in session.execute(
                select(Place.id, Place.slug, Place.name, Place.latitude, Place.longitude).where(
                    Place.id.in_([p for p, (n, _) in per_place.items() if n >= enough])
                )
            )
        ]
        return sorted(shown, key=lambda row: (-row.incidents, row.name))[:limit]
    conditions = filter_conditions(resolved, session.get_bind().dialect.name)
    rows = session.execute(
        select(
            Place.slug,
            Place.name,
            Place.latitude,
            Place.longitude,
            func.count(Incident.id),
            func.max(Incident.max_claimed_killed),
        )
        .join(Incident, Incident.place_id == Place.id)
        .where(*conditions)
        .group_by(Place.slug, Place.name, Place.latitude, Place.longitude)
        .order_by(func.count(Incident.id).desc(), Place.name)
        .limit(limit)
    ).all()
    return [PlaceRow(*row) for row in rows]


def gazetteer_features(session: Session, *, viewer: Viewer = READER) -> dict[str, Any]:
    """The gazetteer's places as GeoJSON, for other tools (the map labels only the reference
    places, which its basemap carries)."""
    places = session.scalars(
        select(Place).where(Place.latitude.is_not(None), *viewer.places()).order_by(Place.name)
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
                "properties": {"name": p.name, "slug": p.slug, "kind": p.kind},
            }
            for p in places
        ],
    }


# ---- home page ---------------------------------------------------------------------------------


@dataclass
class Glance:
    incidents: int
    contested: int
    killed_by_claimant: list[tuple[str, str, str]]  # (actor slug, actor name, "low–high")
    by_sector: list[tuple[str, str, int]]

    @property
    def contested_share(self) -> str:
        return format_percent(round(self.contested / self.incidents, 2)) if self.incidents else "—"


def glance(session: Session, *, since: date | None = None) -> Glance:
    counted = ask_index(
        session,
        IncidentFilter(date_from=since),
        lambda selection: (
            selection.total,
            selection.contested(),
            selection.claimed_by_actor(),
            selection.counts("sector"),
        ),
    )
    if counted is not None:
        incidents, contested, claimed, sector_counts = counted
        actors = session.execute(
            select(Actor.id, Actor.slug, Actor.name).where(Actor.id.in_(claimed))
        ).all()
        sectors = session.execute(
            select(Sector.id, Sector.slug, Sector.name)
            .where(Sector.id.in_(sector_counts))
            .order_by(Sector.position)
        ).all()
        return Glance(
            incidents=incidents,
            contested=contested,
            killed_by_claimant=[
                (slug, name, format_range(claimed[a][0], claimed[a][2], claimed[a][1]))
                for a, slug, name in sorted(actors, key=lambda r: (-claimed[r[0]][2], r[2]))
            ],
            by_sector=[(slug, name, sector_counts[s]) for s, slug, name in sectors],
        )
    conditions = [Incident.review_state == ReviewState.PUBLISHED]
    if since is not None:
        conditions.append(Incident.date_end >= since)
    incidents = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    contested = (
        session.scalar(
            select(func.count(func.distinct(Claim.incident_id)))
            .join(Incident, Incident.id == Claim.incident_id)
            .where(*conditions, contesting_status_condition())
        )
        or 0
    )
    # Each claim's total killed (lowest, best and highest), then per incident the claimant's
    # lowest and highest claim, so repeated or revised claims about one incident are not added
    # up. A best estimate is shown only where every one of the claimant's figures gives one.
    every_best = func.count(CasualtyFigure.best) == func.count()
    per_claim = (
        select(
            Claim.incident_id.label("incident_id"),
            Claim.claimant_actor_id.label("actor_id"),
            func.sum(CasualtyFigure.low).label("low"),
            case((every_best, func.sum(CasualtyFigure.best))).label("best"),
            func.sum(func.coalesce(CasualtyFigure.high, CasualtyFigure.low)).label("total"),
        )
        .join(Incident, Incident.id == Claim.incident_id)
        .join(CasualtyFigure, CasualtyFigure.claim_id == Claim.id)
        .where(
            *conditions,
            adds_to_killed(),
            Claim.claimant_actor_id.is_not(None),
        )
        .group_by(Claim.id, Claim.incident_id, Claim.claimant_actor_id)
        .subquery()
    )
    per_incident = (
        select(
            per_claim.c.actor_id,
            func.min(per_claim.c.low).label("low"),
            # One best per incident, only where the claimant made one claim with one.
            case(
                (func.count() == 1, func.max(per_claim.c.best)),
            ).label("best"),
            func.max(per_claim.c.total).label("high"),
        )
        .group_by(per_claim.c.incident_id, per_claim.c.actor_id)
        .subquery()
    )
    high = func.sum(per_incident.c.high)
    best = case((func.count(per_incident.c.best) == func.count(), func.sum(per_incident.c.best)))
    killed = session.execute(
        select(Actor.slug, Actor.name, func.sum(per_incident.c.low), best, high)
        .join(per_incident, per_incident.c.actor_id == Actor.id)
        .group_by(Actor.slug, Actor.name)
        .order_by(high.desc(), Actor.name)
    ).all()
    by_sector = session.execute(
        select(Sector.slug, Sector.name, func.count(Incident.id))
        .join(Incident, Incident.sector_id == Sector.id)
        .where(*conditions)
        .group_by(Sector.slug, Sector.name, Sector.position)
        .order_by(Sector.position)
    ).all()
    return Glance(
        incidents=incidents,
        contested=contested,
        killed_by_claimant=[
            (slug, name, format_range(int(lo), int(hi), None if b is None else int(b)))
            for slug, name, lo, b, hi in killed
        ],
        by_sector=[(slug, name, n) for slug, name, n in by_sector],
    )


def latest(session: Session, count: int = 8) -> list[IncidentListItem]:
    return list_items(session, [Incident.review_state == ReviewState.PUBLISHED], page_size=count)
