"""Export, wipe, import: the record is the same (ids aside)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete

from app.db import Database
from app.importers.native import read_native
from app.models import Incident, Source
from app.services.demo import load_demo
from app.services.imports import import_native

VOLATILE = {"id", "url", "version", "updated_at", "incident_id", "incident_url", "claim_id"}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _comparable(incidents: list[dict[str, str]], claims: list[dict[str, str]]) -> Any:
    """Incidents and their claims without ids; a response known by the statement it answers."""
    statements = {c["claim_id"]: c["statement"] for c in claims}
    by_incident: dict[str, list[dict[str, str]]] = {}
    for claim in claims:
        kept = {k: v for k, v in claim.items() if k not in VOLATILE}
        kept["responds_to"] = statements.get(claim["responds_to"], "")
        by_incident.setdefault(claim["incident_id"], []).append(kept)
    return sorted(
        (
            sorted((k, v) for k, v in incident.items() if k not in VOLATILE),
            sorted(sorted(c.items()) for c in by_incident.get(incident["id"], [])),
        )
        for incident in incidents
    )


def test_export_wipe_import_gives_the_same_record(
    client: TestClient, database: Database, tmp_path: Path
) -> None:
    with database.write() as s:
        load_demo(s)
    incidents_csv = client.get("/incidents.csv").text
    claims_csv = client.get("/incidents.csv?rows=claims").text
    before = _comparable(_rows(incidents_csv), _rows(claims_csv))

    with database.write() as s:  # the incidents, their claims and every source go
        s.execute(delete(Incident))
        s.execute(delete(Source))
    assert _rows(client.get("/incidents.csv").text) == []

    (tmp_path / "incidents.csv").write_text(incidents_csv)
    (tmp_path / "claims.csv").write_text(claims_csv)
    items = read_native(tmp_path / "incidents.csv", tmp_path / "claims.csv")
    with database.write() as s:
        report = import_native(s, items)
    assert report.created == 10 and report.errors == []

    after = _comparable(
        _rows(client.get("/incidents.csv").text),
        _rows(client.get("/incidents.csv?rows=claims").text),
    )
    assert after == before

    with database.write() as s:  # and importing again creates nothing twice
        again = import_native(s, read_native(tmp_path / "incidents.csv", tmp_path / "claims.csv"))
    assert (again.created, again.unchanged) == (0, 10)
