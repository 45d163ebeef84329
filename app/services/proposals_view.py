"""Match proposals as editors and scripts read them: grouped, with each side's records."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import MatchProposal, Sector
from app.models.incident import Incident
from app.models.vocab import ProposalState
from app.services.incidents import get_incident
from app.services.proposals import (
    WAITING,
    PlannedMerge,
    ProposalRun,
    groups_of,
    origins_of,
    survivor_rank,
)
from app.services.visibility import EDITOR

GROUPS_PER_PAGE = 20


def _side(incident: Incident | None, incident_id: int) -> dict[str, Any]:
    if incident is None:
        return {"id": incident_id, "missing": True}
    return {
        "id": incident.id,
        "title": incident.title,
        "date_start": incident.date_start.isoformat(),
        "date_end": incident.date_end.isoformat(),
        "external_ids": [f"{e.dataset}:{e.external_id}" for e in incident.external_ids],
    }


def proposals_as_json(
    session: Session, run: ProposalRun, merged: list[PlannedMerge]
) -> dict[str, Any]:
    """What `incidents match --json` prints: every proposal of the run with both sides, the
    groups they form (one record matching several is one group), and what was merged."""
    ids = {i for c in run.candidates for i in (c.low_id, c.high_id)}
    incidents = {
        i.id: i
        for i in session.scalars(select(Incident).where(Incident.id.in_(ids)))
        if i is not None
    }
    groups = groups_of((c.low_id, c.high_id) for c in run.candidates)
    group_of = {member: n for n, members in enumerate(groups, start=1) for member in members}
    return {
        "proposals": [
            {
                "score": c.score,
                "reasons": list(c.reasons),
                "group": group_of[c.low_id],
                "incidents": [_side(incidents.get(i), i) for i in (c.low_id, c.high_id)],
            }
            for c in run.candidates
        ],
        "groups": [{"group": n, "incidents": members} for n, members in enumerate(groups, 1)],
        "counts": {
            "new": run.new,
            "updated": run.updated,
            "decided": run.decided,
            "withdrawn": run.withdrawn,
        },
        "merged": [{"keep": m.keep, "merged": list(m.others)} for m in merged],
    }


@dataclass
class ReviewGroup:
    """Records that may be one event, side by side, and the proposals joining them."""

    members: list[Incident]
    proposals: list[MatchProposal]
    keep: int
    origins: dict[int, set[str]]

    @property
    def best(self) -> float:
        return max(p.score for p in self.proposals)

    def paired_with_keep(self, incident_id: int) -> bool:
        pair = (min(incident_id, self.keep), max(incident_id, self.keep))
        return any((p.low_id, p.high_id) == pair for p in self.proposals)


@dataclass(frozen=True)
class ReviewQuery:
    """The queue's filters, as its form sends them."""

    min_score: float = 0.0
    dataset: str = ""
    sector: str = ""
    later: bool = False
    page: int = 1


@dataclass(frozen=True)
class _Group:
    best: float
    members: list[int]
    proposals: list[MatchProposal]
    keep: int
    origins: dict[int, set[str]]


def _filtered_groups(session: Session, query: ReviewQuery) -> list[_Group]:
    """The waiting groups the filters keep, best first (ids only, nothing loaded yet)."""
    states = [ProposalState.LATER] if query.later else [ProposalState.OPEN]
    proposals = session.scalars(
        select(MatchProposal).where(
            MatchProposal.state.in_(states), MatchProposal.score >= query.min_score
        )
    ).all()
    by_pair = {(p.low_id, p.high_id): p for p in proposals}
    ids = {i for pair in by_pair for i in pair}
    # Proposals with a merged-away side wait, unseen, for an unmerge.
    present = set(session.scalars(select(Incident.id).where(Incident.id.in_(ids))))
    by_pair = {k: p for k, p in by_pair.items() if k[0] in present and k[1] in present}
    ids &= present
    origins = origins_of(session, ids)
    sector_of = {
        incident_id: slug
        for incident_id, slug in session.execute(
            select(Incident.id, Sector.slug)
            .join(Sector, Sector.id == Incident.sector_id)
            .where(Incident.id.in_(ids))
        )
    }
    pairs_of: dict[int, list[MatchProposal]] = {}
    for pair, proposal in by_pair.items():
        pairs_of.setdefault(pair[0], []).append(proposal)
    groups = []
    for members in groups_of(by_pair):
        if query.dataset and not any(
            (query.dataset in origins.get(m, set()))
            or (query.dataset == "editors" and not origins.get(m))
            for m in members
        ):
            continue
        if query.sector and not any(sector_of.get(m) == query.sector for m in members):
            continue
        joined = sorted((p for m in members for p in pairs_of.get(m, [])), key=lambda p: -p.score)
        # The record paired with most others survives by default (the hub of one record
        # matching several); between equals, the survivor rank decides.
        degree = {m: sum(1 for p in joined if m in (p.low_id, p.high_id)) for m in members}
        keep = min(members, key=lambda m: (-degree[m], survivor_rank(m, origins.get(m, set()))))
        groups.append(
            _Group(
                joined[0].score,
                members,
                joined,
                keep,
                {m: origins.get(m, set()) for m in members},
            )
        )
    groups.sort(key=lambda g: (-g.best, g.members[0]))
    return groups


def review_groups(session: Session, query: ReviewQuery) -> tuple[list[ReviewGroup], int]:
    """The waiting groups the filters keep, best first, one page of them; and how many."""
    groups = _filtered_groups(session, query)
    start = (query.page - 1) * GROUPS_PER_PAGE
    result = []
    for group in groups[start : start + GROUPS_PER_PAGE]:
        loaded = [i for i in (get_incident(session, m, viewer=EDITOR) for m in group.members) if i]
        result.append(ReviewGroup(loaded, group.proposals, group.keep, group.origins))
    return result, len(groups)


def incidents_in_view(session: Session, query: ReviewQuery) -> set[int]:
    """Every incident of the groups the queue's filters show (on any page)."""
    return {m for group in _filtered_groups(session, query) for m in group.members}


def waiting_for(session: Session, incident_id: int) -> list[MatchProposal]:
    """The proposals an incident is in that wait for an editor (its page links to them)."""
    return list(
        session.scalars(
            select(MatchProposal).where(
                or_(MatchProposal.low_id == incident_id, MatchProposal.high_id == incident_id),
                MatchProposal.state.in_(WAITING),
            )
        )
    )


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NICE_KM = (0.5, 1, 2, 5, 10, 20, 50, 100)


@dataclass(frozen=True)
class Sketch:
    """The group's places on one small map: points in pixels, with a scale bar."""

    points: list[tuple[str, float, float]]
    width: int
    height: int
    bar_px: float
    bar_km: float


def sketch(members: list[Incident], width: int = 280, height: int = 180) -> Sketch | None:
    """Points placed by their distances (an equirectangular projection around the group,
    true enough over the few tens of kilometres a group spans)."""
    located = [
        (letter, m.latitude, m.longitude)
        for letter, m in zip(LETTERS, members, strict=False)
        if m.latitude is not None and m.longitude is not None
    ]
    if not located:
        return None
    mean_lat = sum(lat for _, lat, _ in located) / len(located)
    per_lon = 111.32 * math.cos(math.radians(mean_lat))
    west = min(lon for *_, lon in located)
    north = max(lat for _, lat, _ in located)
    kms = [(letter, (lon - west) * per_lon, (north - lat) * 110.57) for letter, lat, lon in located]
    span = max(2.0, *(x for _, x, _ in kms), *(y for *_, y in kms))
    margin = 24
    scale = min(width - 2 * margin, height - 2 * margin) / span
    bar_km = next((k for k in NICE_KM if k >= span / 4), NICE_KM[-1])
    return Sketch(
        points=[(letter, margin + x * scale, margin + y * scale) for letter, x, y in kms],
        width=width,
        height=height,
        bar_px=bar_km * scale,
        bar_km=bar_km,
    )
