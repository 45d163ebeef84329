"""Jinja filters and globals: how dates, ranges and vocabularies read on a page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jinja2 import Environment

from app.i18n import N_, Translated, format_day, format_number, gettext, ngettext
from app.importers import DATASET_EVENT_PAGES, DATASET_LABELS
from app.links import incident_path
from app.models.vocab import (
    COUNTRY_NAMES,
    CREDIBILITY_LABELS,
    GEO_PRECISION_LABELS,
    RELIABILITY_LABELS,
    ROLE_LABELS,
    VALUE_LABELS,
    event_type_label,
    sub_event_type_label,
)
from app.schemas.filters import IncidentFilter
from app.services.claims import format_range
from app.slugs import slugify
from app.web.languages import per_reader


def date_span(start: date, end: date, precision: str) -> str:
    """15 Oct 2025; 11–12 Oct 2025; "week of 6 Oct 2025"; "Oct 2025": in the reader's language,
    months and digits as it writes them."""
    if precision == "month":
        return format_day(start, "MMM y")
    if precision == "week":
        return gettext("week of %(day)s") % {"day": format_day(start)}
    if start == end:
        return format_day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{format_number(start.day)}–{format_day(end)}"
    return f"{format_day(start, 'd MMM')} – {format_day(end)}"


PRECISIONS = {"week": N_("within a week"), "month": N_("within a month")}


def precision_label(precision: str, start: date | None = None, end: date | None = None) -> str:
    if precision != "day":
        return gettext(PRECISIONS.get(precision, precision))
    return gettext("exact dates") if start is not None and start != end else gettext("exact date")


def is_web_url(value: str | None) -> bool:
    """Only these are ever put in an href: never javascript:, data: or the like."""
    return bool(value) and str(value).lower().startswith(("https://", "http://"))


def quick_ranges(today: date | None = None) -> list[tuple[str, date, date]]:
    """Links that set `from` and `to` to fixed dates, so a shared link shows the same days."""
    today = today or date.today()
    return [
        (gettext("Last 7 days"), today - timedelta(days=6), today),
        (gettext("Last 30 days"), today - timedelta(days=29), today),
        (gettext("This year"), date(today.year, 1, 1), today),
        (
            format_day(date(today.year - 1, 1, 1), "y"),
            date(today.year - 1, 1, 1),
            date(today.year - 1, 12, 31),
        ),
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


# The nouns pages count, in every grammatical number the languages have.
COUNTED = {
    "incident": lambda n: ngettext("%(num)s incident", "%(num)s incidents", n),
    "claim": lambda n: ngettext("%(num)s claim", "%(num)s claims", n),
    "place": lambda n: ngettext("%(num)s place", "%(num)s places", n),
    "point": lambda n: ngettext("%(num)s point", "%(num)s points", n),
    "source": lambda n: ngettext("%(num)s source", "%(num)s sources", n),
    "actor": lambda n: ngettext("%(num)s actor", "%(num)s actors", n),
    "claimant": lambda n: ngettext("%(num)s claimant", "%(num)s claimants", n),
}


def plural(count: int, noun: str) -> str:
    """1 claim, 2 claims; ۲ ادعاوې in Pashto."""
    return COUNTED[noun](count) % {"num": format_number(count)}


def humanize(value: str) -> str:
    """A vocabulary's value as a label: its own, marked for translation, where it has one."""
    if value in VALUE_LABELS:
        return gettext(VALUE_LABELS[value])
    return value.replace("_", " ").replace("-", " ").capitalize()


def country_name(code: str | None) -> str:
    """A country side as readers know it; an unknown code as written, none as a dash."""
    return gettext(COUNTRY_NAMES[code]) if code in COUNTRY_NAMES else (code or "—")


def filter_url(**parameters: Any) -> str:
    """The incident list's canonical link for these filters."""
    return IncidentFilter(**parameters).url()


def install(env: Environment) -> None:
    env.filters["slugify"] = slugify
    env.filters["humanize"] = per_reader(humanize)
    env.filters["plural"] = per_reader(plural)
    env.filters["event_type"] = per_reader(lambda slug: gettext(event_type_label(slug)))
    env.globals["date_span"] = date_span
    env.globals["precision_label"] = precision_label
    env.globals["static_url"] = static_url
    env.globals["ROLE_LABELS"] = Translated(ROLE_LABELS)
    env.tests["web_url"] = is_web_url
    env.globals["page_window"] = page_window
    env.globals["format_range"] = format_range
    env.globals["DATASET_LABELS"] = DATASET_LABELS  # names: ACLED, UCDP
    env.globals["country_name"] = country_name
    env.globals["COUNTRY_NAMES"] = Translated(COUNTRY_NAMES)
    env.globals["filter_url"] = filter_url
    env.globals["incident_path"] = incident_path
    env.globals["DATASET_EVENT_PAGES"] = DATASET_EVENT_PAGES
    env.globals["sub_event_type_label"] = lambda event_type, sub: gettext(
        sub_event_type_label(event_type, sub)
    )
    env.globals["RELIABILITY_LABELS"] = Translated(RELIABILITY_LABELS)
    env.globals["CREDIBILITY_LABELS"] = Translated(CREDIBILITY_LABELS)
    env.globals["GEO_PRECISION_LABELS"] = Translated(GEO_PRECISION_LABELS)
