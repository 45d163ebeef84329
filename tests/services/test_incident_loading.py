"""The incident page's loader: everything the page reads, in a fixed number of statements, the
same as the relationships would give one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from app.db import Database
from app.models import District, ImportRun, Incident, PlaceAlias
from app.services.incidents import get_incident
from app.services.visibility import EDITOR
from tests.factories import (
    add_external_id,
    link_actor,
    make_actor,
    make_claim,
    make_incident,
    make_place,
    make_sector,
    make_source,
)


def statements_while(database: Database, work: Callable[[], Any]) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        result = work()
    finally:
        event.remove(database.engine, "before_cursor_execute", note)
    return result, seen


def page_view(incident: Incident) -> dict[str, Any]:
    """What the incident page reads from the incident and what hangs off it."""
    place = incident.place
    return {
        "title": incident.title,
        "place": place and (place.name, [a.alias for a in place.aliases]),
        "sector": incident.sector and incident.sector.name,
        "district": incident.district and incident.district.name,
        "actors": [(link.role, link.actor.name) for link in incident.actor_links],
        "external_ids": sorted(
            (e.dataset, e.external_id, e.import_run and e.import_run.dataset)
            for e in incident.external_ids
        ),
        "claims": [
            (
                claim.id,
                claim.claimant and claim.claimant.name,
                claim.responds_to_id,
                [(f.outcome, f.low, f.actor and f.actor.name) for f in claim.figures],
                [(link.position, link.source.url) for link in claim.source_links],
            )
            for claim in incident.claims
        ],
    }


@pytest.fixture
def incident_id(database: Database) -> int:
    with database.write() as s:
        sector = make_sector(s, name="Chaman")
        place = make_place(s, name="Spin Boldak", sector_id=sector.id)
        s.add_all(
            [
                PlaceAlias(place_id=place.id, alias="سپین بولدک"),
                PlaceAlias(place_id=place.id, alias="Spin Buldak"),
            ]
        )
        district = District(
            slug="kandahar-district", name="Kandahar", province_slug="kandahar",
            province="Kandahar", country="AFG",
        )  # fmt: skip
        s.add(district)
        s.flush()
        incident = make_incident(
            s, title="Clash at the crossing", place_id=place.id, sector_id=sector.id,
            district_id=district.id,
        )  # fmt: skip
        army, taliban = make_actor(s, name="Army"), make_actor(s, name="Taliban")
        link_actor(s, incident, taliban, role="side_b").position = 1
        link_actor(s, incident, army, role="side_a").position = 0
        first, second = make_source(s), make_source(s)
        claim = make_claim(
            s, incident=incident, claimant=army, claimed_on=date(2025, 10, 16),
            figures=[{"low": 20, "actor_id": taliban.id}, {"outcome": "wounded", "low": 3}],
            sources=[second, first],
        )  # fmt: skip
        make_claim(
            s, incident=incident, claimant=taliban, claimed_on=date(2025, 10, 15),
            responds_to_id=claim.id, status="disputed", figures=[{"low": 15}], sources=[first],
        )  # fmt: skip
        make_claim(s, incident=incident, claimed_on=None, spokesperson_role="A local elder")
        run = ImportRun(dataset="acled", file_name="export.csv", sha256="0" * 64)
        s.add(run)
        s.flush()
        add_external_id(s, incident, "acled", "PAK1234").import_run_id = run.id
        add_external_id(s, incident, "ucdp", "56789")
        make_incident(s, title="A draft", review_state="draft")
        return incident.id


def test_the_loader_reads_what_the_relationships_would(
    database: Database, incident_id: int
) -> None:
    with database.read() as s:
        lazily = page_view(s.get_one(Incident, incident_id))
    with database.read() as s:
        loaded = get_incident(s, incident_id)
        assert loaded is not None
        assert page_view(loaded) == lazily
    # Undated claims last, then in the order they were made.
    assert [c[2] is not None for c in lazily["claims"]] == [True, False, False]
    assert lazily["place"] == ("Spin Boldak", ["سپین بولدک", "Spin Buldak"])


def test_the_page_reads_nothing_more_after_loading(database: Database, incident_id: int) -> None:
    with database.read() as s:
        loaded, loading = statements_while(database, lambda: get_incident(s, incident_id))
        _, reading = statements_while(database, lambda: page_view(loaded))
    assert len([s for s in loading if s.startswith("SELECT")]) <= 7
    assert reading == []


def test_readers_do_not_get_drafts(database: Database, incident_id: int) -> None:
    with database.read() as s:
        draft = s.query(Incident).filter_by(title="A draft").one().id
    with database.read() as s:
        assert get_incident(s, draft) is None
        assert get_incident(s, draft, viewer=EDITOR) is not None
        assert get_incident(s, 10_000_000, viewer=EDITOR) is None
