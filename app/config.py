"""Settings read from the environment when the app or a command starts (never at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SQLITE_PATH = Path("data") / "incidents.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str
    site_name: str = "Border Incident Tracker"
    # Absolute base URL for canonical links and previews behind a proxy; None uses the request's.
    base_url: str | None = None
    log_level: str = "info"
    # An online tile layer under the map, only when configured; the built-in basemap needs none.
    tile_url: str | None = None
    tile_attribution: str = ""
    # Anonymous readers' list and incident pages are kept until the next write (PAGE_CACHE=off
    # renders every request, for measuring or debugging).
    page_cache: bool = True
    # Lists, facets, the timeline and the places table are counted from an in-memory index kept
    # current with every write (services/facet_index.py); FACET_INDEX=off counts in SQL.
    facet_index: bool = True
    # Pages one worker renders at a time; the others wait their turn (web/caching.py).
    renders_at_once: int = 1


def _switch(value: str | None) -> bool:
    """On unless set to off, 0, false or no."""
    return (value or "on").lower() not in {"off", "0", "false", "no"}


def _count(name: str, value: str | None, default: int) -> int:
    if not value:
        return default
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{name} is a whole number of 1 or more, not “{value}”")
    return count


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    return Settings(
        database_url=env.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        site_name=env.get("SITE_NAME") or "Border Incident Tracker",
        base_url=(env.get("BASE_URL") or None),
        log_level=env.get("LOG_LEVEL") or "info",
        tile_url=env.get("TILE_URL") or None,
        tile_attribution=env.get("TILE_ATTRIBUTION") or "",
        page_cache=_switch(env.get("PAGE_CACHE")),
        facet_index=_switch(env.get("FACET_INDEX")),
        renders_at_once=_count("RENDERS_AT_ONCE", env.get("RENDERS_AT_ONCE"), 1),
    )
