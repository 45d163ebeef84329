"""Path and query parameters every API route bounds the same way."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.schemas.filters import MAX_PAGE

API_PREFIX = "/api/v1"
MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database
MAX_COUNT = 10_000_000
MAX_PER_PAGE = 100

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
Version = Annotated[int, Query(ge=1, le=MAX_ID)]
