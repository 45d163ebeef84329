"""The map and timeline data of a filter (the list's query string), and the home page."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from app.schemas.filters import ParsedFilter, parse_incident_filter
from app.services import visuals
from app.services.browse import filter_conditions, resolve_filter
from app.services.coverage import coverage
from app.services.visibility import Viewer
from app.web.auth import CurrentUser, ViewerDep
from app.web.caching import cached_page
from app.web.deps import FilterDep, QueryFilterDep, SessionDep, TemplatesDep

router = APIRouter()
GLANCE_DAYS = 30


@router.get("/incidents/map.geojson")
def incidents_geojson(session: SessionDep, viewer: ViewerDep, wanted: FilterDep) -> Response:
    collection = visuals.map_features(session, wanted, viewer=viewer)
    return JSONResponse(collection, media_type="application/geo+json")


@router.get("/incidents/timeline.json")
def incidents_timeline(session: SessionDep, viewer: ViewerDep, wanted: FilterDep) -> Response:
    series = visuals.timeline(session, wanted, viewer=viewer)
    return JSONResponse(series.as_json())


@router.get("/incidents/coverage", response_class=HTMLResponse)
def incidents_coverage(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: CurrentUser,
    viewer: ViewerDep,
    parsed: QueryFilterDep,
) -> Response:
    """For any filter of the list: how many incidents only ACLED has, only UCDP, both, neither."""
    return cached_page(
        request,
        session,
        user,
        lambda: _render_coverage(request, session, templates, viewer, parsed),
    )


def _render_coverage(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    viewer: Viewer,
    parsed: ParsedFilter,
) -> Response:
    resolved, notices = resolve_filter(session, parsed.filter, viewer=viewer)
    conditions = filter_conditions(resolved, session.get_bind().dialect.name)
    context = {
        "parsed": parsed,
        "filter": resolved,
        "notices": notices,
        "coverage": coverage(session, conditions),
    }
    status = 422 if parsed.errors else 200
    return templates.TemplateResponse(request, "incidents/coverage.html", context, status)


@router.get("/places.geojson")
def places_geojson(session: SessionDep, viewer: ViewerDep) -> Response:
    features = visuals.gazetteer_features(session, viewer=viewer)
    return JSONResponse(features, media_type="application/geo+json")


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, session: SessionDep, templates: TemplatesDep, user: CurrentUser
) -> Response:
    return cached_page(request, session, user, lambda: _render_home(request, session, templates))


def _render_home(request: Request, session: Session, templates: Jinja2Templates) -> Response:
    today = date.today()
    since = today - timedelta(days=GLANCE_DAYS - 1)
    recent = visuals.glance(session, since=since)
    latest = visuals.latest(session)
    quiet = None
    if not recent.incidents and latest:
        # Nothing in the last days: the page says so, and shows the latest days that have
        # incidents instead of an empty panel.
        quiet = (since, today)
        today = max(i.date_end for i in latest[:1])
        since = today - timedelta(days=GLANCE_DAYS - 1)
        recent = visuals.glance(session, since=since)
    context = {
        "recent": recent,
        "quiet": quiet,
        "all_time": visuals.glance(session),
        "since": since,
        "today": today,
        "latest": latest,
        "all_timeline": visuals.timeline(session, parse_incident_filter([]).filter),
    }
    return templates.TemplateResponse(request, "home.html", context)
