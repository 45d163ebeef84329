from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.db import Database
from app.models import CasualtyFigure
from app.services.claims import format_range, is_contested
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


@pytest.mark.parametrize(
    ("statuses", "contested"),
    [
        (["unverified", "corroborated"], False),
        (["unverified", "disputed"], True),
        (["denied"], True),
        (["retracted"], False),
        ([], False),
    ],
)
def test_contested_when_any_claim_is_disputed_or_denied(
    statuses: list[str], contested: bool
) -> None:
    assert is_contested(statuses) is contested


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
