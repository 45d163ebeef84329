"""The parties, the sectors and the places, each with what the record holds about it: the index
pages /actors, /sectors and /places and their JSON twins.

Incident counts are the list's own facet counts for every published incident (from the facet
index where the app keeps one), so a count here is what the list shows for that actor, sector
or place."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import Actor, Claim, District, Incident, Place, PlaceAlias, Sector
from app.models.vocab import ActorKind, ClaimStatus, ReviewState
from app.schemas.filters import IncidentFilter
from app.services.browse import facet_rows
from app.services.search import escape_like
from app.services.visibility import READER
from app.services.visuals import places_table

# How a party's kind reads as a heading, in the order the page lists them (marked here, translated
# where the page shows them).
ACTOR_KIND_HEADINGS = {
    ActorKind.STATE_FORCES.value: N_("State forces"),
    ActorKind.REBEL_GROUP.value: N_("Armed groups"),
    ActorKind.CIVILIANS.value: N_("Civilians"),
    ActorKind.DATASET.value: N_("Datasets (their figures are recorded as claims)"),
    ActorKind.OTHER.value: N_("Others"),
}
PLACES_SHOWN = 500


@dataclass(frozen=True)
class ActorEntry:
    slug: str
    name: str
    kind: str
    member_of: tuple[str, str] | None  # (slug, name)
    incidents: int
    claims: dict[str, int]  # the actor's own claims about published incidents, per status

    @property
    def claims_made(self) -> int:
        return sum(self.claims.values())


@dataclass(frozen=True)
class ActorGroup:
    kind: str
    heading: str
    actors: list[ActorEntry]


@dataclass(frozen=True)
class DistrictEntry:
    slug: str
    name: str
    province: str
    country: str
    incidents: int


@dataclass(frozen=True)
class SectorEntry:
    slug: str
    name: str
    description: str
    incidents: int
    districts: list[DistrictEntry] = field(default_factory=list)

    def sides(self) -> list[tuple[str, list[DistrictEntry]]]:
        """The districts by country side, Pakistan's first, as the border is read here."""
        codes = sorted({d.country for d in self.districts}, key=lambda c: (c != "PAK", c))
        return [(code, [d for d in self.districts if d.country == code]) for code in codes]


@dataclass(frozen=True)
class PlaceEntry:
    slug: str
    name: str
    country: str
    sector: tuple[str, str] | None  # (slug, name)
    incidents: int


def actor_catalogue(session: Session) -> list[ActorGroup]:
    """Every actor, grouped by kind, busiest first within a kind."""
    incidents = {slug: n for slug, _, n in facet_rows(session, IncidentFilter()).actors}
    claims: dict[int | None, dict[str, int]] = defaultdict(dict)
    for actor_id, status, n in session.execute(
        select(Claim.claimant_actor_id, Claim.status, func.count(Claim.id))
        .join(Incident, Incident.id == Claim.incident_id)
        .where(Incident.review_state == ReviewState.PUBLISHED, Claim.claimant_actor_id.is_not(None))
        .group_by(Claim.claimant_actor_id, Claim.status)
    ):
        claims[actor_id][status] = n
    parent = Actor.__table__.alias("parent")
    rows = session.execute(
        select(Actor.id, Actor.slug, Actor.name, Actor.kind, parent.c.slug, parent.c.name)
        .outerjoin(parent, parent.c.id == Actor.member_of_id)
        .order_by(Actor.name)
    ).all()
    groups: dict[str, list[ActorEntry]] = defaultdict(list)
    for actor_id, slug, name, kind, parent_slug, parent_name in rows:
        counted = claims.get(actor_id, {})
        groups[kind].append(
            ActorEntry(
                slug=slug,
                name=name,
                kind=kind,
                member_of=(parent_slug, parent_name) if parent_slug else None,
                incidents=incidents.get(slug, 0),
                claims={s.value: counted[s.value] for s in ClaimStatus if s.value in counted},
            )
        )
    order = list(ACTOR_KIND_HEADINGS)
    return [
        ActorGroup(
            kind=kind,
            heading=ACTOR_KIND_HEADINGS.get(kind, kind.replace("-", " ").capitalize()),
            actors=sorted(actors, key=lambda a: (-a.incidents, -a.claims_made, a.name)),
        )
        for kind, actors in sorted(
            groups.items(), key=lambda g: order.index(g[0]) if g[0] in order else len(order)
        )
    ]


def sector_catalogue(session: Session) -> list[SectorEntry]:
    """The border sectors south to north, each with its districts (busiest first)."""
    rows = facet_rows(session, IncidentFilter())
    by_sector = {slug: n for slug, _, n in rows.sectors}
    by_district = {slug: n for slug, _, n in rows.districts}
    districts: dict[int | None, list[DistrictEntry]] = defaultdict(list)
    for sector_id, slug, name, province, country in session.execute(
        select(
            District.sector_id, District.slug, District.name, District.province, District.country
        )
        .where(District.sector_id.is_not(None))
        .order_by(District.name)
    ):
        districts[sector_id].append(
            DistrictEntry(slug, name, province, country, by_district.get(slug, 0))
        )
    return [
        SectorEntry(
            slug=sector.slug,
            name=sector.name,
            description=sector.description,
            incidents=by_sector.get(sector.slug, 0),
            districts=sorted(districts[sector.id], key=lambda d: (-d.incidents, d.name)),
        )
        for sector in session.scalars(select(Sector).order_by(Sector.position, Sector.name))
    ]


def place_catalogue(
    session: Session, q: str = "", *, limit: int = PLACES_SHOWN
) -> tuple[list[PlaceEntry], int]:
    """Places a reader may see whose name or an alias contains `q`, busiest first, then by
    name: at most `limit` of them, and how many there are."""
    counts = {
        row.slug: row.incidents for row in places_table(session, IncidentFilter(), limit=100_000)
    }
    conditions = READER.places()
    words = q.strip()
    if words:
        pattern = f"%{escape_like(words.lower())}%"
        aliased = select(PlaceAlias.place_id).where(
            func.lower(PlaceAlias.alias).like(pattern, escape="\\")
        )
        conditions.append(
            or_(func.lower(Place.name).like(pattern, escape="\\"), Place.id.in_(aliased))
        )
    found = [
        PlaceEntry(
            slug=slug,
            name=name,
            country=country,
            sector=(sector_slug, sector_name) if sector_slug else None,
            incidents=counts.get(slug, 0),
        )
        for slug, name, country, sector_slug, sector_name in session.execute(
            select(Place.slug, Place.name, Place.country, Sector.slug, Sector.name)
            .outerjoin(Sector, Sector.id == Place.sector_id)
            .where(*conditions)
        )
    ]
    found.sort(key=lambda p: (-p.incidents, p.name))
    return found[:limit], len(found)
