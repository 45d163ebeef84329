"""What every reader produces, and how a file is read row by row with line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

COUNTRIES = {"pakistan": "PAK", "afghanistan": "AFG", "iran": "IRN", "india": "IND"}


class FileRejected(Exception):
    """The file is not what it claims to be; nothing was imported."""


class RowRejected(ValueError):
    """One row cannot be imported; the message says why."""


@dataclass
class ImportActor:
    name: str
    role: str
    inter: str = ""  # ACLED's actor type code, a hint for the kind of a new actor


@dataclass
class ImportFigure:
    party: str
    actor: str | None
    outcome: str
    low: int
    high: int | None


@dataclass
class ImportEvent:
    dataset: str
    external_id: str
    title: str
    summary: str
    date_start: date
    date_end: date
    date_precision: str
    country: str | None
    location: str
    admin1: str
    admin2: str
    latitude: float | None
    longitude: float | None
    geo_precision: int
    event_type: str
    sub_event_type: str | None
    actors: list[ImportActor]
    source_label: str  # who reported it, within the dataset ("Dawn; Reuters")
    statement: str
    figures: list[ImportFigure] = field(default_factory=list)


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and (line number, row) pairs. Raises FileRejected for a file that is
    not UTF-8 CSV with a header."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(f"{path.name} is not a UTF-8 text file") from None
    except OSError as error:
        raise FileRejected(f"cannot read {path}: {error.strerror or error}") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise FileRejected(f"{path.name} is empty or not a CSV file") from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            yield reader.line_num, dict(zip(header, (v.strip() for v in values), strict=False))

    return header, rows()


def parse_date(value: str) -> date:
    """2025-10-15, 15-Feb-2015, 9-May-20, 15 February 2015, 2025-10-15 00:00:00.000."""
    text = value.strip()
    for pattern in ("%Y-%m-%d", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise RowRejected(f"“{text[:30]}” is not a date") from None


def parse_int(value: str, what: str, *, required: bool = True) -> int | None:
    text = value.strip()
    if not text:
        if required:
            raise RowRejected(f"{what} is missing")
        return None
    try:
        number = int(float(text))
    except ValueError:
        raise RowRejected(f"{what} “{text[:20]}” is not a number") from None
    if number < 0:
        raise RowRejected(f"{what} is negative")
    return number


def parse_coordinate(value: str, what: str, limit: float) -> float | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise RowRejected(f"{what} “{text[:20]}” is not a number") from None
    if not -limit <= number <= limit:
        raise RowRejected(f"{what} {number} is out of range")
    return number


def country_code(name: str, iso3: str = "") -> str | None:
    if iso3.strip():
        return iso3.strip().upper()[:3]
    return COUNTRIES.get(name.strip().lower())
