"""The dates an incident, a claim or a source may carry: one rule for forms, the API and imports.

A date far outside the record is a typing or file error (9999-12-31, 0001-01-01); accepted, it
would stretch every timeline to thousands of buckets. The record starts with the border itself
and ends today, with a day's grace for the clock of a reader east of UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

EARLIEST = date(1893, 11, 12)  # the Durand Line agreement


def latest() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


def out_of_range(value: date) -> str | None:
    """Why a date cannot be in the record, or None when it can."""
    if value < EARLIEST:
        return f"{value.isoformat()} is before {EARLIEST.isoformat()}, when the border was agreed"
    if value > latest():
        return f"{value.isoformat()} is in the future"
    return None
