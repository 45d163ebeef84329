"""The map and timeline data honour every filter of the list; the home page's overview."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import func, select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import Incident
from app.schemas.filters import IncidentFilter
from app.services import visuals
from app.services.browse import browse_incidents
from app.services.demo import load_demo
from app.services.visuals import first_category, map_features, status_category, timeline
from tests.dom import attr, first
from tests.services.test_browse import build_world

FILTERS = [
    IncidentFilter(),
    IncidentFilter(date_from=date(2025, 10, 15)),
    IncidentFilter(date_to=date(2025, 10, 14)),
    IncidentFilter(actors=("ttp",)),
    IncidentFilter(actors=("Pakistani Taliban",)),
    IncidentFilter(statuses=("disputed",)),
    IncidentFilter(statuses=("corroborated", "retracted")),
    IncidentFilter(sectors=("kurram-paktia-khost",)),
    IncidentFilter(types=("explosions-remote-violence",)),
    IncidentFilter(countries=("AFG",)),
    IncidentFilter(q="Spin Buldak"),
    IncidentFilter(q="mortar"),
    IncidentFilter(actors=("pakistan-army",), countries=("AFG",), statuses=("disputed",)),
]


@pytest.fixture
def world(database: Database, reference: None) -> None:
    with database.write() as s:
        build_world(s)
        # Give every incident coordinates, so the map shows all of them.
        from sqlalchemy import update

        from app.models import Incident

        s.execute(
            update(Incident)
            .where(Incident.latitude.is_(None))
            .values(latitude=33.0, longitude=70.0)
        )


def _listed(database: Database, wanted: IncidentFilter) -> set[int]:
    with database.read() as s:
        return {i.id for i in browse_incidents(s, wanted).items}


@pytest.mark.parametrize("wanted", FILTERS, ids=lambda f: f.url())
def test_map_shows_exactly_the_listed_incidents(
    client: TestClient, database: Database, world: None, wanted: IncidentFilter
) -> None:
    response = client.get(wanted.url("/incidents/map.geojson"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    listed = _listed(database, wanted)
    with database.read() as s:
        incidents = [s.get(Incident, i) for i in listed]
    # One feature per point, counting every incident there; the newest of them named.
    expected: dict[tuple[float, float], list[Incident]] = {}
    for incident in incidents:
        if (
            incident is not None
            and incident.longitude is not None
            and incident.latitude is not None
        ):
            point = (incident.longitude, incident.latitude)
            expected.setdefault(point, []).append(incident)
    found = {tuple(f["geometry"]["coordinates"]): f["properties"] for f in collection["features"]}
    assert found.keys() == expected.keys()
    for point, properties in found.items():
        here = expected[point]
        assert properties["count"] == len(here)
        newest = max(here, key=lambda i: (i.date_start, i.id))
        assert properties["latest"]["url"].startswith(f"/incidents/{newest.id}/")
    assert collection["total"] == len(listed)
    assert collection["located"] == collection["drawn"] == sum(len(v) for v in expected.values())
    assert collection["unlocated"] == len(listed) - collection["located"]
    assert collection["truncated"] is False


@pytest.mark.parametrize("wanted", FILTERS, ids=lambda f: f.url())
def test_timeline_counts_exactly_the_listed_incidents(
    client: TestClient, database: Database, world: None, wanted: IncidentFilter
) -> None:
    data = client.get(wanted.url("/incidents/timeline.json")).json()
    assert sum(data["incidents"]) == len(_listed(database, wanted))
    assert len(data["starts"]) == len(data["incidents"])
    for values in data["claimants"].values():
        assert len(values) == len(data["starts"])


def test_timeline_sums_each_claimants_killed(database: Database, world: None) -> None:
    with database.read() as s:
        series = timeline(s, IncidentFilter())
    assert series.bucket == "week"  # 2024-06 to 2025-10 spans more than 120 days
    totals = {name: sum(v or 0 for v in values) for name, values in series.claimants.items()}
    # Army: 20 (15-20) + 30 (25-30); Taliban: 12+ (counted at 12) + 17.
    assert totals == {"Pakistan Army": 50, "Afghan Taliban authorities": 29}


def test_drafts_stay_off_the_map_and_the_timeline_for_readers(
    client: TestClient, world: None
) -> None:
    features = client.get("/incidents/map.geojson?q=crossing").json()["features"]
    assert [f["properties"]["latest"]["title"] for f in features] == ["Clashes at the crossing"]
    assert sum(client.get("/incidents/timeline.json?state=draft").json()["incidents"]) == 4


@pytest.mark.parametrize("path", ["/incidents/map.geojson", "/incidents/timeline.json"])
def test_bad_filters_are_problem_details(client: TestClient, path: str) -> None:
    response = client.get(f"{path}?from=nope&status=x")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["parameter"] for e in response.json()["errors"]} == {"from", "status"}


def test_status_colour_rule() -> None:
    assert status_category({"unverified", "denied"}) == "contested"
    assert status_category({"corroborated", "unverified"}) == "corroborated"
    assert status_category({"retracted"}) == "retracted"
    assert status_category(set()) == "no-claims"


def test_list_page_has_map_timeline_and_their_tables(
    client: TestClient, database: Database
) -> None:
    with database.write() as s:
        load_demo(s)
    tree = HTMLParser(client.get("/incidents?status=disputed").text)
    assert (
        first(tree, "#map").attributes["data-geojson"] == "/incidents/map.geojson?status=disputed"
    )
    assert (
        first(tree, "#timeline").attributes["data-src"]
        == "/incidents/timeline.json?status=disputed"
    )
    tables = tree.css("details.alt-table table")
    assert len(tables) == 2
    place_rows = {
        first(r, "td a").text(): int(r.css("td")[2].text()) for r in tables[0].css("tbody tr")
    }
    assert place_rows["Spin Boldak"] == 1
    timeline_total = sum(int(r.css("td")[1].text()) for r in tables[1].css("tbody tr"))
    listed = first(tree, ".result-count").text().split()[0]
    assert timeline_total == int(listed)
    # Every script and style is served from this site.
    assert all(attr(s, "src").startswith("/static/") for s in tree.css("script"))


def test_home_page_at_a_glance(client: TestClient, database: Database) -> None:
    with database.write() as s:
        load_demo(s)
    response = client.get("/")
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    sections = tree.css(".glance section")
    assert len(sections) == 2
    all_time = sections[1]
    assert first(all_time, ".big-numbers strong a").text() == "10"
    contested = all_time.css(".big-numbers strong")[1].text()
    assert contested.endswith("%")
    claimants = {
        r.css("td")[0].text(): r.css("td")[1].text()
        for r in all_time.css("table")[0].css("tbody tr")
    }
    assert "Pakistan Army" in claimants and "Afghan Taliban authorities" in claimants
    assert tree.css_first("#map") is not None and tree.css_first("#timeline") is not None
    assert len(tree.css("table.incidents tbody tr")) == 8


def test_an_online_tile_layer_only_when_configured(database: Database) -> None:
    from app.config import Settings
    from app.main import create_app

    url = database.url
    with TestClient(create_app(Settings(database_url=url), database)) as plain:
        response = plain.get("/incidents")
        assert "data-tiles" not in response.text
        assert "tile.example" not in response.headers["content-security-policy"]
    tiles = Settings(database_url=url, tile_url="https://{s}.tile.example/{z}/{x}/{y}.png")
    with TestClient(create_app(tiles, database)) as online:
        response = online.get("/incidents")
        assert first(HTMLParser(response.text), "#map").attributes["data-tiles"] == tiles.tile_url
        assert (
            "img-src 'self' data: https://*.tile.example"
            in response.headers["content-security-policy"]
        )


def test_responses_are_compressed(client: TestClient) -> None:
    response = client.get("/static/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"


def test_a_quiet_month_shows_the_latest_incidents_instead(
    client: TestClient,
    database: Database,
    world: int,
) -> None:
    tree = HTMLParser(client.get("/").text)
    notice = tree.css_first(".quiet-period")
    assert notice is not None and "No incidents were recorded in the last 30 days" in notice.text()
    with database.read() as s:
        newest = s.scalar(
            select(func.max(Incident.date_end)).where(Incident.review_state == "published")
        )
    assert newest is not None
    recent = tree.css(".glance section")[0]
    heading = first(recent, "h2").text()
    since = newest - timedelta(days=29)
    assert heading == f"Latest 30 days with incidents ({since.isoformat()} to {newest.isoformat()})"
    link = first(recent, ".big-numbers strong a")
    assert int(link.text()) > 0
    listed = HTMLParser(client.get(attr(link, "href")).text)
    assert first(listed, ".result-count").text().startswith(f"{link.text()} incident")


@pytest.mark.parametrize("facet_index", [True, False])
def test_quick_ranges_say_what_they_hold_before_they_are_chosen(
    settings: Settings,
    database: Database,
    world: int,
    facet_index: bool,
) -> None:
    app = create_app(replace(settings, facet_index=facet_index, page_cache=False), database)
    with TestClient(app) as client:
        tree = HTMLParser(client.get("/incidents?sector=kurram-paktia-khost").text)
        ranges = tree.css(".quick-ranges li")
        assert len(ranges) == 4
        said = {}
        for item in ranges:
            link = first(item, "a")
            count = first(item, ".range-count").text().strip("()")
            said[link.text()] = count
            href = attr(link, "href")
            chosen = HTMLParser(client.get(href).text)
            total = first(chosen, ".result-count").text().split()[0]
            assert count == ("none" if total == "0" else total), href
            assert ("empty-range" in (item.attributes.get("class") or "")) == (total == "0")
        assert said["Last 7 days"] == "none"
        # With dates chosen the ranges are not counted: that would be a second selection
        # over every incident for each page.
        dated = HTMLParser(client.get("/incidents?from=2025-01-01").text)
        assert dated.css(".quick-ranges li") and not dated.css(".quick-ranges .range-count")


def test_the_map_draws_up_to_its_limit_and_says_how_many_it_left_out(
    database: Database, world: None
) -> None:
    with database.read() as s:
        everything = map_features(s, IncidentFilter())
        limited = map_features(s, IncidentFilter(), limit=2)
    assert everything["truncated"] is False and everything["drawn"] == everything["located"] > 2
    assert limited["drawn"] == 2 and limited["truncated"] is True
    assert limited["located"] == everything["located"]
    assert sum(f["properties"]["count"] for f in limited["features"]) == 2


def test_a_marker_takes_the_first_colour_of_its_incidents() -> None:
    assert first_category({"unverified", "contested"}) == "contested"
    assert first_category({"retracted", "corroborated"}) == "corroborated"
    assert first_category({"no-claims", "retracted"}) == "retracted"
    assert first_category(set()) == "no-claims"


def test_a_marker_of_several_incidents_carries_their_statuses_and_shared_district(
    client: TestClient, database: Database
) -> None:
    with database.write() as s:
        load_demo(s)
    features = client.get("/incidents/map.geojson").json()["features"]
    several = [f["properties"] for f in features if f["properties"]["count"] > 1]
    assert several, "the demo has two incidents at one point"
    for properties in several:
        assert sum(properties["statuses"].values()) == properties["count"]
        assert properties["status"] == first_category(properties["statuses"])
    single = [f["properties"] for f in features if f["properties"]["count"] == 1]
    assert all("statuses" not in p for p in single)


def test_record_pages_carry_their_small_map(client: TestClient, database: Database) -> None:
    with database.write() as s:
        load_demo(s)
        located = s.scalar(select(Incident).where(Incident.latitude.is_not(None)).limit(1))
        unlocated = s.scalar(select(Incident).where(Incident.latitude.is_(None)).limit(1))
        assert located is not None and unlocated is not None
        located_id, unlocated_id = located.id, unlocated.id
        point = f"{located.latitude:.5f},{located.longitude:.5f},{located.geo_precision}"
    page = HTMLParser(client.get(f"/incidents/{located_id}").text)
    assert first(page, "#incident-map").attributes["data-point"] == point
    assert HTMLParser(client.get(f"/incidents/{unlocated_id}").text).css_first(".map") is None
    sector = HTMLParser(client.get("/sectors/chaman-spin-boldak").text)
    assert (
        first(sector, "#record-map").attributes["data-geojson"]
        == "/incidents/map.geojson?sector=chaman-spin-boldak"
    )
    actor = HTMLParser(client.get("/actors/pakistan-army").text)
    assert attr(first(actor, "#record-map"), "data-geojson").endswith("actor=pakistan-army")
    place = HTMLParser(client.get("/places/chaman").text)
    assert attr(first(place, "#record-map"), "data-point").startswith("30.92220,66.44470")


def test_the_list_title_counts_in_the_singular_for_one(client: TestClient, world: None) -> None:
    title = first(HTMLParser(client.get("/incidents?q=crossing").text), "title").text()
    assert title.startswith("1 incident (filtered)")


def test_too_many_places_take_a_coarser_grid_and_keep_every_incident(
    database: Database, world: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.write() as s:
        # Spread the world's incidents 300 m apart: each its own marker on the finest grid.
        for n, incident in enumerate(s.scalars(select(Incident).order_by(Incident.id))):
            incident.latitude, incident.longitude = 33.0 + 0.003 * n, 70.0
    with database.read() as s:
        fine = map_features(s, IncidentFilter())
        monkeypatch.setattr(visuals, "MAP_POINTS", 2)
        coarse = map_features(s, IncidentFilter())
    assert fine["grid_m"] == 100 and len(fine["features"]) == fine["drawn"] > 2
    assert coarse["grid_m"] > 100 and len(coarse["features"]) <= 2
    counted = sum(f["properties"]["count"] for f in coarse["features"])
    assert counted == coarse["drawn"] == fine["drawn"]
    # A marker stands at the middle of its incidents.
    for feature in coarse["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert lon == 70.0 and 33.0 <= lat <= 33.0 + 0.003 * fine["drawn"]
