"""The index pages: /actors, /sectors and /places, each with a JSON twin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from app.models import User
from app.schemas.filters import IncidentFilter
from app.services import catalogue
from app.web.auth import CurrentUser
from app.web.caching import cached_page
from app.web.deps import SessionDep, TemplatesDep

router = APIRouter()

# Longer than any place name or alias: a search string past it is cut, not refused.
QUERY_CHARACTERS = 100


def _actors_json(session: Session) -> dict[str, Any]:
    return {
        "groups": [
            {
                "kind": group.kind,
                "heading": group.heading,
                "actors": [
                    {
                        **asdict(actor),
                        "member_of": _named(actor.member_of),
                        "url": f"/actors/{actor.slug}",
                        "incidents_url": IncidentFilter(actors=(actor.slug,)).url(),
                    }
                    for actor in group.actors
                ],
            }
            for group in catalogue.actor_catalogue(session)
        ]
    }


def _sectors_json(session: Session) -> dict[str, Any]:
    return {
        "sectors": [
            {
                **asdict(sector),
                "url": f"/sectors/{sector.slug}",
                "incidents_url": IncidentFilter(sectors=(sector.slug,)).url(),
                "districts": [
                    {**asdict(d), "incidents_url": IncidentFilter(districts=(d.slug,)).url()}
                    for d in sector.districts
                ],
            }
            for sector in catalogue.sector_catalogue(session)
        ]
    }


def _places_json(session: Session, q: str) -> dict[str, Any]:
    places, total = catalogue.place_catalogue(session, q)
    return {
        "q": q,
        "total": total,
        "shown": len(places),
        "places": [
            {**asdict(place), "sector": _named(place.sector), "url": f"/places/{place.slug}"}
            for place in places
        ],
    }


def _named(pair: tuple[str, str] | None) -> dict[str, str] | None:
    return None if pair is None else {"slug": pair[0], "name": pair[1]}


def _index_page(
    request: Request,
    session: Session,
    templates: Jinja2Templates,
    user: User | None,
    template: str,
    context: Callable[[], dict[str, Any]],
) -> Response:
    return cached_page(
        request,
        session,
        user,
        lambda: templates.TemplateResponse(request, f"records/{template}", context()),
    )


@router.get("/actors", response_class=HTMLResponse)
def actors_index(
    request: Request, session: SessionDep, templates: TemplatesDep, user: CurrentUser
) -> Response:
    return _index_page(
        request, session, templates, user, "actors.html",
        lambda: {"groups": catalogue.actor_catalogue(session)},
    )  # fmt: skip


@router.get("/actors.json")
def actors_index_json(session: SessionDep) -> JSONResponse:
    return JSONResponse(_actors_json(session))


@router.get("/sectors", response_class=HTMLResponse)
def sectors_index(
    request: Request, session: SessionDep, templates: TemplatesDep, user: CurrentUser
) -> Response:
    return _index_page(
        request, session, templates, user, "sectors.html",
        lambda: {"sectors": catalogue.sector_catalogue(session)},
    )  # fmt: skip


@router.get("/sectors.json")
def sectors_index_json(session: SessionDep) -> JSONResponse:
    return JSONResponse(_sectors_json(session))


@router.get("/places", response_class=HTMLResponse)
def places_index(
    request: Request, session: SessionDep, templates: TemplatesDep, user: CurrentUser, q: str = ""
) -> Response:
    q = q[:QUERY_CHARACTERS]

    def places() -> dict[str, Any]:
        found, total = catalogue.place_catalogue(session, q)
        return {"places": found, "total": total, "q": q}

    return _index_page(request, session, templates, user, "places.html", places)


@router.get("/places.json")
def places_index_json(session: SessionDep, q: str = "") -> JSONResponse:
    return JSONResponse(_places_json(session, q[:QUERY_CHARACTERS]))
