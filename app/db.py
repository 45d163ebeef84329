"""Engine and sessions.

SQLite gets WAL, foreign keys and a busy timeout on every connection. pysqlite's own transaction
handling is switched off so that we issue BEGIN ourselves: reads use a deferred transaction,
writes
take the write lock up front (BEGIN IMMEDIATE) so concurrent writers wait instead of failing
halfway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_MMAP_BYTES = 1 << 30
LOCK_DATA_VERSION = "SELECT version FROM data_version WHERE id = 1 FOR UPDATE"


def reserve_ids(connection: Connection, table: str, count: int) -> int:
    """The first of `count` ids no one else will be given, reserved before any is written, so
    rows can be written many at a time without asking the database for each id back (ids of
    purged rows are never reused). Run inside the writing transaction: on SQLite it holds the
    write lock, on PostgreSQL content writers queue on the data version first."""
    highest = connection.scalar(text(f"SELECT coalesce(max(id), 0) FROM {table}"))  # noqa: S608
    if connection.dialect.name == "sqlite":
        issued = connection.scalar(
            text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
        )
        first = max(highest or 0, issued or 0) + 1
        connection.execute(text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table})
        connection.execute(
            text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :last)"),
            {"t": table, "last": first + count - 1},
        )
        return first
    sequence = connection.scalar(text(f"SELECT pg_get_serial_sequence('{table}', 'id')"))
    issued = connection.scalar(
        text(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")  # noqa: S608
    )
    first = max(highest or 0, issued or 0) + 1
    connection.execute(text("SELECT setval(:s, :last)"), {"s": sequence, "last": first + count - 1})
    return first


@contextmanager
def one_version_bump(connection: Connection) -> Iterator[None]:
    """On SQLite, raise the data version once for a bulk write instead of once per row.

    SQLite has row triggers only: 5,000 incidents written in bulk fire them about 60,000 times,
    a sixth of the time it takes. Inside the writing transaction (DDL is transactional in
    SQLite) the triggers are set aside, exactly as the migration made them, and put back
    before it commits, so no other writer ever sees them missing; if it fails, the rollback
    puts them back.
    """
    if connection.dialect.name != "sqlite":
        yield  # statement triggers: one bump per COPY already
        return
    # The incident-change triggers go too: the bulk write marks every index out of date instead
    # of writing down each row it touches (services/facet_index.py).
    triggers = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            " AND (name LIKE 'data_version_%' OR name LIKE 'incident_changes_%')"
        )
    ).all()
    for name, _ in triggers:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _, statement in triggers:
        connection.exec_driver_sql(statement)
    connection.execute(
        text(
            "UPDATE data_version SET version = version + 1, changes_from = version + 2 WHERE id = 1"
        )
    )


# Marks a session of Database.read(): it never commits, so what it reads has been committed.
READS_ONLY = "reads_only"


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached or opened."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see module docstring
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Reads through memory maps instead of a read() call per page: scans of a large
        # archive spend most of their time in system calls otherwise.
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    if is_sqlite(url):
        _prepare_sqlite_file(url)
        engine = create_engine(url, **kwargs)
        _install_sqlite_hooks(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """One engine and the two kinds of session the app uses."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_db_engine(url, **engine_kwargs)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._reader = sessionmaker(self.engine, expire_on_commit=False, info={READS_ONLY: True})
        self._writer = sessionmaker(writer, expire_on_commit=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self, *, content: bool = True) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error.

        `content=False` promises the transaction writes nothing a page shows (accounts,
        sessions, settings), so on PostgreSQL it need not queue behind imports and saves.
        """
        with self._writer() as session, session.begin():
            if content and self.engine.dialect.name == "postgresql":
                # Writers queue on the data-version row before touching anything else (SQLite's
                # BEGIN IMMEDIATE, as it were): the triggers that raise the version lock that
                # row, and taking it first means two writers can never deadlock over it.
                session.execute(text(LOCK_DATA_VERSION))
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
