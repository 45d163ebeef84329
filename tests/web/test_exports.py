"""Exports honour the filter, stream valid files, and neutralise spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import Incident
from app.models.vocab import CONTESTING_STATUSES
from app.schemas.filters import IncidentFilter
from app.services.browse import browse_incidents
from app.services.documents import CLAIM_COLUMNS, INCIDENT_COLUMNS
from tests import factories as f
from tests.services.test_browse import build_world

FILTERS = [
    IncidentFilter(),
    IncidentFilter(actors=("ttp",)),
    IncidentFilter(statuses=("disputed",)),
    IncidentFilter(countries=("AFG",), date_from=date(2025, 10, 15)),
    IncidentFilter(q="Spin Buldak"),
]


@pytest.fixture
def world(database: Database, reference: None) -> None:
    with database.write() as s:
        build_world(s)


def _listed(database: Database, wanted: IncidentFilter) -> list[int]:
    with database.read() as s:
        return [i.id for i in browse_incidents(s, wanted).items]


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("wanted", FILTERS, ids=lambda f: f.url())
def test_every_format_holds_exactly_the_listed_incidents(
    client: TestClient, database: Database, world: None, wanted: IncidentFilter
) -> None:
    listed = _listed(database, wanted)
    rows = _csv(client.get(wanted.url("/incidents.csv")).text)
    assert [int(r["id"]) for r in rows] == listed
    document = client.get(wanted.url("/incidents.json")).json()
    assert [i["id"] for i in document["incidents"]] == listed
    features = client.get(wanted.url("/incidents.geojson")).json()["features"]
    located = [i["id"] for i in document["incidents"] if i["latitude"] is not None]
    assert [feature["properties"]["id"] for feature in features] == located
    atom = ET.fromstring(client.get(wanted.url("/incidents.atom")).text)
    entries = atom.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == len(listed)


def test_csv_columns_are_the_documented_ones(client: TestClient, world: None) -> None:
    incidents = client.get("/incidents.csv")
    assert incidents.headers["content-type"].startswith("text/csv")
    assert "attachment" in incidents.headers["content-disposition"]
    assert next(csv.reader(io.StringIO(incidents.text))) == INCIDENT_COLUMNS
    claims = client.get("/incidents.csv?rows=claims")
    rows = _csv(claims.text)
    assert list(rows[0]) == CLAIM_COLUMNS
    assert len(rows) == 5  # one row per claim of the four published incidents (2 + 1 + 1 + 1)
    army = next(r for r in rows if r["claimant"] == "pakistan-army" and r["killed_high"] == "20")
    assert json.loads(army["figures"])[0]["low"] == 15


# What makes a spreadsheet read a cell as a formula when the cell starts with it (the exports'
# own list is not imported: a character dropped from it must fail here).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INCIDENT_TEXT = ("title", "summary", "location", "notes", "assessment_note")
CLAIM_TEXT = ("statement", "spokesperson", "spokesperson_role", "translation", "note")


def _hostile(start: str, field: str) -> str:
    return f'{start}HYPERLINK("http://evil.example/{field}","click")'


def test_formulas_are_neutralised(client: TestClient, database: Database) -> None:
    """Incidents' and claims' texts starting with each formula character come out of both CSV
    exports behind a ' and otherwise whole; numbers stay numbers."""
    starts: dict[int, str] = {}  # incident id: the character its texts start with
    with database.write() as s:
        for start in FORMULA_STARTS:
            claimant = f.make_actor(s, name=_hostile(start, "actor"))
            incident = f.make_incident(
                s, latitude=-12.5, longitude=66.0, **{n: _hostile(start, n) for n in INCIDENT_TEXT}
            )
            claim_texts: dict[str, Any] = {n: _hostile(start, n) for n in CLAIM_TEXT}
            f.make_claim(
                s,
                incident=incident,
                claimant=claimant,
                figures=[{"actor": claimant, "low": 3, "high": 5}],
                **claim_texts,
            )
            starts[incident.id] = start
    incidents = _csv(client.get("/incidents.csv").text)
    claims = _csv(client.get("/incidents.csv?rows=claims").text)
    assert {int(r["id"]): {n: r[n] for n in INCIDENT_TEXT} for r in incidents} == {
        i: {n: "'" + _hostile(start, n) for n in INCIDENT_TEXT} for i, start in starts.items()
    }
    assert {int(r["incident_id"]): {n: r[n] for n in CLAIM_TEXT} for r in claims} == {
        i: {n: "'" + _hostile(start, n) for n in CLAIM_TEXT} for i, start in starts.items()
    }
    assert {r["latitude"] for r in incidents} == {"-12.5"}
    assert {(r["killed_low"], r["killed_high"]) for r in claims} == {("3", "5")}
    # No other cell either (actors go out as slugs, figures and sources as JSON): only a
    # number may start with a formula character.
    for row in incidents + claims:
        for column, cell in row.items():
            if cell[:1] in FORMULA_STARTS:
                assert float(cell) < 0, f"{column}: {cell!r}"


def test_drafts_are_exported_to_editors_only(client: TestClient, world: None) -> None:
    titles = [r["title"] for r in _csv(client.get("/incidents.csv?state=draft").text)]
    assert "Clashes at the crossing (draft)" not in titles


def test_bad_filters_and_unknown_formats(client: TestClient) -> None:
    assert client.get("/incidents.csv?from=nope").status_code == 422
    assert client.get("/incidents.csv?rows=everything").status_code == 422
    assert client.get("/incidents.xlsx").status_code == 404


def test_exports_read_in_batches(
    client: TestClient, database: Database, reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import exports

    monkeypatch.setattr(exports, "BATCH", 7)
    with database.write() as s:
        for n in range(30):
            f.make_incident(s, date_start=date(2024, 1, 1 + n % 28))
    rows = _csv(client.get("/incidents.csv").text)
    assert len(rows) == 30 and len({r["id"] for r in rows}) == 30
    dates = [(r["date_start"], int(r["id"])) for r in rows]
    assert dates == sorted(dates, reverse=True)


def test_batches_page_through_every_incident_once(
    client: TestClient, database: Database, reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyset paging across batches, with several incidents on one day at a batch's edge."""
    monkeypatch.setattr("app.services.exports.BATCH", 3)
    with database.write() as s:
        for n, day in enumerate([1, 2, 2, 2, 2, 3, 4, 4, 5, 6]):
            f.make_incident(s, title=f"Batch {n}", date_start=date(2025, 10, day))
    rows = list(csv.DictReader(io.StringIO(client.get("/incidents.csv").text)))
    keys = [(r["date_start"], int(r["id"])) for r in rows]
    assert len(keys) == 10 and len(set(keys)) == 10
    assert keys == sorted(keys, reverse=True)


def test_claim_counts_and_contested_are_each_incident_s_own(
    client: TestClient, database: Database, world: None
) -> None:
    with database.write() as s:
        f.make_incident(s, title="Nobody has claimed anything yet")
    with database.read() as s:
        expected = {
            incident.id: (
                len(incident.claims),
                any(c.status in CONTESTING_STATUSES for c in incident.claims),
            )
            for incident in s.scalars(select(Incident))
            if incident.review_state == "published"
        }
    assert {n for n, _ in expected.values()} >= {0, 1, 2}  # the world has each kind
    assert {contested for _, contested in expected.values()} == {True, False}
    rows = _csv(client.get("/incidents.csv").text)
    in_csv = {int(r["id"]): (int(r["claims"]), r["contested"] == "true") for r in rows}
    assert in_csv == expected
    documents = client.get("/incidents.json").json()["incidents"]
    assert {d["id"]: (len(d["claims"]), d["contested"]) for d in documents} == expected
    atom = client.get("/incidents.atom").text
    for count, contested in expected.values():
        noun = "claim" if count == 1 else "claims"
        assert f"({count} {noun}{', contested' if contested else ''})" in atom
