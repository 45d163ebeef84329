"""Import speed for a UCDP GED file the size of the published Pakistan file (6,416 events from
1989 on, with its HXL row): `incidents import ucdp` on a fresh SQLite database, then again
unchanged (targets: under 10 s, and under 5 s again).

The file is made from the rows of tests/fixtures/real/ucdp_ged_pak.csv (the codebook's columns,
quoting, line breaks in fields, out-of-order tolls, agency and district spellings), each copied
with a new id, a date spread over 1989-2024 and its point moved a little, so every place and
district lookup is a real one.

    python bench/import_ucdp.py [N]     # writes bench/results/import_ucdp.json
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "real" / "ucdp_ged_pak.csv"
PUBLISHED_EVENTS = 6_416


def write_file(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, hxl, events = rows[0], rows[1], rows[2:]
    column = {name: i for i, name in enumerate(header)}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(hxl)
        for n in range(count):
            row = list(rng.choice(events))
            day = date(1989, 1, 1) + timedelta(days=rng.randrange(35 * 365))
            span = date.fromisoformat(row[column["date_end"]][:10]) - date.fromisoformat(
                row[column["date_start"]][:10]
            )
            row[column["id"]] = str(300_000 + n)
            row[column["year"]] = str(day.year)
            row[column["date_start"]] = day.isoformat()
            row[column["date_end"]] = (day + span).isoformat()
            for name in ("latitude", "longitude"):
                row[column[name]] = f"{float(row[column[name]]) + rng.uniform(-0.05, 0.05):.4f}"
            writer.writerow(row)


def _import(env: dict[str, str], path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", "ucdp", str(path)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, done.stdout.strip().splitlines()[0]


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else PUBLISHED_EVENTS
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ucdp.csv"
        write_file(path, count)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        subprocess.run(
            [sys.executable, "-m", "app.cli", "migrate"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seconds, summary = _import(env, path)
        seconds_again, summary_again = _import(env, path)
    result = {
        "events": count,
        "seconds": round(seconds, 2),
        "events_per_second": round(count / seconds),
        "reimport_seconds": round(seconds_again, 2),
        "summary": summary,
        "reimport_summary": summary_again,
        "targets": {"seconds": 10, "reimport_seconds": 5},
    }
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "results" / "import_ucdp.json").write_text(
        json.dumps(result, indent=2) + "\n"
    )
    met = seconds < 10 and seconds_again < 5
    return 0 if count != PUBLISHED_EVENTS or met else 1


if __name__ == "__main__":
    raise SystemExit(main())
