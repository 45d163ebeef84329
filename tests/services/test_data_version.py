"""The data version moves with every write to what pages show, and only then."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import CursorResult, select, text

from app.db import Database
from app.models import Base, ImportRun, Incident
from app.models.cache import CONTENT_TABLES
from app.services.derived import refresh_derived
from app.services.merging import merge_incidents
from app.services.page_cache import PageCache, StoredPage, data_version
from app.services.users import create_user
from tests import factories as f
from tests.services.test_browse import build_world

# Tables no public page or export shows: writing them must not drop the page cache.
NOT_CONTENT = {
    # Which actor a dataset's name means: used by imports, shown on no page itself (the
    # incidents it re-points are written, and those raise the version).
    "actor_mappings",
    "unmapped_actor_names",
    "api_tokens",
    "changes",
    "data_version",
    # Written by the triggers themselves, for the facet index.
    "incident_changes",
    "login_attempts",
    # Editors' queue of possible matches: no public page shows it.
    "match_proposals",
    "site_settings",
    "user_sessions",
    "users",
}


def _version(database: Database) -> int:
    with database.read() as s:
        version = data_version(s)
    assert version is not None, "the data_version row is missing"
    return version


def test_every_table_is_either_content_or_not() -> None:
    assert set(CONTENT_TABLES) | NOT_CONTENT == set(Base.metadata.tables)
    assert not set(CONTENT_TABLES) & NOT_CONTENT


def test_the_migration_put_a_trigger_on_every_content_table(database: Database) -> None:
    with database.read() as s:
        if database.engine.dialect.name == "sqlite":
            rows = s.execute(
                text(
                    "SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
                    " AND name LIKE 'data_version_%'"
                )
            ).all()
            events = {
                (table, e)
                for table, body in rows
                for e in ("INSERT", "UPDATE", "DELETE")
                if f"AFTER {e} ON" in body
            }
            wanted = {(t, e) for t in CONTENT_TABLES for e in ("INSERT", "UPDATE", "DELETE")}
        else:
            rows = s.execute(
                text(
                    "SELECT event_object_table, event_manipulation"
                    " FROM information_schema.triggers"
                    " WHERE trigger_name LIKE 'data_version_%'"
                    " AND trigger_schema = current_schema()"
                )
            ).all()
            events = {(table, event) for table, event in rows}
            wanted = {(t, e) for t in CONTENT_TABLES for e in ("INSERT", "UPDATE", "DELETE")}
        assert events == wanted


@pytest.mark.parametrize("table", CONTENT_TABLES)
def test_any_change_to_a_content_table_moves_the_version(
    table: str, database: Database, reference: None
) -> None:
    with database.write() as s:
        build_world(s)
        incidents = list(s.scalars(select(Incident)))
        f.add_external_id(s, incidents[0], "acled", "PAK1")
        s.add(ImportRun(dataset="acled", file_name="acled.csv", sha256="0" * 64, counts={}))
        refresh_derived(s, [i.id for i in incidents])
        merge_incidents(s, incidents[0].id, incidents[1].id)
    before = _version(database)
    with database.write() as s:
        column = next(iter(Base.metadata.tables[table].primary_key.columns)).name
        # An UPDATE's result is a CursorResult, which has the row count.
        changed = cast(
            CursorResult[Any], s.execute(text(f"UPDATE {table} SET {column} = {column}"))
        )
        assert changed.rowcount, f"{table} has no rows, so the test shows nothing"
    assert _version(database) > before


def test_deletes_and_inserts_move_it_too(database: Database, reference: None) -> None:
    before = _version(database)
    with database.write() as s:
        build_world(s)
    after_insert = _version(database)
    assert after_insert > before
    with database.write() as s:
        s.execute(text("DELETE FROM claims"))
    assert _version(database) > after_insert


def test_a_transaction_of_many_statements_raises_it_once_and_the_next_one_again(
    database: Database, reference: None
) -> None:
    """A bulk write sent row by row (an executemany) must not update the version row once per
    row: on PostgreSQL each update walks the row versions the earlier ones left, and an import
    of 20,000 rows crawled. Once per transaction is enough: readers see it at the commit."""
    before = _version(database)
    with database.write() as s:
        for _ in range(50):
            s.execute(text("UPDATE actors SET name = name"))
        with s.begin_nested():
            s.execute(text("UPDATE sectors SET name = name"))
    once = _version(database)
    # A savepoint rolled back forgets its bump with its write; the next write bumps again.
    with database.write() as s:
        savepoint = s.begin_nested()
        s.execute(text("UPDATE actors SET name = name"))
        savepoint.rollback()
        s.execute(text("UPDATE sectors SET name = name"))
    again = _version(database)
    if database.engine.dialect.name == "postgresql":
        assert (once - before, again - once) == (1, 1)
    else:  # SQLite's row triggers: bulk imports set them aside instead (one_version_bump)
        assert once > before and again > once


def test_accounts_and_sign_ins_leave_it_alone(database: Database) -> None:
    before = _version(database)
    with database.write() as s:
        create_user(s, email="ed@example.org", role="editor", password="a long enough password")
    with database.write() as s:
        s.execute(text("UPDATE users SET email = email"))
    assert _version(database) == before


def test_a_rolled_back_write_leaves_it_alone(database: Database, reference: None) -> None:
    before = _version(database)
    with pytest.raises(RuntimeError), database.write() as s:
        s.execute(text("UPDATE actors SET name = name"))
        raise RuntimeError("the save failed")
    assert _version(database) == before


def _page(body: bytes) -> StoredPage:
    return StoredPage(200, body, ())


def test_the_cache_drops_everything_when_the_version_changes() -> None:
    cache = PageCache()
    cache.put(1, "a", _page(b"old"))
    assert cache.get(1, "a") == _page(b"old")
    assert cache.get(2, "a") is None
    cache.put(2, "a", _page(b"new"))
    assert cache.get(2, "a") == _page(b"new")
    # Back to a lower number (a restored backup): nothing from before may match it, now or
    # when the counter climbs to 2 again.
    assert cache.get(1, "a") is None
    cache.put(1, "b", _page(b"restored"))
    assert cache.get(2, "a") is None and cache.get(2, "b") is None


def test_the_cache_is_bounded_in_pages_and_bytes() -> None:
    cache = PageCache(max_pages=2, max_bytes=10)
    cache.put(1, "a", _page(b"1234"))
    cache.put(1, "b", _page(b"1234"))
    cache.get(1, "a")  # now the most recently used
    cache.put(1, "c", _page(b"1234"))
    assert cache.get(1, "b") is None and cache.get(1, "a") is not None
    cache.put(1, "d", _page(b"123456789"))
    assert len(cache) == 1 and cache.get(1, "d") is not None
    cache.put(1, "e", _page(b"x" * 11))
    assert cache.get(1, "e") is None


def test_one_request_renders_a_page_while_the_others_wait_for_it() -> None:
    cache = PageCache()
    assert cache.begin(1, "a") is None  # this request renders
    waiting = cache.begin(1, "a")
    assert waiting is not None and not waiting.is_set()
    cache.end(1, "a", _page(b"rendered"))
    assert waiting.is_set() and cache.get(1, "a") == _page(b"rendered")
    # The next render of the page, once it is gone, is handed out afresh.
    assert cache.begin(2, "a") is None


def test_a_write_during_a_render_wakes_the_waiters_and_keeps_nothing_stale() -> None:
    cache = PageCache()
    assert cache.begin(1, "a") is None
    waiting = cache.begin(1, "a")
    assert waiting is not None
    assert cache.get(2, "a") is None  # a request that read the new version
    assert waiting.is_set()
    cache.end(1, "a", _page(b"rendered at 1"))
    assert cache.get(2, "a") is None


def test_a_failed_render_wakes_the_waiters() -> None:
    cache = PageCache()
    assert cache.begin(1, "a") is None
    waiting = cache.begin(1, "a")
    assert waiting is not None
    cache.end(1, "a", None)
    assert waiting.is_set() and cache.get(1, "a") is None
    assert cache.begin(1, "a") is None
