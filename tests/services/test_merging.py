"""Merging two incidents into one and undoing it: nothing lost, nothing changed by the round
trip, links that keep working, and re-imports that never bring the duplicate back."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import Database
from app.models import (
    Actor,
    CasualtyFigure,
    Claim,
    ExternalId,
    Incident,
    IncidentActor,
    MatchProposal,
    Merge,
)
from app.services.demo import load_demo
from app.services.editing import PublishRefused, incident_history, purge_incident
from app.services.imports import import_file
from app.services.merging import MergeRefused, find_merge, merge_incidents, unmerge
from app.services.proposals import propose_matches
from app.services.proposals_view import ReviewQuery, review_groups
from tests.services.test_matching import ACLED, UCDP, ids_by_external, load_both

EXPORTS = (
    "/incidents.csv",
    "/incidents.csv?rows=claims",
    "/incidents.json",
    "/incidents.geojson",
    "/api/v1/incidents?per_page=100",
)


def load_demo_and_both(database: Database) -> dict[str, int]:
    """The demo's incidents and both matching files: incident ids by dataset id."""
    with database.write() as session:
        load_demo(session)
    load_both(database)
    return ids_by_external(database)


@pytest.fixture
def loaded(database: Database, reference: None) -> dict[str, int]:
    return load_demo_and_both(database)


def exports(client: TestClient) -> dict[str, bytes]:
    found = {}
    for path in EXPORTS:
        response = client.get(path)
        assert response.status_code == 200, path
        found[path] = response.content
    return found


def demo_incident_with_a_response(database: Database) -> int:
    """An editors' incident whose claims answer each other (the hardest to move and back)."""
    with database.read() as session:
        incident_id = session.scalar(
            select(Claim.incident_id).where(Claim.responds_to_id.is_not(None)).limit(1)
        )
    assert incident_id is not None
    return incident_id


def test_merge_then_unmerge_gives_byte_identical_exports(
    client: TestClient, database: Database, loaded: dict[str, int]
) -> None:
    editors_own = demo_incident_with_a_response(database)
    before = exports(client)
    with database.write() as session:
        merge_incidents(session, loaded["401002"], loaded["PAK140001"])
        merge_incidents(session, editors_own, loaded["401002"])
    merged = exports(client)
    assert all(merged[path] != before[path] for path in EXPORTS)
    with database.write() as session:
        unmerge(session, find_merge(session, loaded["401002"]))
        unmerge(session, find_merge(session, loaded["PAK140001"]))
    assert exports(client) == before


def test_the_survivor_keeps_every_claim_source_id_actor_and_both_histories(
    database: Database, loaded: dict[str, int]
) -> None:
    keep, other = loaded["PAK71301"], loaded["401001"]
    with database.read() as session:
        claims = set(session.scalars(select(Claim.id).where(Claim.incident_id.in_([keep, other]))))
        actors = {
            (actor_id, role)
            for actor_id, role in session.execute(
                select(IncidentActor.actor_id, IncidentActor.role).where(
                    IncidentActor.incident_id.in_([keep, other])
                )
            )
        }
        history = {c.id for c in incident_history(session, keep) + incident_history(session, other)}
    with database.write() as session:
        merge_incidents(session, keep, other)
    with database.read() as session:
        assert session.get(Incident, other) is None
        assert set(session.scalars(select(Claim.id).where(Claim.incident_id == keep))) == claims
        held = session.scalars(select(ExternalId.external_id).where(ExternalId.incident_id == keep))
        assert sorted(held) == ["401001", "PAK71301"]
        linked = session.execute(
            select(IncidentActor.actor_id, IncidentActor.role).where(
                IncidentActor.incident_id == keep
            )
        ).all()
        # Every (actor, role) of either incident, once each.
        assert len(linked) == len(actors)
        assert {(actor_id, role) for actor_id, role in linked} == actors
        now = {c.id for c in incident_history(session, keep)}
        assert history < now  # both histories, and the merge itself


def test_merging_refuses_what_it_cannot_do(database: Database, loaded: dict[str, int]) -> None:
    a, b, c = loaded["PAK71301"], loaded["401001"], loaded["401002"]
    with database.write() as session, pytest.raises(MergeRefused, match="itself"):
        merge_incidents(session, a, a)
    with database.write() as session:
        merge_incidents(session, a, b)
        merge_incidents(session, c, a)
    with database.write() as session, pytest.raises(MergeRefused, match=f"unmerge {a} from {c}"):
        unmerge(session, find_merge(session, b))
    with database.write() as session:
        unmerge(session, find_merge(session, a))
        unmerge(session, find_merge(session, b))
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Merge)) == 2
        assert all(m.undone_at is not None for m in session.scalars(select(Merge)))


def test_unmerge_after_an_edit_keeps_the_edit(database: Database, loaded: dict[str, int]) -> None:
    keep, other = loaded["PAK71301"], loaded["401001"]
    with database.write() as session:
        merge_incidents(session, keep, other)
    with database.write() as session:
        incident = session.get(Incident, keep)
        assert incident is not None
        incident.title, incident.version = "Ambush near Idak (edited)", incident.version + 1
    with database.write() as session:
        unmerge(session, find_merge(session, other))
    with database.read() as session:
        survivor, restored = session.get(Incident, keep), session.get(Incident, other)
        assert survivor is not None and restored is not None
        assert survivor.title == "Ambush near Idak (edited)"
        assert [e.external_id for e in survivor.external_ids] == ["PAK71301"]
        assert [e.external_id for e in restored.external_ids] == ["401001"]


def test_reimport_after_a_merge_updates_the_claim_inside_and_never_brings_the_duplicate_back(
    database: Database, loaded: dict[str, int], tmp_path: Path
) -> None:
    keep, other = loaded["401001"], loaded["PAK71301"]
    with database.write() as session:
        merge_incidents(session, keep, other)
        title = session.get_one(Incident, keep).title
        count = session.scalar(select(func.count()).select_from(Incident))
    # ACLED revises the toll of its record from 2 to 3.
    text = ACLED.read_text(encoding="utf-8")
    changed = tmp_path / "acled_revised.csv"
    changed.write_text(
        text.replace('a ""cowardly attack"".",2,', 'a ""cowardly attack"".",3,'), encoding="utf-8"
    )
    assert changed.read_text(encoding="utf-8") != text
    report = import_file(database, dataset="acled", path=changed, file_name="acled_revised.csv")
    assert (report.created, report.updated) == (0, 1)
    again = import_file(database, dataset="ucdp", path=UCDP, file_name=UCDP.name)
    assert (again.created, again.updated) == (0, 0)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == count
        survivor = session.get(Incident, keep)
        assert survivor is not None and survivor.title == title  # the editors' choice stays
        refs = {e.dataset: e for e in survivor.external_ids}
        assert set(refs) == {"acled", "ucdp"}
        acled_killed = session.scalar(
            select(CasualtyFigure.best).where(CasualtyFigure.claim_id == refs["acled"].claim_id)
        )
        ucdp_killed = session.scalar(
            select(CasualtyFigure.best).where(
                CasualtyFigure.claim_id == refs["ucdp"].claim_id,
                CasualtyFigure.part_of_total.is_(False),
            )
        )
        assert (acled_killed, ucdp_killed) == (3, 2)
        assert len(survivor.claims) == 2
        assert survivor.max_claimed_killed == 3


def test_a_merged_away_incident_is_named_and_archived_ones_are_refused(
    database: Database, loaded: dict[str, int]
) -> None:
    a, b, c = loaded["PAK71301"], loaded["401001"], loaded["401002"]
    with database.write() as session:
        merge_incidents(session, a, b)
    with (
        database.write() as session,
        pytest.raises(MergeRefused, match=f"merged into incident {a}"),
    ):
        merge_incidents(session, c, b)
    with database.write() as session:
        incident = session.get(Incident, c)
        assert incident is not None
        incident.review_state, incident.version = "archived", incident.version + 1
    with database.write() as session, pytest.raises(MergeRefused, match="archived"):
        merge_incidents(session, c, a)


def test_a_survivor_cannot_be_purged_while_it_holds_a_merge(
    database: Database, loaded: dict[str, int]
) -> None:
    keep, other = loaded["PAK71301"], loaded["401001"]
    with database.write() as session:
        merge_incidents(session, keep, other)
        incident = session.get(Incident, keep)
        assert incident is not None
        incident.review_state, incident.version = "archived", incident.version + 1
    with database.write() as session, pytest.raises(PublishRefused, match="unmerge them first"):
        purge_incident(session, keep, user=None)


def test_one_actor_named_on_both_sides_is_not_doubled(
    database: Database, loaded: dict[str, int]
) -> None:
    keep, other = loaded["PAK71301"], loaded["401001"]
    with database.write() as session:
        # UCDP's sides the other way round: the TTP as side A.
        links = session.scalars(
            select(IncidentActor).where(IncidentActor.incident_id == other)
        ).all()
        for link in links:
            link.role = "side_b" if link.role == "side_a" else "side_a"
    with database.write() as session:
        merge_incidents(session, keep, other)
    with database.read() as session:
        actors = session.scalars(
            select(IncidentActor.actor_id).where(IncidentActor.incident_id == keep)
        ).all()
    assert len(actors) == len(set(actors))


def test_waiting_proposals_of_a_merged_away_incident_come_back_with_the_unmerge(
    database: Database, loaded: dict[str, int]
) -> None:
    hub, split = loaded["401002"], loaded["PAK140001"]
    with database.write() as session:
        propose_matches(session)
        merge_incidents(session, loaded["PAK140002"], hub)
    with database.read() as session:
        waiting = {(p.low_id, p.high_id) for p in session.scalars(select(MatchProposal))}
        shown = {
            m for g in review_groups(session, ReviewQuery())[0] for m in (i.id for i in g.members)
        }
    assert tuple(sorted((hub, split))) in waiting  # kept...
    assert hub not in shown and split not in shown  # ...but not shown while hub is merged away
    with database.write() as session:
        unmerge(session, find_merge(session, hub))
    with database.read() as session:
        low, high = sorted((hub, loaded["PAK140002"]))
        states = {(p.low_id, p.high_id): p.state for p in session.scalars(select(MatchProposal))}
        shown = {
            m for g in review_groups(session, ReviewQuery())[0] for m in (i.id for i in g.members)
        }
    # The undone pair waits for a second look, never merged again.
    assert states[low, high] == "later"
    assert split in shown


def test_a_newcomer_takes_the_side_of_its_group(database: Database, loaded: dict[str, int]) -> None:
    # UCDP: the Afghan government as side A, Pakistan's state forces as side B. ACLED: the
    # Pakistan Army (one of Pakistan's state forces) as side A.
    keep, other = loaded["401002"], loaded["PAK140002"]
    with database.write() as session:
        merge_incidents(session, keep, other)
    with database.read() as session:
        roles = {
            slug: role
            for slug, role in session.execute(
                select(Actor.slug, IncidentActor.role)
                .join(IncidentActor, IncidentActor.actor_id == Actor.id)
                .where(IncidentActor.incident_id == keep)
            )
        }
    assert roles["pakistan-army"] == roles["pakistan-state-forces"] == "side_b"
    assert roles["afghan-taliban"] == "side_a"
