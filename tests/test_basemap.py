"""The offline basemap: what it draws and what it labels, checked against the reference
gazetteer it was built from (tools/build_basemap.py), so the two cannot drift apart."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "app" / "data" / "reference"


@pytest.fixture(scope="module")
def basemap() -> dict[str, Any]:
    return json.loads((ROOT / "static" / "basemap" / "border-region.geojson").read_text())


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(encoding="utf-8") as rows:
        return list(csv.DictReader(rows))


def _layer(basemap: dict[str, Any], layer: str) -> list[dict[str, Any]]:
    return [f for f in basemap["features"] if f["properties"]["layer"] == layer]


def test_it_labels_the_reference_towns_and_districts_and_nothing_else(
    basemap: dict[str, Any],
) -> None:
    towns = {
        r["name"] for r in _rows("places.csv") if r["kind"] in ("city", "district-centre", "town")
    }
    districts = {r["name"] for r in _rows("districts.csv")}
    labelled_towns = {f["properties"]["name"] for f in _layer(basemap, "town")}
    labelled_districts = {f["properties"]["name"] for f in _layer(basemap, "district")}
    assert labelled_towns == towns
    # A district named like its centre is labelled once, as the town.
    assert labelled_districts == districts - towns
    assert all(
        f["properties"]["rank"] >= 1 for f in _layer(basemap, "town") + _layer(basemap, "district")
    )


def test_it_covers_every_reference_place_with_room_to_spare(basemap: dict[str, Any]) -> None:
    west, south, east, north = basemap["bbox"]
    for row in _rows("places.csv") + _rows("districts.csv"):
        lat, lon = float(row["lat"]), float(row["lon"])
        assert west + 2 < lon < east - 2 and south + 2 < lat < north - 2, row["name"]


def test_it_draws_the_border_and_the_provinces_under_their_names_of_today(
    basemap: dict[str, Any],
) -> None:
    (border,) = _layer(basemap, "border")
    points = [p for line in border["geometry"]["coordinates"] for p in line]
    # The Durand Line runs from the Wakhan (about 37 N) to the Iranian tripoint (about 29.4 N).
    assert min(p[1] for p in points) < 29.6 and max(p[1] for p in points) > 36.5
    provinces = {f["properties"]["name"] for f in _layer(basemap, "province")}
    assert {"Khyber Pakhtunkhwa", "Balochistan", "Kandahar", "Nangarhar", "Paktika", "Kunar",
            "Khost", "Gilgit-Baltistan", "Panjshir", "Daykundi"} <= provinces  # fmt: skip
    assert not provinces & {"N.W.F.P.", "Northern Areas", "Baluchistan", "F.C.T."}
    lines = _layer(basemap, "province-line")
    assert {f["properties"]["former"] for f in lines} == {True, False}
