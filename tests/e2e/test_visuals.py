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
