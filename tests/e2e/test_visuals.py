"""The map and the timeline draw without errors and without the network, the map draws every
incident with labels that never overlap, and the timeline chooses dates."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKERS = "#map .spot, #map .spot-cluster"


def _offline_page(browser: Any, width: int = 1280) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 1000})
    blocked: list[str] = []
    errors: list[str] = []

    def only_this_machine(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_machine)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, blocked, errors


def test_home_and_list_draw_the_map_and_the_timeline_offline(
    live_server: str, browser: Any
) -> None:
    context, page, blocked, errors = _offline_page(browser)
    try:
        for path in ("/", "/incidents"):
            page.goto(live_server + path, wait_until="networkidle")
            page.wait_for_selector(MARKERS, state="attached")
            page.wait_for_selector("#timeline .u-over", state="attached")
            # The basemap: the countries, the provinces and the border, as paths.
            assert page.locator("#map path").count() >= 4
        assert blocked == [] and errors == []
    finally:
        context.close()


def test_dragging_across_the_timeline_sets_the_dates(live_server: str, browser: Any) -> None:
    context, page, _blocked, errors = _offline_page(browser)
    try:
        page.goto(live_server + "/incidents", wait_until="networkidle")
        over = page.locator("#timeline .u-over")
        over.scroll_into_view_if_needed()
        box = over.bounding_box()
        assert box is not None
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.05, y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=8)
        page.mouse.up()
        page.wait_for_function(
            "() => location.search.includes('from=') && location.search.includes('to=')"
        )
        assert page.locator("#from").input_value() and page.locator("#to").input_value()
        assert errors == []
    finally:
        context.close()


HOSTILE_TITLE = '<a id="planted" href="https://attacker.example/">Miranshah</a><b>bold</b>'


def test_a_title_with_markup_is_shown_as_text_in_the_map_popup(
    live_server: str, live_database_url: str, browser: Any
) -> None:
    """Leaflet writes a string popup as HTML: a title with a link would be a live link on every
    public map (the CSP stops scripts, not links)."""
    from sqlalchemy import delete

    from app.db import Database
    from app.models import Incident

    database = Database(live_database_url)
    with database.write() as session:
        incident = Incident(
            title=HOSTILE_TITLE,
            date_start=date(2019, 3, 4),
            date_end=date(2019, 3, 4),
            country="PAK",
            latitude=32.9,
            longitude=70.2,
            event_type="battles",
            summary="A hostile title.",
            review_state="published",
        )
        session.add(incident)
    context, page, _blocked, errors = _offline_page(browser)
    try:
        page.goto(
            live_server + "/incidents?from=2019-03-04&to=2019-03-04", wait_until="networkidle"
        )
        page.locator("#map .spot").first.click()
        popup = page.locator("#map .map-popup")
        popup.wait_for()
        assert HOSTILE_TITLE in popup.inner_text()
        assert page.locator("#planted").count() == 0
        assert page.locator("#map .map-popup b").count() == 0
        assert errors == []
    finally:
        context.close()
        with database.write() as session:
            session.execute(delete(Incident).where(Incident.title == HOSTILE_TITLE))
        database.dispose()


def _reference_names() -> set[str]:
    """Every name the map may label: provinces and the reference gazetteer's towns and
    districts, never a place an editor or an import added."""
    basemap = json.loads((ROOT / "static/basemap/border-region.geojson").read_text())
    names = {f["properties"]["name"] for f in basemap["features"] if "rank" in f["properties"]}
    names |= {f["properties"]["name"] for f in basemap["features"]
              if f["properties"]["layer"] == "province"}  # fmt: skip
    reference = ROOT / "app/data/reference"
    with (reference / "places.csv").open(encoding="utf-8") as rows:
        gazetteer = {row["name"] for row in csv.DictReader(rows)}
    with (reference / "districts.csv").open(encoding="utf-8") as rows:
        gazetteer |= {row["name"] for row in csv.DictReader(rows)}
    assert {
        f["properties"]["name"] for f in basemap["features"] if "rank" in f["properties"]
    } <= gazetteer
    return names


OVERLAPS = """() => {
  const labels = [...document.querySelectorAll('#map .map-label')];
  const boxes = labels.map((label) => label.getBoundingClientRect());
  const over = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  return boxes.filter((a, i) => boxes.slice(i + 1).some((b) => over(a, b))).length;
}"""
COVERED_MARKERS = """() => {
  const box = (e) => e.getBoundingClientRect();
  const labels = [...document.querySelectorAll('#map .map-label')].map(box);
  const markers = [...document.querySelectorAll('#map .spot, #map .spot-cluster')].map(box);
  const over = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
    && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  return labels.filter((a) => markers.some((b) => over(a, b))).length;
}"""
SET_ZOOM = "z => document.querySelector('#map').leafletMap.setZoom(z, {animate: false})"


@pytest.mark.parametrize("width", [1366, 360])
def test_map_labels_reference_places_only_and_never_overlap(
    live_server: str, browser: Any, width: int
) -> None:
    context, page, _blocked, errors = _offline_page(browser, width)
    allowed = _reference_names()
    try:
        page.goto(live_server + "/incidents", wait_until="networkidle")
        page.wait_for_selector("#map .map-label", state="attached")
        shown: set[str] = set()
        for zoom in (None, 6, 7.5, 9):
            if zoom is not None:
                page.evaluate(SET_ZOOM, zoom)
                page.wait_for_timeout(800)  # the clusters animate, then labels move aside
            labels = set(page.locator("#map .map-label").all_text_contents())
            assert labels <= allowed, labels - allowed
            assert page.evaluate(OVERLAPS) == 0, f"labels overlap at zoom {zoom}"
            assert page.evaluate(COVERED_MARKERS) == 0, f"a label covers a marker at {zoom}"
            shown |= labels
        # Zooming in names more places: towns and districts, not only provinces.
        assert len(shown) > 10
        assert errors == []
    finally:
        context.close()


def _count(text: str) -> int:
    return int(text.replace(",", "")) if text.strip() else 1


@pytest.mark.parametrize("width", [1366, 360])
def test_the_map_draws_every_located_incident_and_says_so(
    live_server: str, browser: Any, width: int
) -> None:
    """Markers and clusters carry their number of incidents; in the first view, which fits
    them all, their numbers add up to what the list has with coordinates."""
    context, page, _blocked, errors = _offline_page(browser, width)
    try:
        page.goto(live_server + "/incidents", wait_until="networkidle")
        page.wait_for_selector(MARKERS, state="attached")
        page.wait_for_timeout(300)
        drawn = sum(_count(t) for t in page.locator(MARKERS).all_text_contents())
        feed = page.evaluate("() => fetch('/incidents/map.geojson').then((r) => r.json())")
        assert drawn == feed["located"] == feed["drawn"] and not feed["truncated"]
        note = page.locator("#map-note").inner_text()
        assert re.search(rf"\b{drawn} incidents? on the map", note)
        # A marker's popup names its newest incident and links to it.
        page.locator("#map .spot").first.click()
        assert page.locator("#map .map-popup a[href^='/incidents/']").count() >= 1
        assert errors == []
    finally:
        context.close()


# Each page's small map and the zoom it opens at, at least: one point opens at a district's
# view; a sector's incidents, closer than the whole region; an actor's may span it.
SMALL_MAPS = [
    ("/incidents/1", 7),
    ("/places/chaman", 7),
    ("/sectors/chaman-spin-boldak", 6),
    ("/actors/pakistan-army", 5),
]


@pytest.mark.parametrize("width", [1366, 360])
@pytest.mark.parametrize(("path", "zoom"), SMALL_MAPS)
def test_record_pages_have_a_small_map(
    live_server: str, browser: Any, width: int, path: str, zoom: float
) -> None:
    context, page, blocked, errors = _offline_page(browser, width)
    try:
        page.goto(live_server + path, wait_until="networkidle")
        small = page.locator(".map-small")
        small.wait_for()
        page.wait_for_selector(".map-small .spot, .map-small .spot-cluster", state="attached")
        box = small.bounding_box()
        assert box is not None and box["width"] <= width
        opened_at = page.evaluate("() => document.querySelector('.map-small').leafletMap.getZoom()")
        assert opened_at >= zoom
        assert blocked == [] and errors == []
    finally:
        context.close()


def test_without_script_no_map_and_no_key_show(live_server: str, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        for path in ("/", "/incidents", "/incidents/1", "/sectors/chaman-spin-boldak"):
            page.goto(live_server + path)
            assert not page.locator(".map").first.is_visible()
            assert not page.locator(".map-note .js-only").first.is_visible()
            # Nor an empty frame where a small map would be.
            assert all(not frame.is_visible() for frame in page.locator(".panel-small").all())
    finally:
        context.close()


def test_back_after_a_filter_change_redraws_the_map_and_the_chart(
    live_server: str, browser: Any
) -> None:
    """htmx's history snapshot holds Leaflet's and uPlot's inline styles, which the CSP refuses;
    Back must give a working map and chart, with no errors."""
    context, page, _blocked, errors = _offline_page(browser)
    try:
        page.goto(live_server + "/incidents", wait_until="networkidle")
        page.wait_for_selector(MARKERS, state="attached")
        page.locator("#facet-type input[type=checkbox]").first.check()
        page.wait_for_function("() => location.search.includes('type=')")
        page.wait_for_load_state("networkidle")
        page.go_back(wait_until="networkidle")
        page.wait_for_function("() => !location.search.includes('type=')")
        page.wait_for_selector(MARKERS, state="attached")
        page.wait_for_selector("#timeline .u-over", state="attached")
        assert page.locator("#timeline canvas").count() >= 1
        # The labels are placed by Leaflet, not piled in the map's corner without their styles.
        unplaced = page.evaluate(
            "() => [...document.querySelectorAll('#map .map-label')]"
            ".filter((label) => !label.style.transform).length"
        )
        assert unplaced == 0
        assert errors == []
    finally:
        context.close()
