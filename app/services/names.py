"""The small tables a list page names things from (actors, their aliases, sectors, districts),
read once per data version.

The facet index counts by id; a page turns ids into names, slugs into ids and an actor into its
members. Asked of the database each time, that was most of a list page's statements, though
these tables change far less often than incidents. Every write to them raises the data version
(models/cache.py), so a book read at one version stays right until the version moves on. Only
books read by reading sessions are kept: a writer's may hold what its transaction rolls back.
Where the database keeps no version, a book is read for the one request and not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Pool, event, select
from sqlalchemy.orm import Session

from app.db import READS_ONLY
from app.models import Actor, ActorName, District, Sector
from app.services.page_cache import data_version

Answer = TypeVar("Answer")
REMEMBERED = "names.remembered"


def remembered(session: Session, key: tuple[Any, ...], work: Callable[[], Answer]) -> Answer:
    """`work`'s answer, kept for the rest of the session's transaction: a list page resolves its
    filter, and looks up names, for the list, the timeline and the places table alike."""
    kept = session.info.setdefault(REMEMBERED, {})
    if key not in kept:
        kept[key] = work()
    answer: Answer = kept[key]
    return answer


@event.listens_for(Session, "after_transaction_end")
@event.listens_for(Session, "after_flush")
def _forget(session: Session, *_: Any) -> None:
    session.info.pop(REMEMBERED, None)


@dataclass(frozen=True, slots=True)
class ActorEntry:
    slug: str
    name: str
    member_of: int | None


@dataclass(frozen=True, slots=True)
class SectorEntry:
    slug: str
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class DistrictEntry:
    slug: str
    name: str
    province_slug: str
    province: str


@dataclass(frozen=True)
class NameBook:
    actors: dict[int, ActorEntry]
    actor_ids: dict[str, int]  # by slug
    actors_by_name: dict[str, str]  # lower-case name -> slug
    actors_by_alias: dict[str, str]  # lower-case alias (of any kind) -> slug, lowest id first
    actor_names: tuple[str, ...]  # in the database's order of names, for suggestions
    sectors: dict[int, SectorEntry]
    sector_ids: dict[str, int]
    districts: dict[int, DistrictEntry]
    district_ids: dict[str, int]
    province_districts: dict[str, tuple[int, ...]]  # province slug -> its districts' ids

    @classmethod
    def read(cls, session: Session) -> NameBook:
        connection = session.connection()  # plain rows: no ORM objects are needed
        actors = {
            actor_id: ActorEntry(slug, name, member_of)
            for actor_id, slug, name, member_of in connection.execute(
                select(Actor.id, Actor.slug, Actor.name, Actor.member_of_id).order_by(Actor.name)
            )
        }
        aliases: dict[str, str] = {}
        for alias, actor_id in connection.execute(
            select(ActorName.name, ActorName.actor_id).order_by(ActorName.actor_id)
        ):
            aliases.setdefault(alias.lower(), actors[actor_id].slug)
        sectors = {
            sector_id: SectorEntry(slug, name, position)
            for sector_id, slug, name, position in connection.execute(
                select(Sector.id, Sector.slug, Sector.name, Sector.position)
            )
        }
        districts = {
            district_id: DistrictEntry(*rest)
            for district_id, *rest in connection.execute(
                select(
                    District.id,
                    District.slug,
                    District.name,
                    District.province_slug,
                    District.province,
                )
            )
        }
        by_province: dict[str, list[int]] = {}
        for district_id, district in districts.items():
            by_province.setdefault(district.province_slug, []).append(district_id)
        by_name: dict[str, str] = {}
        for actor_id in sorted(actors):
            by_name.setdefault(actors[actor_id].name.lower(), actors[actor_id].slug)
        return cls(
            actors=actors,
            actor_ids={a.slug: actor_id for actor_id, a in actors.items()},
            actors_by_name=by_name,
            actors_by_alias=aliases,
            actor_names=tuple(a.name for a in actors.values()),
            sectors=sectors,
            sector_ids={s.slug: sector_id for sector_id, s in sectors.items()},
            districts=districts,
            district_ids={d.slug: district_id for district_id, d in districts.items()},
            province_districts={p: tuple(ids) for p, ids in by_province.items()},
        )

    def actor_and_members(self, slugs: tuple[str, ...]) -> tuple[int, ...]:
        """The ids of these actors and of their members, two levels down, as
        services/browse.actor_and_members selects them."""
        chosen = {self.actor_ids[s] for s in slugs if s in self.actor_ids}
        members = {a for a, entry in self.actors.items() if entry.member_of in chosen}
        grand = {a for a, entry in self.actors.items() if entry.member_of in members}
        return tuple(sorted(chosen | members | grand))


# Per database (its reading and writing engines share one pool): the data version a book was
# read at, and the book.
_kept: WeakKeyDictionary[Pool, tuple[int, NameBook]] = WeakKeyDictionary()
_kept_lock = threading.Lock()


def names(session: Session) -> NameBook:
    """The book as this session's transaction sees the database."""
    return remembered(session, ("names",), lambda: _current(session))


def _current(session: Session) -> NameBook:
    # Read before the names, in the same transaction: a book is never older than its version.
    version = data_version(session)
    if version is None or not session.info.get(READS_ONLY):
        # A writer's transaction may yet roll back what it reads: its book is its own.
        return NameBook.read(session)
    pool = session.connection().engine.pool
    with _kept_lock:
        kept = _kept.get(pool)
    if kept is not None and kept[0] == version:
        return kept[1]
    book = NameBook.read(session)
    with _kept_lock:
        # Kept with the version it was read at: a slower reader putting back an older book
        # only makes the next reader of the newer version read it again.
        _kept[pool] = (version, book)
    return book
