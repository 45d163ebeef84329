"""Jinja filters and globals: how dates, ranges and vocabularies read on a page."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from jinja2 import Environment

from app.models.vocab import (
    CREDIBILITY_LABELS,
    GEO_PRECISION_LABELS,
    RELIABILITY_LABELS,
    event_type_label,
    sub_event_type_label,
)
from app.services.claims import format_range


def slugify(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def date_span(start: date, end: date, precision: str) -> str:
    """15 Oct 2025; 11–12 Oct 2025; "week of 6 Oct 2025"; "Oct 2025"."""
    if precision == "month":
        return start.strftime("%b %Y")
    if precision == "week":
        return f"week of {start.day} {start.strftime('%b %Y')}"
    if start == end:
        return f"{start.day} {start.strftime('%b %Y')}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end.strftime('%b %Y')}"
    return f"{start.day} {start.strftime('%b')} – {end.day} {end.strftime('%b %Y')}"


def humanize(value: str) -> str:
    return value.replace("_", " ").replace("-", " ").capitalize()


def install(env: Environment) -> None:
    env.filters["slugify"] = slugify
    env.filters["humanize"] = humanize
    env.filters["event_type"] = event_type_label
    env.globals["date_span"] = date_span
    env.globals["format_range"] = format_range
    env.globals["sub_event_type_label"] = sub_event_type_label
    env.globals["RELIABILITY_LABELS"] = RELIABILITY_LABELS
    env.globals["CREDIBILITY_LABELS"] = CREDIBILITY_LABELS
    env.globals["GEO_PRECISION_LABELS"] = GEO_PRECISION_LABELS
