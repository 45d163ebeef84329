"""The JSON API, /api/v1: read every entity; create and change incidents, claims and sources
with an API token (Authorization: Bearer ...). Input is checked by the same rules as the forms;
errors are RFC 9457 problem details."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import Actor, Incident, Place, Sector, Source, User
from app.schemas.filters import parse_incident_filter
from app.schemas.forms import FormData, parse_claim_form, parse_incident_form, parse_source_fields
from app.services import editing, sources
from app.services.browse import filter_conditions, resolve_filter
from app.services.exports import (
    incident_document,
    incident_row,
    incident_select,
    read_batch,
    source_document,
)
from app.services.incidents import places_visible_to, sources_visible_to, visible_to
from app.services.tokens import user_for_api_token
from app.web.deps import DatabaseDep, SessionDep, get_database

router = APIRouter(prefix="/api/v1", tags=["api"])
MAX_PER_PAGE = 100


class ProblemError(Exception):
    """Answered as application/problem+json."""

    def __init__(
        self, status: int, title: str, detail: str = "", errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or {}


def problem(error: ProblemError) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": error.title, "status": error.status}
    if error.detail:
        body["detail"] = error.detail
    if error.errors:
        body["errors"] = [{"field": k, "detail": v} for k, v in error.errors.items()]
    return JSONResponse(body, status_code=error.status, media_type="application/problem+json")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def api_user(request: Request) -> User | None:
    """The token's user, read in a session of its own so writes can carry it (detached)."""
    secret = _bearer(request)
    if secret is None:
        return None
    with get_database(request).read() as session:
        user = user_for_api_token(session, secret)
    if user is None:
        raise ProblemError(
            401, "Invalid token", "The API token is unknown, revoked, or its user is inactive."
        )
    return user


def api_editor(user: Annotated[User | None, Depends(api_user)]) -> User:
    if user is None:
        raise ProblemError(
            401, "Token required", "Send an API token: Authorization: Bearer <token>."
        )
    return user


ApiUser = Annotated[User | None, Depends(api_user)]
ApiEditor = Annotated[User, Depends(api_editor)]
MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database
MAX_COUNT = 10_000_000
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Page = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]


def _base(request: Request) -> str:
    base_url: str | None = request.app.state.settings.base_url
    return (base_url or str(request.base_url)).rstrip("/")


def _page(
    items: list[Any], page: int, per_page: int, total: int, request: Request
) -> dict[str, Any]:
    more = page * per_page < total
    next_url = str(request.url.include_query_params(page=page + 1)) if more else None
    return {"items": items, "page": page, "per_page": per_page, "total": total, "next": next_url}


# ---- reading -----------------------------------------------------------------------------------


@router.get("/incidents")
def list_incidents(
    request: Request, session: SessionDep, user: ApiUser, page: Page = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    """Incidents, newest first, with the same filter parameters as /incidents."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
    parsed = parse_incident_filter(pairs)
    if parsed.errors:
        raise ProblemError(
            422, "Invalid filter", errors={p.parameter: p.message for p in parsed.errors}
        )
    resolved, _ = resolve_filter(session, parsed.filter, can_see_unpublished=user is not None)
    conditions = filter_conditions(resolved, session.get_bind().dialect.name)
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    query = (
        incident_select(conditions)
        .order_by(Incident.date_start.desc(), Incident.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    batch = read_batch(session, query, with_claims=False)
    base = _base(request)
    return _page(
        [incident_row(base, batch, i) for i in batch.incidents], page, per_page, total, request
    )


def _incident_document(
    request: Request, session: Session, incident_id: int, *, include_unpublished: bool = True
) -> dict[str, Any]:
    """The incident as the JSON export gives it, or a 404 problem."""
    conditions = [Incident.id == incident_id, *visible_to(include_unpublished)]
    batch = read_batch(session, incident_select(conditions), with_claims=True)
    if not batch.incidents:
        raise ProblemError(404, "Not found", f"There is no incident {incident_id}.")
    return incident_document(_base(request), batch, batch.incidents[0])


@router.get("/incidents/{incident_id}")
def read_incident(
    request: Request, session: SessionDep, user: ApiUser, incident_id: Id
) -> dict[str, Any]:
    return _incident_document(request, session, incident_id, include_unpublished=user is not None)


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


@router.get("/actors")
def list_actors(
    request: Request, session: SessionDep, page: Page = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(Actor)) or 0
    actors = session.scalars(
        select(Actor)
        .order_by(Actor.name)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Actor.names))
    ).all()
    return _page([_actor(a) for a in actors], page, per_page, total, request)


@router.get("/actors/{slug}")
def read_actor(session: SessionDep, slug: str) -> dict[str, Any]:
    actor = session.scalar(
        select(Actor).where(Actor.slug == slug).options(selectinload(Actor.names))
    )
    if actor is None:
        raise ProblemError(404, "Not found", "There is no such actor.")
    return _actor(actor)


@router.get("/sectors")
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


@router.get("/places")
def list_places(
    request: Request, session: SessionDep, user: ApiUser, page: Page = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    visible = places_visible_to(user is not None)
    total = session.scalar(select(func.count()).select_from(Place).where(*visible)) or 0
    places = session.scalars(
        select(Place)
        .where(*visible)
        .order_by(Place.name)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Place.aliases), selectinload(Place.sector))
    ).all()
    return _page([_place(p) for p in places], page, per_page, total, request)


def _source(source: Source) -> dict[str, Any]:
    return {
        "updated_at": sources.version_stamp(source),
        "id": source.id,
        **source_document(source),
    }


@router.get("/sources")
def list_sources(
    request: Request, session: SessionDep, user: ApiUser, page: Page = 1, per_page: PerPage = 50
) -> dict[str, Any]:
    visible = sources_visible_to(user is not None)
    total = session.scalar(select(func.count()).select_from(Source).where(*visible)) or 0
    rows = session.scalars(
        select(Source)
        .where(*visible)
        .order_by(Source.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return _page([_source(s) for s in rows], page, per_page, total, request)


# ---- writing -----------------------------------------------------------------------------------


class ActorRole(BaseModel):
    actor: str = Field(max_length=200, description="slug, name or alias")
    role: str = Field(description="side_a, side_b, associated, suspected_perpetrator or target")


class IncidentIn(BaseModel):
    title: str = Field(max_length=300)
    summary: str = ""
    date_start: date
    date_end: date | None = None
    date_precision: str = "day"
    place: str = Field("", description="a gazetteer place: slug, name or alias")
    location: str = ""
    sector: str = Field("", description="used only without a place")
    geo_precision: int = Field(1, ge=1, le=3)
    country: str | None = None
    event_type: str
    sub_event_type: str | None = None
    actors: list[ActorRole] = Field(default_factory=list, max_length=40)
    notes: str = ""
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="the version this change starts from (updates)"
    )


class Figure(BaseModel):
    party: str
    actor: str | None = None
    outcome: str
    low: int = Field(ge=0, le=MAX_COUNT)
    high: int | None = Field(None, ge=0, le=MAX_COUNT)


class SourceIn(BaseModel):
    url: str = Field(max_length=2000)
    outlet: str = ""
    title: str = ""
    published_on: date | None = None
    language: str = "en"
    reliability: str = "F"


class ClaimIn(BaseModel):
    claimant: str = ""
    spokesperson: str = ""
    spokesperson_role: str = ""
    claimed_on: date | None = None
    kind: str
    statement: str = ""
    statement_language: str = "en"
    translation: str = ""
    status: str = "unverified"
    credibility: int | None = Field(None, ge=1, le=6)
    responds_to: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = ""
    figures: list[Figure] = Field(default_factory=list, max_length=40)
    sources: list[SourceIn] = Field(default_factory=list, max_length=40)
    version: int = Field(
        ge=1, le=MAX_ID, description="the incident's version this change starts from"
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _incident_form(body: IncidentIn) -> FormData:
    raw = {k: _text(v) for k, v in body.model_dump(exclude={"actors"}).items()}
    for i, link in enumerate(body.actors, start=1):
        raw[f"actor_{i}"], raw[f"role_{i}"] = link.actor, link.role
    return FormData(raw)


def _claim_form(body: ClaimIn) -> FormData:
    raw = {k: _text(v) for k, v in body.model_dump(exclude={"figures", "sources"}).items()}
    for i, figure in enumerate(body.figures, start=1):
        for key, value in figure.model_dump().items():
            raw[f"figure_{key}_{i}"] = _text(value)
    for i, source in enumerate(body.sources, start=1):
        for key, value in source.model_dump().items():
            raw[f"source_{i}_{key}"] = _text(value)
    return FormData(raw)


def _refused(form: FormData) -> ProblemError:
    return ProblemError(422, "Invalid input", errors=form.errors)


def _write(database: Any, action: Any) -> Any:
    """Run a write; turn the editing service's refusals into problem details."""
    try:
        with database.write() as session:
            return action(session)
    except editing.NotFound as missing:
        raise ProblemError(404, "Not found", str(missing)) from None
    except editing.EditRejected as rejected:
        raise ProblemError(422, "Invalid input", errors=rejected.errors) from None
    except editing.EditConflict as conflict:
        raise ProblemError(
            409,
            "Edit conflict",
            f"{conflict}; read it again and send your change from its version.",
        ) from None
    except editing.PublishRefused as refused:
        raise ProblemError(409, "Refused", str(refused)) from None


def _document(database: Any, request: Request, incident_id: Id) -> dict[str, Any]:
    with database.read() as session:
        return _incident_document(request, session, incident_id)


@router.post("/incidents", status_code=201)
def create_incident(
    request: Request, database: DatabaseDep, user: ApiEditor, body: IncidentIn
) -> dict[str, Any]:
    """A new draft incident."""
    form = _incident_form(body)
    data = parse_incident_form(form)
    if not form.ok:
        raise _refused(form)
    incident_id = _write(database, lambda s: editing.create_incident(s, data, user=user).id)
    return _document(database, request, incident_id)


@router.put("/incidents/{incident_id}")
def update_incident(
    request: Request, database: DatabaseDep, user: ApiEditor, incident_id: Id, body: IncidentIn
) -> dict[str, Any]:
    form = _incident_form(body)
    data = parse_incident_form(form)
    if not form.ok:
        raise _refused(form)
    _write(
        database,
        lambda s: editing.update_incident(
            s, incident_id, data, expected_version=body.version, user=user
        ),
    )
    return _document(database, request, incident_id)


def _save_claim(
    request: Request,
    database: Any,
    user: User,
    incident_id: int,
    claim_id: int | None,
    body: ClaimIn,
) -> dict[str, Any]:
    form = _claim_form(body)
    data = parse_claim_form(form)
    if not form.ok:
        raise _refused(form)
    _write(
        database,
        lambda s: editing.save_claim(
            s, incident_id, claim_id, data, expected_version=body.version, user=user
        ),
    )
    return _document(database, request, incident_id)


@router.post("/incidents/{incident_id}/claims", status_code=201)
def create_claim(
    request: Request, database: DatabaseDep, user: ApiEditor, incident_id: Id, body: ClaimIn
) -> dict[str, Any]:
    return _save_claim(request, database, user, incident_id, None, body)


@router.put("/incidents/{incident_id}/claims/{claim_id}")
def update_claim(
    request: Request,
    database: DatabaseDep,
    user: ApiEditor,
    incident_id: Id,
    claim_id: Id,
    body: ClaimIn,
) -> dict[str, Any]:
    return _save_claim(request, database, user, incident_id, claim_id, body)


@router.delete("/incidents/{incident_id}/claims/{claim_id}", status_code=204)
def delete_claim(
    database: DatabaseDep,
    user: ApiEditor,
    incident_id: Id,
    claim_id: Id,
    version: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> Response:
    _write(
        database,
        lambda s: editing.delete_claim(
            s, incident_id, claim_id, expected_version=version, user=user
        ),
    )
    return Response(status_code=204)


@router.post("/sources", status_code=201)
def create_source(database: DatabaseDep, user: ApiEditor, body: SourceIn) -> dict[str, Any]:
    form = FormData({k: _text(v) for k, v in body.model_dump().items()})
    data = parse_source_fields(form)
    if data is None or not form.ok:
        raise _refused(form)
    try:
        with database.write() as session:
            return _source(sources.create_source(session, data, user=user))
    except sources.DuplicateSource:
        raise ProblemError(
            409, "Duplicate", "A source with this address is already on record."
        ) from None


class SourceUpdate(SourceIn):
    updated_at: str = Field(
        description="the source's updated_at as read: a newer one is a conflict"
    )


@router.put("/sources/{source_id}")
def update_source(
    database: DatabaseDep, user: ApiEditor, source_id: Id, body: SourceUpdate
) -> dict[str, Any]:
    form = FormData({k: _text(v) for k, v in body.model_dump(exclude={"updated_at"}).items()})
    data = parse_source_fields(form)
    if data is None or not form.ok:
        raise _refused(form)
    try:
        with database.write() as session:
            source = sources.update_source(
                session, source_id, data, last_seen=body.updated_at, user=user
            )
            return _source(source)
    except LookupError:
        raise ProblemError(404, "Not found", f"There is no source {source_id}.") from None
    except sources.SourceConflict:
        raise ProblemError(409, "Edit conflict", "The source changed since it was read.") from None
    except sources.DuplicateSource:
        raise ProblemError(409, "Duplicate", "Another source already has this address.") from None
