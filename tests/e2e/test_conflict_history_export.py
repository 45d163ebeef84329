"""Two editors save the same incident; the second sees what changed, keeps their work and
resolves it. Then the history restores the first version, and a reader downloads the view."""

from __future__ import annotations

import csv
import re
from typing import Any

import pytest

from tests.e2e.conftest import sign_in_as_editor


def _signed_in(browser: Any, live_server: str, javascript: bool) -> tuple[Any, Any]:
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    sign_in_as_editor(page, live_server)
    return context, page


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_edit_conflict_is_resolved_and_history_restores(
    live_server: str, browser: Any, javascript: bool
) -> None:
    tag = "js" if javascript else "no-js"
    first_title = f"Firing at Torkham ({tag})"
    first_context, first = _signed_in(browser, live_server, javascript)
    second_context, second = _signed_in(browser, live_server, javascript)
    try:
        first.goto(f"{live_server}/incidents/new")
        first.get_by_label("Title").fill(first_title)
        first.get_by_label("Start date").fill("2025-11-03")
        first.select_option("#event_type", "battles")
        first.get_by_label("Place from the gazetteer").fill("Torkham border crossing")
        first.get_by_role("button", name="Create draft").click()
        first.wait_for_selector(".editor-bar")
        # The permalink may carry a slug after the id; the edit and history pages hang off the id.
        incident_id = re.search(r"/incidents/(\d+)", first.url).group(1)  # type: ignore[union-attr]
        incident_url = f"{live_server}/incidents/{incident_id}"

        # Both open the form at version 1; the second editor saves first.
        first.goto(f"{incident_url}/edit")
        second.goto(f"{incident_url}/edit")
        second.get_by_label("Title").fill(f"Exchange of fire at Torkham ({tag})")
        second.get_by_role("button", name="Save changes").click()
        second.wait_for_selector(".editor-bar")

        first.get_by_label("Neutral summary").fill("Border guards exchanged fire for an hour.")
        first.get_by_role("button", name="Save changes").click()
        alert = first.locator(".problems.conflict")
        alert.wait_for()
        assert "Someone else saved this incident" in alert.inner_text()
        assert f"Exchange of fire at Torkham ({tag})" in alert.inner_text()
        # Nothing typed is lost: the summary is still in the form.
        assert first.get_by_label("Neutral summary").input_value().startswith("Border guards")

        # The editor takes the other title and saves their summary over the new version.
        first.get_by_label("Title").fill(f"Exchange of fire at Torkham ({tag})")
        first.get_by_role("button", name="Save changes").click()
        first.wait_for_selector(".editor-bar")
        body = first.locator("main").inner_text()
        assert f"Exchange of fire at Torkham ({tag})" in body
        assert "Border guards exchanged fire for an hour." in body

        first.goto(f"{incident_url}/history")
        assert first.locator(".history-entry").count() == 3
        first.get_by_role("button", name="Restore version 1").click()
        first.wait_for_selector(".editor-bar")
        assert first_title in first.locator("h1").inner_text()
        first.goto(f"{incident_url}/history")
        assert first.locator(".history-entry").count() == 4
        assert "Restore" in first.locator(".history-entry h2").first.inner_text()
    finally:
        first_context.close()
        second_context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_reader_downloads_the_filtered_view(
    live_server: str, browser: Any, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/incidents?sector=chaman-spin-boldak")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="CSV", exact=True).click()
        download = download_info.value
        with open(download.path(), encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert rows and {r["sector"] for r in rows} == {"chaman-spin-boldak"}
        assert download.suggested_filename.endswith(".csv")
    finally:
        context.close()
