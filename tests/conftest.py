"""Test databases: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.

The schema is built once per run by the real migrations (never create_all); every test then gets
empty tables, so no test depends on another.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.migrations import upgrade
from app.models import Base
from app.services.reference import load_reference_data

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


class ScratchDatabases:
    """Makes empty databases: SQLite files, or PostgreSQL schemas in the test database."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.schemas: list[str] = []

    def new_url(self) -> str:
        if not on_postgres():
            return f"sqlite:///{self.tmp / f'{uuid.uuid4().hex}.sqlite3'}"
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with create_engine(TEST_DATABASE_URL).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.schemas.append(schema)
        url = make_url(TEST_DATABASE_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.schemas:
            return
        with create_engine(TEST_DATABASE_URL).begin() as conn:
            for schema in self.schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScratchDatabases]:
    databases = ScratchDatabases(tmp_path_factory.mktemp("db"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def database_url(scratch: ScratchDatabases) -> str:
    url = scratch.new_url()
    upgrade(url)
    return url


# Rows the migrations put in, which the app expects to find.
SEEDED_BY_MIGRATION = {"data_version"}


def _empty_tables(database: Database) -> None:
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in SEEDED_BY_MIGRATION]
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    _empty_tables(db)
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    """A session whose work the test commits (or not) itself."""
    with database.write() as s:
        yield s


@pytest.fixture
def reference(database: Database) -> None:
    with database.write() as s:
        load_reference_data(s)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database)) as test_client:
        yield test_client
