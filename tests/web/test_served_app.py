"""A served worker sets what it holds at start aside from the cyclic collector; apps made in
tests, many to a process, leave the collector alone."""

from __future__ import annotations

import gc
import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.config import Settings
from app.db import Database
from app.main import create_app


def test_a_served_worker_sets_its_heap_aside(settings: Settings, database: Database) -> None:
    assert gc.get_freeze_count() == 0
    try:
        with TestClient(create_app(settings, database, set_aside_heap=True)) as client:
            assert gc.get_freeze_count() > 0
            assert client.get("/").status_code == 200
    finally:
        gc.unfreeze()


def test_an_app_made_in_a_test_leaves_the_collector_alone(client: TestClient) -> None:
    assert client.get("/").status_code == 200
    assert gc.get_freeze_count() == 0


def test_serve_runs_the_served_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(app=app, **options))
    monkeypatch.setenv("DATABASE_URL", database_url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["serve", "--no-migrate", "--port", str(port)]) == 0
    assert ran["app"] == "app.main:served_app" and ran["factory"] is True
