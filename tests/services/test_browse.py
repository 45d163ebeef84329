"""Every filter, sort order and facet count of the incident list, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import Actor, Place, Sector
from app.schemas.filters import MULTI_VALUED, IncidentFilter
from app.services.browse import browse_incidents
from app.services.derived import refresh_derived
from tests import factories as f

World = dict[str, int]


Named = TypeVar("Named", Actor, Place, Sector)


def _by_slug(s: Session, model: type[Named], slug: str) -> Named:
    found = s.scalar(select(model).where(model.slug == slug))
    assert found is not None, slug
    return found


def build_world(s: Session) -> World:
    army, taliban, ttp = (_by_slug(s, Actor, x) for x in ("pakistan-army", "afghan-taliban", "ttp"))
    south, north = (_by_slug(s, Sector, x) for x in ("chaman-spin-boldak", "kurram-paktia-khost"))
    spin_boldak = _by_slug(s, Place, "spin-boldak")
    civilians = _by_slug(s, Actor, "civilians-afghanistan")
    source = f.make_source(s)

    a = f.make_incident(
        s,
        title="Clashes at the crossing",
        date_start=date(2025, 10, 15),
        place=spin_boldak,
        sector=south,
        country="AFG",
    )
    f.link_actor(s, a, taliban, "side_a")
    f.link_actor(s, a, army, "side_b")
    f.make_claim(
        s,
        incident=a,
        claimant=army,
        status="disputed",
        sources=[source],
        figures=[{"actor": taliban, "low": 15, "high": 20}],
    )
    f.make_claim(
        s,
        incident=a,
        claimant=taliban,
        status="denied",
        sources=[source],
        statement="More than 12 civilians were martyred",
        figures=[{"party": "civilians", "actor": civilians, "low": 12, "high": None}],
    )

    b = f.make_incident(
        s,
        title="Night attack on border posts",
        date_start=date(2025, 10, 14),
        date_end=date(2025, 10, 15),
        sector=north,
        country="PAK",
    )
    f.link_actor(s, b, army)
    f.link_actor(s, b, ttp, "side_b")
    f.make_claim(
        s,
        incident=b,
        claimant=army,
        status="unverified",
        sources=[source],
        figures=[{"actor": ttp, "low": 25, "high": 30}],
    )

    c = f.make_incident(
        s,
        title="Bombing claimed",
        summary="Mortar fire hit a market.",
        date_start=date(2024, 6, 1),
        sector=north,
        country="PAK",
        event_type="explosions-remote-violence",
        sub_event_type="remote-explosive-landmine-ied",
    )
    f.link_actor(s, c, ttp)
    f.make_claim(
        s, incident=c, claimant=ttp, kind="responsibility", status="corroborated", sources=[source]
    )

    d = f.make_incident(
        s,
        title="Air strike",
        date_start=date(2025, 10, 17),
        country="AFG",
        event_type="explosions-remote-violence",
        sub_event_type="air-drone-strike",
    )
    f.link_actor(s, d, army)
    f.make_claim(
        s,
        incident=d,
        claimant=taliban,
        status="retracted",
        sources=[source],
        figures=[{"party": "civilians", "actor": civilians, "low": 17, "high": 17}],
    )

    draft = f.make_incident(
        s,
        title="Clashes at the crossing (draft)",
        date_start=date(2025, 10, 15),
        place=spin_boldak,
        sector=south,
        country="AFG",
        review_state="draft",
    )
    f.link_actor(s, draft, army)
    f.make_claim(
        s, incident=draft, claimant=army, status="disputed", figures=[{"low": 999, "high": 999}]
    )

    refresh_derived(s, [a.id, b.id, c.id, d.id, draft.id])
    return {"a": a.id, "b": b.id, "c": c.id, "d": d.id, "draft": draft.id}


@pytest.fixture
def world(database: Database, reference: None) -> World:
    with database.write() as s:
        return build_world(s)


def ids(database: Database, wanted: IncidentFilter) -> list[int]:
    with database.read() as s:
        return [item.id for item in browse_incidents(s, wanted).items]


def names(world: World, found: list[int]) -> list[str]:
    by_id = {v: k for k, v in world.items()}
    return [by_id[i] for i in found]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (IncidentFilter(), ["d", "a", "b", "c"]),
        (IncidentFilter(date_from=date(2025, 10, 15)), ["d", "a", "b"]),  # b ends on the 15th
        (IncidentFilter(date_to=date(2025, 10, 14)), ["b", "c"]),
        (IncidentFilter(date_from=date(2025, 1, 1), date_to=date(2025, 10, 15)), ["a", "b"]),
        (IncidentFilter(actors=("ttp",)), ["b", "c"]),
        (IncidentFilter(actors=("ttp", "afghan-taliban")), ["a", "b", "c"]),
        (IncidentFilter(actors=("Pakistani Taliban",)), ["b", "c"]),  # an alias
        (IncidentFilter(actors=("tehreek-e-taliban pakistan",)), ["b", "c"]),  # a name, any case
        (IncidentFilter(statuses=("disputed",)), ["a"]),
        (IncidentFilter(statuses=("corroborated", "retracted")), ["d", "c"]),
        (IncidentFilter(sectors=("kurram-paktia-khost",)), ["b", "c"]),
        (IncidentFilter(sectors=("kurram-paktia-khost", "chaman-spin-boldak")), ["a", "b", "c"]),
        (IncidentFilter(types=("explosions-remote-violence",)), ["d", "c"]),
        (IncidentFilter(countries=("PAK",)), ["b", "c"]),
        (IncidentFilter(actors=("pakistan-army",), countries=("AFG",)), ["d", "a"]),
        (IncidentFilter(actors=("pakistan-army",), statuses=("unverified",)), ["b"]),
        (IncidentFilter(q="Spin Buldak"), ["a"]),  # found through a place alias
        (IncidentFilter(q="سپین بولدک"), ["a"]),  # the alias in Pashto script
        (IncidentFilter(q="mortar"), ["c"]),  # summary
        (IncidentFilter(q="martyred civilians"), ["a"]),  # a claim's statement, any word order
        (IncidentFilter(q="Fitna al-Khawarij"), ["b", "c"]),  # an actor's alias
        (IncidentFilter(q="crossing nowhere"), []),
        (IncidentFilter(q='"AND OR NOT * ( ) ^ :'), []),  # search syntax is read as words
    ],
    ids=lambda v: v.url() if isinstance(v, IncidentFilter) else None,
)
def test_filters(
    database: Database, world: World, wanted: IncidentFilter, expected: list[str]
) -> None:
    assert names(world, ids(database, wanted)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-date", ["d", "a", "b", "c"]),
        ("date", ["c", "b", "a", "d"]),
        ("-killed", ["b", "a", "d", "c"]),  # 30, 20 (15-20; 12+ is lower), 17, no figure last
    ],
)
def test_sort_orders(database: Database, world: World, sort: str, expected: list[str]) -> None:
    assert names(world, ids(database, IncidentFilter(sort=sort))) == expected


def test_sort_by_last_updated(database: Database, world: World) -> None:
    with database.write() as s:
        f.make_claim(
            s, incident=s.get(__import__("app.models", fromlist=["Incident"]).Incident, world["c"])
        )
        refresh_derived(s, [world["c"]])
    assert names(world, ids(database, IncidentFilter(sort="-updated")))[0] == "c"


def test_pages_of_fifty(database: Database, reference: None) -> None:
    with database.write() as s:
        for n in range(120):
            f.make_incident(s, date_start=date(2020, 1, 1 + n % 28))
    with database.read() as s:
        pages = [browse_incidents(s, IncidentFilter(page=p)) for p in (1, 2, 3, 4)]
    assert [len(p.items) for p in pages] == [50, 50, 20, 0]
    assert pages[0].total == 120 and pages[0].page_count == 3
    seen = [i.id for p in pages for i in p.items]
    assert len(seen) == len(set(seen)) == 120
    assert any(n.parameter == "page" for n in pages[3].notices)


FILTERS_FOR_FACETS = [
    IncidentFilter(),
    IncidentFilter(actors=("pakistan-army",)),
    IncidentFilter(statuses=("disputed", "unverified")),
    IncidentFilter(countries=("PAK",), date_from=date(2025, 1, 1)),
    IncidentFilter(q="crossing"),
]


@pytest.mark.parametrize("wanted", FILTERS_FOR_FACETS, ids=lambda v: v.url())
def test_facet_counts_are_what_choosing_the_value_would_give(
    database: Database, world: World, wanted: IncidentFilter
) -> None:
    with database.read() as s:
        result = browse_incidents(s, wanted)
        for parameter, facet in result.facets.items():
            for value in facet.values:
                attribute = MULTI_VALUED[parameter]
                only: dict[str, Any] = {attribute: (value.value,)}
                alone = replace(result.filter, **only)
                assert browse_incidents(s, alone).total == value.count, (parameter, value.value)


@pytest.mark.parametrize("wanted", FILTERS_FOR_FACETS, ids=lambda v: v.url())
def test_single_valued_facets_add_up_to_the_total(
    database: Database, world: World, wanted: IncidentFilter
) -> None:
    """Each incident has one type, one country side and at most one sector."""
    with database.read() as s:
        result = browse_incidents(s, wanted)
    shown = result.items  # every match: fewer than a page here
    assert len(shown) == result.total
    without_sector = sum(1 for i in shown if i.sector is None)
    without_country = sum(1 for i in shown if i.country is None)
    # (a facet counts within the other filters, so only facets whose own filter is off add up)
    if not wanted.types:
        assert sum(v.count for v in result.facets["type"].values) == result.total
    if not wanted.sectors:
        assert sum(v.count for v in result.facets["sector"].values) + without_sector == result.total
    if not wanted.countries:
        total = sum(v.count for v in result.facets["country"].values) + without_country
        assert total == result.total


def test_facets_mark_the_chosen_values(database: Database, world: World) -> None:
    with database.read() as s:
        result = browse_incidents(s, IncidentFilter(statuses=("denied",), actors=("ttp",)))
    chosen = {p: [v.value for v in f.values if v.selected] for p, f in result.facets.items()}
    assert chosen["status"] == ["denied"] and chosen["actor"] == ["ttp"]


def test_unknown_actor_and_sector_are_dropped_with_a_notice(
    database: Database, world: World
) -> None:
    with database.read() as s:
        result = browse_incidents(s, IncidentFilter(actors=("nobody",), sectors=("atlantis",)))
    assert result.total == 4
    assert {n.parameter for n in result.notices} == {"actor", "sector"}
    assert result.filter.url() == "/incidents"


def test_part_of_a_name_is_enough_when_it_fits_one_actor(database: Database, world: World) -> None:
    with database.read() as s:
        one = browse_incidents(s, IncidentFilter(actors=("khawarij",)))
        several = browse_incidents(s, IncidentFilter(actors=("pakistan",)))
    assert one.filter.actors == ("ttp",) and one.notices == []
    assert several.filter.actors == () and "several actors" in several.notices[0].message


def test_drafts_never_count(database: Database, world: World) -> None:
    with database.read() as s:
        result = browse_incidents(s, IncidentFilter(q="crossing"))
    assert result.total == 1
    assert sum(v.count for v in result.facets["status"].values if v.value == "disputed") == 1
