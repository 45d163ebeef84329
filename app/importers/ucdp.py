"""UCDP GED exports, including HDX files with a second row of HXL hashtags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from app.importers.common import (
    FileRejected,
    ImportActor,
    ImportEvent,
    ImportFigure,
    RowRejected,
    country_code,
    parse_coordinate,
    parse_date,
    parse_int,
    read_rows,
)

REQUIRED = {"id", "date_start", "date_end", "country", "side_a", "side_b", "best", "low", "high"}
# type_of_violence: 1 state-based, 2 non-state, 3 one-sided (against civilians).
TYPES = {
    "1": ("battles", "armed-clash"),
    "2": ("battles", "armed-clash"),
    "3": ("violence-against-civilians", "attack"),
}
DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "month"}


def _geo_precision(where_prec: str) -> int:
    return {"1": 1, "2": 2, "3": 2}.get(where_prec.strip(), 3)


def _event(row: dict[str, str]) -> ImportEvent:
    if not row.get("id"):
        raise RowRejected("id is missing")
    start, end = parse_date(row["date_start"]), parse_date(row["date_end"])
    if end < start:
        raise RowRejected("date_end is before date_start")
    event_type, sub_type = TYPES.get(row.get("type_of_violence", "1"), TYPES["1"])
    low = parse_int(row["low"], "low")
    best = parse_int(row["best"], "best")
    high = parse_int(row["high"], "high")
    assert low is not None and best is not None and high is not None
    if not low <= best <= high:
        raise RowRejected(f"low {low}, best {best} and high {high} are not in order")
    side_a, side_b = row["side_a"], row["side_b"]
    figures = [ImportFigure("unknown", None, "killed", low, high)]
    for column, party, actor in (
        ("deaths_a", "combatants", side_a),
        ("deaths_b", "combatants", side_b),
        ("deaths_civilians", "civilians", None),
    ):
        deaths = parse_int(row.get(column, ""), column, required=False)
        if deaths:
            figures.append(ImportFigure(party, actor, "killed", deaths, deaths))
    where = row.get("where_description", "") or row.get("adm_2", "") or row.get("adm_1", "")
    return ImportEvent(
        dataset="ucdp",
        external_id=row["id"],
        title=f"{side_a} vs {side_b} in {where or row['country']}"[:300],
        summary=row.get("source_headline", ""),
        date_start=start,
        date_end=end,
        date_precision=DATE_PRECISION.get(row.get("date_prec", "1"), "day"),
        country=country_code(row["country"], row.get("iso3", "")),
        location=where,
        admin1=row.get("adm_1", ""),
        admin2=row.get("adm_2", ""),
        latitude=parse_coordinate(row.get("latitude", ""), "latitude", 90),
        longitude=parse_coordinate(row.get("longitude", ""), "longitude", 180),
        geo_precision=_geo_precision(row.get("where_prec", "")),
        event_type=event_type,
        sub_event_type=sub_type,
        actors=[ImportActor(side_a, "side_a"), ImportActor(side_b, "side_b")],
        source_label=row.get("source_office", "") or "UCDP GED",
        statement=(
            f"UCDP GED: best estimate {best} killed (low {low}, high {high})."
            + (f" {row['source_article']}" if row.get("source_article") else "")
        ),
        figures=figures,
    )


def read_ucdp(path: Path, delimiter: str = ",") -> Iterator[tuple[int, ImportEvent | RowRejected]]:
    header, rows = read_rows(path, delimiter)
    missing = REQUIRED - set(header)
    if missing:
        raise FileRejected(
            f"{path.name} is not a UCDP GED export: no {', '.join(sorted(missing))} column"
        )
    for line, row in rows:
        if isinstance(row, RowRejected):
            yield line, row
            continue
        try:
            yield line, _event(row)
        except RowRejected as problem:
            yield line, problem
