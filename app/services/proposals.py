"""Match proposals: kept for editors to review, grouped where one record matches several, and
accepted (merged) one group at a time or all above a score."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from app.importers import DATASET_LABELS
from app.models import ExternalId, Incident, MatchProposal
from app.models.base import utcnow
from app.models.user import User
from app.models.vocab import ProposalState
from app.services.matching import Candidate, Catalogue, MatchSettings, find_candidates
from app.services.merging import merge_incidents

# States a proposal is still waiting in.
WAITING = (ProposalState.OPEN, ProposalState.LATER)


@dataclass
class ProposalRun:
    """What one matching run found and kept."""

    candidates: list[Candidate] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    # Pairs found again that an editor had already turned down (or merged).
    decided: int = 0
    withdrawn: int = 0


def propose_matches(
    session: Session,
    settings: MatchSettings | None = None,
    *,
    involving: Iterable[int] | None = None,
) -> ProposalRun:
    """Find candidate pairs and keep them as proposals. A pair an editor rejected is never
    proposed again; a full run (no `involving`) withdraws open proposals it no longer finds.
    (Written through the table, a statement for many rows: a full run keeps tens of thousands.)"""
    settings = settings or MatchSettings()
    catalogue = Catalogue.load(session)
    run = ProposalRun(candidates=find_candidates(catalogue, settings, involving=involving))
    table = cast(Table, MatchProposal.__table__)
    existing = {
        (low, high): (proposal_id, state, score, reasons)
        for proposal_id, low, high, state, score, reasons in session.execute(
            select(
                table.c.id,
                table.c.low_id,
                table.c.high_id,
                table.c.state,
                table.c.score,
                table.c.reasons,
            )
        )
    }
    new, changed = [], []
    for candidate in run.candidates:
        key = (candidate.low_id, candidate.high_id)
        reasons = list(candidate.reasons)
        found = existing.get(key)
        if found is None:
            new.append(
                {
                    "low_id": key[0],
                    "high_id": key[1],
                    "score": candidate.score,
                    "reasons": reasons,
                    "state": ProposalState.OPEN.value,
                    "created_at": utcnow(),
                }
            )
        elif found[1] in WAITING:
            run.updated += 1
            if (found[2], found[3]) != (candidate.score, reasons):
                changed.append({"b_id": found[0], "b_score": candidate.score, "b_reasons": reasons})
        else:
            run.decided += 1
    if new:
        session.execute(insert(table), new)
    if changed:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(score=bindparam("b_score"), reasons=bindparam("b_reasons")),
            changed,
        )
    run.new = len(new)
    if involving is None:
        found_now = {(c.low_id, c.high_id) for c in run.candidates}
        # A proposal with a merged-away side waits for an unmerge, not for this run.
        present = {r.id for r in catalogue.records}
        stale = [
            proposal_id
            for key, (proposal_id, state, *_) in existing.items()
            if key not in found_now
            and state == ProposalState.OPEN
            and key[0] in present
            and key[1] in present
        ]
        for chunk in range(0, len(stale), 500):
            session.execute(delete(table).where(table.c.id.in_(stale[chunk : chunk + 500])))
        run.withdrawn = len(stale)
    # The candidates of record as kept: rejected pairs are not proposals any more.
    rejected = {k for k, v in existing.items() if v[1] == ProposalState.REJECTED}
    run.candidates = [c for c in run.candidates if (c.low_id, c.high_id) not in rejected]
    return run


def groups_of(pairs: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Incidents joined by proposals, as connected groups: one UCDP event and the four ACLED
    events it matches are one group, not four pairs."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    members: dict[int, list[int]] = defaultdict(list)
    for x in list(parent):
        members[root(x)].append(x)
    return sorted((sorted(m) for m in members.values()), key=lambda m: m[0])


def origins_of(session: Session, incident_ids: Iterable[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {i: set() for i in incident_ids}
    for incident_id, dataset in session.execute(
        select(ExternalId.incident_id, ExternalId.dataset).where(
            ExternalId.incident_id.in_(list(found)), ExternalId.dataset.in_(DATASET_LABELS)
        )
    ):
        found[incident_id].add(dataset)
    return found


def survivor_rank(incident_id: int, origins: set[str]) -> tuple[int, int, int]:
    """Which record of a group survives a merge when nobody chooses: an editors' own incident
    (its title and text were written here), then the one carrying most datasets, then the
    oldest."""
    return (0 if not origins else 1, -len(origins), incident_id)


@dataclass(frozen=True)
class PlannedMerge:
    keep: int
    others: tuple[int, ...]


def plan_merges(
    pairs: dict[tuple[int, int], float], origins: dict[int, set[str]]
) -> list[PlannedMerge]:
    """Groups to merge from accepted pairs, best pair first. A group only grows while one of
    its records (the hub) is paired with every other: one UCDP event with four ACLED events is
    merged, but a chain (ACLED a ~ UCDP x ~ ACLED b ~ UCDP y) never joins x and y, whose own
    dataset says they are two events."""
    group_of: dict[int, frozenset[int]] = {}
    hub_of: dict[frozenset[int], int] = {}

    def paired(a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in pairs

    for (a, b), _ in sorted(pairs.items(), key=lambda item: (-item[1], item[0])):
        ga, gb = group_of.get(a, frozenset({a})), group_of.get(b, frozenset({b}))
        if ga == gb:
            continue
        members = ga | gb
        hubs = [
            h
            for h in sorted(members, key=lambda i: survivor_rank(i, origins.get(i, set())))
            if all(m == h or paired(h, m) for m in members)
        ]
        if not hubs:
            continue
        for m in members:
            group_of[m] = members
        hub_of.pop(ga, None)
        hub_of.pop(gb, None)
        hub_of[members] = hubs[0]
    return [
        PlannedMerge(hub, tuple(sorted(m for m in members if m != hub)))
        for members, hub in sorted(hub_of.items(), key=lambda item: item[1])
    ]


def accept_above(
    session: Session,
    threshold: float,
    *,
    user: User | None = None,
    origin: str = "",
    within: Collection[int] | None = None,
    dry_run: bool = False,
) -> list[PlannedMerge]:
    """Merge every open proposal scoring at least `threshold`, group by group; `within`
    limits it to those incidents (the queue's filters), `dry_run` only plans."""
    proposals = session.scalars(
        select(MatchProposal).where(
            MatchProposal.state == ProposalState.OPEN, MatchProposal.score >= threshold
        )
    ).all()
    pairs = {
        (p.low_id, p.high_id): p.score
        for p in proposals
        if within is None or (p.low_id in within and p.high_id in within)
    }
    ids = {i for pair in pairs for i in pair}
    present = set(session.scalars(select(Incident.id).where(Incident.id.in_(ids))))
    pairs = {k: v for k, v in pairs.items() if k[0] in present and k[1] in present}
    plan = plan_merges(pairs, origins_of(session, ids & present))
    if dry_run:
        return plan
    for planned in plan:
        for other in planned.others:
            merge_incidents(
                session,
                planned.keep,
                other,
                user=user,
                origin=origin or f"accepted at score {threshold:g} or above",
            )
    return plan


def decide(
    session: Session, proposal_ids: Iterable[int], state: ProposalState, *, user: User | None
) -> int:
    """Reject or leave for later; returns how many proposals changed."""
    changed = 0
    for proposal in session.scalars(
        select(MatchProposal).where(
            MatchProposal.id.in_(list(proposal_ids)), MatchProposal.state.in_(WAITING)
        )
    ):
        proposal.state, proposal.decided_at = state, utcnow()
        proposal.user_id = user.id if user else None
        changed += 1
    session.flush()
    return changed
