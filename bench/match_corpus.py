"""Two files that code one stretch of the border's events the way ACLED and UCDP do, with the
answer key: which UCDP event is which ACLED events.

Each true event happens on a day, at a point near a border district's town, between two parties,
with a toll. ACLED codes most of them (with zero-fatality ones UCDP never has), splitting a few
days of fighting into an event per place; UCDP codes those with deaths, often a day late, to a
week or a month, to a place within 25 km or to the district only, with its own best estimate and
its own names for the parties. Unrelated events fall near the same places on the same days, so
the matcher meets the coincidences real files have.

    python bench/match_corpus.py OUT_DIR [N]    # at least N events in each file (default 10,000)
"""

from __future__ import annotations

import csv
import math
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
UCDP_COLUMNS = [
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
]
START, DAYS = date(2019, 1, 1), 6 * 365
TAKEOVER = date(2021, 8, 15)
# (ACLED actor 1, inter, ACLED actor 2, inter, UCDP side a, UCDP side b, UCDP type, country)
DYADS = [
    (
        "Military Forces of Pakistan (2018-)",
        "1",
        "TTP: Tehreek-i-Taliban Pakistan",
        "2",
        "Government of Pakistan",
        "TTP",
        "1",
        "PAK",
    ),
    (
        "Police Forces of Pakistan (2018-)",
        "1",
        "TTP: Tehreek-i-Taliban Pakistan",
        "2",
        "Government of Pakistan",
        "TTP",
        "1",
        "PAK",
    ),
    (
        "Military Forces of Pakistan (2018-)",
        "1",
        "JuA: Jamaat-ul-Ahrar",
        "2",
        "Government of Pakistan",
        "Jamaat-ul-Ahrar",
        "1",
        "PAK",
    ),
    (
        "Military Forces of Pakistan (2018-)",
        "1",
        "LeI: Lashkar-e-Islam",
        "2",
        "Government of Pakistan",
        "Lashkar-e-Islam",
        "1",
        "PAK",
    ),
    (
        "Military Forces of Afghanistan",
        "1",
        "Islamic State Khorasan Province (ISKP)",
        "2",
        "Government of Afghanistan",
        "IS",
        "1",
        "AFG",
    ),
    (
        "Military Forces of Pakistan (2018-)",
        "1",
        "Military Forces of Afghanistan",
        "8",
        "Government of Pakistan",
        "Government of Afghanistan",
        "1",
        "PAK",
    ),
    (
        "TTP: Tehreek-i-Taliban Pakistan",
        "2",
        "Civilians (Pakistan)",
        "7",
        "TTP",
        "Civilians",
        "3",
        "PAK",
    ),
    (
        "Islamic State Khorasan Province (ISKP)",
        "2",
        "Civilians (Afghanistan)",
        "7",
        "IS",
        "Civilians",
        "3",
        "AFG",
    ),
]
TYPES = {
    "1": [
        ("Battles", "Armed clash"),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
        ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ],
    "3": [("Violence against civilians", "Attack"), ("Explosions/Remote violence", "Suicide bomb")],
}


@dataclass
class District:
    name: str
    country: str
    province: str
    lat: float
    lon: float


def border_districts() -> list[District]:
    with (ROOT / "app/data/reference/districts.csv").open(encoding="utf-8") as handle:
        return [
            District(r["name"], r["country"], r["province"], float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(handle)
            if r["sector"] != "away"
        ]


def near(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    distance, bearing = km * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
    return (
        lat + distance * math.cos(bearing) / 110.57,
        lon + distance * math.sin(bearing) / (111.32 * math.cos(math.radians(lat))),
    )


@dataclass
class Event:
    day: date
    district: District
    lat: float
    lon: float
    dyad: tuple[str, ...]
    kind: tuple[str, str]
    killed: int


def afghan(name: str, day: date) -> str:
    if name == "Military Forces of Afghanistan":
        return name + (" (2021-)" if day >= TAKEOVER else " (2014-2021)")
    return name


def acled_row(n: int, event: Event, lat: float, lon: float, killed: int, place: str) -> dict:
    a1, i1, a2, i2 = (
        afghan(x, event.day) if x.startswith("Military") else x for x in event.dyad[:4]
    )
    country = "Pakistan" if event.district.country == "PAK" else "Afghanistan"
    return {
        "event_id_cnty": f"{event.district.country}{n}",
        "event_date": event.day.isoformat(),
        "year": event.day.year,
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": event.kind[0],
        "sub_event_type": event.kind[1],
        "actor1": a1,
        "assoc_actor_1": "",
        "inter1": i1,
        "actor2": a2,
        "assoc_actor_2": "",
        "inter2": i2,
        "interaction": "".join(sorted(i1 + i2)),
        "civilian_targeting": "",
        "iso": "586" if country == "Pakistan" else "4",
        "region": "South Asia",
        "country": country,
        "admin1": event.district.province,
        "admin2": event.district.name,
        "admin3": "",
        "location": place,
        "latitude": f"{lat:.4f}",
        "longitude": f"{lon:.4f}",
        "geo_precision": "1",
        "source": "Dawn; Pajhwok",
        "source_scale": "National",
        "notes": f"On {event.day:%d %B %Y}, {a1} and {a2} clashed near {place},"
        f" {event.district.name}. {killed} killed.",
        "fatalities": killed,
        "tags": "",
        "timestamp": "1700000000",
    }


def ucdp_row(n: int, event: Event, rng: random.Random) -> dict:
    roll = rng.random()
    start = end = event.day + timedelta(days=0 if roll < 0.75 else rng.choice((-1, 1, 1, 2)))
    date_prec = "1"
    if rng.random() < 0.06:  # dated to the week or the month only
        date_prec = rng.choice(("2", "4"))
        start = event.day - timedelta(days=rng.randint(0, 6 if date_prec == "2" else 27))
        end = start + timedelta(days=6 if date_prec == "2" else 29)
    where = rng.random()
    if where < 0.6:
        where_prec, (lat, lon) = "1", near(rng, event.lat, event.lon, 3)
    elif where < 0.85:
        where_prec, (lat, lon) = "2", near(rng, event.lat, event.lon, 15)
    else:
        where_prec, lat, lon = "3", event.district.lat, event.district.lon
    best = max(1, round(event.killed * rng.uniform(0.7, 1.3)))
    low, high = max(1, best - rng.randint(0, 2)), best + rng.randint(0, 5)
    country = "Pakistan" if event.district.country == "PAK" else "Afghanistan"
    side_a, side_b, violence = event.dyad[4], event.dyad[5], event.dyad[6]
    return {
        "id": n,
        "relid": f"{event.district.country}-{event.day.year}-{violence}-{n}",
        "year": event.day.year,
        "active_year": "1",
        "code_status": "Clear",
        "type_of_violence": violence,
        "conflict_dset_id": "209",
        "conflict_new_id": "209",
        "conflict_name": f"{country}: Government",
        "dyad_dset_id": "1",
        "dyad_new_id": "1",
        "dyad_name": f"{side_a} - {side_b}",
        "side_a_dset_id": "1",
        "side_a_new_id": "1",
        "side_a": side_a,
        "side_b_dset_id": "2",
        "side_b_new_id": "2",
        "side_b": side_b,
        "number_of_sources": "2",
        "source_article": "Dawn",
        "source_office": "Dawn",
        "source_date": start.isoformat(),
        "source_headline": f"{best} killed in {event.district.name}",
        "source_original": "officials",
        "where_prec": where_prec,
        "where_coordinates": f"{event.district.name} district" if where_prec == "3" else "village",
        "where_description": "",
        "adm_1": f"{event.district.province} province",
        "adm_2": f"{event.district.name} district",
        "latitude": f"{lat:.4f}",
        "longitude": f"{lon:.4f}",
        "geom_wkt": f"POINT ({lon:.4f} {lat:.4f})",
        "priogrid_gid": "1",
        "country": country,
        "country_id": "770" if country == "Pakistan" else "700",
        "region": "Asia",
        "event_clarity": "1",
        "date_prec": date_prec,
        "date_start": f"{start} 00:00:00.000",
        "date_end": f"{end} 00:00:00.000",
        "deaths_a": 0,
        "deaths_b": 0,
        "deaths_civilians": 0,
        "deaths_unknown": best,
        "best": best,
        "high": high,
        "low": low,
        "gwnoa": "",
        "gwnob": "",
    }


def write_corpus(out: Path, acled_events: int = 10_000, seed: int = 7) -> dict[str, int]:
    """Writes acled.csv, ucdp.csv (each at least `acled_events` rows) and truth.csv (ucdp id,
    acled id of the same event)."""
    rng = random.Random(seed)
    districts = border_districts()
    acled, ucdp, truth = [], [], []
    n_acled, n_ucdp = 100_000, 500_000
    # Until both files have their N events: UCDP codes about two ACLED events in three.
    while len(acled) < acled_events or len(ucdp) < acled_events:
        district = rng.choice(districts)
        day = START + timedelta(days=rng.randrange(DAYS))
        dyad = rng.choice([d for d in DYADS if d[7] == district.country] or DYADS)
        lat, lon = near(rng, district.lat, district.lon, 20)
        killed = 0 if rng.random() < 0.3 else min(80, int(rng.expovariate(1 / 5)) + 1)
        event = Event(day, district, lat, lon, dyad, rng.choice(TYPES[dyad[6]]), killed)
        # ACLED splits a few days of fighting into an event per place.
        parts = rng.choice((2, 3)) if killed >= 4 and rng.random() < 0.05 else 1
        ids = []
        for p in range(parts):
            n_acled += 1
            plat, plon = (lat, lon) if p == 0 else near(rng, lat, lon, 12)
            share = killed // parts + (killed % parts if p == 0 else 0)
            acled.append(acled_row(n_acled, event, plat, plon, share, f"Village {n_acled}"))
            ids.append(f"{district.country}{n_acled}")
        # UCDP codes events with deaths, most of them; it has a few ACLED misses too.
        if killed and rng.random() < 0.85:
            n_ucdp += 1
            ucdp.append(ucdp_row(n_ucdp, event, rng))
            truth += [(str(n_ucdp), i) for i in ids]
        if rng.random() < 0.08:
            n_ucdp += 1
            other = Event(
                event.day + timedelta(days=rng.randint(0, 3)),
                rng.choice(districts),
                lat,
                lon,
                rng.choice(DYADS),
                event.kind,
                rng.randint(1, 10),
            )
            other.lat, other.lon = near(rng, other.district.lat, other.district.lon, 20)
            ucdp.append(ucdp_row(n_ucdp, other, rng))
    out.mkdir(parents=True, exist_ok=True)
    for name, columns, rows in (
        ("acled.csv", ACLED_COLUMNS, acled),
        ("ucdp.csv", UCDP_COLUMNS, ucdp),
    ):
        with (out / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("ucdp", "acled"))
        writer.writerows(truth)
    return {"acled": len(acled), "ucdp": len(ucdp), "same_event_pairs": len(truth)}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench/results/match_corpus"
    print(write_corpus(target, int(sys.argv[2]) if len(sys.argv) > 2 else 10_000))
