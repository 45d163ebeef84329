"""Editors' forms: read the submitted fields, keep every typed value, and say what is wrong beside
the field it concerns. Parsing never touches the database; names are resolved by the services."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app import dates
from app.i18n import gettext, latin_digits
from app.models.base import MAX_ID
from app.models.vocab import (
    COUNTRY_NAMES,
    EVENT_TYPES,
    ActorRole,
    ClaimKind,
    ClaimStatus,
    DatePrecision,
    LossParty,
    Outcome,
    Reliability,
)

FIGURE_ROWS_SPARE = 2
SOURCE_ROWS_SPARE = 1
ACTOR_ROWS_SPARE = 2
MAX_ROWS = 40
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
WEB_URL = re.compile(
    r"^(https?://[^\s/$.?#][^\s]*|urn:[a-z0-9][a-z0-9-]{0,31}:\S+)$", re.IGNORECASE
)


@dataclass
class FormData:
    """The raw submitted values (to show again) and the problems found, by field name."""

    raw: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str:
        return self.raw.get(name, "")

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(
    form: FormData, name: str, *, required: bool = False, limit: int = 10_000, missing: str = ""
) -> str:
    """`missing`: what to say when a required field is empty (in the reader's language)."""
    value = form.get(name).strip()
    if required and not value:
        form.errors[name] = missing or gettext("%(field)s is required.") % {
            "field": name.capitalize()
        }
    elif len(value) > limit:
        form.errors[name] = gettext("At most %(limit)s characters (this has %(length)s).") % {
            "limit": limit,
            "length": len(value),
        }
    return value


def _date(form: FormData, name: str, *, required: bool = False) -> date | None:
    value = form.get(name).strip()
    if not value:
        if required:
            form.errors[name] = gettext("A date is required.")
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        form.errors[name] = gettext("Not a date: use YYYY-MM-DD.")
        return None
    if dates.out_of_range(day):
        # The rule is dates.out_of_range's; the sentences are the form's, in the reader's language.
        if day < dates.EARLIEST:
            message = gettext("%(day)s is before %(earliest)s, when the border was agreed.")
        else:
            message = gettext("%(day)s is in the future.")
        form.errors[name] = message % {
            "day": day.isoformat(),
            "earliest": dates.EARLIEST.isoformat(),
        }
        return None
    return day


def _int(form: FormData, name: str, *, low: int = 0, high: int = 10_000_000) -> int | None:
    value = latin_digits(form.get(name).strip())
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", value) or not low <= int(value) <= high:
        form.errors[name] = gettext("A whole number from %(low)s to %(high)s.") % {
            "low": low,
            "high": high,
        }
        return None
    return int(value)


def _float(form: FormData, name: str, *, low: float, high: float) -> float | None:
    value = latin_digits(form.get(name).strip())
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        form.errors[name] = gettext("A number from %(low)s to %(high)s.") % {
            "low": f"{low:g}",
            "high": f"{high:g}",
        }
        return None
    return number


def _choice(
    form: FormData, name: str, allowed: Any, *, required: bool = True, default: str = ""
) -> str | None:
    value = form.get(name).strip() or default
    if not value:
        if required:
            form.errors[name] = gettext("Choose one.")
        return None
    if value not in {str(a) for a in allowed}:
        form.errors[name] = gettext("Not one of the choices.")
        return None
    return value


def _row_indexes(raw: Mapping[str, str], prefix: str, suffix: str = "") -> list[int]:
    """The row numbers present among fields named like prefix_N (or prefix_N_suffix)."""
    indexes = set()
    for key in raw:
        match = re.fullmatch(rf"{prefix}_([0-9]{{1,3}}){suffix}", key)
        if match:
            indexes.add(int(match.group(1)))
    return sorted(i for i in indexes if i < MAX_ROWS)


def form_data(items: list[tuple[str, Any]]) -> FormData:
    """Only text fields count; the last value of a repeated field wins."""
    return FormData({key: value for key, value in items if isinstance(value, str)})


# ---- incidents ---------------------------------------------------------------------------------


@dataclass
class ActorRow:
    actor: str  # slug, name or alias: resolved by the service
    role: str
    row: int  # the form's row number, so a problem is shown beside the right row


@dataclass
class IncidentInput:
    title: str
    summary: str
    date_start: date | None
    date_end: date | None
    date_precision: str | None
    place: str
    new_place_name: str
    new_place_latitude: float | None
    new_place_longitude: float | None
    new_place_country: str
    new_place_sector: str
    location: str
    sector: str  # used only when no place is given; a place brings its own sector
    geo_precision: int | None
    country: str | None
    event_type: str | None
    sub_event_type: str | None
    actors: list[ActorRow]
    assessed: dict[str, int | None]
    assessment_note: str
    notes: str


ASSESSED_FIELDS = ("killed_low", "killed_best", "killed_high", "wounded_low", "wounded_high")


def parse_incident_form(form: FormData) -> IncidentInput:
    title = _text(form, "title", required=True, limit=300, missing=gettext("A title is required."))
    start = _date(form, "date_start", required=True)
    end = _date(form, "date_end") or start
    if start and end and end < start:
        form.errors["date_end"] = gettext("The end date is before the start date.")
    sub_type = form.get("sub_event_type").strip() or None
    if sub_type and not form.get("event_type").strip():
        # A sub-type says its type: without a script to narrow the list, choosing only the
        # sub-type is enough.
        form.raw["event_type"] = next(
            (slug for slug, (_, subs) in EVENT_TYPES.items() if sub_type in subs), ""
        )
    event_type = _choice(form, "event_type", EVENT_TYPES)
    if event_type and sub_type and sub_type not in EVENT_TYPES[event_type][1]:
        label, subs = EVENT_TYPES[event_type]
        form.errors["sub_event_type"] = gettext(
            "Not a sub-type of %(type)s; its sub-types are %(sub_types)s."
        ) % {
            "type": gettext(label),
            "sub_types": ", ".join(gettext(sub) for sub in subs.values()),
        }
        sub_type = None
    place = _text(form, "place", limit=200)
    new_place = _text(form, "new_place_name", limit=200)
    latitude = _float(form, "new_place_latitude", low=-90, high=90)
    longitude = _float(form, "new_place_longitude", low=-180, high=180)
    if new_place:
        if place:
            form.errors["new_place_name"] = gettext(
                "Pick a known place or add a new one, not both."
            )
        if (latitude is None) != (longitude is None):
            form.errors["new_place_latitude"] = gettext("Give both coordinates, or neither.")
    country = _choice(form, "country", tuple(COUNTRY_NAMES), required=False)
    actors = []
    for i in _row_indexes(form.raw, "actor"):
        name = _text(form, f"actor_{i}", limit=200)
        if name:
            role = _choice(form, f"role_{i}", ActorRole) or ""
            actors.append(ActorRow(name, role, i))
    assessed = {name: _int(form, f"assessed_{name}") for name in ASSESSED_FIELDS}
    killed = [assessed["killed_low"], assessed["killed_best"], assessed["killed_high"]]
    known = [k for k in killed if k is not None]
    if known != sorted(known):
        form.errors["assessed_killed_low"] = gettext("Low, best and high must be in order.")
    wounded = [assessed["wounded_low"], assessed["wounded_high"]]
    if None not in wounded and wounded[0] > wounded[1]:  # type: ignore[operator]
        form.errors["assessed_wounded_low"] = gettext("Low must not be above high.")
    return IncidentInput(
        title=title,
        summary=_text(form, "summary", limit=20_000),
        date_start=start,
        date_end=end,
        date_precision=_choice(form, "date_precision", DatePrecision, default="day"),
        place=place,
        new_place_name=new_place,
        new_place_latitude=latitude,
        new_place_longitude=longitude,
        new_place_country=_choice(
            form, "new_place_country", tuple(COUNTRY_NAMES), required=bool(new_place)
        )
        or "",
        new_place_sector=_text(form, "new_place_sector", limit=120),
        location=_text(form, "location", limit=500),
        sector=_text(form, "sector", limit=120),
        geo_precision=_int(form, "geo_precision", low=1, high=3) or 1,
        country=country,
        event_type=event_type,
        sub_event_type=sub_type,
        actors=actors,
        assessed=assessed,
        assessment_note=_text(form, "assessment_note", limit=5_000),
        notes=_text(form, "notes", limit=20_000),
    )


# ---- claims and sources ------------------------------------------------------------------------


@dataclass
class FigureRow:
    party: str
    actor: str
    outcome: str
    low: int
    high: int | None
    row: int


@dataclass
class SourceInput:
    url: str
    outlet: str
    title: str
    published_on: date | None
    language: str
    reliability: str
    row: int = 0


@dataclass
class ClaimInput:
    claimant: str
    spokesperson: str
    spokesperson_role: str
    claimed_on: date | None
    kind: str | None
    statement: str
    statement_language: str
    translation: str
    status: str | None
    credibility: int | None
    responds_to: int | None
    note: str
    figures: list[FigureRow]
    sources: list[SourceInput]


def parse_source_fields(
    form: FormData, prefix: str = "", *, require_outlet: bool = True
) -> SourceInput | None:
    """One source's fields; None when its URL is empty (a spare row)."""
    url = _text(form, f"{prefix}url", limit=2000)
    if not url:
        return None
    if not WEB_URL.match(url):
        form.errors[f"{prefix}url"] = gettext("A web address starting with https:// or http://.")
    outlet = _text(
        form,
        f"{prefix}outlet",
        limit=200,
        required=require_outlet,
        missing=gettext("The outlet is required."),
    )
    language = form.get(f"{prefix}language").strip() or "en"
    if not LANGUAGE.match(language):
        form.errors[f"{prefix}language"] = gettext("A language code such as en, ps, ur, fa or ar.")
    return SourceInput(
        url=url,
        outlet=outlet,
        title=_text(form, f"{prefix}title", limit=500),
        published_on=_date(form, f"{prefix}published_on"),
        language=language,
        reliability=_choice(form, f"{prefix}reliability", Reliability, default="F") or "F",
    )


def parse_claim_form(form: FormData) -> ClaimInput:
    claimant = _text(form, "claimant", limit=200)
    spokesperson = _text(form, "spokesperson", limit=200)
    role = _text(form, "spokesperson_role", limit=300)
    if not (claimant or spokesperson or role):
        form.errors["claimant"] = gettext(
            "Say who makes the claim: a party, or the person or office quoted."
        )
    language = form.get("statement_language").strip() or "en"
    if not LANGUAGE.match(language):
        form.errors["statement_language"] = gettext("A language code such as en, ps, ur, fa or ar.")
    figures = []
    for i in _row_indexes(form.raw, "figure_low"):
        if not (form.get(f"figure_low_{i}").strip() or form.get(f"figure_high_{i}").strip()):
            continue
        low = _int(form, f"figure_low_{i}")
        high = _int(form, f"figure_high_{i}")
        if low is None and f"figure_low_{i}" not in form.errors:
            form.errors[f"figure_low_{i}"] = gettext("The lowest figure claimed is required.")
        if low is not None and high is not None and high < low:
            form.errors[f"figure_high_{i}"] = gettext("High must not be below low.")
        party = _choice(form, f"figure_party_{i}", LossParty) or ""
        outcome = _choice(form, f"figure_outcome_{i}", Outcome) or ""
        actor = _text(form, f"figure_actor_{i}", limit=200)
        figures.append(FigureRow(party, actor, outcome, low or 0, high, i))
    sources = []
    for i in _row_indexes(form.raw, "source", "_url"):
        source = parse_source_fields(form, f"source_{i}_", require_outlet=False)
        if source is not None:
            source.row = i
            sources.append(source)
    responds_to = _int(form, "responds_to", low=1, high=MAX_ID)
    return ClaimInput(
        claimant=claimant,
        spokesperson=spokesperson,
        spokesperson_role=role,
        claimed_on=_date(form, "claimed_on"),
        kind=_choice(form, "kind", ClaimKind),
        statement=_text(form, "statement", limit=20_000),
        statement_language=language,
        translation=_text(form, "translation", limit=20_000),
        status=_choice(form, "status", ClaimStatus, default="unverified"),
        credibility=_int(form, "credibility", low=1, high=6),
        responds_to=responds_to,
        note=_text(form, "note", limit=5_000),
        figures=figures,
        sources=sources,
    )


def expected_version(form: FormData) -> int | None:
    value = form.get("version").strip()
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else None


# ---- filling forms from records ----------------------------------------------------------------


def _s(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def incident_form_values(incident: Any) -> dict[str, str]:
    """The edit form's fields for an existing incident."""
    values = {
        "title": incident.title,
        "summary": incident.summary,
        "date_start": _s(incident.date_start),
        "date_end": _s(incident.date_end),
        "date_precision": incident.date_precision,
        # The slug, not the name: two places may share a name; a slug names one.
        "place": incident.place.slug if incident.place else "",
        "location": incident.location,
        "sector": incident.sector.slug if incident.sector and not incident.place else "",
        "geo_precision": _s(incident.geo_precision),
        "country": _s(incident.country),
        "event_type": incident.event_type,
        "sub_event_type": _s(incident.sub_event_type),
        "assessment_note": incident.assessment_note,
        "notes": incident.notes,
        "version": _s(incident.version),
    }
    for name in ASSESSED_FIELDS:
        values[f"assessed_{name}"] = _s(getattr(incident, f"assessed_{name}"))
    for i, link in enumerate(incident.actor_links, start=1):
        values[f"actor_{i}"] = link.actor.name
        values[f"role_{i}"] = link.role
    return values


def claim_form_values(claim: Any) -> dict[str, str]:
    values = {
        "claimant": claim.claimant.name if claim.claimant else "",
        "spokesperson": _s(claim.spokesperson),
        "spokesperson_role": _s(claim.spokesperson_role),
        "claimed_on": _s(claim.claimed_on),
        "kind": claim.kind,
        "statement": claim.statement,
        "statement_language": claim.statement_language,
        "translation": _s(claim.translation),
        "status": claim.status,
        "credibility": _s(claim.credibility),
        "responds_to": _s(claim.responds_to_id),
        "note": claim.note,
    }
    for i, figure in enumerate(claim.figures, start=1):
        values[f"figure_party_{i}"] = figure.party
        values[f"figure_actor_{i}"] = figure.actor.name if figure.actor else ""
        values[f"figure_outcome_{i}"] = figure.outcome
        values[f"figure_low_{i}"] = _s(figure.low)
        values[f"figure_high_{i}"] = _s(figure.high)
    for i, source in enumerate(claim.sources, start=1):
        values[f"source_{i}_url"] = source.url
        values[f"source_{i}_outlet"] = source.outlet
        values[f"source_{i}_title"] = source.title
        values[f"source_{i}_published_on"] = _s(source.published_on)
        values[f"source_{i}_language"] = source.language
        values[f"source_{i}_reliability"] = source.reliability
    return values


def row_count(values: Mapping[str, str], prefix: str, suffix: str, spare: int) -> int:
    """How many rows of a repeated group to show: those filled in, plus some blank ones."""
    used = _row_indexes(values, prefix, suffix)
    return max(used, default=0) + spare
