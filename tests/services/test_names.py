"""The name book is read once per data version, follows every write to the small tables, and
never keeps what a writer's transaction may roll back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, select, update

from app.db import Database
from app.models import Actor, ActorName, District, Sector
from app.schemas.filters import IncidentFilter
from app.services.actors import suggest_actors
from app.services.browse import actor_and_members, resolve_filter
from app.services.names import names
from tests.factories import make_actor, make_sector


@pytest.fixture
def world(database: Database) -> dict[str, int]:
    with database.write() as s:
        group = make_actor(s, slug="state-forces", name="State Forces")
        army = make_actor(s, slug="army", name="Army", member_of_id=group.id)
        brigade = make_actor(s, slug="brigade", name="Brigade", member_of_id=army.id)
        s.add(ActorName(actor_id=army.id, kind="alias", name="ISPR"))
        sector = make_sector(s, slug="south", name="South")
        s.add(
            District(
                slug="killa-abdullah",
                name="Killa Abdullah",
                province_slug="balochistan",
                province="Balochistan",
                country="PAK",
            )
        )
        s.flush()
        return {"group": group.id, "army": army.id, "brigade": brigade.id, "sector": sector.id}


def statements_while(database: Database, work: Callable[[], None]) -> list[str]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
    return seen


def test_one_read_per_version(database: Database, world: dict[str, int]) -> None:
    with database.read() as s:
        first = names(s)
    with database.read() as s:
        assert names(s) is first

    def again() -> None:
        with database.read() as s:
            names(s)

    read = statements_while(database, again)
    assert not any("FROM actors" in statement for statement in read)
    assert any("data_version" in statement for statement in read)


def test_every_write_to_the_small_tables_is_seen(database: Database, world: dict[str, int]) -> None:
    with database.read() as s:
        names(s)
    with database.write() as s:
        s.execute(update(Actor).where(Actor.id == world["army"]).values(name="Pakistan Army"))
        s.execute(update(Sector).where(Sector.id == world["sector"]).values(name="Chaman"))
        s.add(ActorName(actor_id=world["brigade"], kind="alias", name="Ninth Brigade"))
    with database.read() as s:
        book = names(s)
        assert book.actors[world["army"]].name == "Pakistan Army"
        assert book.actors_by_name["pakistan army"] == "army"
        assert book.sectors[world["sector"]].name == "Chaman"
        assert book.actors_by_alias["ninth brigade"] == "brigade"
        resolved, notices = resolve_filter(s, IncidentFilter(actors=("Ninth Brigade",)))
        assert resolved.actors == ("brigade",) and not notices
        assert "Pakistan Army" in [x.value for x in suggest_actors(s)]


def test_a_group_takes_its_members_two_levels_down(
    database: Database, world: dict[str, int]
) -> None:
    with database.read() as s:
        book = names(s)
        # As SQL's actor_and_members selects them, for the same slugs.
        in_sql: set[int] = set(s.scalars(actor_and_members(("state-forces",))))
        assert set(book.actor_and_members(("state-forces",))) == in_sql
        assert in_sql == {world["group"], world["army"], world["brigade"]}
        assert book.actor_and_members(("no-such-actor",)) == ()


def test_a_writer_s_book_is_not_kept(database: Database, world: dict[str, int]) -> None:
    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), database.write() as s:
        ghost = make_actor(s, slug="ghost", name="Ghost")
        s.flush()
        assert names(s).actor_ids["ghost"] == ghost.id  # the writer sees its own row
        raise RolledBack
    # The next write commits under the very version the writer saw.
    with database.write() as s:
        s.execute(update(Sector).where(Sector.id == world["sector"]).values(name="Chaman"))
    with database.read() as s:
        assert "ghost" not in names(s).actor_ids
        assert s.scalar(select(Actor.id).where(Actor.slug == "ghost")) is None


def test_districts_and_provinces(database: Database, world: dict[str, int]) -> None:
    with database.read() as s:
        book = names(s)
        district = book.district_ids["killa-abdullah"]
        assert book.province_districts["balochistan"] == (district,)
        assert book.districts[district].province == "Balochistan"
        resolved, notices = resolve_filter(
            s, IncidentFilter(provinces=("balochistan", "atlantis"), districts=("killa-abdullah",))
        )
        assert resolved.provinces == ("balochistan",)
        assert resolved.districts == ("killa-abdullah",)
        assert [n.parameter for n in notices] == ["province"]
