"""UCDP GED exports, including HDX files with a second row of HXL hashtags."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from app.i18n import gettext
from app.importers.common import (
    FileRejected,
    ImportActor,
    ImportEvent,
    ImportFigure,
    RowRejected,
    country_code,
    parse_date,
    parse_external_id,
    parse_int,
    parse_point,
    read_rows,
)
from app.services.gazetteer import clean_location

REQUIRED = {"id", "date_start", "date_end", "country", "side_a", "side_b", "best", "low", "high"}
# type_of_violence: 1 state-based, 2 non-state, 3 one-sided (against civilians).
TYPES = {
    "1": ("battles", "armed-clash"),
    "2": ("battles", "armed-clash"),
    "3": ("violence-against-civilians", "attack"),
}
# UCDP's page for one event.
EVENT_PAGE = "https://ucdp.uu.se/event/{id}"
DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "month"}


def _geo_precision(where_prec: str) -> int:
    return {"1": 1, "2": 2, "3": 2}.get(where_prec.strip(), 3)


def _killed(row: dict[str, str]) -> tuple[int, int, int, str]:
    """UCDP's low, best and high, put in order if they are not: the best estimate is kept and
    the range widened to hold it. The last value says what was repaired ("" if nothing)."""
    low, best, high = (parse_int(row[c], c) for c in ("low", "best", "high"))
    assert low is not None and best is not None and high is not None
    if low <= best <= high:
        return low, best, high, ""
    repaired = (
        f"low {low}, best {best}, high {high} are out of order: kept best {best},"
        f" range {min(low, best)}–{max(high, best)}"
    )
    return min(low, best), best, max(high, best), repaired


def _figures(row: dict[str, str], low: int, best: int, high: int) -> list[ImportFigure]:
    """One total (everyone killed, low/best/high) and its parts, which sum to best and are
    never added to it: deaths on side A, on side B, among civilians, of unknown affiliation."""
    figures = [ImportFigure("all", None, "killed", low, high, best=best)]
    for column, party, actor in (
        ("deaths_a", "combatants", row["side_a"]),
        ("deaths_b", "combatants", row["side_b"]),
        ("deaths_civilians", "civilians", None),
        ("deaths_unknown", "unknown", None),
    ):
        deaths = parse_int(row.get(column, ""), column, required=False)
        if deaths:
            figures.append(
                ImportFigure(
                    party, actor, "killed", deaths, deaths, best=deaths, part_of_total=True
                )
            )
    return figures


def _event(row: dict[str, str]) -> ImportEvent:
    parse_external_id(row.get("id", ""), "id")
    latitude, longitude = parse_point(row.get("latitude", ""), row.get("longitude", ""))
    start = parse_date(row["date_start"], "date_start")
    end = parse_date(row["date_end"], "date_end")
    if end < start:
        raise RowRejected("date_end is before date_start")
    event_type, sub_type = TYPES.get(row.get("type_of_violence", "1"), TYPES["1"])
    low, best, high, repaired = _killed(row)
    side_a, side_b = row["side_a"], row["side_b"]
    where = row.get("where_description", "") or row.get("adm_2", "") or row.get("adm_1", "")
    place = clean_location(row.get("where_coordinates", "") or where) or where
    headline = row.get("source_headline", "")
    article = row.get("source_article", "")
    return ImportEvent(
        dataset="ucdp",
        external_id=row["id"],
        title=f"{side_a} vs {side_b} in {place or row['country']}"[:300],
        summary="\n\n".join(part for part in (headline, article) if part),
        date_start=start,
        date_end=end,
        date_precision=DATE_PRECISION.get(row.get("date_prec", "1"), "day"),
        country=country_code(row["country"], row.get("iso3", "")),
        location=where,
        admin1=row.get("adm_1", ""),
        admin2=row.get("adm_2", ""),
        latitude=latitude,
        longitude=longitude,
        geo_precision=_geo_precision(row.get("where_prec", "")),
        event_type=event_type,
        sub_event_type=sub_type,
        actors=[ImportActor(side_a, "side_a"), ImportActor(side_b, "side_b")],
        source_label=row.get("source_office", "") or "UCDP GED",
        statement=(
            f"UCDP GED event {row['id']}: best estimate {best} killed (low {low}, high {high})."
        ),
        figures=_figures(row, low, best, high),
        place_name=place,
        url=EVENT_PAGE.format(id=row["id"]),
        repaired=repaired,
    )


def read_ucdp(path: Path, delimiter: str = ",") -> Iterator[tuple[int, ImportEvent | RowRejected]]:
    header, rows = read_rows(path, delimiter)
    missing = REQUIRED - set(header)
    if missing:
        raise FileRejected(
            gettext("%(file)s is not a UCDP GED export: no %(columns)s column")
            % {"file": path.name, "columns": ", ".join(sorted(missing))}
        )
    for line, row in rows:
        if isinstance(row, RowRejected):
            yield line, row
            continue
        try:
            yield line, _event(row)
        except RowRejected as problem:
            yield line, problem
