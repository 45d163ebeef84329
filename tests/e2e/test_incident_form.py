"""The incident form without friction, in a real browser with and without JavaScript: sub-types
follow the type, actor rows can be added, a sector for a new place is chosen from a list."""

from __future__ import annotations

from typing import Any

import pytest

from app.models.vocab import EVENT_TYPES
from tests.e2e.conftest import sign_in_as_editor


def _signed_in(browser: Any, live_server: str, javascript: bool, width: int) -> tuple[Any, Any]:
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    sign_in_as_editor(page, live_server)
    page.goto(f"{live_server}/incidents/new")
    return context, page


@pytest.mark.parametrize("width", [1366, 360])
def test_sub_types_follow_the_type_and_rows_are_added_in_place(
    live_server: str, browser: Any, width: int
) -> None:
    context, page = _signed_in(browser, live_server, True, width)
    try:
        page.select_option("#event_type", "battles")
        offered = page.eval_on_selector_all(
            "#sub_event_type optgroup:not([disabled]) option", "nodes => nodes.map(n => n.value)"
        )
        assert set(offered) == set(EVENT_TYPES["battles"][1])
        page.select_option("#sub_event_type", "armed-clash")
        page.select_option("#event_type", "protests")
        assert page.input_value("#sub_event_type") == "", "a sub-type of another type is cleared"

        before = page.locator(".actor-row").count()
        page.get_by_role("button", name="Add more actor rows").click()
        assert page.locator(".actor-row").count() == before + 1
        assert page.locator(f"#actor_{before + 1}").is_visible()
        assert page.url.endswith("/incidents/new"), "nothing was sent"
        sectors = page.eval_on_selector_all(
            "#new_place_sector option", "nodes => nodes.map(n => n.value)"
        )
        assert "kurram-paktia-khost" in sectors
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
    finally:
        context.close()


def test_without_javascript_more_rows_come_from_the_server(live_server: str, browser: Any) -> None:
    context, page = _signed_in(browser, live_server, False, 1366)
    try:
        page.get_by_label("Title").fill("Kept while rows are added")
        before = page.locator(".actor-row").count()
        page.get_by_role("button", name="Add more actor rows").click()
        page.wait_for_load_state()
        assert page.locator(".actor-row").count() > before
        assert page.input_value("#title") == "Kept while rows are added"
        assert page.locator(".field-error").count() == 0, "nothing was checked or saved"
    finally:
        context.close()
