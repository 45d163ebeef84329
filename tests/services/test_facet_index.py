"""The facet index answers exactly what SQL answers (the list's total, page, facets, timeline
and places table), for every filter parameter, after every kind of write.

A second Database on the same file or schema plays another worker: its index is read before
the write and must catch up with it, without being told.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from app.db import Database
from app.importers import READERS
from app.models import Actor, ExternalId, Incident, IncidentActor
from app.schemas.filters import MULTI_VALUED, SORTS, IncidentFilter
from app.services import facet_index, visuals
from app.services.backup import backup, restore
from app.services.browse import browse_incidents
from app.services.derived import refresh_derived
from app.services.imports import import_events
from app.services.merging import find_merge, merge_incidents, unmerge
from app.services.synth import synthesize
from app.services.visibility import Viewer
from tests.conftest import on_postgres
from tests.services.test_merging import load_demo_and_both
from tests.web.test_page_cache import WRITES, world  # noqa: F401 (a fixture)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PAGE_SIZE = 4  # small pages, so the second page and the sorts' ties are exercised


def answers(database: Database, wanted: IncidentFilter, editor: bool) -> dict[str, Any]:
    viewer = Viewer(sees_unpublished=editor)
    with database.read() as s:
        result = browse_incidents(s, wanted, page_size=PAGE_SIZE, viewer=viewer)
        return {
            "total": result.total,
            "page": [item.id for item in result.items],
            "facets": {
                name: sorted((v.value, v.label, v.count, v.selected) for v in facet.values)
                for name, facet in result.facets.items()
            },
            "timeline": visuals.timeline(s, wanted, viewer=viewer).as_json(),
            "places": visuals.places_table(s, wanted, viewer=viewer),
            # The home page's figures, over everything and since the filter's first day.
            "glance": [visuals.glance(s), visuals.glance(s, since=wanted.date_from)],
        }


def _choosing(**values: Any) -> IncidentFilter:
    """A filter on attributes named at run time, by the facets the data has."""
    return IncidentFilter(**values)


def filters_for(database: Database) -> Iterator[tuple[IncidentFilter, bool]]:
    """Every value of every facet alone, pairs of parameters, date windows, text, the review
    states, every sort and a second page: what the data holds, read through SQL."""
    everything = answers(database, IncidentFilter(states=("draft", "published", "archived")), True)
    yield IncidentFilter(), False
    chosen: dict[str, str] = {}
    for name, values in everything["facets"].items():
        attribute = MULTI_VALUED[name]
        for value, *_ in values:
            chosen.setdefault(attribute, value)
            yield _choosing(**{attribute: (value,)}), False
        if len(values) > 1:
            yield _choosing(**{attribute: (values[0][0], values[-1][0])}), False
    names = sorted(chosen)
    for first, second in itertools.pairwise(names):
        yield _choosing(**{first: (chosen[first],), second: (chosen[second],)}), False
    yield _choosing(**{n: (v,) for n, v in chosen.items()}), False
    with database.read() as s:
        days = sorted(set(s.scalars(select(Incident.date_start))))
    for day in days[:: max(1, len(days) // 4)]:
        yield IncidentFilter(date_from=day, date_to=day + timedelta(days=40)), False
        yield _choosing(date_from=day, **{names[0]: (chosen[names[0]],)}), False
    yield IncidentFilter(date_to=date(1900, 1, 1)), False
    yield IncidentFilter(q="Chaman"), False
    yield IncidentFilter(q="mortar", sectors=("chaman-spin-boldak",)), False
    for states in (("draft",), ("archived",), ("draft", "published", "archived")):
        yield IncidentFilter(states=states), True
    yield IncidentFilter(states=("draft",)), False  # refused to a reader
    for sort in SORTS:
        for page in (1, 2, 99):
            yield IncidentFilter(sort=sort, page=page), False


def assert_agrees(worker: Database, plain: Database) -> int:
    """The worker's index and SQL give the same answers for every filter; returns how many
    filters were compared."""
    compared = 0
    for wanted, editor in filters_for(plain):
        assert answers(worker, wanted, editor) == answers(plain, wanted, editor), (wanted, editor)
        compared += 1
    return compared


@pytest.fixture
def placed(database: Database, world: int) -> int:  # noqa: F811
    """The browse tests' incidents, two thirds of them in a district (the world has none)."""
    with database.write() as s:
        districts = list(s.scalars(text("SELECT id FROM districts ORDER BY id LIMIT 3")))
        for n, incident_id in enumerate(s.scalars(select(Incident.id).order_by(Incident.id))):
            if n % 3:
                s.execute(
                    text("UPDATE incidents SET district_id = :d WHERE id = :i"),
                    {"d": districts[n % len(districts)], "i": incident_id},
                )
    return world


@pytest.fixture
def worker(database: Database) -> Iterator[Database]:
    """Another worker's connection to the same database, with a facet index."""
    other = Database(database.url)
    facet_index.enable(other.engine)
    yield other
    facet_index.disable(other.engine)
    other.dispose()


def test_sql_is_the_oracle_here(database: Database, worker: Database) -> None:
    """The comparisons below compare two different paths, not one with itself."""
    with database.read() as s:
        assert facet_index.index_for(s) is None
    with worker.read() as s:
        assert facet_index.index_for(s) is not None


def _sql(statement: str) -> Callable[[Any, int], object]:
    return lambda s, incident_id: s.execute(text(statement), {"i": incident_id})


MORE_WRITES: dict[str, Callable[[Any, int], object]] = {
    **WRITES,
    "actor joins an incident": lambda s, i: s.add(
        IncidentActor(
            incident_id=i,
            actor_id=s.scalars(select(Actor.id).where(Actor.slug == "ttp")).one(),
            role="side_b",
            position=9,
        )
    ),
    "dataset record added": lambda s, i: s.add(
        ExternalId(incident_id=i, dataset="ucdp", external_id="9999")
    ),
    "incident moved to another sector": _sql(
        "UPDATE incidents SET sector_id = (SELECT id FROM sectors WHERE slug = 'khyber-nangarhar'),"
        " date_start = '2022-02-02', date_end = '2022-02-03' WHERE id = :i"
    ),
    "incident published again": _sql("UPDATE incidents SET review_state = 'draft' WHERE id = :i"),
    "every figure gone": _sql("DELETE FROM casualty_figures"),
    # The kept text searches ("Chaman", "mortar") follow the search documents.
    "incident's text now has the searched words": lambda s, i: (
        s.execute(
            text("UPDATE incidents SET title = 'Mortar fire near Chaman' WHERE id = :i"), {"i": i}
        ),
        refresh_derived(s, [i]),
    ),
    "search documents rewritten": _sql(
        "UPDATE incident_search SET body = 'a quiet day' WHERE incident_id % 2 = 0"
    ),
}


@pytest.mark.parametrize("kind", list(MORE_WRITES))
def test_after_every_kind_of_write_every_worker_agrees_with_sql(
    kind: str,
    database: Database,
    worker: Database,
    placed: int,
) -> None:
    assert assert_agrees(worker, database) > 40
    with worker.read() as s:
        index = facet_index.index_for(s)
    assert index is not None
    held = index.version
    with database.write() as s:
        MORE_WRITES[kind](s, placed)
    assert assert_agrees(worker, database) > 40
    assert index.version != held
    assert index.rebuilds == 1, "a row's write is caught up with, not rebuilt from"


def test_a_rolled_back_write_changes_nothing(
    database: Database,
    worker: Database,
    placed: int,
) -> None:
    assert_agrees(worker, database)
    with pytest.raises(RuntimeError), database.write() as s:
        s.execute(text("UPDATE incidents SET review_state = 'archived'"))
        s.flush()
        raise RuntimeError("changed my mind")
    assert answers(worker, IncidentFilter(), False)["total"] > 0
    assert_agrees(worker, database)


def test_bulk_writes_imports_merges_and_restores(
    database: Database, worker: Database, reference: None, tmp_path: Path
) -> None:
    load_demo_and_both(database)
    assert_agrees(worker, database)
    with database.read() as s:
        acled, ucdp = s.execute(
            select(ExternalId.incident_id, ExternalId.dataset).order_by(ExternalId.id)
        ).all()[:2]
        pair = (
            s.execute(
                select(ExternalId.incident_id)
                .where(ExternalId.dataset == "ucdp")
                .order_by(ExternalId.id)
                .limit(1)
            ).scalar_one(),
            acled[0],
        )
    del ucdp
    with database.write() as s:
        merge_incidents(s, pair[0], pair[1])
    assert_agrees(worker, database)
    with database.write() as s:
        merge = find_merge(s, pair[1])
        assert merge is not None
        unmerge(s, merge)
    assert_agrees(worker, database)

    backup(database.url, tmp_path / "before-the-import")
    with database.write() as s:
        import_events(s, READERS["acled"](FIXTURES / "acled_current.csv", ","))
    assert_agrees(worker, database)
    synthesize(database, 40, seed=3)  # a bulk write: the index is read again
    assert_agrees(worker, database)
    database.dispose()
    worker.dispose()
    restore(database.url, tmp_path / "before-the-import")
    assert_agrees(worker, database)


def test_a_log_pruned_past_the_index_means_reading_it_again(
    database: Database,
    worker: Database,
    placed: int,
) -> None:
    assert_agrees(worker, database)
    with worker.read() as s:
        index = facet_index.index_for(s)
    assert index is not None
    with database.write() as s:
        s.execute(
            text("UPDATE incidents SET review_state = 'archived' WHERE id = :i"), {"i": placed}
        )
    facet_index.prune_changes(database, keep=0)
    with database.read() as s:
        assert s.scalar(text("SELECT count(*) FROM incident_changes")) == 0
    assert_agrees(worker, database)
    assert index.rebuilds == 2


@pytest.mark.skipif(not on_postgres(), reason="TRUNCATE is PostgreSQL's")
def test_a_truncate_means_reading_it_again(
    database: Database,
    worker: Database,
    placed: int,
) -> None:
    assert_agrees(worker, database)
    with database.write() as s:
        s.execute(text("TRUNCATE incident_external_ids, incident_actors"))
    assert_agrees(worker, database)


def test_the_filters_compared_set_every_parameter(database: Database, placed: int) -> None:
    defaults = IncidentFilter()
    parameters = set(IncidentFilter.__dataclass_fields__)
    set_somewhere = {
        name
        for wanted, _ in filters_for(database)
        for name in parameters
        if getattr(wanted, name) != getattr(defaults, name)
    }
    assert set_somewhere == parameters


def test_pairs_of_rewritten_incidents_are_compacted_and_still_agree(
    database: Database, worker: Database, reference: None
) -> None:
    """Most of the actors and tolls rewritten at once: the dropped pairs outnumber the live
    ones, the pair arrays are compacted, and every answer still agrees."""
    synthesize(database, 2_500, seed=5)
    assert_agrees(worker, database)
    with worker.read() as s:
        index = facet_index.index_for(s)
    assert index is not None
    pairs_before = index.actor_pairs.n
    assert pairs_before > 4096
    with database.write() as s:
        s.execute(
            text("UPDATE incident_actors SET position = position + 1 WHERE incident_id % 4 > 0")
        )
        s.execute(text("UPDATE casualty_figures SET high = high + 1"))
    assert_agrees(worker, database)
    assert index.rebuilds == 1
    assert index.actor_pairs.n == pairs_before, "the dropped pairs were compacted away"


def test_the_timeline_sums_the_same_by_count_or_by_sort(
    database: Database, worker: Database, placed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a size the timeline's sums are made by sorting: the same answers either way."""
    monkeypatch.setattr(facet_index, "DENSE_LIMIT", 0)
    assert assert_agrees(worker, database) > 40
