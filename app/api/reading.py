"""Reading every entity. The incident list is the browse service's list (services/browse.py):
the same filter, sort and pagination as /incidents, so a page and the API never disagree."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.api.auth import ApiViewer
from app.api.models import (
    ActorOut,
    IncidentDocument,
    IncidentOut,
    PlaceOut,
    SectorList,
    SourceOut,
)
from app.api.pagination import Paginated, paginate, paginated
from app.api.params import API_PREFIX, Id, Page, PerPage
from app.models import Actor, Incident, Place, Sector, Source
from app.services import sources
from app.services.browse import incident_page
from app.services.documents import (
    incident_document,
    incident_row,
    incident_select,
    read_batch,
    source_document,
)
from app.services.visibility import Viewer
from app.web.deps import FilterDep, SessionDep, site_base
from app.web.problems import ProblemError

router = APIRouter(prefix=API_PREFIX)


@router.get("/incidents", response_model=Paginated[IncidentOut])
def list_incidents(
    request: Request,
    session: SessionDep,
    viewer: ApiViewer,
    wanted: FilterDep,
    page: Page = 1,
    per_page: PerPage = 50,
) -> dict[str, Any]:
    """Incidents, with the same filter, sort and page parameters as /incidents (newest first
    unless `sort` says otherwise)."""
    found = incident_page(session, wanted, page_size=per_page, viewer=viewer)
    batch = read_batch(session, incident_select([Incident.id.in_(found.ids)]), with_claims=False)
    rows = {row["id"]: row for row in batch.incidents}
    base = site_base(request)
    items = [incident_row(base, batch, rows[i]) for i in found.ids if i in rows]
    return paginated(
        request, items, page=page, per_page=per_page, total=found.total, notices=found.notices
    )


def incident_json(
    request: Request, session: Session, incident_id: int, viewer: Viewer
) -> dict[str, Any]:
    """The incident as the JSON export gives it, or a 404 problem."""
    conditions = [Incident.id == incident_id, *viewer.incidents()]
    batch = read_batch(session, incident_select(conditions), with_claims=True)
    if not batch.incidents:
        raise ProblemError(404, "Not found", f"There is no incident {incident_id}.")
    return incident_document(site_base(request), batch, batch.incidents[0])


@router.get("/incidents/{incident_id}", response_model=IncidentDocument)
def read_incident(
    request: Request, session: SessionDep, viewer: ApiViewer, incident_id: Id
) -> dict[str, Any]:
    return incident_json(request, session, incident_id, viewer)


def _actor(actor: Actor) -> dict[str, Any]:
    return {
        "slug": actor.slug,
        "name": actor.name,
        "kind": actor.kind,
        "country": actor.country,
        "aliases": actor.aliases,
        "acled_names": actor.acled_names,
        "note": actor.note,
    }


@router.get("/actors", response_model=Paginated[ActorOut])
def list_actors(
    request: Request, session: SessionDep, page: Page = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    query = select(Actor).order_by(Actor.name).options(selectinload(Actor.names))
    return paginate(request, session, query, _actor, page=page, per_page=per_page)


@router.get("/actors/{slug}", response_model=ActorOut)
def read_actor(session: SessionDep, slug: str) -> dict[str, Any]:
    actor = session.scalar(
        select(Actor).where(Actor.slug == slug).options(selectinload(Actor.names))
    )
    if actor is None:
        raise ProblemError(404, "Not found", "There is no such actor.")
    return _actor(actor)


@router.get("/sectors", response_model=SectorList)
def list_sectors(session: SessionDep) -> dict[str, Any]:
    sectors = session.scalars(select(Sector).order_by(Sector.position)).all()
    return {
        "items": [{"slug": s.slug, "name": s.name, "description": s.description} for s in sectors]
    }


def _place(place: Place) -> dict[str, Any]:
    return {
        "slug": place.slug,
        "name": place.name,
        "country": place.country,
        "admin1": place.admin1,
        "admin2": place.admin2,
        "kind": place.kind,
        "sector": place.sector.slug if place.sector else None,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "aliases": [a.alias for a in place.aliases],
    }


@router.get("/places", response_model=Paginated[PlaceOut])
def list_places(
    request: Request, session: SessionDep, viewer: ApiViewer, page: Page = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    query = (
        select(Place)
        .where(*viewer.places())
        .order_by(Place.name, Place.id)
        .options(selectinload(Place.aliases), selectinload(Place.sector))
    )
    return paginate(request, session, query, _place, page=page, per_page=per_page)


def source_json(source: Source) -> dict[str, Any]:
    return {
        "updated_at": sources.version_stamp(source),
        "id": source.id,
        **source_document(source),
    }


@router.get("/sources", response_model=Paginated[SourceOut])
def list_sources(
    request: Request, session: SessionDep, viewer: ApiViewer, page: Page = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    query = select(Source).where(*viewer.sources()).order_by(Source.id)
    return paginate(request, session, query, source_json, page=page, per_page=per_page)
