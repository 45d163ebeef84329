"""SQLite connection settings, and writers that wait for each other instead of failing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import SQLITE_BUSY_TIMEOUT_MS, Database
from tests.conftest import on_postgres

pytestmark = pytest.mark.skipif(on_postgres(), reason="SQLite connection settings")


def test_new_sqlite_file_and_its_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "incidents.sqlite3"
    database = Database(f"sqlite:///{path}")
    with database.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert s.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
    database.dispose()
    assert path.exists()


def test_concurrent_writers_wait_rather_than_fail(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with database.write() as s:
        s.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        s.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(25):
                # Read then write in one transaction: without BEGIN IMMEDIATE two writers would
                # both read, and one would fail to upgrade its lock ("database is locked").
                with database.write() as s:
                    n = s.execute(text("SELECT n FROM counter")).scalar_one()
                    s.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with database.read() as s:
        assert s.execute(text("SELECT n FROM counter")).scalar() == 100
    database.dispose()
