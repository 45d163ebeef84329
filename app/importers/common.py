"""What every reader produces, and how a file is read row by row with line numbers."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from app import dates
from app.i18n import N_, gettext

# Counts of people: ASCII digits, an optional ".0" that spreadsheets add, nothing else.
COUNT_PATTERN = re.compile(r"([0-9]{1,12})(?:\.0*)?")
MAX_COUNT = 10_000_000
MAX_EXTERNAL_ID = 100  # as the database keeps it
COUNTRIES = {"pakistan": "PAK", "afghanistan": "AFG", "iran": "IRN", "india": "IND"}


class FileRejected(Exception):
    """The file is not what it claims to be; nothing was imported. The message is for the person
    importing, in their language (English on the command line)."""


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
    best: int | None = None
    part_of_total: bool = False  # a part of the claim's total, never added to it


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
    # What the dataset says beside its figures ("Fatalities coded as 0 (VoJ reported 2)").
    note: str = ""
    # The dataset's own page for the event, where it has one.
    url: str | None = None
    # How the row was put right on the way in, for the report ("" when it was not).
    repaired: str = ""
    # The place's name, cleaned from the dataset's description of where ("Mir Ali town").
    place_name: str = ""


# A cell longer than this is a row error: no dataset field is anywhere near it, so it is a broken
# quote swallowing the rows after it, or an attack on memory.
MAX_FIELD_CHARS = 100_000
# Past this the csv module itself gives up (its default, 131,072, would be a crash mid-file).
csv.field_size_limit(16 * 1024 * 1024)
# Each delimiter's name, marked here and translated where it is shown.
DELIMITERS = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab"), "|": N_("vertical bar")}

Row = dict[str, str] | RowRejected


def _check_utf8(path: Path) -> None:
    """The whole file decodes, before a row is read: a bad byte on line 5,000 must reject the
    file, not stop an import halfway."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise FileRejected(
            gettext("%(file)s is not a UTF-8 text file (%(reason)s)")
            % {"file": path.name, "reason": error.reason}
        ) from None
    except OSError as error:
        raise FileRejected(
            gettext("cannot read %(file)s: %(reason)s")
            % {"file": path, "reason": error.strerror or error}
        ) from None


def _is_hxl(values: list[str]) -> bool:
    """HDX files carry a row of HXL hashtags (#event+id, #date+start) under the header; its
    first cell may be empty."""
    tags = [v.strip() for v in values if v.strip()]
    return len(tags) >= 2 and all(t.startswith("#") for t in tags)


def read_rows(path: Path, delimiter: str = ",") -> tuple[list[str], Iterator[tuple[int, Row]]]:
    """Header (lower-cased) and (line number, row or why it is rejected) pairs.

    Plain RFC 4180 CSV: the delimiter is a comma unless the caller says otherwise, never guessed
    (guessing from the first lines misreads doubled quotes and line breaks inside fields). A
    BOM is dropped, a row of HXL hashtags is skipped, the line number is the row's first line.
    Raises FileRejected for a file that is not UTF-8 CSV with a header.
    """
    if delimiter not in DELIMITERS:
        raise FileRejected(
            gettext("“%(delimiter)s” is not a delimiter this reader knows")
            % {"delimiter": delimiter[:5]}
        )
    _check_utf8(path)
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(handle, delimiter=delimiter, doublequote=True, strict=False)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        handle.close()
        raise FileRejected(
            gettext("%(file)s is empty or not a CSV file") % {"file": path.name}
        ) from None
    if len(header) < 2:
        handle.close()
        raise FileRejected(
            gettext("%(file)s has one column: is it separated by a %(delimiter)s?")
            % {"file": path.name, "delimiter": gettext(DELIMITERS[delimiter])}
        )

    def rows() -> Iterator[tuple[int, Row]]:
        with handle:
            first = True
            while True:
                line = reader.line_num + 1
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise FileRejected(
                        gettext("line %(line)s: %(problem)s") % {"line": line, "problem": error}
                    ) from None
                if not any(v.strip() for v in values):
                    continue
                if first and _is_hxl(values):
                    first = False
                    continue
                first = False
                yield line, _row(header, values)

    return header, rows()


def _row(header: list[str], values: list[str]) -> Row:
    longest = max(values, key=len)
    if len(longest) > MAX_FIELD_CHARS:
        column = header[values.index(longest)] if values.index(longest) < len(header) else "?"
        return RowRejected(
            f"{column} is {len(longest):,} characters long; at most {MAX_FIELD_CHARS:,}"
        )
    if any("\x00" in v for v in values):
        return RowRejected("the row contains a NUL character")
    # A short row (a broken quote, a cut line) lacks its last cells: they read as empty, so a
    # required one is reported as missing instead of failing the import.
    cells = [v.strip() for v in values] + [""] * (len(header) - len(values))
    return dict(zip(header, cells, strict=False))


def parse_date(value: str, what: str = "date") -> date:
    """2025-10-15, 15-Feb-2015, 9-May-20, 15 February 2015, 2025-10-15 00:00:00.000."""
    day = _read_date(value.strip())
    if day is None:
        raise RowRejected(f"{what} “{value.strip()[:30]}” is not a date")
    problem = dates.out_of_range(day)
    if problem:
        raise RowRejected(f"{what} {problem}")
    return day


def _read_date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%d %b %Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def parse_int(value: str, what: str, *, required: bool = True) -> int | None:
    text = value.strip()
    if not text:
        if required:
            raise RowRejected(f"{what} is missing")
        return None
    # A count: digits, perhaps written "12.0" by a spreadsheet. Never float(): it takes "inf",
    # "nan" and "1e30", which are not counts of people.
    match = COUNT_PATTERN.fullmatch(text)
    if match is None:
        raise RowRejected(f"{what} “{text[:20]}” is not a whole number")
    number = int(match.group(1))
    if number > MAX_COUNT:
        raise RowRejected(f"{what} {number} is more than {MAX_COUNT:,}")
    return number


def parse_point(latitude: str, longitude: str) -> tuple[float | None, float | None]:
    """Both coordinates or neither: one alone places nothing."""
    lat = parse_coordinate(latitude, "latitude", 90)
    lon = parse_coordinate(longitude, "longitude", 180)
    if (lat is None) != (lon is None):
        raise RowRejected("latitude and longitude come together; one is missing")
    return lat, lon


def parse_external_id(value: str, column: str) -> str:
    if not value:
        raise RowRejected(f"{column} is missing")
    if len(value) > MAX_EXTERNAL_ID:
        raise RowRejected(f"{column} is {len(value)} characters long; at most {MAX_EXTERNAL_ID}")
    return value


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
