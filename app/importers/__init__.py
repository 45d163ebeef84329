"""Readers for outside datasets: each turns a file into ImportEvents for services/imports.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from app.importers.acled import read_acled
from app.importers.common import ImportEvent, RowRejected
from app.importers.ucdp import EVENT_PAGE as UCDP_EVENT_PAGE
from app.importers.ucdp import read_ucdp

# (path, delimiter) -> (line, event or why the row is rejected)
Reader = Callable[[Path, str], Iterator[tuple[int, ImportEvent | RowRejected]]]
READERS: dict[str, Reader] = {"acled": read_acled, "ucdp": read_ucdp}
# The datasets as pages name them, and the address of each one's page for an event (ACLED has
# none).
DATASET_LABELS = {"acled": "ACLED", "ucdp": "UCDP GED"}
DATASET_EVENT_PAGES = {"ucdp": UCDP_EVENT_PAGE}
