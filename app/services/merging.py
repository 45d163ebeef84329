"""Merging two incidents that are one event, and undoing it exactly.

The survivor keeps its own fields and gains the other's claims (each with its origin and
sources), its dataset ids and its actors. The other incident's row goes (its id is never
reused) and is kept whole in the merge record, so that unmerging puts both back as they were:
the same ids, the same rows, byte for byte in every export. While a merge stands, the
merged-away id answers 301 to the survivor.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, DateTime, Table, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from app.i18n import gettext
from app.models import Actor, Claim, ExternalId, Incident, IncidentActor, MatchProposal, Merge
from app.models.base import utcnow
from app.models.user import User
from app.models.vocab import ChangeAction, ProposalState, ReviewState
from app.services.changes import record_change
from app.services.derived import refresh_derived
from app.services.editing import NotFound, load_for_edit
from app.services.merge_links import survivor_of
from app.services.snapshots import snapshot_incident

INCIDENTS = cast(Table, Incident.__table__)
LINKS = cast(Table, IncidentActor.__table__)


class MergeRefused(Exception):
    """The merge or unmerge asked for cannot be done; the message says why and what to do, in
    the editor's language (English on the command line)."""


def _encode(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _row(session: Session, incident_id: int) -> dict[str, Any]:
    """The incident's row, every column, as JSON can hold it."""
    row = session.execute(select(INCIDENTS).where(INCIDENTS.c.id == incident_id)).mappings().one()
    return {name: _encode(value) for name, value in row.items()}


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A stored row back as the columns' Python values."""
    values = {}
    for column in INCIDENTS.columns:
        value = row.get(column.name)
        if isinstance(value, str) and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        values[column.name] = value
    return values


def _brought(
    merged_links: list[dict[str, Any]],
    survivor_links: list[dict[str, Any]],
    group_of: dict[int, int | None],
) -> list[dict[str, Any]]:
    """The other's actors the survivor gains: those it does not name at all. The survivor's
    roles stand (datasets order the sides differently: the TTP is side A in one and side B in
    the other), and a newcomer takes the role of its group, or of its member, on the survivor:
    ACLED's Pakistan Army goes to the side where UCDP's Pakistan's state forces are."""
    role_of = {link["actor_id"]: link["role"] for link in survivor_links}
    for actor_id, role in list(role_of.items()):
        group = group_of.get(actor_id)
        if group is not None:
            role_of.setdefault(group, role)
    named = {link["actor_id"] for link in survivor_links}
    brought: list[dict[str, Any]] = []
    for link in merged_links:
        actor_id = link["actor_id"]
        if actor_id in named:
            continue
        named.add(actor_id)
        group = group_of.get(actor_id)
        role = role_of.get(actor_id) or role_of.get(group or -1) or link["role"]
        brought.append({**link, "role": role, "position": 100 + len(brought)})
    return brought


def _groups(session: Session) -> dict[int, int | None]:
    return {i: g for i, g in session.execute(select(Actor.id, Actor.member_of_id))}


def _links(session: Session, incident_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(LINKS.c.actor_id, LINKS.c.role, LINKS.c.position)
        .where(LINKS.c.incident_id == incident_id)
        .order_by(LINKS.c.position, LINKS.c.id)
    )
    return [dict(r) for r in rows.mappings()]


def _present(session: Session, incident_id: int) -> Incident:
    """The incident, or NotFound saying where a merged-away one went."""
    try:
        return load_for_edit(session, incident_id)
    except NotFound:
        survivor = survivor_of(session, incident_id)
        if survivor is not None:
            raise MergeRefused(
                gettext("Incident %(id)s was merged into incident %(survivor)s: use %(survivor)s.")
                % {"id": incident_id, "survivor": survivor}
            ) from None
        raise


def merge_incidents(
    session: Session,
    keep_id: int,
    other_id: int,
    *,
    user: User | None = None,
    origin: str = "",
    expected_version: int | None = None,
) -> Merge:
    """Fold `other_id` into `keep_id`. Raises NotFound or MergeRefused; writes nothing then."""
    if keep_id == other_id:
        raise MergeRefused(gettext("An incident cannot be merged with itself."))
    keep, other = _present(session, keep_id), _present(session, other_id)
    if expected_version is not None and keep.version != expected_version:
        raise MergeRefused(
            gettext("Incident %(id)s was saved by someone else meanwhile; look at it again first.")
            % {"id": keep_id}
        )
    for incident in (keep, other):
        if incident.review_state == ReviewState.ARCHIVED:
            # Readers could not follow the links into an archived incident.
            raise MergeRefused(
                gettext("Incident %(id)s is archived: return it to draft or publish it first.")
                % {"id": incident.id}
            )
    keep_before, other_before = snapshot_incident(keep), snapshot_incident(other)
    survivor_row, merged_row = _row(session, keep_id), _row(session, other_id)
    survivor_links, merged_links = _links(session, keep_id), _links(session, other_id)
    claim_ids = [c.id for c in other.claims]
    external_id_ids = [e.id for e in other.external_ids]
    # From here on the rows are written directly; the loaded objects would be stale.
    session.expunge(keep)
    session.expunge(other)

    # Moved, not copied: the claims keep their ids, their sources and their times.
    claims = cast(Table, Claim.__table__)
    session.execute(
        update(claims)
        .where(claims.c.incident_id == other_id)
        .values(incident_id=keep_id, updated_at=claims.c.updated_at)
    )
    session.execute(
        update(ExternalId).where(ExternalId.incident_id == other_id).values(incident_id=keep_id)
    )
    brought = _brought(merged_links, survivor_links, _groups(session))
    added = [{"incident_id": keep_id, **link} for link in brought]
    if added:
        session.execute(insert(LINKS), added)
    session.execute(delete(INCIDENTS).where(INCIDENTS.c.id == other_id))
    session.execute(
        update(INCIDENTS).where(INCIDENTS.c.id == keep_id).values(version=INCIDENTS.c.version + 1)
    )
    merge = Merge(
        survivor_id=keep_id,
        merged_id=other_id,
        merged_row=merged_row,
        merged_links=merged_links,
        survivor_row=survivor_row,
        survivor_links=survivor_links,
        claim_ids=claim_ids,
        external_id_ids=external_id_ids,
        survivor_version=survivor_row["version"] + 1,
        user_id=user.id if user else None,
        origin=origin[:100],
    )
    session.add(merge)
    session.flush()
    _carry_proposals(session, keep_id, other_id, user)
    [survivor] = refresh_derived(session, [keep_id])
    note = f"merge {merge.id}: incident {other_id} merged in"
    record_change(
        session,
        entity_type="incident",
        entity_id=keep_id,
        action=ChangeAction.UPDATE,
        before=keep_before,
        after=snapshot_incident(survivor),
        user=user,
        origin=f"{origin or 'merge'}; {note}"[:100],
    )
    record_change(
        session,
        entity_type="incident",
        entity_id=other_id,
        action=ChangeAction.DELETE,
        before=other_before,
        after=None,
        user=user,
        origin=f"merge {merge.id}: merged into incident {keep_id}"[:100],
    )
    session.flush()
    return merge


def _carry_proposals(session: Session, keep_id: int, other_id: int, user: User | None) -> None:
    """The merged pair's proposal is accepted. The other's waiting proposals stay, hidden
    while it is merged away (they come back with an unmerge; the next match run proposes the
    survivor's own); its rejections carry over to the survivor, so a pair an editor turned
    down stays down."""
    low, high = sorted((keep_id, other_id))
    now = utcnow()
    session.execute(
        update(MatchProposal)
        .where(MatchProposal.low_id == low, MatchProposal.high_id == high)
        .values(state=ProposalState.ACCEPTED, decided_at=now, user_id=user.id if user else None)
    )
    involving = or_(MatchProposal.low_id == other_id, MatchProposal.high_id == other_id)
    rejected = session.scalars(
        select(MatchProposal).where(involving, MatchProposal.state == ProposalState.REJECTED)
    ).all()
    for proposal in rejected:
        third = proposal.high_id if proposal.low_id == other_id else proposal.low_id
        if third == keep_id:
            continue
        pair = sorted((keep_id, third))
        existing = session.scalar(
            select(MatchProposal).where(
                MatchProposal.low_id == pair[0], MatchProposal.high_id == pair[1]
            )
        )
        if existing is None:
            session.add(
                MatchProposal(
                    low_id=pair[0],
                    high_id=pair[1],
                    score=proposal.score,
                    reasons=proposal.reasons,
                    state=ProposalState.REJECTED,
                    decided_at=now,
                    user_id=proposal.user_id,
                )
            )
        elif existing.state != ProposalState.ACCEPTED:
            existing.state, existing.decided_at = ProposalState.REJECTED, now


def find_merge(session: Session, merged_id: int) -> Merge:
    """The standing merge that took this incident away."""
    merge = session.scalar(
        select(Merge)
        .where(Merge.merged_id == merged_id, Merge.undone_at.is_(None))
        .order_by(Merge.id.desc())
        .limit(1)
    )
    if merge is None:
        raise NotFound(f"incident {merged_id} is not merged into another")
    return merge


def unmerge(session: Session, merge: Merge, *, user: User | None = None, origin: str = "") -> int:
    """Undo a merge; returns the restored incident's id. The pair goes to "later" in the
    queue, where an editor can reject it or merge it again; `--accept-above` (which takes open
    proposals only) never merges it again by itself. When nothing else changed the survivor
    since the merge (no edit, no later merge), both rows come back exactly; otherwise the
    survivor keeps those later changes and only the merge is taken out of it."""
    if merge.undone_at is not None:
        raise MergeRefused(gettext("Merge %(id)s was already undone.") % {"id": merge.id})
    keep_id, other_id = merge.survivor_id, merge.merged_id
    if session.get(Incident, keep_id) is None:
        later = survivor_of(session, keep_id)
        if later is None:
            raise MergeRefused(
                gettext("Incident %(kept)s, which %(merged)s was merged into, is gone.")
                % {"kept": keep_id, "merged": other_id}
            )
        raise MergeRefused(
            gettext(
                "Incident %(kept)s was itself merged into incident %(later)s: "
                "unmerge %(kept)s from %(later)s first."
            )
            % {"kept": keep_id, "later": later}
        )
    if session.get(Incident, other_id) is not None:
        raise MergeRefused(
            gettext("Incident %(id)s exists again; there is nothing to unmerge.") % {"id": other_id}
        )
    exact = session.scalar(select(Incident.version).where(Incident.id == keep_id)) == (
        merge.survivor_version
    )
    survivor = load_for_edit(session, keep_id)
    keep_before = snapshot_incident(survivor)
    session.expunge(survivor)

    session.execute(insert(INCIDENTS).values(**_decoded(merge.merged_row)))
    if merge.merged_links:
        session.execute(
            insert(LINKS), [{**link, "incident_id": other_id} for link in merge.merged_links]
        )
    claims = cast(Table, Claim.__table__)
    moving = claims.c.id.in_(merge.claim_ids) & (claims.c.incident_id == keep_id)
    # A survivor's claim answering one that goes back would point across incidents.
    session.execute(
        update(claims)
        .where(
            claims.c.incident_id == keep_id,
            claims.c.responds_to_id.in_(merge.claim_ids),
            claims.c.id.not_in(merge.claim_ids),
        )
        .values(responds_to_id=None, updated_at=claims.c.updated_at)
    )
    session.execute(
        update(claims).where(moving).values(incident_id=other_id, updated_at=claims.c.updated_at)
    )
    session.execute(
        update(ExternalId)
        .where(ExternalId.id.in_(merge.external_id_ids), ExternalId.incident_id == keep_id)
        .values(incident_id=other_id)
    )
    # What the merge brought: the other's actors the survivor did not name (whatever role
    # they were given, and whatever groups are now).
    brought = {link["actor_id"] for link in merge.merged_links} - {
        link["actor_id"] for link in merge.survivor_links
    }
    session.execute(
        delete(LINKS).where(LINKS.c.incident_id == keep_id, LINKS.c.actor_id.in_(brought))
    )
    merge.undone_at = utcnow()
    low, high = sorted((keep_id, other_id))
    session.execute(
        update(MatchProposal)
        .where(MatchProposal.low_id == low, MatchProposal.high_id == high)
        .values(state=ProposalState.LATER, decided_at=merge.undone_at)
    )
    session.flush()
    refresh_derived(session, [keep_id, other_id])
    if exact:
        # Nothing touched the survivor since the merge: it goes back to its very row.
        session.execute(
            update(INCIDENTS)
            .where(INCIDENTS.c.id == keep_id)
            .values(**{k: v for k, v in _decoded(merge.survivor_row).items() if k != "id"})
        )
    else:
        session.execute(
            update(INCIDENTS)
            .where(INCIDENTS.c.id == keep_id)
            .values(version=INCIDENTS.c.version + 1)
        )
    # The restored incident's row as it was, derived values and times included.
    session.execute(
        update(INCIDENTS)
        .where(INCIDENTS.c.id == other_id)
        .values(**{k: v for k, v in _decoded(merge.merged_row).items() if k != "id"})
    )
    session.expire_all()  # the rows were put back under the loaded objects
    note = f"merge {merge.id} undone"
    for incident_id, before in ((keep_id, keep_before), (other_id, None)):
        record_change(
            session,
            entity_type="incident",
            entity_id=incident_id,
            action=ChangeAction.RESTORE if before is None else ChangeAction.UPDATE,
            before=before,
            after=snapshot_incident(load_for_edit(session, incident_id)),
            user=user,
            origin=f"{origin or 'unmerge'}; {note}"[:100],
        )
    session.flush()
    return other_id
