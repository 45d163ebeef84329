"""The JSON API, /api/v1: read every entity (reading.py); create and change incidents, claims
and sources with an API token, Authorization: Bearer ... (writing.py). Input is checked by the
same rules as the forms; errors are RFC 9457 problem details (web/problems.py)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import reading, writing

# Each module carries the prefix: its routes then have their whole path wherever included.
router = APIRouter(tags=["api"])
router.include_router(reading.router)
router.include_router(writing.router)
