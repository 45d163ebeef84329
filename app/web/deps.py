"""Typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from app.db import Database
from app.i18n import ENGLISH, gettext
from app.schemas.filters import IncidentFilter, ParsedFilter, parse_incident_filter
from app.web.problems import ProblemError


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def site_base(request: Request) -> str:
    """The site's own address, without a trailing slash, for absolute links (canonical links,
    exports, feeds, the API): the configured base URL, or the one the request came to."""
    base_url: str | None = request.app.state.settings.base_url
    if base_url:
        return base_url.rstrip("/")
    base = str(request.base_url).rstrip("/")
    # The request's base ends in the language's prefix (it is in root_path): the site's own
    # address is without it, and pages add the prefix where they mean a page in a language.
    prefix = getattr(request.state, "language", ENGLISH).prefix
    return base[: len(base) - len(prefix)] if prefix and base.endswith(prefix) else base


def read_session(request: Request) -> Iterator[Session]:
    with get_database(request).read() as session:
        yield session


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


SessionDep = Annotated[Session, Depends(read_session)]
DatabaseDep = Annotated[Database, Depends(get_database)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


def query_filter(request: Request) -> ParsedFilter:
    """The incident filter in the query string, as every view of the list reads it (other
    parameters, such as the API's per_page, are not the filter's and are left alone)."""
    return parse_incident_filter(request.query_params.multi_items())


def valid_filter(parsed: Annotated[ParsedFilter, Depends(query_filter)]) -> IncidentFilter:
    """The filter, or problem details naming each bad parameter (data, feeds and the API;
    pages show the form again instead)."""
    if parsed.errors:
        raise ProblemError(422, gettext("Invalid filter"), parameters=parsed.errors)
    return parsed.filter


QueryFilterDep = Annotated[ParsedFilter, Depends(query_filter)]
FilterDep = Annotated[IncidentFilter, Depends(valid_filter)]
