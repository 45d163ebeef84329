"""Names of places, districts, actors and sectors in the reader's script, where the reference
data has them (app/data/reference/display_names.csv: one row per record, a column per
language). A record without one, or one an editor added, shows its name as stored."""

from __future__ import annotations

import csv
import functools

from app.i18n import current_language
from app.services.reference import REFERENCE_DIR

KINDS = ("sector", "place", "district", "actor")


@functools.cache
def _names() -> dict[tuple[str, str], dict[str, str]]:
    with (REFERENCE_DIR / "display_names.csv").open(encoding="utf-8", newline="") as handle:
        return {
            (row["kind"], row["slug"]): {
                code: name.strip() for code, name in row.items() if code not in ("kind", "slug")
            }
            for row in csv.DictReader(handle)
        }


def display_name(kind: str, slug: str | None, name: str) -> str:
    """The record's name in the reader's language, or its stored name."""
    if slug is None:
        return name
    shown = _names().get((kind, slug), {}).get(current_language().code, "")
    return shown or name


def native(record: object, kind: str | None = None) -> str:
    """display_name for a Sector, Place, District or Actor, or for any record with a slug and a
    name given its kind (the template filter `native`: `place | native`,
    `row.place | native("place")`). A filter, not a call: Jinja calls a global function through
    its context, which costs more than the lookup on the list's hundreds of names."""
    kind = kind or type(record).__name__.lower()
    name = str(getattr(record, "name", ""))
    return display_name(kind, getattr(record, "slug", None), name) if kind in KINDS else name
