"""Import speed: writes an ACLED export of N events (default 10,000) and times
`incidents import acled` on a fresh SQLite database (target: under 10 seconds for 10,000).

    python bench/import_acled.py [N]     # writes bench/results/import_acled.json
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
COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "iso",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
]
PLACES = [
    ("Pakistan", "Balochistan", "Chaman", 30.92, 66.44),
    ("Afghanistan", "Kandahar", "Spin Boldak", 31.01, 66.40),
    ("Pakistan", "Khyber Pakhtunkhwa", "Parachinar", 33.90, 70.10),
    ("Pakistan", "Khyber Pakhtunkhwa", "Wana", 32.31, 69.59),
    ("Afghanistan", "Nangarhar", "Achin", 34.09, 70.68),
    ("Pakistan", "Khyber Pakhtunkhwa", "Miranshah", 33.00, 70.07),
]
TYPES = [
    ("Battles", "Armed clash"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Violence against civilians", "Attack"),
]
ACTORS = [
    "Military Forces of Pakistan (2018-)",
    "Military Forces of Afghanistan (2021-)",
    "TTP: Tehreek-i-Taliban Pakistan",
    "Unidentified Armed Group (Pakistan)",
    "Civilians (Pakistan)",
]


def write_export(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(count):
            country, admin1, location, lat, lon = rng.choice(PLACES)
            event_type, sub_type = rng.choice(TYPES)
            day = date(2020, 1, 1) + timedelta(days=rng.randrange(2000))
            a1, a2 = rng.sample(ACTORS, 2)
            writer.writerow(
                [
                    f"{'PAK' if country == 'Pakistan' else 'AFG'}{n:07d}",
                    day.isoformat(),
                    day.year,
                    1,
                    event_type,
                    sub_type,
                    a1,
                    "",
                    1,
                    a2,
                    "",
                    2,
                    586 if country == "Pakistan" else 4,
                    country,
                    admin1,
                    "",
                    location,
                    lat + rng.uniform(-0.2, 0.2),
                    lon + rng.uniform(-0.2, 0.2),
                    rng.choice([1, 2, 3]),
                    "Dawn; Reuters",
                    f"On {day.isoformat()}, an incident near {location}. " * 3,
                    rng.choice([0, 0, 1, 2, 5, 12]),
                ]
            )


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "acled.csv"
        write_export(export, count)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        command = [sys.executable, "-m", "app.cli"]
        subprocess.run([*command, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "import", "acled", str(export)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = subprocess.run(
            [*command, "import", "acled", str(export)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds_again = time.perf_counter() - started
    result = {
        "events": count,
        "seconds": round(seconds, 2),
        "events_per_second": round(count / seconds),
        "reimport_seconds": round(seconds_again, 2),
        "summary": done.stdout.strip().splitlines()[0],
        "reimport_summary": again.stdout.strip().splitlines()[0],
        "target_seconds": 10 if count == 10_000 else None,
    }
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "results" / "import_acled.json").write_text(
        json.dumps(result, indent=2) + "\n"
    )
    return 0 if count != 10_000 or seconds < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
