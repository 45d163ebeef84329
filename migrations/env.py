"""Alembic environment: runs against the connection or URL the app hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.config import load_settings
from app.db import create_db_engine
from app.models import Base
from app.models.search import POSTGRES_TSV_COLUMN, POSTGRES_TSV_INDEX, SQLITE_FTS_TABLE

config = context.config
target_metadata = Base.metadata


def _include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Leave the full-text objects one dialect's migration creates out of the comparison."""
    if type_ == "table" and name and name.startswith(SQLITE_FTS_TABLE):
        return False
    if type_ == "column" and name == POSTGRES_TSV_COLUMN:
        return False
    return not (type_ == "index" and name == POSTGRES_TSV_INDEX)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=_include_name,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sqlite(connection: Connection) -> None:
    """Batch migrations rebuild tables; with foreign keys on, dropping the old table would cascade
    deletes into its children. Switch them off for the migration (outside any transaction, which
    is the only place SQLite honours it) and check the result before switching them back on."""
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _run(connection)
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"the migration left broken references: {problems[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("database_url") or load_settings().database_url
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                _run_sqlite(conn)
            else:
                _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit(
        "Offline (SQL script) migrations are not supported; run them against a database."
    )
run_migrations_online()
