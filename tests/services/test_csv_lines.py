"""The exports write CSV records themselves: the result must be what the csv module's default
writer gives for the same cells, byte for byte, for any text a record can hold."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.exports import csv_line

# Characters the quoting rule and the formula rule turn on, often enough to be drawn together.
TRICKY = st.sampled_from(['"', ",", "\n", "\r", "=", "+", "-", "@", "\t", "'", " ", "ی", "\x00"])
TEXT = st.lists(st.one_of(TRICKY, st.characters()), max_size=12).map("".join)
SCALAR = st.one_of(
    TEXT,
    st.integers(),
    st.floats(allow_nan=False),
    st.none(),
    st.booleans(),
)
CELL = st.one_of(
    SCALAR,
    st.lists(st.dictionaries(st.sampled_from(["actor", "role"]), TEXT, max_size=2), max_size=2),
    st.dictionaries(TEXT, TEXT, max_size=2),
)


def _as_the_csv_module_writes(cells: list[Any]) -> str:
    """The export's meaning of each value, written by csv.writer: flags as words, lists and
    objects as compact JSON, text starting with a formula character behind a '."""

    def meant(value: Any) -> Any:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
        return value

    buffer = io.StringIO()
    csv.writer(buffer).writerow([meant(v) for v in cells])
    return buffer.getvalue()


@settings(max_examples=400)
@given(st.lists(CELL, min_size=2, max_size=8))
def test_a_record_is_what_the_csv_module_writes(cells: list[Any]) -> None:
    assert csv_line(cells) == _as_the_csv_module_writes(cells)


def test_awkward_cells() -> None:
    cells = [
        'say "no"',
        "a,b",
        "two\nlines",
        "\r",
        "=1+1",
        -5,
        30.9123456789012,
        None,
        True,
        [],
        {},
    ]
    assert csv_line(cells) == _as_the_csv_module_writes(cells)
    assert csv_line(cells) == (
        '"say ""no""","a,b","two\nlines","\'\r",\'=1+1,-5,30.9123456789012,,true,[],{}\r\n'
    )
