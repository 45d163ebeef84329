"""Every filtered view as a download, by suffix, with the list's own query string."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from app.schemas.filters import parse_incident_filter
from app.services import exports
from app.web.auth import CurrentUser
from app.web.deps import DatabaseDep
from app.web.visuals import problem_response

router = APIRouter()

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
    "atom": "application/atom+xml; charset=utf-8",
}


def _base(request: Request) -> str:
    base_url: str | None = request.app.state.settings.base_url
    return (base_url or str(request.base_url)).rstrip("/")


def _stream(chunks: Iterator[str], media_type: str, filename: str | None) -> StreamingResponse:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return StreamingResponse((c.encode() for c in chunks), media_type=media_type, headers=headers)


@router.get("/incidents.{suffix}", name="incident_export")
def incident_export(
    request: Request, database: DatabaseDep, user: CurrentUser, suffix: str, rows: str = "incidents"
) -> Response:
    if suffix not in FORMATS:
        return Response("Not found: exports are .csv, .json, .geojson and .atom", status_code=404)
    parsed = parse_incident_filter(request.query_params.multi_items())
    if parsed.errors:
        return problem_response(parsed.errors)
    if rows not in ("incidents", "claims"):
        return problem_response([("rows", "“rows” is incidents or claims")])
    editor, base = user is not None, _base(request)
    wanted = parsed.filter
    if suffix == "csv":
        per_claim = rows == "claims"
        name = "claims.csv" if per_claim else "incidents.csv"
        chunks = exports.csv_export(database, wanted, base=base, editor=editor, per_claim=per_claim)
        return _stream(chunks, FORMATS["csv"], name)
    if suffix == "json":
        return _stream(
            exports.json_export(database, wanted, base=base, editor=editor), FORMATS["json"], None
        )
    if suffix == "geojson":
        chunks = exports.geojson_export(database, wanted, base=base, editor=editor)
        return _stream(chunks, FORMATS["geojson"], "incidents.geojson")
    title = f"{request.app.state.settings.site_name}: {wanted.url()}"
    chunks = exports.atom_feed(database, wanted, base=base, editor=editor, title=title)
    return _stream(chunks, FORMATS["atom"], None)
