"""The incident filter: parsed from, and written back to, the query string.

The same IncidentFilter drives the list page, its facets, the exports and the API, so a link
reproduces a view exactly. Parsing never raises: every problem is reported against the parameter
that caused it, as an error (the view cannot be shown: status 422) or a notice (the value was
ignored and the page says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from app.i18n import N_, gettext
from app.models.vocab import EVENT_TYPES, ClaimStatus, ReviewState

# The sort orders and their labels (marked here, translated where the form shows them).
SORTS = {
    "-date": N_("Newest first"),
    "date": N_("Oldest first"),
    "-killed": N_("Highest claimed killed"),
    "-updated": N_("Last updated"),
}
DEFAULT_SORT = "-date"
MAX_QUERY_LENGTH = 200
MAX_VALUES_PER_PARAMETER = 25
MAX_PAGE = 100_000
PAGE_PATTERN = re.compile(r"[0-9]{1,6}")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{3}$")
REPORTED_BY = ("acled", "ucdp", "editors")

# Parameters that may repeat, each with the filter field it fills.
MULTI_VALUED = {
    "actor": "actors",
    "status": "statuses",
    "sector": "sectors",
    "province": "provinces",
    "district": "districts",
    "type": "types",
    "country": "countries",
    # Who holds a record of it: acled, ucdp, or editors (incidents no dataset has).
    "reported_by": "reported_by",
    # Review state: drafts and archived incidents, for editors only.
    "state": "states",
}
SINGLE_VALUED = ("from", "to", "q", "sort", "page")


@dataclass(frozen=True)
class Problem:
    parameter: str
    message: str  # for the reader, in the request's language (English for the API)


@dataclass(frozen=True)
class IncidentFilter:
    date_from: date | None = None
    date_to: date | None = None
    actors: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    reported_by: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    q: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    def query_items(self, *, page: bool = True) -> list[tuple[str, str]]:
        """The canonical query string: fixed order, no empty or default values."""
        items: list[tuple[str, str]] = []
        if self.date_from:
            items.append(("from", self.date_from.isoformat()))
        if self.date_to:
            items.append(("to", self.date_to.isoformat()))
        for parameter, attribute in MULTI_VALUED.items():
            items += [(parameter, value) for value in getattr(self, attribute)]
        if self.q:
            items.append(("q", self.q))
        if self.sort != DEFAULT_SORT:
            items.append(("sort", self.sort))
        if page and self.page != 1:
            items.append(("page", str(self.page)))
        return items

    def query_string(self, **changes: Any) -> str:
        target = replace(self, **changes) if changes else self
        return urlencode(target.query_items())

    def url(self, path: str = "/incidents", **changes: Any) -> str:
        query = self.query_string(**changes)
        return f"{path}?{query}" if query else path

    def toggled(self, parameter: str, value: str) -> IncidentFilter:
        """This filter with one value of a repeatable parameter switched on or off (page 1)."""
        attribute = MULTI_VALUED[parameter]
        current: tuple[str, ...] = getattr(self, attribute)
        values = tuple(v for v in current if v != value) if value in current else (*current, value)
        updates: dict[str, Any] = {attribute: values, "page": 1}
        return replace(self, **updates)

    def removal_links(self) -> list[tuple[str, str, str]]:
        """(parameter, value, the link without it) for each active filter."""
        links = []
        for parameter, value in self.query_items(page=False):
            if parameter in MULTI_VALUED:
                links.append((parameter, value, self.toggled(parameter, value).url()))
            elif parameter in ("from", "to", "q"):
                cleared = {"from": "date_from", "to": "date_to", "q": "q"}[parameter]
                empty: dict[str, Any] = {cleared: "" if parameter == "q" else None, "page": 1}
                links.append((parameter, value, self.url(**empty)))
        return links

    @property
    def is_filtered(self) -> bool:
        """True when any filter (not just a sort order or a page) is set."""
        return any(key not in ("sort", "page") for key, _ in self.query_items())


@dataclass
class ParsedFilter:
    filter: IncidentFilter
    errors: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)

    def error_for(self, parameter: str) -> str | None:
        return next((p.message for p in self.errors if p.parameter == parameter), None)


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _parse_date(parameter: str, raw: str, errors: list[Problem]) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        message = gettext("“%(value)s” is not a date; use YYYY-MM-DD")
        errors.append(Problem(parameter, message % {"value": _shorten(raw)}))
        return None


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def parse_incident_filter(params: Iterable[tuple[str, str]]) -> ParsedFilter:
    """Read the query string (as key/value pairs, repeats allowed) into a filter."""
    raw: dict[str, list[str]] = {}
    for key, value in params:
        if key in MULTI_VALUED or key in SINGLE_VALUED:
            raw.setdefault(key, []).append(value.strip())
    errors: list[Problem] = []
    fields: dict[str, Any] = {}

    for parameter in SINGLE_VALUED:
        values = _distinct(raw.get(parameter, []))
        if len(values) > 1:
            # Translators: %(parameter)s is the address's parameter, as typed (from, q, sort).
            message = gettext("give “%(parameter)s” once, not %(count)s times")
            errors.append(
                Problem(parameter, message % {"parameter": parameter, "count": len(values)})
            )
            raw[parameter] = []
        else:
            raw[parameter] = values

    for parameter, attribute in MULTI_VALUED.items():
        values = _distinct(raw.get(parameter, []))
        if len(values) > MAX_VALUES_PER_PARAMETER:
            message = gettext("%(count)s values given; at most %(most)s are allowed")
            errors.append(
                Problem(
                    parameter,
                    message % {"count": len(values), "most": MAX_VALUES_PER_PARAMETER},
                )
            )
            values = []
        fields[attribute] = values

    if raw["from"]:
        fields["date_from"] = _parse_date("from", raw["from"][0], errors)
    if raw["to"]:
        fields["date_to"] = _parse_date("to", raw["to"][0], errors)
    if (
        fields.get("date_from")
        and fields.get("date_to")
        and fields["date_from"] > fields["date_to"]
    ):
        # Translators: “to” and “from” are the address's parameters, as typed.
        errors.append(Problem("to", gettext("“to” is before “from”")))

    # Invalid values are reported and left out of the filter, so the form shows what remains.
    # `message` says why, with the value at %(value)s (and any `more` of its own).
    def keep_valid(
        attribute: str,
        parameter: str,
        valid: Callable[[str], object],
        message: str,
        **more: str,
    ) -> None:
        kept = []
        for value in fields[attribute]:
            if valid(value):
                kept.append(value)
            else:
                errors.append(Problem(parameter, message % {"value": _shorten(value), **more}))
        fields[attribute] = kept

    keep_valid(
        "statuses",
        "status",
        lambda v: v in set(ClaimStatus),
        # Translators: %(statuses)s are the values the address takes, as typed.
        gettext("“%(value)s” is not a claim status (%(statuses)s)"),
        statuses=", ".join(ClaimStatus),
    )
    keep_valid(
        "types", "type", lambda v: v in EVENT_TYPES, gettext("“%(value)s” is not an event type")
    )
    fields["countries"] = [c.upper() for c in fields["countries"]]
    keep_valid(
        "countries",
        "country",
        COUNTRY_PATTERN.match,
        gettext("“%(value)s” is not a three-letter country code"),
    )
    keep_valid("sectors", "sector", SLUG_PATTERN.match, gettext("“%(value)s” is not a sector name"))
    keep_valid(
        "provinces",
        "province",
        SLUG_PATTERN.match,
        gettext("“%(value)s” is not a province name"),
    )
    keep_valid(
        "districts",
        "district",
        SLUG_PATTERN.match,
        gettext("“%(value)s” is not a district name"),
    )
    keep_valid(
        "actors",
        "actor",
        lambda v: len(v) <= MAX_QUERY_LENGTH,
        gettext("“%(value)s” is not an actor name"),
    )
    keep_valid(
        "states",
        "state",
        lambda v: v in set(ReviewState),
        gettext("“%(value)s” is not a review state"),
    )
    keep_valid(
        "reported_by",
        "reported_by",
        lambda v: v in REPORTED_BY,
        # Translators: acled, ucdp and editors are the values the address takes, as typed.
        gettext("“%(value)s” is not one of acled, ucdp, editors"),
    )

    if raw["q"]:
        q = " ".join(raw["q"][0].split())
        if len(q) > MAX_QUERY_LENGTH:
            message = gettext("the search text is %(length)s characters; at most %(most)s")
            errors.append(Problem("q", message % {"length": len(q), "most": MAX_QUERY_LENGTH}))
        else:
            fields["q"] = q

    if raw["sort"]:
        if raw["sort"][0] in SORTS:
            fields["sort"] = raw["sort"][0]
        else:
            # Translators: %(choices)s are the values the address takes, as typed.
            message = gettext("“%(value)s” is not a sort order (%(choices)s)")
            filled = {"value": _shorten(raw["sort"][0]), "choices": ", ".join(SORTS)}
            errors.append(Problem("sort", message % filled))

    if raw["page"]:
        page = raw["page"][0]
        # ASCII digits only, and few of them: "²" passes isdigit() and int() refuses it, and
        # int() refuses numbers of thousands of digits.
        if PAGE_PATTERN.fullmatch(page) and 1 <= int(page) <= MAX_PAGE:
            fields["page"] = int(page)
        else:
            message = gettext("“%(value)s” is not a page number (1 or more)")
            errors.append(Problem("page", message % {"value": _shorten(page)}))

    given: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    for attribute in MULTI_VALUED.values():
        given[attribute] = tuple(given[attribute])
    return ParsedFilter(IncidentFilter(**given), errors)
