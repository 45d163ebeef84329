"""Every editorial write: incidents, claims, review state, deletion, restore.

Each write checks the version the editor started from, raises it by one, refreshes the derived
values and records the change with before and after snapshots, all in the caller's transaction.
A save against a newer version raises EditConflict and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.i18n import gettext
from app.models import (
    Actor,
    CasualtyFigure,
    Change,
    Claim,
    ClaimSource,
    District,
    ExternalId,
    Incident,
    IncidentActor,
    Place,
    Sector,
    Source,
    User,
)
from app.models.vocab import ChangeAction, ReviewState
from app.schemas.forms import ClaimInput, IncidentInput, SourceInput
from app.services.changes import record_change
from app.services.derived import refresh_derived
from app.services.lookup import find_actor, find_place, unique_place_slug
from app.services.merge_links import absorbed_ids
from app.services.snapshots import (
    INCIDENT_FIELDS,
    SNAPSHOT_LOADS,
    is_incident_snapshot,
    restore_value,
    snapshot_incident,
)
from app.services.sources import change_source, source_fields


class EditConflict(Exception):
    """Someone saved the incident after this editor loaded it; nothing was changed."""

    def __init__(self, incident_id: int) -> None:
        super().__init__(f"incident {incident_id} was saved by someone else meanwhile")
        self.incident_id = incident_id


class EditRejected(Exception):
    """What the editor typed refers to something that does not exist; messages by field, in the
    reader's language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(Exception):
    pass


def load_for_edit(session: Session, incident_id: int) -> Incident:
    incident = session.scalar(
        select(Incident).where(Incident.id == incident_id).options(*SNAPSHOT_LOADS)
    )
    if incident is None:
        # Shown to editors as the reason a merge was refused.
        raise NotFound(gettext("no incident %(id)s") % {"id": incident_id})
    return incident


def _check_version(incident: Incident, expected: int | None) -> None:
    if expected is None or incident.version != expected:
        raise EditConflict(incident.id)


def _finish(
    session: Session,
    incident: Incident,
    *,
    action: ChangeAction,
    before: dict[str, Any],
    user: User | None,
    origin: str = "",
) -> Incident:
    """Raise the version, refresh what is derived, and record the change."""
    incident.version = before["version"] + 1
    if incident.review_state == ReviewState.PUBLISHED and not any(
        claim.source_links for claim in incident.claims
    ):
        raise PublishRefused(
            gettext(
                "A published incident needs at least one claim with a source. "
                "Add one first, or return the incident to draft."
            )
        )
    try:
        # The UPDATE checks the version it read: a concurrent save makes it match no row.
        session.flush()
    except StaleDataError:
        raise EditConflict(incident.id) from None
    refresh_derived(session, [incident.id])
    session.expire(incident)
    after = snapshot_incident(load_for_edit(session, incident.id))
    record_change(
        session,
        entity_type="incident",
        entity_id=incident.id,
        action=action,
        before=before,
        after=after,
        user=user,
        origin=origin,
    )
    session.flush()
    return incident


# ---- incidents ---------------------------------------------------------------------------------


def _apply_incident(session: Session, incident: Incident, data: IncidentInput) -> None:
    errors: dict[str, str] = {}
    place: Place | None = None
    if data.new_place_name and find_place(session, data.new_place_name) is not None:
        errors["new_place_name"] = gettext(
            "“%(place)s” is already in the gazetteer: pick it in the place field."
        ) % {"place": data.new_place_name[:60]}
    elif data.new_place_name:
        sector = None
        if data.new_place_sector:
            sector = session.scalar(select(Sector).where(Sector.slug == data.new_place_sector))
            if sector is None:
                errors["new_place_sector"] = gettext("Not a known sector.")
        place = Place(
            slug=unique_place_slug(session, data.new_place_name),
            name=data.new_place_name,
            country=data.new_place_country,
            kind="town",
            sector=sector,
            latitude=data.new_place_latitude,
            longitude=data.new_place_longitude,
        )
    elif data.place:
        place = find_place(session, data.place)
        if place is None:
            errors["place"] = gettext(
                "No place is called “%(place)s”. Pick one from the list, or add it below."
            ) % {"place": data.place[:60]}
    area = None
    if place is None and data.sector:
        area = session.scalar(select(Sector).where(Sector.slug == data.sector))
        if area is None:
            errors["sector"] = gettext("Not a known sector.")
    wanted: list[tuple[Actor, str]] = []
    for row in data.actors:
        actor = find_actor(session, row.actor)
        if actor is None:
            errors[f"actor_{row.row}"] = gettext("No actor is called “%(actor)s”.") % {
                "actor": row.actor[:60]
            }
        else:
            wanted.append((actor, row.role))
    if errors:
        raise EditRejected(errors)

    incident.title = data.title
    incident.summary = data.summary
    assert data.date_start is not None and data.event_type is not None
    incident.date_start = data.date_start
    incident.date_end = data.date_end or data.date_start
    incident.date_precision = data.date_precision or "day"
    if place is not None and place.id is None:
        session.add(place)
        session.flush()
    if place is not None:
        incident.latitude, incident.longitude = place.latitude, place.longitude
    elif incident.place is not None:
        incident.latitude = incident.longitude = None
    # (with no place before or after, coordinates from an import stay as they were)
    incident.place = place
    # The sector follows from the place; without a place the editor may name one.
    incident.sector = place.sector if place is not None else area
    # So does the district; a place without one leaves an imported district as it was.
    if place is not None and place.district_id is not None:
        incident.district_id = place.district_id
    incident.location = data.location
    incident.geo_precision = data.geo_precision or 1
    # The country side follows from the place unless the editor chose one.
    incident.country = data.country or (place.country if place is not None else None)
    incident.event_type = data.event_type
    incident.sub_event_type = data.sub_event_type
    for name, value in data.assessed.items():
        setattr(incident, f"assessed_{name}", value)
    incident.assessment_note = data.assessment_note
    incident.notes = data.notes
    set_actor_links(incident, wanted)


def set_actor_links(incident: Incident, wanted: list[tuple[Actor, str]]) -> None:
    """Keep the links that stay (a delete and re-insert of the same pair would collide)."""
    # Keyed by the actor object, so actors not yet written (no id) are told apart too.
    existing = {(link.actor, link.role): link for link in incident.actor_links}
    links: list[IncidentActor] = []
    for actor, role in wanted:
        if any(link.actor is actor and link.role == role for link in links):
            continue
        link = existing.get((actor, role)) or IncidentActor(actor=actor, role=role)
        link.position = len(links)
        links.append(link)
    incident.actor_links = links


def create_incident(session: Session, data: IncidentInput, *, user: User | None) -> Incident:
    incident = Incident(review_state=ReviewState.DRAFT, version=1)
    _apply_incident(session, incident, data)
    session.add(incident)
    session.flush()
    refresh_derived(session, [incident.id])
    after = snapshot_incident(load_for_edit(session, incident.id))
    record_change(
        session,
        entity_type="incident",
        entity_id=incident.id,
        action=ChangeAction.CREATE,
        before=None,
        after=after,
        user=user,
    )
    session.flush()
    return incident


def update_incident(
    session: Session,
    incident_id: int,
    data: IncidentInput,
    *,
    expected_version: int | None,
    user: User | None,
) -> Incident:
    incident = load_for_edit(session, incident_id)
    _check_version(incident, expected_version)
    before = snapshot_incident(incident)
    with session.no_autoflush:
        _apply_incident(session, incident, data)
    return _finish(session, incident, action=ChangeAction.UPDATE, before=before, user=user)


class PublishRefused(Exception):
    """A change of state the incident cannot take; the message says why, in the reader's
    language."""


def set_review_state(
    session: Session,
    incident_id: int,
    state: ReviewState,
    *,
    expected_version: int | None,
    user: User | None,
) -> Incident:
    """Publish, archive (what deleting does) or return to draft."""
    incident = load_for_edit(session, incident_id)
    _check_version(incident, expected_version)
    if state == ReviewState.PUBLISHED and not any(claim.source_links for claim in incident.claims):
        raise PublishRefused(
            gettext(
                "Publishing needs at least one claim with a source, and this incident has none "
                "yet: readers must be able to see where each figure comes from."
            )
        )
    before = snapshot_incident(incident)
    incident.review_state = state
    action = {
        ReviewState.PUBLISHED: ChangeAction.PUBLISH,
        ReviewState.ARCHIVED: ChangeAction.DELETE,
    }.get(state, ChangeAction.UPDATE)
    return _finish(session, incident, action=action, before=before, user=user)


def purge_incident(session: Session, incident_id: int, *, user: User | None) -> None:
    """Remove an incident for good (admins only; the change log keeps its last snapshot).
    Only an archived incident can be purged, so purging is always a second, deliberate step."""
    incident = load_for_edit(session, incident_id)
    if incident.review_state != ReviewState.ARCHIVED:
        raise PublishRefused(
            gettext("Only an archived incident can be purged: delete (archive) it first.")
        )
    if absorbed_ids(session, incident_id):
        # Purging would take the merged-in incidents' claims with it, for good.
        raise PublishRefused(
            gettext("Other incidents were merged into this one: unmerge them first (see its page).")
        )
    before = snapshot_incident(incident)
    session.execute(delete(Incident).where(Incident.id == incident_id))
    record_change(
        session,
        entity_type="incident",
        entity_id=incident_id,
        action=ChangeAction.DELETE,
        before=before,
        after=None,
        user=user,
        origin="purge",
    )
    session.flush()


# ---- claims ------------------------------------------------------------------------------------


def _source_for(
    session: Session,
    given: SourceInput,
    field: str,
    errors: dict[str, str],
    made: dict[str, Source],
    user: User | None,
) -> Source | None:
    """The source at this address: the one on record (updated with what the editor changed
    here), one met earlier in this same form, or a new one."""
    if given.url in made:
        return made[given.url]
    source = session.scalar(select(Source).where(Source.url == given.url))
    if source is not None:
        _update_source_from_claim_form(session, source, given, user)
        made[given.url] = source
        return source
    if not given.outlet:
        errors[f"{field}_outlet"] = gettext("A new source needs its outlet.")
        return None
    source = Source(**source_fields(given))
    session.add(source)
    made[given.url] = source
    return source


def _update_source_from_claim_form(
    session: Session, source: Source, given: SourceInput, user: User | None
) -> None:
    """What the editor changed about a source on record, from a claim form (an empty field
    keeps what is there)."""
    wanted = {
        name: value or getattr(source, name)
        for name, value in source_fields(given).items()
        if name != "url"
    }
    if any(getattr(source, name) != value for name, value in wanted.items()):
        change_source(session, source, wanted, user=user)


def _apply_claim(
    session: Session, incident: Incident, claim: Claim, data: ClaimInput, user: User | None
) -> None:
    errors: dict[str, str] = {}
    claimant = find_actor(session, data.claimant) if data.claimant else None
    if data.claimant and claimant is None:
        errors["claimant"] = gettext("No actor is called “%(actor)s”.") % {
            "actor": data.claimant[:60]
        }
    others = {c.id for c in incident.claims if c.id != claim.id}
    if data.responds_to is not None and data.responds_to not in others:
        errors["responds_to"] = gettext("Choose another claim of this incident.")
    figures = []
    for row in data.figures:
        actor = find_actor(session, row.actor) if row.actor else None
        if row.actor and actor is None:
            errors[f"figure_actor_{row.row}"] = gettext("No actor is called “%(actor)s”.") % {
                "actor": row.actor[:60]
            }
        figures.append(
            CasualtyFigure(
                party=row.party, actor=actor, outcome=row.outcome, low=row.low, high=row.high
            )
        )
    links: list[ClaimSource] = []
    seen: set[str] = set()
    made: dict[str, Source] = {}
    for given in data.sources:
        source = _source_for(session, given, f"source_{given.row}", errors, made, user)
        if source is not None and given.url not in seen:
            seen.add(given.url)
            links.append(ClaimSource(source=source, position=len(links)))
    if errors:
        raise EditRejected(errors)
    claim.claimant = claimant
    claim.spokesperson = data.spokesperson or None
    claim.spokesperson_role = data.spokesperson_role or None
    claim.claimed_on = data.claimed_on
    assert data.kind is not None
    claim.kind = data.kind
    claim.statement = data.statement
    claim.statement_language = data.statement_language
    claim.translation = data.translation or None
    claim.status = data.status or "unverified"
    claim.credibility = data.credibility
    claim.responds_to_id = data.responds_to
    claim.note = data.note
    claim.figures = figures
    claim.source_links = links


def save_claim(
    session: Session,
    incident_id: int,
    claim_id: int | None,
    data: ClaimInput,
    *,
    expected_version: int | None,
    user: User | None,
) -> Claim:
    """Add a claim, or change one; both are changes to the incident and raise its version."""
    incident = load_for_edit(session, incident_id)
    _check_version(incident, expected_version)
    before = snapshot_incident(incident)
    if claim_id is None:
        claim = Claim(incident=incident)
    else:
        found = next((c for c in incident.claims if c.id == claim_id), None)
        if found is None:
            raise NotFound(f"no claim {claim_id} in incident {incident_id}")
        claim = found
    # Lookups while the claim is half filled in must not flush it.
    with session.no_autoflush:
        _apply_claim(session, incident, claim, data, user)
    session.add(claim)
    session.flush()
    _finish(session, incident, action=ChangeAction.UPDATE, before=before, user=user)
    return claim


def delete_claim(
    session: Session,
    incident_id: int,
    claim_id: int,
    *,
    expected_version: int | None,
    user: User | None,
) -> Incident:
    incident = load_for_edit(session, incident_id)
    _check_version(incident, expected_version)
    claim = next((c for c in incident.claims if c.id == claim_id), None)
    if claim is None:
        raise NotFound(f"no claim {claim_id} in incident {incident_id}")
    before = snapshot_incident(incident)
    for other in incident.claims:  # answers to it now answer nothing
        if other.responds_to_id == claim_id:
            other.responds_to_id = None
    session.flush()
    session.delete(claim)
    incident.claims.remove(claim)
    return _finish(session, incident, action=ChangeAction.UPDATE, before=before, user=user)


# ---- history -----------------------------------------------------------------------------------


def incident_history(session: Session, incident_id: int) -> list[Change]:
    """The incident's changes, and those of every incident merged into it."""
    ids = [incident_id, *absorbed_ids(session, incident_id)]
    return list(
        session.scalars(
            select(Change)
            .where(Change.entity_type == "incident", Change.entity_id.in_(ids))
            .order_by(Change.id.desc())
            .options(selectinload(Change.user))
        )
    )


def restore_incident(
    session: Session,
    incident_id: int,
    change_id: int,
    *,
    expected_version: int | None,
    user: User | None,
) -> Incident:
    """Bring back the incident as it was after an earlier change (itself a recorded change)."""
    change = session.get(Change, change_id)
    if (
        change is None
        or change.entity_id != incident_id
        or change.entity_type != "incident"
        or not is_incident_snapshot(change.after)
    ):
        raise NotFound(f"no version of incident {incident_id} in change {change_id}")
    incident = load_for_edit(session, incident_id)
    _check_version(incident, expected_version)
    before = snapshot_incident(incident)
    apply_snapshot(session, incident, change.after)
    return _finish(session, incident, action=ChangeAction.RESTORE, before=before, user=user)


def apply_snapshot(session: Session, incident: Incident, snapshot: dict[str, Any]) -> None:
    for name in INCIDENT_FIELDS:
        if name != "version" and name in snapshot:
            setattr(incident, name, restore_value(name, snapshot[name]))
    _place_and_parties(session, incident, snapshot)

    for claim in list(incident.claims):
        claim.responds_to_id = None
    session.flush()
    for claim in list(incident.claims):
        session.delete(claim)
    incident.claims.clear()
    session.flush()

    new_ids: dict[int, Claim] = {}
    for data in snapshot.get("claims", []):
        with session.no_autoflush:
            claim = _claim_from_snapshot(session, incident, data)
            # A claim comes back under its old number, so links to it and citations of it
            # keep working; a number since given to another claim cannot be taken back.
            if data.get("id") and session.get(Claim, data["id"]) is None:
                claim.id = data["id"]
        session.add(claim)
        new_ids[data["id"]] = claim
    session.flush()
    for data in snapshot.get("claims", []):
        target = data.get("responds_to_id")
        if target in new_ids:
            new_ids[data["id"]].responds_to_id = new_ids[target].id


def _place_and_parties(session: Session, incident: Incident, snapshot: dict[str, Any]) -> None:
    """The snapshot's place, sector, district and actors, as they are named today."""
    incident.place = find_place(session, snapshot["place"]) if snapshot.get("place") else None
    incident.sector = (
        session.scalar(select(Sector).where(Sector.slug == snapshot["sector"]))
        if snapshot.get("sector")
        else None
    )
    if "district" in snapshot:
        incident.district = (
            session.scalar(select(District).where(District.slug == snapshot["district"]))
            if snapshot["district"]
            else None
        )
    wanted = []
    for link in snapshot.get("actors", []):
        actor = find_actor(session, link["actor"])
        if actor is not None:
            wanted.append((actor, link["role"]))
    set_actor_links(incident, wanted)


def incident_from_snapshot(session: Session, snapshot: dict[str, Any]) -> Incident:
    """The incident a snapshot describes, to read and never to save: its claims keep their
    numbers. The session is not told of it."""
    with session.no_autoflush:
        incident = Incident(id=snapshot["id"])
        for name in INCIDENT_FIELDS:
            if name in snapshot:
                setattr(incident, name, restore_value(name, snapshot[name]))
        _place_and_parties(session, incident, snapshot)
        incident.external_ids = [
            ExternalId(dataset=e["dataset"], external_id=e["external_id"])
            for e in snapshot.get("external_ids", [])
        ]
        for data in snapshot.get("claims", []):
            claim = _claim_from_snapshot(session, incident, data)
            claim.id = data["id"]
            claim.responds_to_id = data.get("responds_to_id")
    return incident


def _claim_from_snapshot(session: Session, incident: Incident, data: dict[str, Any]) -> Claim:
    claim = Claim(
        incident=incident,
        claimant=find_actor(session, data["claimant"]) if data.get("claimant") else None,
        spokesperson=data.get("spokesperson"),
        spokesperson_role=data.get("spokesperson_role"),
        claimed_on=restore_value("claimed_on", data.get("claimed_on")),
        kind=data["kind"],
        statement=data.get("statement", ""),
        statement_language=data.get("statement_language", "en"),
        translation=data.get("translation"),
        status=data["status"],
        credibility=data.get("credibility"),
        note=data.get("note", ""),
    )
    claim.figures = [
        CasualtyFigure(
            party=f["party"],
            actor=find_actor(session, f["actor"]) if f.get("actor") else None,
            outcome=f["outcome"],
            low=f["low"],
            best=f.get("best"),
            high=f.get("high"),
            part_of_total=f.get("part_of_total", False),
        )
        for f in data.get("figures", [])
    ]
    claim.source_links = [
        ClaimSource(source=source, position=i)
        for i, source in enumerate(_snapshot_sources(session, data))
    ]
    return claim


def _snapshot_sources(session: Session, claim: dict[str, Any]) -> list[Source]:
    """A snapshot's sources by id (their address may have been corrected since), else by URL."""
    found: list[Source] = []
    urls = claim.get("sources", [])
    ids = claim.get("source_ids") or [None] * len(urls)
    for source_id, url in zip(ids, urls, strict=False):
        source = session.get(Source, source_id) if source_id else None
        source = source or session.scalar(select(Source).where(Source.url == url))
        if source is not None and source not in found:
            found.append(source)
    return found
