"""Whole-database backups: SQLite's online backup, or pg_dump and pg_restore for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError


class BackupError(Exception):
    """What went wrong, in one line for the person running the command."""


READ_VERSION = "SELECT version FROM data_version WHERE id = 1"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(database)


def _libpq_url(url: str) -> str:
    """pg_dump speaks libpq, which does not know SQLAlchemy's "+psycopg" driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (it comes with the PostgreSQL client tools)")
    return found


def backup(url: str, target: Path) -> None:
    if make_url(url).get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"there is no database at {source}")
        target.parent.mkdir(parents=True, exist_ok=True)
        # The online backup API copies a consistent snapshot while the app keeps running.
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        return
    result = subprocess.run(  # noqa: S603 (fixed tool, arguments from our own settings)
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:]}")


def _data_version(url: str) -> int | None:
    """The record's version (models/cache.py), or None where there is no such table yet."""
    if make_url(url).get_backend_name() == "sqlite" and not _sqlite_path(url).exists():
        return None  # connecting would create the file
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            version = connection.execute(text(READ_VERSION)).scalar()
            return None if version is None else int(version)
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()


def _move_version_past(url: str, before: int | None) -> None:
    """A backup brings back an older version number; move it past every number the live
    database has used, so no page cached before the restore can match again."""
    restored = _data_version(url)
    if restored is None:
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE data_version SET version = :v WHERE id = 1"),
                {"v": max(restored, before or 0) + 1},
            )
            # Nothing the facet index could catch up from: every worker rebuilds it.
            columns = {c["name"] for c in inspect(connection).get_columns("data_version")}
            if "changes_from" in columns:
                connection.execute(
                    text("UPDATE data_version SET changes_from = version + 1 WHERE id = 1")
                )
    finally:
        engine.dispose()


def restore(url: str, source: Path) -> None:
    if not source.exists():
        raise BackupError(f"there is no backup at {source}")
    before = _data_version(url)
    _restore(url, source)
    _move_version_past(url, before)


def _restore(url: str, source: Path) -> None:
    if make_url(url).get_backend_name() == "sqlite":
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as backup_copy:
                backup_copy.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError:
            raise BackupError(f"{source} is not a backup of this app's SQLite database") from None
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as backup_copy, sqlite3.connect(target) as live:
            backup_copy.backup(live)
        return
    result = subprocess.run(  # noqa: S603
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--dbname", _libpq_url(url), str(source)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip().splitlines()[-1:]}")
