"""Path and query parameters every API route bounds the same way."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from app.models.base import MAX_ID
from app.schemas.filters import MAX_PAGE

API_PREFIX = "/api/v1"
MAX_COUNT = 10_000_000
MAX_PER_PAGE = 100

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
Version = Annotated[int, Query(ge=1, le=MAX_ID)]
