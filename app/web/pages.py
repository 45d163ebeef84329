"""HTML pages: parse the request, call one service, render one template."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from app.services.comparison import compare_claims
from app.services.incidents import get_incident, list_incidents
from app.web.deps import DatabaseDep, SessionDep, TemplatesDep

router = APIRouter()


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/incidents", status_code=302)


@router.get("/incidents", response_class=HTMLResponse)
def incident_list(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    result = list_incidents(session, page=page)
    return templates.TemplateResponse(request, "incidents/list.html", {"result": result})


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
@router.get("/incidents/{incident_id}/{slug}", response_class=HTMLResponse)
def incident_detail(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    incident_id: str,
    slug: str | None = None,
) -> Response:
    # Any id that is not a known incident number is "not found", including "abc".
    number = int(incident_id) if incident_id.isdigit() and len(incident_id) <= 18 else None
    incident = get_incident(session, number) if number is not None else None
    if incident is None:
        raise HTTPException(status_code=404, detail="There is no incident at this address.")
    context = {"incident": incident, "comparison": compare_claims(incident)}
    return templates.TemplateResponse(request, "incidents/detail.html", context)


@router.get("/healthz")
def healthz(database: DatabaseDep) -> JSONResponse:
    try:
        with database.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as error:  # any failure to reach the database is what this reports
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        return JSONResponse({"status": "error", "database": first_line}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
