"""The API's bodies: what it takes (checked again by the forms' own rules) and what it gives.

The output models name the fields the JSON export writes (docs/data-formats.md), so the
OpenAPI document describes them; a test holds the two to the same keys."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.api.params import MAX_COUNT
from app.models.base import MAX_ID

# ---- what the API takes ------------------------------------------------------------------------


class ActorRole(BaseModel):
    actor: str = Field(max_length=200, description="slug, name or alias")
    role: str = Field(description="side_a, side_b, associated, suspected_perpetrator or target")


class IncidentIn(BaseModel):
    title: str = Field(max_length=300)
    summary: str = ""
    date_start: date
    date_end: date | None = None
    date_precision: str = "day"
    place: str = Field("", description="a gazetteer place: slug, name or alias")
    location: str = ""
    sector: str = Field("", description="used only without a place")
    geo_precision: int = Field(1, ge=1, le=3)
    country: str | None = None
    event_type: str
    sub_event_type: str | None = None
    actors: list[ActorRole] = Field(default_factory=list, max_length=40)
    notes: str = ""
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="the version this change starts from (updates)"
    )


class FigureIn(BaseModel):
    party: str
    actor: str | None = None
    outcome: str
    low: int = Field(ge=0, le=MAX_COUNT)
    high: int | None = Field(None, ge=0, le=MAX_COUNT)


class SourceIn(BaseModel):
    url: str = Field(max_length=2000)
    outlet: str = ""
    title: str = ""
    published_on: date | None = None
    language: str = "en"
    reliability: str = "F"


class SourceUpdate(SourceIn):
    updated_at: str = Field(
        description="the source's updated_at as read: a newer one is a conflict"
    )


class ClaimIn(BaseModel):
    claimant: str = ""
    spokesperson: str = ""
    spokesperson_role: str = ""
    claimed_on: date | None = None
    kind: str
    statement: str = ""
    statement_language: str = "en"
    translation: str = ""
    status: str = "unverified"
    credibility: int | None = Field(None, ge=1, le=6)
    responds_to: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = ""
    figures: list[FigureIn] = Field(default_factory=list, max_length=40)
    sources: list[SourceIn] = Field(default_factory=list, max_length=40)
    version: int = Field(
        ge=1, le=MAX_ID, description="the incident's version this change starts from"
    )


# ---- what the API gives ------------------------------------------------------------------------


class ActorLink(BaseModel):
    actor: str
    role: str


class _IncidentFields(BaseModel):
    id: int
    url: str
    title: str
    date_start: str
    date_end: str
    date_precision: str
    country: str | None
    sector: str | None
    place: str | None
    location: str
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    event_type: str
    sub_event_type: str | None
    actors: list[ActorLink]
    contested: bool
    min_claimed_killed: int | None
    max_claimed_killed: int | None
    assessed_killed_low: int | None
    assessed_killed_best: int | None
    assessed_killed_high: int | None
    assessed_wounded_low: int | None
    assessed_wounded_high: int | None
    summary: str
    external_ids: list[str]
    review_state: str
    version: int
    updated_at: str | None
    notes: str
    assessment_note: str


class SourceDocument(BaseModel):
    url: str
    outlet: str
    title: str
    published_on: str | None
    language: str
    reliability: str


class FigureOut(BaseModel):
    party: str
    actor: str | None
    outcome: str
    low: int
    high: int | None
    best: int | None
    part_of_total: bool


class ClaimOut(BaseModel):
    incident_id: int
    incident_url: str
    incident_title: str
    incident_date: str
    claim_id: int
    claimant: str | None
    spokesperson: str | None
    spokesperson_role: str | None
    claimed_on: str | None
    kind: str
    status: str
    credibility: int | None
    responds_to: int | None
    statement: str
    statement_language: str
    translation: str | None
    figures: list[FigureOut]
    killed_low: int | None
    killed_high: int | None
    sources: list[SourceDocument]
    note: str


class IncidentOut(_IncidentFields):
    """An incident as a list row: its claims counted, not listed."""

    claims: int


class IncidentDocument(_IncidentFields):
    """An incident with every claim, side by side."""

    claims: list[ClaimOut]


class ActorOut(BaseModel):
    slug: str
    name: str
    kind: str
    country: str | None
    aliases: list[str]
    acled_names: list[str]
    note: str


class SectorOut(BaseModel):
    slug: str
    name: str
    description: str


class SectorList(BaseModel):
    items: list[SectorOut]


class PlaceOut(BaseModel):
    slug: str
    name: str
    country: str
    admin1: str | None
    admin2: str | None
    kind: str
    sector: str | None
    latitude: float | None
    longitude: float | None
    aliases: list[str]


class SourceOut(SourceDocument):
    updated_at: str
    id: int
