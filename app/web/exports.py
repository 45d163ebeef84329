"""Every filtered view as a download, by suffix, with the list's own query string."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.i18n import gettext
from app.schemas.filters import Problem
from app.services import exports
from app.web.auth import ViewerDep
from app.web.deps import DatabaseDep, FilterDep, site_base
from app.web.problems import invalid_filter
from app.web.streaming import ExportSlots, ExportStream, exports_busy

router = APIRouter()

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "geojson": "application/geo+json",
    "atom": "application/atom+xml; charset=utf-8",
}


def _stream(
    request: Request, chunks: Iterator[str], media_type: str, filename: str | None
) -> Response:
    slots: ExportSlots = request.app.state.export_slots
    if not slots.take():
        return exports_busy()
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else {}
    return ExportStream(chunks, slots=slots, media_type=media_type, headers=headers)


@router.get("/incidents.{suffix}", name="incident_export")
async def incident_export(
    request: Request,
    database: DatabaseDep,
    viewer: ViewerDep,
    wanted: FilterDep,
    suffix: str,
    rows: str = "incidents",
) -> Response:
    """Async, so the export slot is taken and given back on the event loop's one thread; the
    database is read only inside the stream, in worker threads."""
    if suffix not in FORMATS:
        message = gettext("Not found: exports are .csv, .json, .geojson and .atom")
        return Response(message, status_code=404)
    if rows not in ("incidents", "claims"):
        # Translators: “rows” and its values are the address's, as typed.
        message = gettext("“rows” is incidents or claims")
        return invalid_filter([Problem("rows", message)])
    base = site_base(request)
    if suffix == "csv":
        per_claim = rows == "claims"
        name = "claims.csv" if per_claim else "incidents.csv"
        chunks = exports.csv_export(database, wanted, base=base, viewer=viewer, per_claim=per_claim)
        return _stream(request, chunks, FORMATS["csv"], name)
    if suffix == "json":
        chunks = exports.json_export(database, wanted, base=base, viewer=viewer)
        return _stream(request, chunks, FORMATS["json"], None)
    if suffix == "geojson":
        chunks = exports.geojson_export(database, wanted, base=base, viewer=viewer)
        return _stream(request, chunks, FORMATS["geojson"], "incidents.geojson")
    title = f"{request.app.state.settings.site_name}: {wanted.url()}"
    chunks = exports.atom_feed(database, wanted, base=base, viewer=viewer, title=title)
    return _stream(request, chunks, FORMATS["atom"], None)
