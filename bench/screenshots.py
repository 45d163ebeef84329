"""Screenshots of the home page, the map and the timeline with the demo data, and of the list in
Urdu and an incident in Pashto, taken with every request that leaves this machine blocked:
they show the pictures need no network.

    python bench/screenshots.py      # writes docs/screenshots/{home,map,timeline,ur,ps}.png
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Route, sync_playwright

from bench.live import CHROMIUM, CHROMIUM_ARGS, ROOT, demo_server

OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    blocked: list[str] = []

    def only_this_machine(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    OUT.mkdir(parents=True, exist_ok=True)
    with demo_server() as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.route("**/*", only_this_machine)
        page = context.new_page()
        page.goto(base + "/", wait_until="networkidle")
        page.wait_for_selector("#map .leaflet-interactive", state="attached")
        page.wait_for_timeout(600)
        page.screenshot(path=OUT / "home.png", clip={"x": 0, "y": 0, "width": 1280, "height": 1300})

        page.goto(base + "/incidents", wait_until="networkidle")
        page.wait_for_selector("#map .leaflet-interactive", state="attached")
        page.locator("#map").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.locator("#map").screenshot(path=OUT / "map.png")
        page.locator("#timeline").screenshot(path=OUT / "timeline.png")

        # Right to left: the list in Urdu, and the Spin Boldak incident in Pashto.
        page.goto(base + "/ur/incidents", wait_until="networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=OUT / "ur.png", clip={"x": 0, "y": 0, "width": 1280, "height": 900})
        page.goto(base + "/ps/incidents?q=Spin+Boldak", wait_until="networkidle")
        page.locator("table.incidents a").first.click()
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=OUT / "ps.png", clip={"x": 0, "y": 0, "width": 1280, "height": 1100})
        browser.close()
    print(f"screenshots in {OUT}; requests to other hosts blocked: {len(blocked)}")
    for url in blocked:
        print("  blocked:", url)
    return 1 if blocked else 0


if __name__ == "__main__":
    raise SystemExit(main())
