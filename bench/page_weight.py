"""Page weight: bytes transferred (compressed, as on the wire) for a first visit with an empty
cache, and for one filter change on the list page, in every language of the interface. Limits
from the project: 300 KB and 30 KB.

    python bench/page_weight.py        # prints a table, writes bench/results/page_weight.json
    python bench/page_weight.py 6600   # the same with 6,600 generated ACLED events imported too
                                       # (bench/results/page_weight_6600.json)

Exits with status 1 when a limit is exceeded.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from app.i18n import LANGUAGES
from bench.live import CHROMIUM, CHROMIUM_ARGS, ROOT, demo_server

FIRST_LOAD_LIMIT = 300 * 1024
FILTER_UPDATE_LIMIT = 30 * 1024


class Meter:
    """Sums encodedDataLength (bytes on the wire, headers included) of finished requests."""

    def __init__(self, page: Any) -> None:
        self.total = 0
        self.requests = 0
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event: dict[str, Any]) -> None:
        self.total += int(event["encodedDataLength"])
        self.requests += 1

    def reset(self) -> None:
        self.total = 0
        self.requests = 0


def measure(base: str) -> dict[str, Any]:
    """Each view's weight, keyed "<language>_<view>" (en_home_first_load, ur_list_…)."""
    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language in LANGUAGES:
            for name, path in (("home", "/"), ("list", "/incidents")):
                context = browser.new_context()  # an empty cache: a first visit
                page = context.new_page()
                meter = Meter(page)
                page.goto(base + language.prefix + path, wait_until="networkidle")
                page.wait_for_selector("#map .leaflet-interactive", state="attached")
                page.wait_for_timeout(500)
                key = f"{language.code}_{name}"
                results[f"{key}_first_load"] = {"bytes": meter.total, "requests": meter.requests}
                if name == "list":
                    meter.reset()
                    # By value: the checkbox's label is in the page's language.
                    page.locator("input[name=status][value=disputed]").check()
                    page.wait_for_function("() => location.search.includes('status=disputed')")
                    page.wait_for_load_state("networkidle")
                    page.wait_for_selector("#map .leaflet-interactive", state="attached")
                    page.wait_for_timeout(500)
                    results[f"{key}_filter_update"] = {
                        "bytes": meter.total,
                        "requests": meter.requests,
                    }
                context.close()
        browser.close()
    return results


def main(acled_events: int = 0) -> int:
    with demo_server(acled_events) as base:
        results = measure(base)
    limits = {
        f"{language.code}_{view}": limit
        for language in LANGUAGES
        for view, limit in (
            ("home_first_load", FIRST_LOAD_LIMIT),
            ("list_first_load", FIRST_LOAD_LIMIT),
            ("list_filter_update", FILTER_UPDATE_LIMIT),
        )
    }
    failed = False
    print(f"{'view':<28}{'requests':>9}{'KB':>9}{'limit KB':>10}  result")
    for key, limit in limits.items():
        entry = results[key]
        entry["limit_bytes"] = limit
        entry["within_limit"] = entry["bytes"] <= limit
        failed |= not entry["within_limit"]
        verdict = "ok" if entry["within_limit"] else "OVER"
        kilobytes = entry["bytes"] / 1024
        print(f"{key:<28}{entry['requests']:>9}{kilobytes:>9.1f}{limit / 1024:>10.0f}  {verdict}")
    name = f"page_weight_{acled_events}.json" if acled_events else "page_weight.json"
    out = ROOT / "bench" / "results" / name
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
