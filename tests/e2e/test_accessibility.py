"""axe-core (WCAG 2.1 A and AA, and best practice) on every kind of page, with thousands of
incidents loaded: no serious or critical violation, on a desktop and on a phone.

axe-core comes bundled in the axe-playwright-python package; it runs in the page, offline.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db import Database
from app.models import Incident
from bench.import_acled import write_export
from tests.conftest import ScratchDatabases
from tests.e2e.conftest import serving, sign_in_as_editor

# Enough for the pages to show what real data does to them: many facet values, long tables,
# clustered maps, thousands in the timeline.
SYNTHETIC = 3_000
ACLED_EVENTS = 2_000
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SERIOUS = {"serious", "critical"}
READER_PAGES = [
    "/",
    "/incidents",
    "/incidents?status=disputed&sector=chaman-spin-boldak",
    "/incidents?q=mortar&sort=-killed&page=2",
    "/incidents/{spin_boldak}/clashes-at-spin-boldak-and-chaman",
    "/incidents/{spin_boldak}/v/1",
    "/incidents/coverage",
    "/actors",
    "/actors/pakistan-army",
    "/sectors",
    "/sectors/chaman-spin-boldak",
    "/places",
    "/places/chaman",
    "/login",
    "/no-such-page",
]
EDITOR_PAGES = [
    "/incidents/new",
    "/incidents/{spin_boldak}/edit",
    "/incidents/{spin_boldak}/history",
]


def _axe_source() -> str:
    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec is not None and spec.origin is not None, "pip install axe-playwright-python"
    return (Path(spec.origin).parent / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def large_server(
    scratch: ScratchDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("large")
    acled = folder / "acled.csv"
    write_export(acled, ACLED_EVENTS)
    prepare = [
        ("migrate",),
        ("demo",),
        ("synth", "--incidents", str(SYNTHETIC)),
        ("import", "acled", str(acled)),
    ]
    url = scratch.new_url()
    with serving(url, folder, prepare=prepare) as base:
        database = Database(url)
        with database.read() as session:
            assert (session.scalar(select(func.count(Incident.id))) or 0) > 5_000
        database.dispose()
        yield base


def _violations(page: Any, source: str) -> list[str]:
    page.wait_for_load_state("networkidle")
    page.evaluate(source)
    result = page.evaluate(
        "tags => axe.run(document, { runOnly: { type: 'tag', values: tags } })", RULES
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


def _spin_boldak(page: Any, base: str) -> str:
    page.goto(f"{base}/incidents?q=Clashes+at+Spin+Boldak+and+Chaman")
    link = page.locator("a[href$='/clashes-at-spin-boldak-and-chaman']").first
    found = re.search(r"/incidents/(\d+)/", link.get_attribute("href") or "")
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("width", [1366, 360])
def test_no_serious_violation_on_any_page_at_scale(
    large_server: str, browser: Any, width: int
) -> None:
    source = _axe_source()
    # axe is injected by the test, not served by the app: the page's CSP rightly refuses it.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        spin_boldak = _spin_boldak(page, large_server)
        for path in READER_PAGES:
            page.goto(large_server + path.format(spin_boldak=spin_boldak))
            if problems := _violations(page, source):
                found[path] = problems
        sign_in_as_editor(page, large_server)
        for path in EDITOR_PAGES:
            page.goto(large_server + path.format(spin_boldak=spin_boldak))
            if problems := _violations(page, source):
                found[path] = problems
    finally:
        context.close()
    assert found == {}, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)
