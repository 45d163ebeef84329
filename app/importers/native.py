"""The project's own CSV exports, read back: /incidents.csv, with /incidents.csv?rows=claims for
the claims. Together they carry everything, so export, wipe and import give the same record."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.importers.common import FileRejected, RowRejected, read_rows
from app.services.documents import CLAIM_COLUMNS, INCIDENT_COLUMNS
from app.services.exports import FORMULA_STARTS


@dataclass
class NativeIncident:
    line: int
    row: dict[str, Any]
    claims: list[dict[str, Any]] = field(default_factory=list)


def _unneutralise(value: str) -> str:
    """Exports prefix formula-like cells with ' (see services/exports.py); take it off again."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


def _read(path: Path, columns: list[str], what: str) -> list[tuple[int, dict[str, Any]]]:
    header, rows = read_rows(path)
    missing = set(columns) - set(header)
    if missing:
        raise FileRejected(
            f"{path.name} is not this app's {what} export: no {', '.join(sorted(missing))} column"
        )
    result: list[tuple[int, dict[str, Any]]] = []
    for line, row in rows:
        if isinstance(row, RowRejected):
            result.append((line, {"id": "", "row": row}))
            continue
        clean: dict[str, Any] = {k: _unneutralise(v) for k, v in row.items()}
        for name in ("actors", "external_ids", "figures", "sources"):
            if name in clean:
                try:
                    clean[name] = json.loads(clean[name] or "[]")
                except json.JSONDecodeError:
                    clean[name] = RowRejected(f"{name} is not valid JSON")
        result.append((line, clean))
    return result


def read_native(
    incidents: Path, claims: Path | None
) -> list[NativeIncident | tuple[int, RowRejected]]:
    items: list[NativeIncident | tuple[int, RowRejected]] = []
    by_id: dict[str, NativeIncident] = {}
    for line, row in _read(incidents, INCIDENT_COLUMNS, "incidents"):
        bad = next((v for v in row.values() if isinstance(v, RowRejected)), None)
        if bad is not None or not row.get("id"):
            items.append((line, bad or RowRejected("id is missing")))
            continue
        entry = NativeIncident(line, row)
        by_id[row["id"]] = entry
        items.append(entry)
    if claims is not None:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for line, row in _read(claims, CLAIM_COLUMNS, "claims"):
            bad = next((v for v in row.values() if isinstance(v, RowRejected)), None)
            if bad is not None or row.get("incident_id") not in by_id:
                items.append(
                    (line, bad or RowRejected("its incident is not in the incidents file"))
                )
                continue
            grouped[row["incident_id"]].append(row)
        for incident_id, rows in grouped.items():
            by_id[incident_id].claims = rows
    return items
