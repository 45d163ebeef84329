"""Links to a merged-away incident answer 301 to the incident it was merged into.

Every incident address (its page and slug, its history, its edit form, its API document) is
looked up only when it would otherwise be a 404, so a standing link costs nothing extra.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.db import Database
from app.services.merge_links import survivor_of
from app.web.pages import parse_id

INCIDENT_PATH = re.compile(r"^(?P<prefix>/(?:api/v1/)?incidents/)(?P<id>[0-9]+)(?P<rest>/.*)?$")


async def redirect_if_merged(request: Request, database: Database) -> Response | None:
    """A 301 to the same address under the survivor's id, when the id was merged away."""
    if request.method not in ("GET", "HEAD"):
        return None
    found = INCIDENT_PATH.match(request.url.path)
    number = parse_id(found["id"]) if found else None
    if found is None or number is None:
        return None

    def look_up() -> int | None:
        with database.read() as session:
            return survivor_of(session, number)

    survivor = await run_in_threadpool(look_up)
    if survivor is None:
        return None
    target = f"{found['prefix']}{survivor}{found['rest'] or ''}"
    if request.url.query:
        target += f"?{request.url.query}"
    # Permanent while the merge stands, but an unmerge can end it: never kept by a browser or a
    # proxy, so that the incident's own page comes back at once.
    return RedirectResponse(target, status_code=301, headers={"Cache-Control": "no-store"})
