"""Addresses the app gives out: the one spelling of an incident's link, for pages, exports,
feeds, the map and the API. An incident's address is /incidents/{id}/{slug of its title}; the
slug is for readers, the id alone finds it, so an old title's link still opens."""

from __future__ import annotations

from app.slugs import slugify


def incident_path(incident_id: int, title: str) -> str:
    return f"/incidents/{incident_id}/{slugify(title)}"


def incident_url(base: str, incident_id: int, title: str) -> str:
    """The absolute address, under `base` (the site's address without a trailing slash)."""
    return base + incident_path(incident_id, title)
