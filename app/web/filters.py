"""Jinja filters and globals: how dates, ranges and vocabularies read on a page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jinja2 import Environment

from app.importers import DATASET_EVENT_PAGES, DATASET_LABELS
from app.links import incident_path
from app.models.vocab import (
    COUNTRY_NAMES,
    CREDIBILITY_LABELS,
    GEO_PRECISION_LABELS,
    RELIABILITY_LABELS,
    ROLE_LABELS,
    event_type_label,
    sub_event_type_label,
)
from app.schemas.filters import IncidentFilter
from app.services.claims import format_range
from app.slugs import slugify


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


def precision_label(precision: str, start: date | None = None, end: date | None = None) -> str:
    if precision != "day":
        return f"within a {precision}"
    return "exact dates" if start is not None and start != end else "exact date"


def is_web_url(value: str | None) -> bool:
    """Only these are ever put in an href: never javascript:, data: or the like."""
    return bool(value) and str(value).lower().startswith(("https://", "http://"))


def quick_ranges(today: date | None = None) -> list[tuple[str, date, date]]:
    """Links that set `from` and `to` to fixed dates, so a shared link shows the same days."""
    today = today or date.today()
    return [
        ("Last 7 days", today - timedelta(days=6), today),
        ("Last 30 days", today - timedelta(days=29), today),
        ("This year", date(today.year, 1, 1), today),
        (str(today.year - 1), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


def page_window(current: int, last: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and a few around the current; None is a gap."""
    wanted = {1, last, *range(max(1, current - around), min(last, current + around) + 1)}
    pages: list[int | None] = []
    for n in sorted(wanted):
        if pages and pages[-1] is not None and n - pages[-1] > 1:
            pages.append(None)
        pages.append(n)
    return pages


def static_url(path: str) -> str:
    """Site-relative, so pages work behind any proxy or host name."""
    return f"/static/{path}"


def plural(count: int, noun: str) -> str:
    """1 claim, 2 claims."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def humanize(value: str) -> str:
    return value.replace("_", " ").replace("-", " ").capitalize()


def country_name(code: str | None) -> str:
    """A country side as readers know it; an unknown code as written, none as a dash."""
    return COUNTRY_NAMES.get(code or "", code or "—")


def filter_url(**parameters: Any) -> str:
    """The incident list's canonical link for these filters."""
    return IncidentFilter(**parameters).url()


def install(env: Environment) -> None:
    env.filters["slugify"] = slugify
    env.filters["humanize"] = humanize
    env.filters["plural"] = plural
    env.filters["event_type"] = event_type_label
    env.globals["date_span"] = date_span
    env.globals["precision_label"] = precision_label
    env.globals["static_url"] = static_url
    env.globals["ROLE_LABELS"] = ROLE_LABELS
    env.tests["web_url"] = is_web_url
    env.globals["page_window"] = page_window
    env.globals["format_range"] = format_range
    env.globals["DATASET_LABELS"] = DATASET_LABELS
    env.globals["country_name"] = country_name
    env.globals["COUNTRY_NAMES"] = COUNTRY_NAMES
    env.globals["filter_url"] = filter_url
    env.globals["incident_path"] = incident_path
    env.globals["DATASET_EVENT_PAGES"] = DATASET_EVENT_PAGES
    env.globals["sub_event_type_label"] = sub_event_type_label
    env.globals["RELIABILITY_LABELS"] = RELIABILITY_LABELS
    env.globals["CREDIBILITY_LABELS"] = CREDIBILITY_LABELS
    env.globals["GEO_PRECISION_LABELS"] = GEO_PRECISION_LABELS
