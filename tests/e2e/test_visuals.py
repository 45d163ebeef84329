"""The map and the timeline draw without errors and without the network, and the timeline
chooses dates."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def _offline_page(browser: Any) -> tuple[Any, Any, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
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
            page.wait_for_selector("#map .leaflet-interactive", state="attached")
            page.wait_for_selector("#timeline .u-over", state="attached")
            assert page.locator("#map path.leaflet-interactive").count() >= 1
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


HOSTILE_NAME = '<a id="planted" href="https://attacker.example/">Miranshah</a><b>bold</b>'


def test_a_place_name_with_markup_is_shown_as_text_on_the_map(
    live_server: str, live_database_url: str, browser: Any
) -> None:
    """Leaflet writes a string tooltip as HTML: a name with a link would be a live link on
    every public map (the CSP stops scripts, not links)."""
    from sqlalchemy import delete

    from app.db import Database
    from app.models import Place

    database = Database(live_database_url)
    with database.write() as session:
        place = Place(
            slug="hostile-town",
            name=HOSTILE_NAME,
            country="PAK",
            kind="town",
            latitude=32.9,
            longitude=70.2,
            source_url="https://example.org/gazetteer",
        )
        session.add(place)
    context, page, _blocked, errors = _offline_page(browser)
    try:
        page.goto(live_server + "/", wait_until="networkidle")
        page.wait_for_selector("#map .leaflet-tooltip", state="attached")
        labels = page.locator("#map .leaflet-tooltip").all_text_contents()
        assert HOSTILE_NAME in labels
        assert page.locator("#planted").count() == 0
        assert page.locator("#map .leaflet-tooltip b").count() == 0
        assert errors == []
    finally:
        context.close()
        with database.write() as session:
            session.execute(delete(Place).where(Place.slug == "hostile-town"))
        database.dispose()


def test_back_after_a_filter_change_redraws_the_map_and_the_chart(
    live_server: str, browser: Any
) -> None:
    """htmx's history snapshot holds Leaflet's and uPlot's inline styles, which the CSP refuses;
    Back must give a working map and chart, with no errors."""
    context, page, _blocked, errors = _offline_page(browser)
    try:
        page.goto(live_server + "/incidents", wait_until="networkidle")
        page.wait_for_selector("#map .leaflet-interactive", state="attached")
        page.locator("#facet-type input[type=checkbox]").first.check()
        page.wait_for_function("() => location.search.includes('type=')")
        page.wait_for_load_state("networkidle")
        page.go_back(wait_until="networkidle")
        page.wait_for_function("() => !location.search.includes('type=')")
        page.wait_for_selector("#map .leaflet-interactive", state="attached")
        page.wait_for_selector("#timeline .u-over", state="attached")
        assert page.locator("#map path.leaflet-interactive").count() >= 1
        assert page.locator("#timeline canvas").count() >= 1
        # The labels are placed by Leaflet, not piled in the map's corner without their styles.
        unplaced = page.evaluate(
            "() => [...document.querySelectorAll('#map .leaflet-tooltip')]"
            ".filter((label) => !label.style.transform).length"
        )
        assert unplaced == 0
        assert errors == []
    finally:
        context.close()
