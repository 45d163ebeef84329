"""Finding records of the same event in different datasets: candidate pairs, scored, with reasons.

Matching in the manner of MELTT (Donnay et al., "Integrating Conflict Event Data", Journal of
Conflict Resolution 2018): two records can be one event when their dates fall within a window
of each other, their places within a distance, their types are compatible and their actors
overlap. Records are blocked by day and place (filed by day and district, and by day and map
cell), so that 10,000 against 10,000 costs pairs of near neighbours, not a hundred million
comparisons. docs/matching.md says how the score is built and how precise it
turned out.
"""

from __future__ import annotations

import csv
import functools
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.i18n import gettext
from app.importers import DATASET_LABELS
from app.models import (
    Actor,
    CasualtyFigure,
    Claim,
    District,
    ExternalId,
    Incident,
    IncidentActor,
)
from app.models.vocab import ActorKind, DatePrecision, ReviewState, event_type_label
from app.services.claims import adds_to_killed
from app.services.gazetteer import distance_km
from app.services.reference import REFERENCE_DIR

# Nothing is ever joined across more than this, whatever the districts say.
HARD_LIMIT_KM = 100.0
# A record dated to a week or a month may be any day of it: its window widens so.
PRECISION_DAYS = {DatePrecision.DAY: 0, DatePrecision.WEEK: 3, DatePrecision.MONTH: 15}
# How much each agreement counts towards the score (they add up to 1).
WEIGHTS = {"date": 0.3, "place": 0.3, "type": 0.1, "actors": 0.15, "toll": 0.15}
# What sharing a district is worth when one side is located to no more than that.
DISTRICT_ONLY = 0.6
# Actors whose presence on both sides says little: every dataset names civilians and
# unidentified gunmen.
WEAK_KINDS = {ActorKind.CIVILIANS.value, ActorKind.DATASET.value}
WEAK_SLUGS = {"unidentified-armed-group"}


def parse_score(text: str) -> float:
    """A score as typed (a threshold on the command line or in the queue): 0 to 1. A ValueError
    says what is wrong, in the reader's language."""
    try:
        value = float(text)
    except ValueError:
        message = gettext("“%(value)s” is not a number between 0 and 1")
        raise ValueError(message % {"value": text[:20]}) from None
    if not 0 <= value <= 1:
        message = gettext("a score is between 0 and 1, not %(value)s")
        raise ValueError(message % {"value": f"{value:g}"})
    return value


@dataclass(frozen=True)
class MatchSettings:
    window_days: int = 1
    distance_km: float = 25.0
    # Pairs scoring below this are not proposed at all.
    min_score: float = 0.7

    def __post_init__(self) -> None:
        if not 0 <= self.window_days <= 30:
            raise ValueError("the date window must be between 0 and 30 days")
        if not 0 < self.distance_km <= HARD_LIMIT_KM:
            raise ValueError(f"the distance must be more than 0 and at most {HARD_LIMIT_KM:g} km")
        if not 0 <= self.min_score <= 1:
            raise ValueError("the minimum score must be between 0 and 1")


@dataclass(frozen=True)
class Record:
    """What matching reads of one incident."""

    id: int
    start: date
    end: date
    precision: str
    point: tuple[float, float] | None
    # Located to the place itself, not only near it, to a district or to a region.
    precise: bool
    district_id: int | None
    event_type: str
    actors: frozenset[int]
    killed: int | None
    # The datasets (ACLED, UCDP) the incident carries records of; empty for editors' own
    # incidents, whatever other ids they have (the demo's, a native import's).
    origins: frozenset[str]

    def span(self) -> tuple[int, int]:
        """The days the event may have been on, as day numbers: its dates, widened by their
        precision when they are one day (ACLED dates a month-precise event to one day of it;
        UCDP gives the whole range, which is not widened again)."""
        pad = 0 if self.start != self.end else PRECISION_DAYS.get(DatePrecision(self.precision), 0)
        return self.start.toordinal() - pad, self.end.toordinal() + pad


@dataclass(frozen=True)
class Candidate:
    low_id: int
    high_id: int
    score: float
    reasons: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def type_weights() -> dict[frozenset[str], float]:
    """The documented crosswalk between event types (app/data/reference/)."""
    with (REFERENCE_DIR / "event_type_crosswalk.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {frozenset((r["type_a"], r["type_b"])): float(r["weight"]) for r in rows}


@dataclass
class Catalogue:
    """Every incident that can be matched, and the names the reasons use."""

    records: list[Record]
    actor_names: dict[int, str]
    district_names: dict[int, str]

    @classmethod
    def load(cls, session: Session) -> Catalogue:
        origins: dict[int, set[str]] = defaultdict(set)
        for incident_id, dataset in session.execute(
            select(ExternalId.incident_id, ExternalId.dataset).where(
                ExternalId.dataset.in_(DATASET_LABELS)
            )
        ):
            origins[incident_id].add(dataset)
        actors = {
            a.id: a
            for a in session.execute(
                select(Actor.id, Actor.slug, Actor.name, Actor.kind, Actor.member_of_id)
            ).all()
        }
        linked: dict[int, set[int]] = defaultdict(set)
        for incident_id, actor_id in session.execute(
            select(IncidentActor.incident_id, IncidentActor.actor_id)
        ):
            actor = actors[actor_id]
            if actor.kind in WEAK_KINDS or actor.slug in WEAK_SLUGS:
                continue
            # A member counts as its group too: "TTP" in one record, "TTP Jamaat-ul-Ahrar"
            # in the other, are both the TTP.
            linked[incident_id].add(actor_id)
            if actor.member_of_id is not None:
                linked[incident_id].add(actor.member_of_id)
        killed = _best_killed(session)
        rows = session.execute(
            select(
                Incident.id,
                Incident.date_start,
                Incident.date_end,
                Incident.date_precision,
                Incident.latitude,
                Incident.longitude,
                Incident.geo_precision,
                Incident.district_id,
                Incident.event_type,
            ).where(Incident.review_state != ReviewState.ARCHIVED)
        )
        records = [
            Record(
                id=r.id,
                start=r.date_start,
                end=r.date_end,
                precision=r.date_precision,
                point=(r.latitude, r.longitude) if r.latitude is not None else None,
                precise=r.latitude is not None and r.geo_precision == 1,
                district_id=r.district_id,
                event_type=r.event_type,
                actors=frozenset(linked.get(r.id, ())),
                killed=killed.get(r.id),
                origins=frozenset(origins.get(r.id, ())),
            )
            for r in rows
        ]
        districts = {i: name for i, name in session.execute(select(District.id, District.name))}
        return cls(records, {a.id: a.name for a in actors.values()}, districts)


def _best_killed(session: Session) -> dict[int, int]:
    """Each incident's toll as its accounts give it: the best estimate where there is one (UCDP's
    "best", not its "high"), the largest account where several differ."""
    per_claim = (
        select(
            Claim.incident_id,
            func.sum(func.coalesce(CasualtyFigure.best, CasualtyFigure.low)).label("killed"),
        )
        .join(CasualtyFigure, CasualtyFigure.claim_id == Claim.id)
        .where(adds_to_killed())
        .group_by(Claim.id, Claim.incident_id)
        .subquery()
    )
    rows = session.execute(
        select(per_claim.c.incident_id, func.max(per_claim.c.killed)).group_by(
            per_claim.c.incident_id
        )
    )
    return {incident_id: int(killed) for incident_id, killed in rows}


def find_candidates(
    catalogue: Catalogue,
    settings: MatchSettings,
    *,
    involving: Iterable[int] | None = None,
) -> list[Candidate]:
    """Every pair of records from different origins that may be one event, best first. With
    `involving`, only pairs with at least one of those incidents (what an import brought)."""
    wanted = set(involving) if involving is not None else None
    blocks = _Blocks(catalogue.records, settings)
    found: list[Candidate] = []
    for record in catalogue.records:
        for other in blocks.neighbours(record):
            if other.id <= record.id or record.origins == other.origins:
                continue  # each pair once; a dataset does not code one event twice
            if wanted is not None and record.id not in wanted and other.id not in wanted:
                continue
            candidate = score_pair(catalogue, record, other, settings)
            if candidate is not None and candidate.score >= settings.min_score:
                found.append(candidate)
    found.sort(key=lambda c: (-c.score, c.low_id, c.high_id))
    return found


class _Blocks:
    """Records filed by day, and by day and district or day and map cell: a record's possible
    matches are those filed under its days (widened by the window) in its district or in the
    cells around its point. Two records in neither are more than the distance apart and in
    different districts, which no rule accepts."""

    def __init__(self, records: list[Record], settings: MatchSettings) -> None:
        self.window = settings.window_days
        # Cells at least the distance wide everywhere up to 40° north (the region lies below).
        self.cell_lat = settings.distance_km / 110.57
        self.cell_lon = settings.distance_km / (111.32 * math.cos(math.radians(40)))
        self.by_district: dict[tuple[int, int], list[Record]] = defaultdict(list)
        self.by_cell: dict[tuple[int, int, int], list[Record]] = defaultdict(list)
        for record in records:
            first, last = record.span()
            cell = self._cell(record)
            for day in range(first, last + 1):
                if record.district_id is not None:
                    self.by_district[day, record.district_id].append(record)
                if cell is not None:
                    self.by_cell[day, *cell].append(record)

    def _cell(self, record: Record) -> tuple[int, int] | None:
        if record.point is None:
            return None
        lat, lon = record.point
        return math.floor(lat / self.cell_lat), math.floor(lon / self.cell_lon)

    def neighbours(self, record: Record) -> list[Record]:
        first, last = record.span()
        cell = self._cell(record)
        found: dict[int, Record] = {}
        for day in range(first - self.window, last + self.window + 1):
            if record.district_id is not None:
                for other in self.by_district.get((day, record.district_id), ()):
                    found[other.id] = other
            if cell is not None:
                for dy in (-1, 0, 1):
                    for dx in (-1, 0, 1):
                        for other in self.by_cell.get((day, cell[0] + dy, cell[1] + dx), ()):
                            found[other.id] = other
        return list(found.values())


def score_pair(
    catalogue: Catalogue, a: Record, b: Record, settings: MatchSettings
) -> Candidate | None:
    """The pair's score and reasons, or None when the place or the type rules it out."""
    place = _place(catalogue, a, b, settings)
    if place is None:
        return None
    type_weight = type_weights().get(frozenset((a.event_type, b.event_type)), 0.0)
    if type_weight == 0:
        return None
    date_score, date_reason = _dates(a, b)
    actor_score, actor_reason = _actors(catalogue, a, b)
    toll_score, toll_reason = _tolls(a, b)
    if a.event_type == b.event_type:
        type_reason = f"both {event_type_label(a.event_type)}"
    else:
        type_reason = f"{event_type_label(a.event_type)} and {event_type_label(b.event_type)}"
    parts = {
        "date": date_score,
        "place": place[0],
        "type": type_weight,
        "actors": actor_score,
        "toll": toll_score,
    }
    score = round(sum(WEIGHTS[k] * v for k, v in parts.items()), 3)
    reasons = tuple(r for r in (date_reason, place[1], type_reason, actor_reason, toll_reason) if r)
    low, high = sorted((a.id, b.id))
    return Candidate(low, high, score, reasons)


def _dates(a: Record, b: Record) -> tuple[float, str]:
    gap = max(0, (max(a.start, b.start) - min(a.end, b.end)).days)
    if gap == 0:
        if a.start == a.end == b.start == b.end:
            return 1.0, "same day"
        return 0.8, "dates overlap"
    if gap == 1:
        return 0.6, "1 day apart"
    return 0.3, f"{gap} days apart"


def _place(
    catalogue: Catalogue, a: Record, b: Record, settings: MatchSettings
) -> tuple[float, str] | None:
    apart = distance_km(a.point, b.point) if a.point and b.point else None
    if apart is not None and apart > HARD_LIMIT_KM:
        return None
    near = 1.0 - apart / settings.distance_km if apart is not None else -1.0
    if a.precise and b.precise:
        # Two exact places: the distance alone decides.
        return (near, f"{apart:.1f} km apart") if near >= 0 else None
    # One side is located only near a place, to a district or to a region: its point is the
    # district's or the town's, so the same district counts, and the distance only above that.
    if a.district_id is not None and a.district_id == b.district_id:
        name = catalogue.district_names.get(a.district_id, "?")
        far = f", {apart:.1f} km between the points" if apart is not None else ""
        return max(DISTRICT_ONLY, near), f"same district ({name}{far})"
    return (near, f"{apart:.1f} km apart") if near >= 0 else None


def _actors(catalogue: Catalogue, a: Record, b: Record) -> tuple[float, str]:
    shared = a.actors & b.actors
    if shared:
        names = sorted(catalogue.actor_names.get(i, "?") for i in shared)
        return 1.0, "both name " + _and(names)
    if a.actors and b.actors:
        return 0.0, "no party in common"
    return 0.5, ""


def _tolls(a: Record, b: Record) -> tuple[float, str]:
    if a.killed is None or b.killed is None:
        return 0.5, ""
    high = max(a.killed, b.killed)
    agreement = 1.0 if high == 0 else min(a.killed, b.killed) / high
    return agreement, f"tolls {a.killed} and {b.killed}"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
