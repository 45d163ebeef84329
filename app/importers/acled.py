"""ACLED exports: current lower-case columns and the older upper-case ones."""

from __future__ import annotations

import re
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
from app.models.vocab import EVENT_TYPES
from app.services.gazetteer import clean_location
from app.slugs import slugify

REQUIRED = {"event_id_cnty", "event_date", "event_type", "country", "actor1", "fatalities"}
# Older exports name some columns differently.
RENAMED = {"ally_actor_1": "assoc_actor_1", "ally_actor_2": "assoc_actor_2"}
PRECISION = {"1": "day", "2": "week", "3": "month"}
# ACLED's notes give another count when its own differs: "Fatalities coded as 0 (VoJ reported
# 2)." That sentence is kept on ACLED's claim, beside its figure.
OTHER_FIGURE = re.compile(r"\bfatalit(?:y|ies)\s+coded\s+as\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _other_figures(notes: str) -> str:
    """The notes' sentences that give another count than ACLED's own."""
    if "coded as" not in notes.lower():
        return ""
    return " ".join(s for s in SENTENCE_END.split(notes) if OTHER_FIGURE.search(s))


def _type(event_type: str, sub_type: str) -> tuple[str, str | None]:
    slug = slugify(event_type)
    if slug not in EVENT_TYPES:
        raise RowRejected(f"“{event_type[:40]}” is not an ACLED event type")
    sub = slugify(sub_type) if sub_type else None
    return slug, sub if sub in EVENT_TYPES[slug][1] else None


def _event(row: dict[str, str]) -> ImportEvent:
    external_id = parse_external_id(row.get("event_id_cnty", ""), "event_id_cnty")
    latitude, longitude = parse_point(row.get("latitude", ""), row.get("longitude", ""))
    day = parse_date(row["event_date"])
    event_type, sub_type = _type(row["event_type"], row.get("sub_event_type", ""))
    fatalities = parse_int(row.get("fatalities", ""), "fatalities")
    assert fatalities is not None
    actors = [
        ImportActor(row[column], role, row.get(inter, ""))
        for column, role, inter in (
            ("actor1", "side_a", "inter1"),
            ("assoc_actor_1", "associated", "inter1"),
            ("actor2", "side_b", "inter2"),
            ("assoc_actor_2", "associated", "inter2"),
        )
        if row.get(column)
    ]
    for part in (row.get("assoc_actor_1", ""), row.get("assoc_actor_2", "")):
        if ";" in part:  # several associated actors in one cell
            actors = [a for a in actors if a.name != part] + [
                ImportActor(p.strip(), "associated") for p in part.split(";") if p.strip()
            ]
    location = row.get("location", "")
    sub_label = row.get("sub_event_type") or row["event_type"]
    geo = row.get("geo_precision", "") or "1"
    notes = row.get("notes", "")
    return ImportEvent(
        dataset="acled",
        external_id=external_id,
        title=f"{sub_label} in {location or row.get('admin1') or row['country']}"[:300],
        summary=row.get("notes", ""),
        date_start=day,
        date_end=day,
        date_precision=PRECISION.get(row.get("time_precision", "1"), "day"),
        country=country_code(row["country"], row.get("iso3", "")),
        location=location,
        admin1=row.get("admin1", ""),
        admin2=row.get("admin2", ""),
        latitude=latitude,
        longitude=longitude,
        geo_precision=int(geo) if geo in ("1", "2", "3") else 3,
        event_type=event_type,
        sub_event_type=sub_type,
        actors=actors,
        source_label=row.get("source", "") or "ACLED",
        statement=f"ACLED event {external_id}: {fatalities} killed.",
        # ACLED's one number is its count of everyone killed.
        figures=[ImportFigure("all", None, "killed", fatalities, fatalities, best=fatalities)],
        note=_other_figures(notes),
        place_name=clean_location(location),
    )


def read_acled(path: Path, delimiter: str = ",") -> Iterator[tuple[int, ImportEvent | RowRejected]]:
    header, rows = read_rows(path, delimiter)
    columns = {RENAMED.get(h, h) for h in header}
    missing = REQUIRED - columns
    if missing:
        raise FileRejected(
            gettext("%(file)s is not an ACLED export: no %(columns)s column")
            % {"file": path.name, "columns": ", ".join(sorted(missing))}
        )
    for line, raw in rows:
        if isinstance(raw, RowRejected):
            yield line, raw
            continue
        row = {RENAMED.get(k, k): v for k, v in raw.items()}
        try:
            yield line, _event(row)
        except RowRejected as problem:
            yield line, problem
