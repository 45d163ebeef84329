"""ACLED (both formats) and UCDP GED imports: mapping, matching, re-import, bad rows and files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db import Database
from app.importers.acled import read_acled
from app.importers.common import FileRejected, ImportEvent, RowRejected
from app.importers.ucdp import read_ucdp
from app.models import Actor, ExternalId, Incident, Place
from app.services.editing import load_for_edit
from app.services.imports import ImportReport, import_events

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


# An importer's reader, at its default delimiter.
Reader = Callable[[Path], Iterator[tuple[int, ImportEvent | RowRejected]]]


def run(database: Database, reader: Reader, path: Path, **options: Any) -> ImportReport:
    with database.write() as s:
        return import_events(s, reader(path), **options)


def incident_for(database: Database, dataset: str, external_id: str) -> Incident:
    with database.read() as s:
        incident_id = s.scalar(
            select(ExternalId.incident_id).where(
                ExternalId.dataset == dataset, ExternalId.external_id == external_id
            )
        )
        assert incident_id is not None
        return load_for_edit(s, incident_id)


def test_current_acled_export(database: Database, reference: None) -> None:
    report = run(database, read_acled, FIXTURES / "acled_current.csv")
    assert report.created == 5 and report.updated == 0
    assert {line for line, _ in report.errors} == {
        6,
        7,
        9,
    }  # bad date, unknown type, negative figure
    chaman = incident_for(database, "acled", "PAK100001")
    assert chaman.place is not None and chaman.place.slug == "chaman"  # matched by name
    assert chaman.sector is not None and chaman.sector.slug == "chaman-spin-boldak"
    assert [(a.actor.slug, a.role) for a in chaman.actor_links] == [
        ("pakistan-army", "side_a"),
        ("afghan-taliban", "side_b"),
    ]  # matched by ACLED name
    claim = chaman.claims[0]
    # ACLED's claim, by ACLED, with the other figure its notes give kept beside its own.
    assert claim.claimant is not None and claim.claimant.slug == "acled"
    assert claim.status == "unverified" and "ISPR reported 20" in claim.note
    assert "Dawn; Reuters" in (claim.spokesperson_role or "")
    assert [(f.party, f.outcome, f.low, f.best, f.high) for f in claim.figures] == [
        ("all", "killed", 0, 0, 0)
    ]
    assert claim.sources[0].url == "urn:acled:PAK100001"
    spin = incident_for(database, "acled", "AFG200002")
    assert spin.place is not None and spin.place.slug == "spin-boldak"  # by alias "Spin Buldak"
    assert spin.event_type == "explosions-remote-violence"
    assert spin.sub_event_type == "shelling-artillery-missile-attack"
    margha = incident_for(database, "acled", "AFG200003")
    assert margha.place is not None and margha.place.name == "Margha"  # a new place
    week = incident_for(database, "acled", "PAK100004")
    assert week.date_precision == "week"
    with database.read() as s:
        new_actor = s.scalar(select(Actor).where(Actor.name == "Ittehad-ul-Mujahideen Pakistan"))
        assert new_actor is not None and new_actor.slug == "ittehad-ul-mujahideen"  # existing one
        assert s.scalar(select(func.count()).select_from(Place).where(Place.name == "Margha")) == 1


def test_importing_again_creates_nothing_and_updates_what_changed(
    database: Database, reference: None, tmp_path: Path
) -> None:
    first = run(database, read_acled, FIXTURES / "acled_current.csv")
    with database.read() as s:
        incidents = s.scalar(select(func.count()).select_from(Incident))
    again = run(database, read_acled, FIXTURES / "acled_current.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)
    changed = tmp_path / "changed.csv"
    changed.write_text(
        (FIXTURES / "acled_current.csv")
        .read_text()
        .replace("Mortar fire hit houses", "Mortars hit homes")
    )
    third = run(database, read_acled, changed)
    assert (third.created, third.updated) == (0, 1)
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == incidents
    spin = incident_for(database, "acled", "AFG200002")
    assert len(spin.claims) == 1 and spin.summary == "Mortars hit homes in Spin Boldak."
    assert spin.version == 2


def test_country_filter(database: Database, reference: None) -> None:
    report = run(database, read_acled, FIXTURES / "acled_current.csv", countries={"PAK"})
    assert report.created == 2 and report.skipped == 3


def test_older_upper_case_acled_export(database: Database, reference: None) -> None:
    report = run(database, read_acled, FIXTURES / "acled_old.csv")
    assert report.created == 2 and report.errors == []
    landi = incident_for(database, "acled", "PAK1")
    assert landi.date_start.isoformat() == "2015-02-15"
    assert landi.place is not None and landi.place.slug == "landi-kotal"
    achin = incident_for(database, "acled", "AFG2")
    assert achin.date_start.isoformat() == "2020-05-09" and achin.date_precision == "month"
    assert "ttp" in [a.actor.slug for a in landi.actor_links]  # by ACLED name


def test_ucdp_ged_from_hdx(database: Database, reference: None) -> None:
    report = run(database, read_ucdp, FIXTURES / "ucdp_hdx.csv")
    assert report.created == 3
    assert [line for line, _ in report.errors] == [5]  # the end before the start
    # low 1, best 9, high 5: imported with UCDP's best, the range widened to hold it.
    assert [line for line, _ in report.repaired] == [6]
    repaired = incident_for(database, "ucdp", "500004").claims[0].figures[0]
    assert (repaired.low, repaired.best, repaired.high) == (1, 9, 9)
    wana = incident_for(database, "ucdp", "500001")
    assert wana.place is not None and wana.place.slug == "wana"  # "Wana town", at Wana
    figures = {
        (f.party, f.actor.slug if f.actor else None, f.low, f.best, f.high, f.part_of_total)
        for f in wana.claims[0].figures
    }
    # One total, and its parts (never added to it): 3 + 10 + 1 = 14, UCDP's best.
    assert ("all", None, 12, 14, 20, False) in figures
    assert ("civilians", None, 1, 1, 1, True) in figures
    assert ("combatants", "pakistan-state-forces", 3, 3, 3, True) in figures
    assert ("combatants", "ttp", 10, 10, 10, True) in figures
    assert wana.max_claimed_killed == 20  # the total's high, not total plus parts
    attack = incident_for(database, "ucdp", "500002")
    assert attack.event_type == "violence-against-civilians" and attack.geo_precision == 2


@pytest.mark.parametrize(
    ("reader", "content", "message"),
    [
        (read_acled, "a,b,c\n1,2,3\n", "not an ACLED export"),
        (read_ucdp, "event_id_cnty,event_date\n1,2\n", "not a UCDP GED export"),
        (read_acled, "", "empty"),
    ],
)
def test_a_file_that_is_not_what_it_claims_stops_before_writing(
    database: Database,
    reference: None,
    tmp_path: Path,
    reader: Reader,
    content: str,
    message: str,
) -> None:
    path = tmp_path / "file.csv"
    path.write_text(content)
    with pytest.raises(FileRejected, match=message):
        run(database, reader, path)
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0


def test_binary_file_is_rejected(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    with pytest.raises(FileRejected, match="UTF-8"):
        run(database, read_acled, path)
