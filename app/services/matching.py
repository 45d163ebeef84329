"""Finding records of the same event in different datasets: candidate pairs, scored, with reasons.

Matching in the manner of MELTT (Donnay et al., "Integrating Conflict Event Data", Journal of
Conflict Resolution 2018): two records can be one event when their dates fall within a window
of each other, their places within a distance, their types are compatible and their actors
overlap. Records are blocked by date first (one sweep over the records sorted by the start of
their window), then by place, so that 10,000 against 10,000 costs pairs of near neighbours, not
a hundred million comparisons. docs/matching.md says how the score is built and how precise it
turned out.
"""

from __future__ import annotations

import csv
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

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
from app.services.gazetteer import distance_km
from app.services.reference import REFERENCE_DIR

# Nothing is ever joined across more than this, whatever the districts say.
HARD_LIMIT_KM = 100.0
# A record dated to a week or a month may be any day of it: its window widens so.
PRECISION_DAYS = {DatePrecision.DAY: 0, DatePrecision.WEEK: 3, DatePrecision.MONTH: 15}
# How much each agreement counts towards the score (they add up to 1).
WEIGHTS = {"date": 0.3, "place": 0.3, "type": 0.15, "actors": 0.15, "toll": 0.1}
# Actors whose presence on both sides says little: every dataset names civilians and
# unidentified gunmen.
WEAK_KINDS = {ActorKind.CIVILIANS.value, ActorKind.DATASET.value}
WEAK_SLUGS = {"unidentified-armed-group"}


@dataclass(frozen=True)
class MatchSettings:
    window_days: int = 1
    distance_km: float = 25.0
    # Pairs scoring below this are not proposed at all.
    min_score: float = 0.5

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
        precision."""
        pad = PRECISION_DAYS.get(DatePrecision(self.precision), 0)
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
        .where(CasualtyFigure.outcome == "killed", CasualtyFigure.part_of_total.is_(false()))
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
    spans = {r.id: r.span() for r in catalogue.records}
    ordered = sorted(catalogue.records, key=lambda r: spans[r.id][0])
    found: list[Candidate] = []
    for n, record in enumerate(ordered):
        # Spans at most `window_days` apart are candidates.
        last = spans[record.id][1] + settings.window_days
        for other in ordered[n + 1 :]:
            if spans[other.id][0] > last:
                break
            if record.origins == other.origins:
                continue  # a dataset does not code one event twice; editors' duplicates aside
            if wanted is not None and record.id not in wanted and other.id not in wanted:
                continue
            candidate = score_pair(catalogue, record, other, settings)
            if candidate is not None and candidate.score >= settings.min_score:
                found.append(candidate)
    found.sort(key=lambda c: (-c.score, c.low_id, c.high_id))
    return found


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
    near = apart is not None and apart <= settings.distance_km
    if near:
        assert apart is not None
        return 1.0 - 0.8 * apart / settings.distance_km, f"{apart:.1f} km apart"
    # Two exact places further apart than the distance are two places.
    if a.precise and b.precise:
        return None
    # One side is located only near a place, to a district or to a region: the district
    # must be the same.
    if a.district_id is None or a.district_id != b.district_id:
        return None
    name = catalogue.district_names.get(a.district_id, "?")
    far = f", {apart:.0f} km between the points" if apart is not None else ""
    return 0.5, f"same district ({name}{far})"


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
