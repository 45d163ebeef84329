"""An editor enters an incident with two claims, one disputing the other, and publishes it; a
reader then finds it through the filters and reads both claims at its permanent link."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import sign_in_as_editor


def _fill_claim(
    page: Any,
    *,
    claimant: str,
    kind: str,
    status: str,
    statement: str,
    url: str,
    outlet: str,
    figure: tuple[str, str, str] | None = None,
    responds_to: str | None = None,
) -> None:
    page.wait_for_selector("#claim-editor form")
    page.fill("#claimant", claimant)
    page.select_option("#kind", kind)
    page.select_option("#status", status)
    page.fill("#statement", statement)
    if responds_to:
        label = page.locator("#responds_to option", has_text=responds_to).inner_text()
        page.select_option("#responds_to", label=label)
    if figure:
        party, actor, low = figure
        page.select_option("#figure_party_1", party)
        page.fill("#figure_actor_1", actor)
        page.select_option("#figure_outcome_1", "killed")
        page.fill("#figure_low_1", low)
        page.fill("#figure_high_1", low)
    page.fill("#source_1_url", url)
    page.fill("#source_1_outlet", outlet)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_editor_publishes_and_a_reader_finds_it(
    live_server: str, browser: Any, javascript: bool
) -> None:
    title = f"Shelling near Arandu ({'js' if javascript else 'no-js'})"
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        sign_in_as_editor(page, live_server)

        page.goto(f"{live_server}/incidents/new")
        page.get_by_label("Title").fill(title)
        page.get_by_label("Start date").fill("2025-11-02")
        page.select_option("#event_type", "explosions-remote-violence")
        page.select_option("#sub_event_type", "shelling-artillery-missile-attack")
        page.get_by_label("Place from the gazetteer").fill("Arundu")  # an alias of Arandu
        page.fill("#actor_1", "Pakistan Army")
        page.select_option("#role_1", "side_a")
        page.fill("#actor_2", "Taliban")
        page.select_option("#role_2", "side_b")
        page.get_by_role("button", name="Create draft").click()
        page.wait_for_selector(".editor-bar")
        incident_url = page.url.split("#")[0]

        page.get_by_role("link", name="Add a claim").click()
        _fill_claim(
            page,
            claimant="Pakistan Army",
            kind="casualties",
            status="disputed",
            statement="Twelve attackers were killed.",
            url="https://news.example/ispr-arandu",
            outlet="Example Wire",
            figure=("combatants", "TTP", "12"),
        )
        page.get_by_role("button", name="Add claim").click()
        page.wait_for_selector("article.claim")

        page.get_by_role("link", name="Add a claim").click()
        _fill_claim(
            page,
            claimant="Afghan Taliban authorities",
            kind="denial",
            status="unverified",
            statement="No fighters were there; the shells hit houses.",
            url="https://news.example/kabul-denies",
            outlet="Example Daily",
            responds_to="Twelve attackers were killed.",
        )
        page.get_by_role("button", name="Add claim").click()
        page.wait_for_function("() => document.querySelectorAll('article.claim').length === 2")

        page.get_by_role("button", name="Publish").click()
        page.wait_for_selector(".editor-bar .state:text('published')")
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/incidents")
    finally:
        context.close()

    reader_context = browser.new_context(java_script_enabled=javascript)
    reader = reader_context.new_page()
    try:
        reader.goto(f"{live_server}/incidents")
        assert reader.get_by_role("link", name="Sign in").is_visible()
        reader.get_by_label("Search").fill("Arandu")
        reader.get_by_role("checkbox", name="Disputed").check()
        if not javascript:
            reader.get_by_role("button", name="Apply filters").click()
        reader.wait_for_function(
            "() => location.search.includes('status=disputed')"
            " && location.search.includes('Arandu')"
        )
        reader.get_by_role("link", name=title).click()
        reader.wait_for_selector("article.claim")
        assert reader.url.split("#")[0] == incident_url
        claims = reader.locator("article.claim")
        assert claims.count() == 2
        text = " ".join(claims.all_inner_texts())
        assert "Twelve attackers were killed." in text and "the shells hit houses" in text
        assert reader.locator(".responds a").count() >= 1
        assert reader.locator(".editor-bar").count() == 0
    finally:
        reader_context.close()
