from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import Base, Change, Claim, Incident
from app.services.demo import DEMO_FILE, DemoDataError, load_demo
from app.services.incidents import get_incident


def _row_counts(database: Database) -> dict[str, int]:
    with database.read() as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _spin_boldak(session: Session) -> Incident:
    incident = session.scalar(
        select(Incident).where(
            Incident.title.contains("Spin Boldak"), Incident.date_start == date(2025, 10, 15)
        )
    )
    assert incident is not None
    found = get_incident(session, incident.id)
    assert found is not None
    return found


def test_loading_twice_changes_nothing(database: Database) -> None:
    with database.write() as s:
        first = load_demo(s)
    counts = _row_counts(database)
    with database.write() as s:
        second = load_demo(s)
    assert first.incidents_created == len(json.loads(DEMO_FILE.read_text())["incidents"])
    assert (second.incidents_created, second.claims_created, second.sources_created) == (0, 0, 0)
    assert second.incidents_present == first.incidents_created
    assert _row_counts(database) == counts


def test_spin_boldak_shows_the_disagreement(database: Database) -> None:
    with database.write() as s:
        load_demo(s)
    with database.read() as s:
        incident = _spin_boldak(s)
        claimants = {c.claimant_label for c in incident.claims}
        assert len(incident.claims) >= 4
        assert len(claimants) >= 3
        assert {"Pakistan Army", "Afghan Taliban authorities"} <= claimants
        assert {c.status for c in incident.claims} >= {"disputed", "denied"}
        assert all(c.sources for c in incident.claims)
        assert incident.place is not None and incident.place.slug == "spin-boldak"
        assert incident.sector is not None and incident.sector.slug == "chaman-spin-boldak"


def test_blatant_lies_rebuttal_points_at_the_claim_of_seized_posts(database: Database) -> None:
    with database.write() as s:
        load_demo(s)
    with database.read() as s:
        incident = _spin_boldak(s)
        by_id = {c.id: c for c in incident.claims}
        rebuttals = [
            c for c in incident.claims if "blatant lies" in c.statement and c.responds_to_id
        ]
        assert rebuttals
        targets = [by_id[c.responds_to_id] for c in rebuttals if c.responds_to_id in by_id]
        assert any(
            t.kind == "territorial"
            and t.status == "denied"
            and t.claimant_label.startswith("Afghan")
            for t in targets
        )
        assert all(c.kind == "denial" for c in rebuttals)


def test_figures_are_ranges(database: Database) -> None:
    with database.write() as s:
        load_demo(s)
    with database.read() as s:
        incident = _spin_boldak(s)
        ranges = {(f.low, f.high) for c in incident.claims for f in c.figures}
        assert (15, 20) in ranges  # ISPR: "15-20 Afghan Taliban have been killed"
        assert (100, None) in ranges  # "more than 100 were injured"


def test_every_demo_incident_is_published_with_a_change_record(database: Database) -> None:
    with database.write() as s:
        result = load_demo(s)
    with database.read() as s:
        states = set(s.scalars(select(Incident.review_state)))
        changes = s.scalar(select(func.count()).select_from(Change).where(Change.origin == "demo"))
        claims = s.scalar(select(func.count()).select_from(Claim))
    assert states == {"published"}
    assert changes == result.incidents_created
    assert claims == result.claims_created


def test_a_bad_demo_file_names_the_problem_and_loads_nothing(
    database: Database, tmp_path: Path
) -> None:
    data = json.loads(DEMO_FILE.read_text())
    data["incidents"][-1]["place"] = "atlantis"
    broken = tmp_path / "demo.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(DemoDataError, match="atlantis"), database.write() as s:
        load_demo(s, broken)
    assert _row_counts(database)["incidents"] == 0


def test_notes_name_what_they_point_at_not_the_files_keys(database: Database) -> None:
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    keys = {s["key"] for s in data["sources"]}
    for incident in data["incidents"]:
        keys.add(incident["key"])
        keys.update(claim["key"] for claim in incident["claims"])
    with database.write() as s:
        load_demo(s)
    with database.read() as s:
        notes = [*s.scalars(select(Incident.notes)), *s.scalars(select(Claim.note))]
    assert any("“" in n for n in notes), "the notes do point at other incidents"
    leaked = [(key, note) for note in notes for key in keys if key in note]
    assert leaked == []
    spin = next(n for n in notes if "Taliban officials cited by IANS" in n)
    assert "(The Hawk)" in spin
