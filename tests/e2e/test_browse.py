"""A reader opens the list, follows an incident and sees the claims side by side: with and
without JavaScript, on a desktop and a phone-sized window."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width", [1366, 360], ids=["desktop", "narrow"])
def test_reader_opens_the_spin_boldak_incident(
    live_server: str, browser: Any, javascript: bool, width: int
) -> None:
    context = browser.new_context(
        java_script_enabled=javascript, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server}/incidents")
        assert page.locator("h1").inner_text() == "Incidents"
        page.get_by_role("link", name="Clashes at Spin Boldak and Chaman").click()
        page.wait_for_url("**/incidents/*/clashes-at-spin-boldak-and-chaman")
        assert page.locator("h1").inner_text() == "Clashes at Spin Boldak and Chaman"
        assert page.locator("article.claim").count() >= 4
        parties = page.locator(".claimant > h3").all_inner_texts()
        assert "Pakistan Army" in parties and "Afghan Taliban authorities" in parties
        assert page.locator(".claim .status", has_text="denied").count() >= 1
        assert page.locator(".claim .claim-sources a").count() >= 4
        assert page.locator(".source-list a").count() >= 4
        # Nothing overflows the page sideways on a narrow screen, except inside scroll areas.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        # Its small map is drawn, and on a desktop the whole page stays under 6,000 px.
        if javascript:
            page.wait_for_selector("#incident-map .spot", state="attached")
        if width >= 1366:
            assert page.evaluate("document.documentElement.scrollHeight") < 6000
    finally:
        context.close()


def test_unknown_incident_is_a_404_page_in_the_browser(live_server: str, browser: Any) -> None:
    page = browser.new_page()
    response = page.goto(f"{live_server}/incidents/424242")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    page.close()
