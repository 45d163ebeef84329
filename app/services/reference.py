"""Reference data (sectors, gazetteer, main actors) shipped with the app in app/data/reference/.

Loading is an upsert by slug: running it again changes nothing, and rows editors added are kept.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Actor,
    ActorMapping,
    ActorName,
    District,
    DistrictAlias,
    Place,
    PlaceAlias,
    Sector,
)
from app.services.crosswalk import actor_key
from app.services.gazetteer import DistrictIndex
from app.slugs import slugify

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split("|") if part.strip()]


def _optional(value: str) -> str | None:
    return value.strip() or None


@dataclass
class ReferenceCounts:
    sectors: int = 0
    places: int = 0
    actors: int = 0
    districts: int = 0
    mappings: int = 0


def load_reference_data(session: Session) -> ReferenceCounts:
    """Upsert sectors, places and actors; return how many of each were created."""
    created = ReferenceCounts()
    sectors = {s.slug: s for s in session.scalars(select(Sector))}
    for position, row in enumerate(_rows("sectors.csv")):
        sector = sectors.get(row["slug"])
        if sector is None:
            sector = sectors[row["slug"]] = Sector(slug=row["slug"])
            session.add(sector)
            created.sectors += 1
        sector.name, sector.description, sector.position = row["name"], row["description"], position
    session.flush()
    created.districts = _load_districts(session, sectors)
    session.flush()
    districts = DistrictIndex.load(session)

    places = {
        p.slug: p for p in session.scalars(select(Place).options(selectinload(Place.aliases)))
    }
    for row in _rows("places.csv"):
        place = places.get(row["slug"])
        if place is None:
            place = Place(slug=row["slug"])
            session.add(place)
            created.places += 1
        place.name = row["name"]
        place.country = row["country"]
        place.admin1 = _optional(row["admin1"])
        place.admin2 = _optional(row["admin2"])
        place.kind = row["kind"]
        place.sector = sectors.get(row["sector"])
        place.latitude = float(row["lat"]) if row["lat"] else None
        place.longitude = float(row["lon"]) if row["lon"] else None
        place.source_url = _optional(row["source"])
        point = (place.latitude, place.longitude) if place.latitude is not None else None
        located = districts.locate(place.country, [row["admin2"]], point)  # type: ignore[arg-type]
        place.district_id = located.district.id if located.district else None
        known = {a.alias for a in place.aliases}
        for alias in _split(row["aliases"]):
            if alias not in known:
                place.aliases.append(PlaceAlias(alias=alias))
                known.add(alias)

    actors = {a.slug: a for a in session.scalars(select(Actor).options(selectinload(Actor.names)))}
    for row in _rows("actors.csv"):
        actor = actors.get(row["slug"])
        if actor is None:
            actor = Actor(slug=row["slug"])
            session.add(actor)
            created.actors += 1
        actor.name = row["name"]
        actor.kind = row["kind"]
        actor.country = _optional(row["country"])
        actor.note = row["note"].strip()
        add_actor_names(
            actor, aliases=_split(row["aliases"]), acled_names=_split(row["acled_names"])
        )
        actors[actor.slug] = actor
    session.flush()
    for row in _rows("actors.csv"):
        group = actors.get(row["member_of"]) if row["member_of"] else None
        actors[row["slug"]].member_of_id = group.id if group else None
    created.mappings = _load_crosswalk(session, actors)
    session.flush()
    return created


def _load_districts(session: Session, sectors: dict[str, Sector]) -> int:
    districts = {
        d.slug: d for d in session.scalars(select(District).options(selectinload(District.aliases)))
    }
    created = 0
    for row in _rows("districts.csv"):
        district = districts.get(row["slug"])
        if district is None:
            district = District(slug=row["slug"])
            session.add(district)
            created += 1
        district.name = row["name"]
        district.country = row["country"]
        district.province = row["province"]
        district.province_slug = slugify(row["province"])
        # "away": not on the border, so in no border sector.
        district.on_border = row["sector"] != "away"
        district.sector = sectors.get(row["sector"]) if district.on_border else None
        district.latitude = float(row["lat"]) if row["lat"] else None
        district.longitude = float(row["lon"]) if row["lon"] else None
        district.source_url = _optional(row["source"])
        known = {a.alias for a in district.aliases}
        for alias in _split(row["aliases"]):
            if alias not in known:
                district.aliases.append(DistrictAlias(alias=alias))
                known.add(alias)
    return created


def _load_crosswalk(session: Session, actors: dict[str, Actor]) -> int:
    """Upsert the file's rows by (dataset, name, dates); reference rows no longer in the file
    go, editors' rows stay."""
    existing = {
        (m.dataset, m.name, m.valid_from, m.valid_to): m
        for m in session.scalars(select(ActorMapping).where(ActorMapping.origin == "reference"))
    }
    created = 0
    for row in _rows("actor_crosswalk.csv"):
        valid_from = date.fromisoformat(row["valid_from"]) if row["valid_from"] else None
        valid_to = date.fromisoformat(row["valid_to"]) if row["valid_to"] else None
        mapping = existing.pop((row["dataset"], row["name"], valid_from, valid_to), None)
        if mapping is None:
            mapping = ActorMapping(
                dataset=row["dataset"],
                name=row["name"],
                valid_from=valid_from,
                valid_to=valid_to,
                origin="reference",
            )
            session.add(mapping)
            created += 1
        mapping.name_key = actor_key(row["name"])
        mapping.actor = actors[row["actor"]]
    for stale in existing.values():
        session.delete(stale)
    return created


def add_actor_names(actor: Actor, *, aliases: list[str], acled_names: list[str]) -> None:
    """Add the names the actor does not have yet; existing names are kept."""
    known = {(n.kind, n.name) for n in actor.names}
    for kind, names in (("alias", aliases), ("acled", acled_names)):
        for name in names:
            if (kind, name) not in known:
                actor.names.append(ActorName(kind=kind, name=name))
                known.add((kind, name))
