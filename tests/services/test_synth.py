"""Synthetic data: the same for a seed, skewed like real reporting, derived by the app's rules."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.cli import main
from app.db import Database
from app.migrations import upgrade
from app.models import Claim, Incident, IncidentActor, IncidentSearch, Sector
from app.services.derived import refresh_derived
from app.services.page_cache import data_version
from app.services.synth import FIRST_DAY, synthesize
from tests import factories as f
from tests.conftest import ScratchDatabases

TABLES = ("incidents", "incident_actors", "claims", "casualty_figures", "claim_sources")


def _contents(database: Database) -> dict[str, list[Any]]:
    with database.read() as s:
        return {
            # Timestamps and ids are all the same too; only the sources' creation time differs.
            t: [tuple(r) for r in s.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
            for t in TABLES
        }


def _fresh(scratch: ScratchDatabases) -> Database:
    url = scratch.new_url()
    upgrade(url)
    return Database(url)


def test_the_same_seed_gives_the_same_data(scratch: ScratchDatabases) -> None:
    first, second, other = _fresh(scratch), _fresh(scratch), _fresh(scratch)
    for database, seed in ((first, 7), (second, 7), (other, 8)):
        report = synthesize(database, 120, seed)
        assert report.incidents == 120
    assert _contents(first) == _contents(second)
    assert _contents(first)["incidents"] != _contents(other)["incidents"]
    for database in (first, second, other):
        database.dispose()


def _derived(database: Database) -> list[Any]:
    """Each incident's stored values derived from its claims and text."""
    with database.read() as s:
        return list(
            s.execute(
                select(Incident.id, Incident.min_claimed_killed, Incident.max_claimed_killed,
                       IncidentSearch.body)
                .join(IncidentSearch, IncidentSearch.incident_id == Incident.id)
                .order_by(Incident.id)
            )
        )  # fmt: skip


def test_derived_values_follow_the_apps_own_rules(database: Database) -> None:
    synthesize(database, 150, seed=3)
    stored = _derived(database)
    assert len(stored) == 150
    with database.write() as s:
        refresh_derived(s, [row.id for row in stored])
    assert _derived(database) == stored
    assert any(row.max_claimed_killed for row in stored)


def test_it_looks_like_real_reporting(database: Database) -> None:
    synthesize(database, 1_000, seed=1)
    with database.read() as s:
        claims_per_incident = Counter(
            s.scalars(select(func.count()).select_from(Claim).group_by(Claim.incident_id))
        )
        actor_links = Counter(s.scalars(select(IncidentActor.actor_id)))
        sectors = Counter(s.scalars(select(Sector.slug).join(Incident)))
        first, last = s.execute(
            select(func.min(Incident.date_start), func.max(Incident.date_end))
        ).one()
        statuses = set(s.scalars(select(Claim.status).distinct()))
        replies = s.scalar(select(func.count()).where(Claim.responds_to_id.is_not(None)))
        summary_length = s.scalar(select(func.avg(func.length(Incident.summary))))
    assert set(claims_per_incident) == {1, 2, 3, 4}
    # A few actors and sectors take most incidents.
    top_three = sum(n for _, n in actor_links.most_common(3))
    assert top_three > 0.4 * sum(actor_links.values())
    assert len(actor_links) > 20
    assert sectors.most_common(1)[0][1] > 2 * sectors.most_common()[-1][1]
    assert first >= FIRST_DAY and last <= date(2026, 1, 3)
    assert (last - first).days > 4 * 365
    assert statuses == {"unverified", "corroborated", "disputed", "denied", "retracted"}
    assert replies and summary_length and summary_length > 150


def test_the_app_goes_on_numbering_after_it(database: Database) -> None:
    synthesize(database, 20, seed=1)
    with database.read() as s:
        last_incident = s.scalar(select(func.max(Incident.id)))
        last_claim = s.scalar(select(func.max(Claim.id)))
    assert last_incident and last_claim
    with database.write() as s:
        incident = f.make_incident(s)
        claim = f.make_claim(s, incident=incident)
    # Never an id synth used (SQLite may skip further: ids of deleted rows are never reused).
    assert incident.id > last_incident and claim.id > last_claim


def test_the_command(
    monkeypatch: pytest.MonkeyPatch, database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database.url)
    main(["synth", "--incidents", "30", "--seed", "2"])
    assert "30 incidents" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", "--incidents", "0"])
    assert exit_info.value.code == 2
    assert "--incidents" in capsys.readouterr().err


def test_it_moves_the_data_version_and_leaves_the_triggers_as_they_were(
    database: Database,
) -> None:
    def state() -> tuple[int | None, list[Any]]:
        with database.read() as s:
            if database.engine.dialect.name == "sqlite":
                triggers = s.execute(
                    text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY 1")
                ).all()
            else:
                triggers = s.execute(
                    text("SELECT trigger_name, event_manipulation FROM information_schema.triggers"
                         " WHERE trigger_schema = current_schema() ORDER BY 1, 2")
                ).all()  # fmt: skip
            return data_version(s), list(triggers)

    version_before, triggers_before = state()
    synthesize(database, 30, seed=5)
    version_after, triggers_after = state()
    assert triggers_after == triggers_before and len(triggers_before) >= 13
    assert version_before is not None and version_after is not None
    assert version_after > version_before
