"""The reader's main journey: narrow the list, share the address, go back. With and without
JavaScript, in a real Chromium against a real server."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest


def _rows(page: Any) -> list[str]:
    return page.locator("table.incidents tbody tr td[data-label=Incident] a").all_inner_texts()


def _checked(page: Any, name: str) -> list[str]:
    return page.eval_on_selector_all(
        f"form#filters input[name={name}]:checked", "nodes => nodes.map(n => n.value)"
    )


def _query(url: str) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in parse_qsl(urlsplit(url).query) if v)


def _choose(page: Any, label: str, javascript: bool) -> None:
    before = page.url
    page.get_by_role("checkbox", name=label).check()
    if not javascript:
        page.get_by_role("button", name="Apply filters").click()
    page.wait_for_function("before => location.href !== before", arg=before)
    page.wait_for_load_state()
    if javascript:
        # htmx swaps the list; wait until the swapped form shows the new state.
        page.wait_for_function("() => !document.querySelector('.htmx-request')")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_filter_share_and_go_back(live_server: str, browser: Any, javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/incidents")
        everything = _rows(page)
        assert len(everything) >= 10

        _choose(page, "Pakistan Army", javascript)
        by_actor = _rows(page)
        actor_url = page.url
        assert ("actor", "pakistan-army") in _query(actor_url)
        assert 0 < len(by_actor) < len(everything)

        _choose(page, "Denied", javascript)
        narrowed = _rows(page)
        shared = page.url
        assert {("actor", "pakistan-army"), ("status", "denied")} <= set(_query(shared))
        assert 0 < len(narrowed) < len(by_actor)
        assert set(narrowed) <= set(by_actor)
        assert "Clashes at Spin Boldak and Chaman" in narrowed

        # A colleague opens the shared address cold: same results, same filter state.
        fresh = browser.new_context(java_script_enabled=javascript)
        colleague = fresh.new_page()
        colleague.goto(shared)
        assert _rows(colleague) == narrowed
        assert _checked(colleague, "actor") == ["pakistan-army"]
        assert _checked(colleague, "status") == ["denied"]
        fresh.close()

        # Back returns to the previous view, with its filter state.
        page.go_back()
        page.wait_for_function("url => location.href === url", arg=actor_url)
        page.wait_for_selector("table.incidents")
        assert _rows(page) == by_actor
        assert _checked(page, "status") == []
        assert _checked(page, "actor") == ["pakistan-army"]
    finally:
        context.close()


def test_htmx_updates_without_a_full_reload(live_server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/incidents")
    page.evaluate("window.__marker = 'same document'")
    page.get_by_role("checkbox", name="Disputed").check()
    page.wait_for_function("() => location.search.includes('status=disputed')")
    assert page.evaluate("window.__marker") == "same document"
    count = page.locator(".result-count").inner_text()
    cold = browser.new_page()
    cold.goto(page.url)
    assert cold.locator(".result-count").inner_text() == count  # same as the server renders
    cold.close()
    # The facet counts changed too: the actor counts are now within disputed incidents.
    assert page.locator("#facet-status input[value=disputed]").is_checked()
    page.close()


def test_actor_autocomplete_by_alias(live_server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/incidents")
    field = page.get_by_label("Add an actor")
    field.fill("Fitna")
    page.wait_for_selector("#actor-options option[value='Fitna al-Khawarij']", state="attached")
    field.press("Enter")
    page.wait_for_function("() => location.search.includes('actor=ttp')")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert _checked(page, "actor") == ["ttp"]
    assert page.locator("table.incidents tbody tr").count() >= 1
    assert "Tehreek-e-Taliban Pakistan" in page.locator("table.incidents").inner_text()
    page.close()


def test_keyboard_only_filtering(live_server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/incidents")
    page.locator("#status-denied").focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('status=denied')")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    # Focus stays on the control the reader used, so they can carry on with the keyboard.
    assert page.evaluate("document.activeElement.id") == "status-denied"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.close()
