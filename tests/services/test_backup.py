"""Backup, wipe, restore: every table comes back with the same rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.db import Database
from app.migrations import upgrade
from app.models import Base
from app.services.backup import BackupError, backup, restore
from app.services.demo import load_demo
from app.services.page_cache import data_version
from tests.conftest import TEST_DATABASE_URL, on_postgres


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A whole database of its own: pg_dump and pg_restore work on databases, not schemas."""
    if not on_postgres():
        yield f"sqlite:///{tmp_path / 'live.sqlite3'}"
        return
    name = f"backup_{uuid.uuid4().hex[:12]}"
    admin = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _contents(database: Database) -> dict[str, list[tuple[object, ...]]]:
    with database.read() as s:
        return {
            table.name: sorted(
                (tuple(str(v) for v in row) for row in s.execute(select(table)).all()), key=str
            )
            for table in Base.metadata.sorted_tables
            if table.name != "data_version"  # the live counter: see the test below
        }


def test_backup_wipe_restore(fresh_url: str, tmp_path: Path) -> None:
    upgrade(fresh_url)
    database = Database(fresh_url)
    with database.write() as s:
        load_demo(s)
    before = _contents(database)
    assert len(before["claims"]) > 50

    target = tmp_path / "backup.bin"
    backup(fresh_url, target)
    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "data_version":
                conn.execute(table.delete())
    assert _contents(database)["incidents"] == []
    with database.read() as s:
        wiped_at = data_version(s)
    database.dispose()

    restore(fresh_url, target)
    database = Database(fresh_url)
    assert _contents(database) == before
    with database.read() as s:
        restored_at = data_version(s)
    # The backup's own, older version number would let pages cached before the restore match.
    assert wiped_at is not None and restored_at is not None and restored_at > wiped_at
    database.dispose()


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("not a database")
    with pytest.raises(BackupError, match="not a backup"):
        restore(f"sqlite:///{tmp_path / 'live.sqlite3'}", bogus)
    with pytest.raises(BackupError, match="no backup"):
        restore(f"sqlite:///{tmp_path / 'live.sqlite3'}", tmp_path / "missing")


def test_restore_needs_a_yes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'live.sqlite3'}")
    assert main(["restore", str(tmp_path / "x")]) == 1
    assert "--yes" in capsys.readouterr().err
