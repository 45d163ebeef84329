"""Every language in a real browser: home, list, an incident and the forms, on a desktop and a
phone-sized window, laid out in the language's direction with nothing sideways off the page
and nothing the page's security policy refuses."""

from __future__ import annotations

from typing import Any

import pytest

from app.i18n import LANGUAGES, Language
from tests.e2e.conftest import sign_in_as_editor

# A page and whether reading it needs an editor's account.
PAGES = {
    "home": ("/", False),
    "list": ("/incidents", False),
    "incident": ("/incidents/{incident}", False),
    "incident form": ("/incidents/new", True),
    "claim form": ("/incidents/{incident}/claims/new", True),
}

# Text that overflows its box without widening the page (a long word in a table cell, say)
# is measured too: every element's right and left edge inside the window.
OFF_THE_PAGE = """() => {
  const width = document.documentElement.clientWidth;
  const skipped = ".table-scroll, .leaflet-container, .uplot, [hidden], .visually-hidden";
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(skipped)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // Wholly off screen is a skip link or the like, hidden on purpose; part off is a fault.
    const partlyOff =
      (box.left < -1 && box.right > 0) || (box.right > width + 1 && box.left < width);
    const where = Math.round(box.left) + ".." + Math.round(box.right);
    if (partlyOff) out.push(el.tagName + "." + el.className + " " + where);
  }
  const sideways = document.documentElement.scrollWidth - window.innerWidth;
  return {page: sideways, elements: out.slice(0, 5)};
}"""


def _incident(live_server: str, browser: Any) -> str:
    page = browser.new_page()
    try:
        page.goto(f"{live_server}/incidents")
        href = page.locator("table a[href^='/incidents/']").first.get_attribute("href")
        assert href is not None
        return href.split("/")[2]
    finally:
        page.close()


@pytest.mark.parametrize("width", [1366, 360], ids=["desktop", "narrow"])
@pytest.mark.parametrize("language", LANGUAGES, ids=lambda language: language.code)
def test_every_page_in_every_language_fits_and_keeps_to_its_policy(
    live_server: str, browser: Any, language: Language, width: int
) -> None:
    incident = _incident(live_server, browser)
    context = browser.new_context(viewport={"width": width, "height": 900})
    refused: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: refused.append(str(error)))
    try:
        sign_in_as_editor(page, live_server)
        for name, (path, _) in PAGES.items():
            address = f"{live_server}{language.prefix}{path.format(incident=incident)}"
            response = page.goto(address, wait_until="networkidle")
            assert response is not None and response.status == 200, (name, address)
            html = page.locator("html")
            assert html.get_attribute("lang") == language.code, name
            assert html.get_attribute("dir") == language.direction, name
            # The page reads in its direction: the header's first link sits at that side.
            assert page.evaluate("getComputedStyle(document.body).direction") == (
                language.direction
            )
            # Links on the page keep the language.
            nav = page.locator(".site-header nav a").first.get_attribute("href") or ""
            assert nav.startswith(f"{language.prefix}/"), (name, nav)
            measured = page.evaluate(OFF_THE_PAGE)
            assert measured["page"] <= 0, (name, width, measured)
            assert measured["elements"] == [], (name, width, measured)
        assert refused == [], refused
    finally:
        context.close()


@pytest.mark.parametrize(
    "language", [lang for lang in LANGUAGES if lang.prefix], ids=lambda language: language.code
)
def test_a_translated_page_reads_in_its_language(
    live_server: str, browser: Any, language: Language
) -> None:
    """Most of the words a reader sees are in the language's own script, not English."""
    page = browser.new_page()
    try:
        page.goto(f"{live_server}{language.prefix}/incidents", wait_until="networkidle")
        text = page.locator("main").inner_text()
        arabic = sum(1 for ch in text if "\u0600" <= ch <= "\u06ff")
        latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
        # Incident titles, outlets and names stay as they were typed, in English in the demo.
        assert arabic > latin / 2, (arabic, latin)
    finally:
        page.close()


# Without script: what only script fills or drives. The map and the timeline (and their keys and
# small map frames) are .js-only; a button that submits nothing (type=button, "Copy link") has
# only script to act on it.
SCRIPT_ONLY = ".js-only, .map, .timeline, .copy-link, button[type=button]"

# A box drawn on the page (a border or a background) with nothing in it: a frame left for
# something script would have drawn. Content inside a closed <details> is not rendered.
EMPTY_FRAMES = """() => {
  const content = "img, svg, canvas, video, iframe, input, select, textarea, button, hr";
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.matches(content) || el.querySelector(content)) continue;
    if (el.innerText.trim() !== "") continue;
    const style = getComputedStyle(el);
    const framed = ["Top", "Right", "Bottom", "Left"].some(
      (side) => parseFloat(style["border" + side + "Width"]) > 0
    ) || style.backgroundColor !== "rgba(0, 0, 0, 0)";
    if (framed) out.push(el.tagName + "#" + el.id + "." + el.className);
  }
  return out.slice(0, 5);
}"""


def _reads_without_script(page: Any, language: Language, name: str, width: int) -> None:
    """The page is in its language and direction, fits the window, and shows nothing that
    only script would have made meaningful."""
    html = page.locator("html")
    assert html.get_attribute("lang") == language.code, name
    assert html.get_attribute("dir") == language.direction, name
    assert page.evaluate("getComputedStyle(document.body).direction") == language.direction
    nav = page.locator(".site-header nav a").first.get_attribute("href") or ""
    assert nav.startswith(f"{language.prefix}/"), (name, nav)
    measured = page.evaluate(OFF_THE_PAGE)
    assert measured["page"] <= 0, (name, width, measured)
    assert measured["elements"] == [], (name, width, measured)
    shown = [el.get_attribute("class") for el in page.locator(SCRIPT_ONLY).all() if el.is_visible()]
    assert shown == [], (name, shown)
    assert page.evaluate(EMPTY_FRAMES) == [], name


@pytest.mark.parametrize(
    "language", [lang for lang in LANGUAGES if lang.prefix], ids=lambda language: language.code
)
def test_without_javascript_a_translated_page_reads_and_filters_on_a_phone(
    live_server: str, browser: Any, language: Language
) -> None:
    """Home, list, an incident and the forms with script off at 360 px: in the language's
    direction, nothing sideways, no empty map or chart frame, and the filter form sends."""
    width = 360
    incident = _incident(live_server, browser)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    try:
        # A reader first, then an editor for the forms.
        for signed_in in (False, True):
            if signed_in:
                sign_in_as_editor(page, live_server)
            for name, (path, needs_editor) in PAGES.items():
                if needs_editor != signed_in:
                    continue
                address = f"{live_server}{language.prefix}{path.format(incident=incident)}"
                response = page.goto(address)
                assert response is not None and response.status == 200, (name, address)
                _reads_without_script(page, language, name, width)
                if name in ("home", "list"):
                    # What the map and the timeline show, as tables for readers without script.
                    assert page.locator("details.alt-table > summary").first.is_visible(), name

        # The list's filters: a submit button in reach, and a ticked box sent by the form itself.
        page.goto(f"{live_server}{language.prefix}/incidents")
        apply = page.locator("#filters button[type=submit]")
        assert apply.count() == 1, "the filter form has no submit button"
        apply.scroll_into_view_if_needed()
        assert apply.is_visible() and apply.is_enabled()
        box = apply.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        page.locator("#facet-status input[type=checkbox]").first.check()
        apply.click()
        page.wait_for_url(f"**{language.prefix}/incidents?*status=*")
        assert page.locator("#facet-status input[type=checkbox]:checked").count() == 1
        assert page.locator(".chips a").count() >= 1
        _reads_without_script(page, language, "filtered list", width)
    finally:
        context.close()
