"""The list and its facets use the indexes made for them, and never read a whole table.

On small test data a planner may prefer reading a table outright; PostgreSQL is told not to
(enable_seqscan off), and must then find an index for every table. Which of the possible
indexes it takes depends on statistics left by earlier tests, so the index names are checked
on SQLite, whose choice follows from the query and the schema alone.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, text

from app.db import Database
from app.schemas.filters import IncidentFilter
from app.services.browse import browse_incidents
from tests.services.test_browse import build_world

BENCH_FILTER = IncidentFilter(
    sectors=("chaman-spin-boldak",),
    date_from=date(2024, 1, 1),
    date_to=date(2024, 12, 31),
    actors=("afghan-taliban",),
)


def _plans(database: Database, wanted: IncidentFilter) -> dict[str, str]:
    """Each query the list page makes for this filter, with its plan as one text."""
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.startswith("SELECT"):
            statements.append((statement, params))

    event.listen(database.engine, "before_cursor_execute", capture)
    try:
        with database.read() as s:
            browse_incidents(s, wanted)
    finally:
        event.remove(database.engine, "before_cursor_execute", capture)
    sqlite = database.engine.dialect.name == "sqlite"
    plans = {}
    with database.engine.connect() as connection:
        if not sqlite:
            connection.execute(text("SET enable_seqscan = off"))
        for statement, params in statements:
            rows = connection.exec_driver_sql(
                ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, params
            ).all()
            plans[statement] = "\n".join(str(r[-1]) for r in rows)
    return plans


def _table_reads(plans: dict[str, str], table: str) -> list[str]:
    """Statements that read all of a table, or all of one of its indexes."""
    whole = re.compile(rf"\bSCAN {table}\b|Seq Scan on {table}\b")
    return [statement for statement, plan in plans.items() if whole.search(plan)]


def _sqlite(database: Database) -> bool:
    return database.engine.dialect.name == "sqlite"


@pytest.fixture
def world(database: Database, reference: None) -> None:
    with database.write() as s:
        build_world(s)


def test_the_benchmark_filter(database: Database, world: None) -> None:
    plans = _plans(database, BENCH_FILTER)
    everything = "\n".join(plans.values())
    if _sqlite(database):
        assert "ix_incident_actors_actor_id_incident_id" in everything  # the actor filter
        assert "ix_claims_incident_id_status" in everything  # the status facet
    for table in ("incidents", "incident_actors", "claims"):
        assert not _table_reads(plans, table), table


def test_a_status_filter(database: Database, world: None) -> None:
    plans = _plans(database, IncidentFilter(statuses=("disputed",)))
    # The total and the page find the status's incidents through the index. (The status facet
    # itself counts every status, so it reads every claim of the other filters' incidents.)
    # (The page is its ids; its rows are then read by id.)
    total_and_page = ("SELECT count(*)", "SELECT incidents.id \n")
    filtered = {s: p for s, p in plans.items() if s.startswith(total_and_page)}
    assert len(filtered) == 2
    if _sqlite(database):
        assert all("ix_claims_status_incident_id" in p for p in filtered.values())
    assert not _table_reads(filtered, "claims")


def test_a_sector_and_dates(database: Database, world: None) -> None:
    plans = _plans(
        database,
        IncidentFilter(sectors=("kurram-paktia-khost",), date_from=date(2025, 1, 1)),
    )
    count = next(p for s, p in plans.items() if s.startswith("SELECT count(*)"))
    if _sqlite(database):
        assert "ix_incidents_sector_id_date_start" in count
    assert not _table_reads({"count": count}, "incidents")
