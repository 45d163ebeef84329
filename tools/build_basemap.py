"""Build static/basemap/border-region.geojson from Natural Earth country shapes.

Run once, when the basemap should change:
    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/build_basemap.py package/countries-50m.json static/basemap/border-region.geojson

world-atlas carries Natural Earth's 1:50m admin-0 countries (public domain) as TopoJSON. This
decodes it, keeps the countries around the Pakistan–Afghanistan border, clips them to the
region and rounds coordinates, so the map needs no network and weighs little.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# West, south, east, north: the border region with some margin.
BBOX = (58.0, 23.0, 79.0, 40.5)
KEEP = {"Afghanistan", "Pakistan", "Iran", "India", "China", "Tajikistan", "Turkmenistan", "Uzbekistan"}
DECIMALS = 3

Ring = list[tuple[float, float]]


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
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


def ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    points: Ring = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def clip(points: Ring) -> Ring:
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
        result: Ring = []
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


def _at_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _at_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def rounded(points: Ring) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in points:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def build(topology: dict[str, Any]) -> dict[str, Any]:
    arcs = decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name")
        if name not in KEEP:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        clipped = []
        for polygon in polygons:
            rings = [rounded(clip(ring(arcs, r))) for r in polygon]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                clipped.append(rings)
        if clipped:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": name},
                    "geometry": {"type": "MultiPolygon", "coordinates": clipped},
                }
            )
    return {"type": "FeatureCollection", "bbox": list(BBOX), "features": features}


def main(source: str, target: str) -> None:
    collection = build(json.loads(Path(source).read_text()))
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_text(json.dumps(collection, separators=(",", ":")))
    print(f"{len(collection['features'])} countries, {Path(target).stat().st_size} bytes -> {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
