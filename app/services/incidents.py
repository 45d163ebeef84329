"""Reading incidents for pages, exports and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Integer, bindparam, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
    PlaceAlias,
    Sector,
    Source,
)
from app.models.incident import claim_order
from app.services.claims import contesting_status_condition
from app.services.visibility import EDITOR, READER, Viewer


@dataclass(frozen=True)
class ClaimSummary:
    count: int
    contested: bool

    def __str__(self) -> str:
        noun = "claim" if self.count == 1 else "claims"
        return f"{self.count} {noun}, contested" if self.contested else f"{self.count} {noun}"


NO_CLAIMS = ClaimSummary(0, False)


@dataclass(frozen=True, slots=True)
class Named:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class IncidentListItem:
    """What a row of an incident list shows. Read as plain rows: building ORM objects with
    their place, sector and actors took most of a list page's database time."""

    id: int
    title: str
    date_start: date
    date_end: date
    date_precision: str
    event_type: str
    location: str | None
    country: str | None
    max_claimed_killed: int | None
    place: Named | None
    sector: Named | None
    actors: tuple[Named, ...]  # in the incident's order, each once
    claims: ClaimSummary


# A list page's three statements, built once: building a statement costs more than SQLite
# takes to answer it for fifty ids.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_LIST_ROWS = (
    select(
        Incident.id, Incident.title, Incident.date_start, Incident.date_end,
        Incident.date_precision, Incident.event_type, Incident.location, Incident.country,
        Incident.max_claimed_killed, Place.slug, Place.name, Sector.slug, Sector.name,
    )
    .outerjoin(Place, Place.id == Incident.place_id)
    .outerjoin(Sector, Sector.id == Incident.sector_id)
    .where(Incident.id.in_(_IDS))
)  # fmt: skip
_LIST_ACTORS = (
    select(IncidentActor.incident_id, Actor.id, Actor.slug, Actor.name)
    .join(Actor, Actor.id == IncidentActor.actor_id)
    .where(IncidentActor.incident_id.in_(_IDS))
    .order_by(IncidentActor.incident_id, IncidentActor.position, IncidentActor.id)
)
_CLAIM_SUMMARIES = (
    select(
        Claim.incident_id,
        func.count(Claim.id),
        func.max(case((contesting_status_condition(), 1), else_=0)).cast(Integer),
    )
    .where(Claim.incident_id.in_(_IDS))
    .group_by(Claim.incident_id)
)


def list_items_by_id(session: Session, ids: list[int]) -> list[IncidentListItem]:
    """These incidents as list rows, in the order given (ids not found are left out), in three
    statements whatever their number."""
    if not ids:
        return []
    # Through the connection: the ORM's per-statement work is not needed for plain rows.
    connection = session.connection()
    found = connection.execute(_LIST_ROWS, {"ids": ids}).all()
    actors: dict[int, dict[int, Named]] = {}
    for incident_id, actor_id, slug, name in connection.execute(_LIST_ACTORS, {"ids": ids}):
        actors.setdefault(incident_id, {}).setdefault(actor_id, Named(slug, name))
    summaries = claim_summaries(session, ids)
    rows = {
        row[0]: IncidentListItem(
            *row[:9],
            place=Named(row[9], row[10]) if row[9] is not None else None,
            sector=Named(row[11], row[12]) if row[11] is not None else None,
            actors=tuple(actors.get(row[0], {}).values()),
            claims=summaries.get(row[0], NO_CLAIMS),
        )
        for row in found
    }
    return [rows[i] for i in ids if i in rows]


def claim_summaries(session: Session, incident_ids: list[int]) -> dict[int, ClaimSummary]:
    """How many claims each incident has, and whether it is contested, in one query."""
    if not incident_ids:
        return {}
    rows = session.connection().execute(_CLAIM_SUMMARIES, {"ids": incident_ids}).all()
    return {incident_id: ClaimSummary(count, bool(flag)) for incident_id, count, flag in rows}


_T = TypeVar("_T")

# The incident page's statements, built once and run without loader options: working out
# what options mean for each statement cost four times what SQLite takes to answer them.
_INCIDENT: BindParameter[int] = bindparam("incident_id")
_PLACE: BindParameter[int] = bindparam("place_id")
_CLAIMS: BindParameter[list[int]] = bindparam("claim_ids", expanding=True)
_WHOLE_INCIDENT = {
    viewer: select(Incident, Place, Sector, District)
    .outerjoin(Place, Place.id == Incident.place_id)
    .outerjoin(Sector, Sector.id == Incident.sector_id)
    .outerjoin(District, District.id == Incident.district_id)
    .where(Incident.id == _INCIDENT, *viewer.incidents())
    for viewer in (READER, EDITOR)
}
_PLACE_ALIASES = select(PlaceAlias).where(PlaceAlias.place_id == _PLACE).order_by(PlaceAlias.id)
_EXTERNAL_IDS = (
    select(ExternalId, ImportRun)
    .outerjoin(ImportRun, ImportRun.id == ExternalId.import_run_id)
    .where(ExternalId.incident_id == _INCIDENT)
    .order_by(ExternalId.id)
)
_ACTOR_LINKS = (
    select(IncidentActor, Actor)
    .join(Actor, Actor.id == IncidentActor.actor_id)
    .where(IncidentActor.incident_id == _INCIDENT)
    .order_by(IncidentActor.position, IncidentActor.id)
)
_CLAIMS_OF_INCIDENT = (
    select(Claim, Actor)
    .outerjoin(Actor, Actor.id == Claim.claimant_actor_id)
    .where(Claim.incident_id == _INCIDENT)
    .order_by(*claim_order())
)
_FIGURES_OF_CLAIMS = (
    select(CasualtyFigure, Actor)
    .outerjoin(Actor, Actor.id == CasualtyFigure.actor_id)
    .where(CasualtyFigure.claim_id.in_(_CLAIMS))
    .order_by(CasualtyFigure.id)
)
_SOURCES_OF_CLAIMS = (
    select(ClaimSource, Source)
    .join(Source, Source.id == ClaimSource.source_id)
    .where(ClaimSource.claim_id.in_(_CLAIMS))
    .order_by(ClaimSource.position)
)


def get_incident(session: Session, incident_id: int, *, viewer: Viewer = READER) -> Incident | None:
    """An incident with everything its page shows, in at most seven statements. Readers see
    published incidents only; editors see drafts and archived ones too.

    Each statement reads the objects a relationship points to beside its rows, and every
    relationship the page follows is set as loaded (the session holds its objects only weakly:
    one not set would be read again)."""
    row = session.execute(_WHOLE_INCIDENT[viewer], {"incident_id": incident_id}).first()
    if row is None:
        return None
    incident, place, sector, district = row
    _loaded(incident, place=place, sector=sector, district=district)
    if place is not None:
        aliases = session.scalars(_PLACE_ALIASES, {"place_id": place.id}).all()
        _loaded(place, aliases=list(aliases))
    by_incident = {"incident_id": incident_id}
    external_ids = [
        _loaded(e, import_run=run) for e, run in session.execute(_EXTERNAL_IDS, by_incident)
    ]
    actor_links = [_loaded(link, actor=a) for link, a in session.execute(_ACTOR_LINKS, by_incident)]
    claims = [_loaded(c, claimant=a) for c, a in session.execute(_CLAIMS_OF_INCIDENT, by_incident)]
    _loaded(incident, external_ids=external_ids, actor_links=actor_links, claims=claims)
    figures: dict[int, list[CasualtyFigure]] = {claim.id: [] for claim in claims}
    sources: dict[int, list[ClaimSource]] = {claim.id: [] for claim in claims}
    if claims:
        by_claims = {"claim_ids": list(figures)}
        for figure, actor in session.execute(_FIGURES_OF_CLAIMS, by_claims):
            figures[figure.claim_id].append(_loaded(figure, actor=actor))
        for link, source in session.execute(_SOURCES_OF_CLAIMS, by_claims):
            sources[link.claim_id].append(_loaded(link, source=source))
    for claim in claims:
        _loaded(claim, figures=figures[claim.id], source_links=sources[claim.id])
    return incident


def _loaded(instance: _T, **relationships: Any) -> _T:
    """The instance, its relationships set as read from the database (not as changes)."""
    for name, value in relationships.items():
        set_committed_value(instance, name, value)
    return instance
