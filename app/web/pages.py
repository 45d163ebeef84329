"""HTML pages: parse the request, call one service, render one template."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.i18n import gettext
from app.models import Incident
from app.models.base import MAX_ID
from app.schemas.filters import SORTS, ParsedFilter
from app.services import records, visuals
from app.services.actors import suggest_actors
from app.services.browse import browse_incidents, counts_in_windows
from app.services.comparison import compare_claims, spread_summary
from app.services.coverage import reported_by_text
from app.services.incidents import get_incident
from app.services.merge_links import merged_into
from app.services.proposals_view import waiting_for
from app.services.versions import incident_at_version
from app.services.visibility import Viewer
from app.web.auth import CurrentUser, ViewerDep
from app.web.caching import cached_page
from app.web.deps import DatabaseDep, QueryFilterDep, SessionDep, TemplatesDep
from app.web.filters import quick_ranges
from app.web.htmx import is_fragment_request

router = APIRouter()
log = logging.getLogger(__name__)


def parse_id(text: str) -> int | None:
    """An id from a URL; anything else ("abc", "²", "-1", 10**20) is simply not found."""
    if re.fullmatch(r"[0-9]{1,10}", text) and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


@router.get("/incidents", response_class=HTMLResponse)
def incident_list(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: CurrentUser,
    viewer: ViewerDep,
    parsed: QueryFilterDep,
) -> Response:
    return cached_page(
        request, session, user, lambda: _render_list(request, session, templates, viewer, parsed)
    )


def _render_list(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    viewer: Viewer,
    parsed: ParsedFilter,
) -> Response:
    # With bad parameters the page says what is wrong (422) and the form keeps the rest, with
    # its facet counts, so the reader can correct it.
    result = browse_incidents(session, parsed.filter, viewer=viewer)
    ranges = quick_ranges()
    in_ranges: list[int | None] = [None] * len(ranges)
    if result.filter.date_from is None and result.filter.date_to is None:
        # Counted from the page's own selection: free. With dates chosen it would be another
        # selection over every incident, which doubled a list page's cost at a million.
        in_ranges = list(
            counts_in_windows(
                session,
                result.filter,
                [(start, end) for _, start, end in ranges],
                viewer=viewer,
            )
        )
    context = {
        # Each with how many incidents it holds (when no dates are chosen), so an empty one
        # says so before it is chosen.
        "quick_ranges": [(*r, n) for r, n in zip(ranges, in_ranges, strict=True)],
        "parsed": parsed,
        "result": result,
        "sorts": SORTS,
        "actor_suggestions": suggest_actors(session),
        # The map and the chart load their data by script; these tables are the same data
        # for readers without it.
        "timeline": visuals.timeline(session, result.filter, viewer=viewer),
        "places": visuals.places_table(session, result.filter, viewer=viewer),
    }
    status = 422 if parsed.errors else 200
    if not is_fragment_request(request):
        return templates.TemplateResponse(request, "incidents/list.html", context, status)
    response = templates.TemplateResponse(request, "incidents/_browse.html", context, status)
    if not parsed.errors:
        # The address bar shows the clean, canonical link for what is on screen.
        response.headers["HX-Push-Url"] = result.filter.url()
    return response


@router.get("/actors/suggest", response_class=HTMLResponse)
def actor_suggestions(
    request: Request, session: SessionDep, templates: TemplatesDep, actor: str = ""
) -> Response:
    """Options for the actor autocomplete (a datalist), matching names and aliases."""
    context = {"actor_suggestions": suggest_actors(session, actor[:200])}
    return templates.TemplateResponse(request, "actors/_suggestions.html", context)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
@router.get("/incidents/{incident_id}/{slug}", response_class=HTMLResponse)
def incident_detail(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: CurrentUser,
    viewer: ViewerDep,
    incident_id: str,
    slug: str | None = None,
) -> Response:
    number = parse_id(incident_id)
    return cached_page(
        request,
        session,
        user,
        lambda: _render_incident(request, session, templates, viewer, number),
    )


def _render_incident(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    viewer: Viewer,
    number: int | None,
) -> Response:
    incident = get_incident(session, number, viewer=viewer) if number is not None else None
    if incident is None:
        raise _not_found(gettext("There is no incident at this address."))
    context: dict[str, object] = {}
    if viewer.sees_unpublished:
        # Editors' tools (never in a cached page: editors are not served from the cache).
        params = request.query_params
        context |= {
            "merges": merged_into(session, incident.id),
            "waiting": len(waiting_for(session, incident.id)),
            "merge_problem": params.get("merge_problem", "")[:300],
            "merged_now": parse_id(params.get("merged", "")),
        }
    return _incident_page(request, templates, incident, context)


def _incident_page(
    request: Request, templates: Jinja2Templates, incident: Incident, extra: dict[str, object]
) -> Response:
    comparison = compare_claims(incident)
    context = {
        "incident": incident,
        "comparison": comparison,
        "spread_summary": spread_summary(comparison),
        "today": date.today(),
        "reported_by": reported_by_text(incident),
        "map_status": visuals.status_category({claim.status for claim in incident.claims}),
        **extra,
    }
    return templates.TemplateResponse(request, "incidents/detail.html", context)


@dataclass(frozen=True)
class AsOf:
    """What the page of a past version says of it."""

    saved_at: datetime | None
    current_version: int


@router.get("/incidents/{incident_id}/v/{version}", response_class=HTMLResponse)
def incident_version(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    user: CurrentUser,
    viewer: ViewerDep,
    incident_id: str,
    version: str,
) -> Response:
    """An incident as version n left it: the address a citation of a figure gives."""
    number, wanted = parse_id(incident_id), parse_id(version)

    def render() -> Response:
        current = get_incident(session, number, viewer=viewer) if number else None
        if current is None or wanted is None or wanted > current.version:
            raise _not_found(gettext("There is no version of this incident at this address."))
        if wanted == current.version:
            return _incident_page(request, templates, current, {"as_of": AsOf(None, wanted)})
        past = incident_at_version(session, current.id, wanted, viewer=viewer)
        if past is None:
            raise _not_found(gettext("There is no version of this incident at this address."))
        as_of = AsOf(past.saved_at, current.version)
        return _incident_page(request, templates, past.incident, {"as_of": as_of})

    return cached_page(request, session, user, render)


def _not_found(message: str) -> HTTPException:
    """A 404 saying what is not there (`message`, in the reader's language)."""
    return HTTPException(status_code=404, detail=message)


@router.get("/actors/{slug}", response_class=HTMLResponse)
def actor_page(
    request: Request, session: SessionDep, templates: TemplatesDep, slug: str
) -> Response:
    actor = records.get_actor(session, slug)
    if actor is None:
        raise _not_found(gettext("There is no actor at this address."))
    context = {
        "actor": actor,
        "record": records.actor_record(session, actor),
        "claims": records.claims_by_actor(session, actor),
    }
    return templates.TemplateResponse(request, "records/actor.html", context)


@router.get("/sectors/{slug}", response_class=HTMLResponse)
def sector_page(
    request: Request, session: SessionDep, templates: TemplatesDep, viewer: ViewerDep, slug: str
) -> Response:
    sector = records.get_sector(session, slug)
    if sector is None:
        raise _not_found(gettext("There is no sector at this address."))
    context = {
        "sector": sector,
        "record": records.sector_record(session, sector),
        "places": records.places_in_sector(session, sector, viewer=viewer),
    }
    return templates.TemplateResponse(request, "records/sector.html", context)


@router.get("/places/{slug}", response_class=HTMLResponse)
def place_page(
    request: Request, session: SessionDep, templates: TemplatesDep, viewer: ViewerDep, slug: str
) -> Response:
    place = records.get_place(session, slug, viewer=viewer)
    if place is None:
        raise _not_found(gettext("There is no place at this address."))
    context = {"place": place, "record": records.place_record(session, place)}
    return templates.TemplateResponse(request, "records/place.html", context)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, templates: TemplatesDep) -> Response:
    """The API reference, from the OpenAPI document, with the vendored Swagger UI."""
    return templates.TemplateResponse(request, "api_docs.html", {})


@router.get("/healthz")
def healthz(database: DatabaseDep) -> JSONResponse:
    try:
        with database.read() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is what this reports
        # The error names hosts, ports and users: it goes to the log, not to the public.
        log.exception("health check: the database cannot be reached")
        return JSONResponse(
            {"status": "error", "database": "unavailable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return JSONResponse({"status": "ok", "database": "ok"})
