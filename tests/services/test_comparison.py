from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy.orm import Session

from app.db import Database
from app.models import CasualtyFigure
from app.models.vocab import CONTESTING_STATUSES
from app.services import facet_index, visuals
from app.services.claims import format_range
from app.services.comparison import OTHER_VOICES, compare_claims, spread
from app.services.incidents import get_incident
from tests import factories as f


@pytest.mark.parametrize(
    ("low", "high", "text"), [(15, 15, "15"), (15, 20, "15–20"), (100, None, "100+")]
)
def test_format_range(low: int, high: int | None, text: str) -> None:
    assert format_range(low, high) == text


def _figures(*ranges: tuple[int, int | None]) -> list[CasualtyFigure]:
    return [
        CasualtyFigure(party="civilians", outcome="killed", low=lo, high=hi) for lo, hi in ranges
    ]


def test_spread_runs_from_lowest_to_highest_claim() -> None:
    assert spread(_figures((12, None), (15, 15), (25, None))) == "12 to 25+"
    assert spread(_figures((15, 20), (20, 50))) == "15 to 50"
    assert spread(_figures((7, 7))) == "7"


# Incidents whose claims have these statuses, and whether each is contested: one mix per kind.
STATUS_MIXES: dict[str, tuple[list[str], bool]] = {
    "no claims": ([], False),
    "unverified and corroborated": (["unverified", "corroborated"], False),
    "retracted only": (["retracted"], False),
    "one disputed among others": (["corroborated", "disputed"], True),
    "denied only": (["denied"], True),
    "denied and retracted": (["unverified", "retracted", "denied"], True),
}
FIRST_DAY = date(2025, 10, 1)


def _status_mixes(database: Database) -> dict[str, int]:
    """One published incident per mix, each on its own day and at its own point (so the map
    gives each its own marker); titles are the mixes' names."""
    with database.write() as s:
        ids = {}
        for n, (name, (statuses, _)) in enumerate(STATUS_MIXES.items()):
            incident = f.make_incident(
                s,
                title=name,
                date_start=FIRST_DAY + timedelta(days=n),
                latitude=30.0 + n,
                longitude=66.0 + n,
            )
            for status in statuses:
                f.make_claim(s, incident=incident, status=status)
            ids[name] = incident.id
    return ids


def _contested_by_glance(database: Database) -> dict[date, int]:
    """The home page's contested count since each incident's day (visuals.glance, as the page
    calls it), through whichever path `database` takes: the facet index or SQL."""
    with database.read() as s:
        days = [FIRST_DAY + timedelta(days=n) for n in range(len(STATUS_MIXES))]
        return {day: visuals.glance(s, since=day).contested for day in days}


def _listed(client: TestClient, path: str) -> dict[str, bool]:
    """An incident list page's rows: each title, and whether its claims cell says contested."""
    rows = HTMLParser(client.get(path).text).css("table.incidents tbody tr")
    return {r.css("td")[1].css("a")[0].text(): r.css_first("td.contested") is not None
            for r in rows}  # fmt: skip


def test_every_place_that_says_contested_agrees(client: TestClient, database: Database) -> None:
    """Contested is decided in several places, each on its own: the list's and the exports'
    claim summaries (SQL), the incident page's and the map's colour (Python over the claims'
    statuses), the home page's count (the facet index's status bits, or SQL without an index)
    and the list filtered by the contesting statuses. Each must flag the same incidents."""
    ids = _status_mixes(database)
    expected = {name for name, (_, contested) in STATUS_MIXES.items() if contested}

    # The incident list: the claims cell is marked contested.
    listed = _listed(client, "/incidents")
    assert len(listed) == len(STATUS_MIXES)
    assert {title for title, contested in listed.items() if contested} == expected

    # The CSV export's contested column.
    exported = csv.DictReader(io.StringIO(client.get("/incidents.csv").text))
    assert {r["title"] for r in exported if r["contested"] == "true"} == expected

    # The incident page: its small map's marker takes the contested colour.
    on_page = set()
    for name, incident_id in ids.items():
        page = HTMLParser(client.get(f"/incidents/{incident_id}").text)
        if page.css("#incident-map")[0].attributes["data-status"] == "contested":
            on_page.add(name)
    assert on_page == expected

    # The map: one marker per incident here, coloured by its incident's claims.
    markers = [f["properties"] for f in client.get("/incidents/map.geojson").json()["features"]]
    assert len(markers) == len(STATUS_MIXES)
    assert {m["latest"]["title"] for m in markers if m["status"] == "contested"} == expected

    # The list filtered to the contesting statuses holds the contested incidents only.
    wanted = "&".join(f"status={s}" for s in sorted(CONTESTING_STATUSES))
    assert set(_listed(client, f"/incidents?{wanted}")) == expected

    # The home page's count since each incident's day in turn: one incident flagged wrongly
    # shows in the counts, whichever it is.
    days = {FIRST_DAY + timedelta(days=n): name for n, name in enumerate(STATUS_MIXES)}
    counts = {day: sum(days[d] in expected for d in days if d >= day) for day in days}
    indexed, sql_only = Database(database.url), Database(database.url)
    facet_index.enable(indexed.engine)
    try:
        with indexed.read() as s:
            assert facet_index.index_for(s) is not None
        with sql_only.read() as s:
            assert facet_index.index_for(s) is None
        assert _contested_by_glance(indexed) == counts
        assert _contested_by_glance(sql_only) == counts
    finally:
        facet_index.disable(indexed.engine)
        sql_only.dispose()


def _two_sided_incident(s: Session) -> int:
    army = f.make_actor(s, name="Army")
    taliban = f.make_actor(s, name="Taliban")
    civilians = f.make_actor(s, name="Civilians (Afghanistan)", kind="civilians")
    incident = f.make_incident(s)
    source = f.make_source(s)
    f.make_claim(
        s,
        incident=incident,
        claimant=army,
        figures=[{"party": "combatants", "actor": taliban, "low": 15, "high": 20}],
        sources=[source],
    )
    f.make_claim(
        s,
        incident=incident,
        claimant=taliban,
        figures=[
            {"party": "civilians", "actor": civilians, "low": 12, "high": None},
            {
                "party": "civilians",
                "actor": civilians,
                "outcome": "wounded",
                "low": 100,
                "high": None,
            },
        ],
        sources=[source],
    )
    f.make_claim(
        s,
        incident=incident,
        claimant=None,
        spokesperson_role="Hospital official",
        figures=[{"party": "civilians", "actor": civilians, "low": 15, "high": 15}],
        sources=[source],
    )
    return incident.id


def test_matrix_has_a_column_per_claimant_and_a_row_per_loss(database: Database) -> None:
    with database.write() as s:
        incident_id = _two_sided_incident(s)
    with database.read() as s:
        incident = get_incident(s, incident_id)
        assert incident is not None
        comparison = compare_claims(incident)
    assert [c.label for c in comparison.columns] == ["Army", "Taliban", "Hospital official"]
    rows = {(r.subject, r.outcome): r for r in comparison.rows}
    civilians_killed = rows[("Civilians (Afghanistan)", "killed")]
    assert civilians_killed.cells == [None, ["12+"], ["15"]]
    assert civilians_killed.spread == "12 to 15"
    assert rows[("Taliban", "killed")].cells == [["15–20"], None, None]
    assert rows[("Civilians (Afghanistan)", "wounded")].spread == "100+"
    # Killed rows come before wounded rows.
    assert [r.outcome for r in comparison.rows] == ["killed", "killed", "wounded"]
    assert [p.label for p in comparison.parties] == ["Army", "Taliban", OTHER_VOICES]
