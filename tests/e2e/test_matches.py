"""An editor merges the records of one event from the match queue, and undoes it from the
incident page, with a browser, with JavaScript and without."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ScratchDatabases
from tests.e2e.conftest import serving, sign_in_as_editor
from tests.services.test_matching import ACLED, UCDP


@pytest.fixture(scope="module")
def matching_server(
    scratch: ScratchDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Both datasets' files, whose second import proposes the matches, on a server of their
    own (the shared one's demo data stays as the other tests expect it)."""
    imports = (("import", "acled", str(ACLED)), ("import", "ucdp", str(UCDP)))
    with serving(scratch.new_url(), tmp_path_factory.mktemp("matches"), prepare=imports) as base:
        yield base


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_merge_from_the_queue_then_undo_it(
    matching_server: str, browser: Any, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    try:
        sign_in_as_editor(page, matching_server)
        page.get_by_role("link", name="Matches").click()
        group = page.locator("section.match-group").first
        kept = group.locator("input[name=keep]:checked").get_attribute("value")
        folded = group.locator("input[name=other]:checked").first.get_attribute("value")
        group.get_by_role("button", name=re.compile("Merge the ticked records")).click()
        page.get_by_role("button", name="Merge", exact=True).click()
        page.wait_for_url(re.compile(r"/review/matches\?done="))
        assert f"into #{kept}" in page.locator(".notice").inner_text()

        page.goto(f"{matching_server}/incidents/{folded}")
        assert page.url.startswith(f"{matching_server}/incidents/{kept}")
        assert "ACLED, UCDP" in page.locator(".reported-by").inner_text()
        page.get_by_role("button", name=f"Unmerge #{folded}").click()
        page.wait_for_url(f"**/incidents/{folded}?unmerged=1")
        assert "separate again" in page.locator(".notice").inner_text()
    finally:
        context.close()
