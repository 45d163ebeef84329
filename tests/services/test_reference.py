from __future__ import annotations

import csv

from sqlalchemy import func, select

from app.db import Database
from app.models import Actor, ActorName, Place, PlaceAlias, Sector
from app.services.reference import REFERENCE_DIR, load_reference_data


def _count(database: Database, model: type) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_loads_every_row_of_the_reference_files(database: Database) -> None:
    with database.write() as s:
        created = load_reference_data(s)
    assert created.sectors == len(_csv_rows("sectors.csv")) == _count(database, Sector)
    assert created.places == len(_csv_rows("places.csv")) == _count(database, Place)
    assert created.actors == len(_csv_rows("actors.csv")) == _count(database, Actor)


def test_loading_twice_changes_nothing(database: Database) -> None:
    with database.write() as s:
        load_reference_data(s)
    counts = [_count(database, m) for m in (Sector, Place, PlaceAlias, Actor, ActorName)]
    with database.write() as s:
        again = load_reference_data(s)
    assert (again.sectors, again.places, again.actors) == (0, 0, 0)
    assert [_count(database, m) for m in (Sector, Place, PlaceAlias, Actor, ActorName)] == counts


def test_aliases_acled_names_and_sectors_are_linked(database: Database, reference: None) -> None:
    with database.read() as s:
        spin_boldak = s.scalar(select(Place).where(Place.slug == "spin-boldak"))
        taliban = s.scalar(select(Actor).where(Actor.slug == "afghan-taliban"))
        assert spin_boldak is not None and taliban is not None
        assert "Spin Buldak" in [a.alias for a in spin_boldak.aliases]
        assert "سپین بولدک" in [a.alias for a in spin_boldak.aliases]
        assert spin_boldak.sector is not None and spin_boldak.sector.slug == "chaman-spin-boldak"
        assert "Military Forces of Afghanistan (2021-)" in taliban.acled_names
        assert "Islamic Emirate of Afghanistan" in taliban.aliases
        # Former FATA agency names stay findable on their headquarters towns.
        parachinar = s.scalar(select(Place).where(Place.slug == "parachinar"))
        assert parachinar is not None and "Kurram Agency" in [a.alias for a in parachinar.aliases]


def test_editor_changes_to_other_rows_survive_a_reload(database: Database, reference: None) -> None:
    with database.write() as s:
        s.add(Actor(slug="new-group", name="New group", kind="rebel-group"))
    with database.write() as s:
        load_reference_data(s)
    with database.read() as s:
        assert s.scalar(select(Actor.name).where(Actor.slug == "new-group")) == "New group"
