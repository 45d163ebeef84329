"""The facet index on its own, in one process: how long reading it takes, how long catching up
with one write takes, and what one new filter costs (its total, page, eight facets, timeline
and places table), with the same random filters as bench/wrk_distinct.lua.

    python bench/facet_index.py [DATABASE_URL] [--filters 300]

Without a URL it uses the `make bench` SQLite database of 1,000,000 incidents.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTORS = [
    "chaman-spin-boldak", "zhob-paktika", "waziristan-paktika-khost", "kurram-paktia-khost",
    "khyber-nangarhar", "mohmand-bajaur-kunar", "chitral-nuristan-badakhshan",
]  # fmt: skip
ACTORS = [
    "pakistan-state-forces", "pakistan-army", "frontier-corps", "pakistan-police",
    "afghan-taliban", "ttp", "iskp", "civilians-pakistan", "civilians-afghanistan",
]  # fmt: skip
STATUSES = ["unverified", "corroborated", "disputed", "denied", "retracted"]


def random_filter(rng: random.Random) -> dict[str, object]:
    first = date(2021, 1, 1) + timedelta(days=rng.randint(0, 5 * 365 - 8))
    wanted: dict[str, object] = {
        "date_from": first,
        "date_to": first + timedelta(days=rng.randint(7, 365)),
    }
    if rng.random() < 0.5:
        wanted["sectors"] = (rng.choice(SECTORS),)
    if rng.random() < 0.5:
        wanted["actors"] = (rng.choice(ACTORS),)
    if rng.random() < 0.5:
        wanted["statuses"] = (rng.choice(STATUSES),)
    return wanted


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from app.db import Database
    from app.schemas.filters import IncidentFilter
    from app.services import facet_index, visuals
    from app.services.browse import browse_incidents

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = f"sqlite:///{ROOT / 'bench' / '.data' / 'incidents-1000000.sqlite3'}"
    parser.add_argument("url", nargs="?", default=default)
    parser.add_argument("--filters", type=int, default=300)
    args = parser.parse_args()

    database = Database(args.url)
    index = facet_index.enable(database.engine)
    started = time.perf_counter()
    with index.current():
        pass
    read_seconds = time.perf_counter() - started
    incidents = index.columns.n - 1

    # One write, as an editor's save makes it, then the time the next answer takes to catch up.
    with database.write() as session:
        session.execute(
            text("UPDATE incidents SET title = title WHERE id = (SELECT max(id) FROM incidents)")
        )
    started = time.perf_counter()
    with index.current():
        pass
    catch_up_ms = (time.perf_counter() - started) * 1000

    rng = random.Random(1)
    timings: list[float] = []
    for _ in range(args.filters):
        wanted = IncidentFilter(**random_filter(rng))  # type: ignore[arg-type]
        started = time.perf_counter()
        with database.read() as session:
            browse_incidents(session, wanted)
            visuals.timeline(session, wanted)
            visuals.places_table(session, wanted)
        timings.append((time.perf_counter() - started) * 1000)
    result = {
        "url": database.engine.url.render_as_string(hide_password=True),
        "incidents": incidents,
        "index_read_seconds": round(read_seconds, 2),
        "catch_up_after_one_write_ms": round(catch_up_ms, 1),
        "filters": args.filters,
        "list_page_data_ms": {
            "p50": round(statistics.median(timings), 1),
            "p95": round(percentile(timings, 0.95), 1),
            "max": round(max(timings), 1),
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
