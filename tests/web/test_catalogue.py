"""The index pages /actors, /sectors and /places: every actor, sector and place with what the
record holds about it, counted as the list counts, with JSON twins that say the same."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import Actor, Claim, District, Incident, IncidentActor, Place, PlaceAlias, Sector
from tests.dom import attr, first
from tests.web.test_page_cache import world  # noqa: F401 (a fixture)


@pytest.fixture(params=["facet index", "sql"])
def reader(
    request: pytest.FixtureRequest, settings: Settings, database: Database
) -> Iterator[TestClient]:
    """The app as a reader meets it, counting from the facet index or from SQL."""
    chosen = replace(settings, page_cache=False, facet_index=request.param == "facet index")
    with TestClient(create_app(chosen, database)) as client:
        yield client


def _published_incidents_by(
    database: Database, column: InstrumentedAttribute[str], join: ColumnElement[bool] | None = None
) -> Counter[str]:
    """Published incidents per actor, sector or district slug, straight from the tables."""
    with database.read() as s:
        if column is Actor.slug:
            rows = s.execute(
                select(Actor.slug, IncidentActor.incident_id)
                .join(IncidentActor, IncidentActor.actor_id == Actor.id)
                .join(Incident, Incident.id == IncidentActor.incident_id)
                .where(Incident.review_state == "published")
                .distinct()
            ).all()
        else:
            rows = s.execute(
                select(column, Incident.id)
                .join(Incident, join)
                .where(Incident.review_state == "published")
            ).all()
    return Counter(slug for slug, _ in rows)


def test_actors_grouped_by_kind_with_incidents_and_claims(
    reader: TestClient,
    database: Database,
    world: int,  # noqa: F811
) -> None:
    with database.write() as s:  # a draft counts for nobody
        draft = Incident(
            title="Unchecked report", date_start=date(2025, 1, 1), date_end=date(2025, 1, 1),
            event_type="battles", sub_event_type="armed-clash", review_state="draft",
        )  # fmt: skip
        s.add(draft)
        s.flush()
        army = s.scalars(select(Actor).where(Actor.slug == "pakistan-army")).one()
        s.add(IncidentActor(incident_id=draft.id, actor_id=army.id, role="side_a"))
    expected = _published_incidents_by(database, Actor.slug)
    with database.read() as s:
        claims = Counter(
            (slug, status)
            for slug, status in s.execute(
                select(Actor.slug, Claim.status)
                .join(Claim, Claim.claimant_actor_id == Actor.id)
                .join(Incident, Incident.id == Claim.incident_id)
                .where(Incident.review_state == "published")
            )
        )
        kinds = {slug: kind for slug, kind in s.execute(select(Actor.slug, Actor.kind))}

    page = reader.get("/actors")
    assert page.status_code == 200
    tree = HTMLParser(page.text)
    headings = [h.text(strip=True) for h in tree.css("main h2")]
    assert headings[0] == "State forces"
    assert len(headings) == len(set(kinds.values()))
    shown = {}
    for row in tree.css("main table tbody tr"):
        slug = attr(first(row, "td a"), "href").removeprefix("/actors/")
        shown[slug] = int(row.css("td")[1].text(strip=True))
    assert set(shown) == set(kinds), "every actor is listed, with or without incidents"
    assert {slug: n for slug, n in shown.items() if n} == dict(expected)

    data = reader.get("/actors.json").json()
    listed = {a["slug"]: a for g in data["groups"] for a in g["actors"]}
    assert {slug: a["incidents"] for slug, a in listed.items()} == shown
    for (slug, status), n in claims.items():
        assert listed[slug]["claims"][status] == n
    army_entry = listed["pakistan-army"]
    assert army_entry["incidents_url"] == "/incidents?actor=pakistan-army"
    assert all(a["kind"] == g["kind"] for g in data["groups"] for a in g["actors"])


def test_sectors_south_to_north_with_their_districts(
    reader: TestClient,
    database: Database,
    world: int,  # noqa: F811
) -> None:
    with database.write() as s:
        # Two thirds of the incidents in a district of their own sector.
        for n, incident in enumerate(s.scalars(select(Incident).order_by(Incident.id))):
            district = s.scalars(
                select(District).where(District.sector_id == incident.sector_id).limit(1)
            ).first()
            if n % 3 and district is not None:
                incident.district_id = district.id
    by_sector = _published_incidents_by(database, Sector.slug, Sector.id == Incident.sector_id)
    by_district = _published_incidents_by(
        database, District.slug, District.id == Incident.district_id
    )
    with database.read() as s:
        order = list(s.scalars(select(Sector.slug).order_by(Sector.position, Sector.name)))

    data = reader.get("/sectors.json").json()
    assert [x["slug"] for x in data["sectors"]] == order
    assert {x["slug"]: x["incidents"] for x in data["sectors"] if x["incidents"]} == by_sector
    districts = {d["slug"]: d["incidents"] for x in data["sectors"] for d in x["districts"]}
    assert {slug: n for slug, n in districts.items() if n} == by_district

    tree = HTMLParser(reader.get("/sectors").text)
    assert [a.attributes["href"] for a in tree.css("main h2 a")] == [f"/sectors/{s}" for s in order]
    first_busy = next(x for x in data["sectors"] if x["incidents"])
    link = tree.css_first(f'main a[href="{first_busy["incidents_url"]}"]')
    assert link is not None
    assert link.text(strip=True).startswith(str(first_busy["incidents"]))


def test_places_searchable_by_name_and_alias(
    reader: TestClient,
    database: Database,
    world: int,  # noqa: F811
) -> None:
    with database.write() as s:
        spin = s.scalars(select(Place).where(Place.slug == "spin-boldak")).one()
        s.add(PlaceAlias(place_id=spin.id, alias="Zarkhel Bazaar"))
    everything = reader.get("/places.json").json()
    assert everything["total"] == everything["shown"] > 1
    counts = [p["incidents"] for p in everything["places"]]
    assert counts == sorted(counts, reverse=True), "busiest first"

    by_alias = reader.get("/places.json", params={"q": "zarkhel"}).json()
    assert [p["slug"] for p in by_alias["places"]] == ["spin-boldak"]
    assert by_alias["places"][0]["incidents"] >= 1

    page = reader.get("/places", params={"q": "SPIN"})
    tree = HTMLParser(page.text)
    assert "/places/spin-boldak" in [a.attributes["href"] for a in tree.css("main td a")]
    assert first(tree, "#place-q").attributes["value"] == "SPIN"

    # LIKE's wildcards are letters here, and markup is text.
    assert reader.get("/places.json", params={"q": "%"}).json()["total"] == 0
    hostile = '<script>alert(1)</script>"'
    answer = reader.get("/places", params={"q": hostile})
    assert answer.status_code == 200
    assert "<script>alert(1)" not in answer.text


def test_a_place_only_a_draft_names_stays_private(
    reader: TestClient,
    database: Database,
    world: int,  # noqa: F811
) -> None:
    with database.write() as s:
        hidden = Place(slug="safe-house", name="Safe house", country="PAK", kind="town")
        s.add(hidden)
        s.flush()
        s.add(
            Incident(
                title="Draft", date_start=date(2025, 1, 1), date_end=date(2025, 1, 1),
                event_type="battles", sub_event_type="armed-clash", review_state="draft",
                place_id=hidden.id,
            )
        )  # fmt: skip
    assert reader.get("/places.json", params={"q": "safe"}).json()["total"] == 0


def test_the_header_links_the_index_pages(reader: TestClient, world: int) -> None:  # noqa: F811
    nav = first(HTMLParser(reader.get("/incidents").text), "header nav")
    assert {"/actors", "/sectors", "/places"} <= {a.attributes["href"] for a in nav.css("a")}
