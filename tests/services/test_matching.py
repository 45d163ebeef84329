"""Matching records of one event across datasets: the windows, the crosswalks, groups of one
record matching several, and rejections that stay rejected.

The cases come from tests/fixtures/matching/README.md, whose table says which pairs of the two
files are one event; a row added there is checked here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Table, select

from app.db import Database
from app.models import ExternalId, Incident, MatchProposal
from app.models.vocab import ProposalState
from app.services.imports import import_file
from app.services.matching import Catalogue, MatchSettings, find_candidates, type_weights
from app.services.proposals import (
    accept_above,
    decide,
    groups_of,
    plan_merges,
    propose_matches,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "matching"
ACLED = FIXTURES / "acled_pairs.csv"
UCDP = FIXTURES / "ucdp_pairs.csv"


def expected_pairs() -> list[tuple[str, str, bool]]:
    rows = []
    for line in (FIXTURES / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[2] in ("yes", "no"):
            rows.append((cells[0], cells[1], cells[2] == "yes"))
    return rows


def load_both(database: Database) -> None:
    for dataset, path in (("acled", ACLED), ("ucdp", UCDP)):
        import_file(database, dataset=dataset, path=path, file_name=path.name)


def ids_by_external(database: Database) -> dict[str, int]:
    with database.read() as session:
        rows = session.execute(select(ExternalId.external_id, ExternalId.incident_id))
        return {external_id: incident_id for external_id, incident_id in rows}


def candidate_pairs(database: Database, settings: MatchSettings) -> set[tuple[int, int]]:
    with database.read() as session:
        found = find_candidates(Catalogue.load(session), settings)
    return {(c.low_id, c.high_id) for c in found}


@pytest.fixture
def loaded(database: Database, reference: None) -> dict[str, int]:
    load_both(database)
    return ids_by_external(database)


def _pair(ids: dict[str, int], a: str, b: str) -> tuple[int, int]:
    low, high = sorted((ids[a], ids[b]))
    return low, high


def test_the_fixture_table_has_both_kinds_of_case() -> None:
    rows = expected_pairs()
    assert sum(1 for *_, same in rows if same) >= 8
    assert sum(1 for *_, same in rows if not same) >= 4


def test_known_pairs_are_proposed_and_near_misses_are_not(
    database: Database, loaded: dict[str, int]
) -> None:
    found = candidate_pairs(database, MatchSettings())
    for acled, ucdp, same in expected_pairs():
        assert (_pair(loaded, acled, ucdp) in found) is same, (acled, ucdp)
    # And nothing else: every proposal is one of the table's.
    listed = {_pair(loaded, a, u) for a, u, same in expected_pairs() if same}
    assert found == listed


def test_the_import_of_the_second_file_proposes_what_it_brought(
    database: Database, reference: None
) -> None:
    first = import_file(database, dataset="acled", path=ACLED, file_name="a.csv")
    second = import_file(database, dataset="ucdp", path=UCDP, file_name="u.csv")
    assert first.proposed == 0  # one dataset alone has nothing to match against
    assert second.proposed == sum(1 for *_, same in expected_pairs() if same)
    with database.read() as session:
        assert session.query(MatchProposal).count() == second.proposed


def test_reasons_say_what_agreed(database: Database, loaded: dict[str, int]) -> None:
    with database.read() as session:
        found = find_candidates(Catalogue.load(session), MatchSettings())
    idak = next(c for c in found if (c.low_id, c.high_id) == _pair(loaded, "PAK71301", "401001"))
    assert idak.reasons[0] == "same day"
    assert idak.reasons[1] == "1.5 km apart"
    assert "Tehreek-e-Taliban Pakistan" in idak.reasons[3]
    assert idak.reasons[-1] == "tolls 2 and 2"
    assert idak.score >= 0.95
    mohmand = next(
        c for c in found if (c.low_id, c.high_id) == _pair(loaded, "PAK140030", "401005")
    )
    assert mohmand.reasons[0] == "dates overlap"  # UCDP's month contains ACLED's day
    # UCDP's best estimate is compared, not its high one.
    kurram = next(c for c in found if (c.low_id, c.high_id) == _pair(loaded, "PAK140001", "401002"))
    assert kurram.reasons[-1] == "tolls 9 and 23"


def test_a_wider_window_finds_the_pair_three_days_apart(
    database: Database, loaded: dict[str, int]
) -> None:
    pair = _pair(loaded, "PAK140050", "401007")
    assert pair not in candidate_pairs(database, MatchSettings(window_days=2))
    assert pair in candidate_pairs(database, MatchSettings(window_days=3))


def test_the_distance_decides_between_exact_places(
    database: Database, loaded: dict[str, int]
) -> None:
    razmak = _pair(loaded, "PAK140070", "401009")  # 40 km apart, both exact
    assert razmak in candidate_pairs(database, MatchSettings(distance_km=45))
    idak = _pair(loaded, "PAK71301", "401001")  # 1.5 km apart, both exact
    assert idak not in candidate_pairs(database, MatchSettings(distance_km=1))
    # A place known only near a town falls back on its district: Bara is in Khyber either way.
    bara = _pair(loaded, "PAK140060", "401008")
    assert bara in candidate_pairs(database, MatchSettings(distance_km=0.1))


def test_nothing_joins_across_more_than_100_km(database: Database, loaded: dict[str, int]) -> None:
    wakhan = _pair(loaded, "AFG140020", "401004")
    assert wakhan not in candidate_pairs(database, MatchSettings(distance_km=100, min_score=0))
    with pytest.raises(ValueError, match="at most 100"):
        MatchSettings(distance_km=150)


def test_the_type_crosswalk_is_symmetric_and_rules_out_protests() -> None:
    weights = type_weights()
    assert weights[frozenset(("battles", "explosions-remote-violence"))] == 0.8
    assert frozenset(("protests", "violence-against-civilians")) not in weights
    assert all(0 < w <= 1 for w in weights.values())


def test_one_event_split_in_three_is_one_group_merged_into_its_hub(
    database: Database, loaded: dict[str, int]
) -> None:
    with database.write() as session:
        propose_matches(session)
    kurram = {loaded[i] for i in ("PAK140001", "PAK140002", "PAK140003", "401002")}
    with database.read() as session:
        pairs = [(p.low_id, p.high_id) for p in session.scalars(select(MatchProposal))]
    assert sorted(kurram) in groups_of(pairs)
    with database.write() as session:
        plan = accept_above(session, 0.7)
    hub = next(p for p in plan if p.keep == loaded["401002"])
    assert set(hub.others) == kurram - {loaded["401002"]}
    with database.read() as session:
        held = session.scalars(
            select(ExternalId.external_id).where(ExternalId.incident_id == loaded["401002"])
        ).all()
        assert sorted(held) == ["401002", "PAK140001", "PAK140002", "PAK140003"]
        assert session.get(Incident, loaded["PAK140001"]) is None


def test_a_chain_never_joins_two_events_of_one_dataset() -> None:
    # ACLED a ~ UCDP x ~ ACLED b ~ UCDP y: x and y are two events in UCDP's own coding.
    a, x, b, y = 1, 2, 3, 4
    pairs = {(a, x): 0.9, (b, x): 0.8, (b, y): 0.95}
    origins = {a: {"acled"}, b: {"acled"}, x: {"ucdp"}, y: {"ucdp"}}
    plan = plan_merges(pairs, origins)
    groups = [{p.keep, *p.others} for p in plan]
    assert not any({x, y} <= g for g in groups)
    assert {b, y} in groups  # the best pair first


def test_a_rejected_pair_is_never_proposed_again(
    database: Database, loaded: dict[str, int]
) -> None:
    pair = _pair(loaded, "PAK71301", "401001")
    with database.write() as session:
        propose_matches(session)
        proposal = session.scalar(
            select(MatchProposal).where(
                MatchProposal.low_id == pair[0], MatchProposal.high_id == pair[1]
            )
        )
        assert proposal is not None
        assert decide(session, [proposal.id], ProposalState.REJECTED, user=None) == 1
    with database.write() as session:
        run = propose_matches(session)
        assert run.decided == 1
        assert pair not in {(c.low_id, c.high_id) for c in run.candidates}
        accept_above(session, 0.0)
    with database.read() as session:
        # Accepting everything left the rejected pair apart.
        assert session.get(Incident, pair[0]) is not None
        assert session.get(Incident, pair[1]) is not None


def test_a_full_run_withdraws_proposals_the_data_no_longer_supports(
    database: Database, loaded: dict[str, int]
) -> None:
    with database.write() as session:
        propose_matches(session)
        incidents = cast(Table, Incident.__table__)
        session.execute(
            incidents.update()
            .where(incidents.c.id == loaded["401008"])
            .values(date_start=date(2023, 12, 1), date_end=date(2023, 12, 1))
        )
    with database.write() as session:
        run = propose_matches(session)
    assert run.withdrawn == 1
