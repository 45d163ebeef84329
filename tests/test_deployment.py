"""docker-compose.yml wires PostgreSQL, a one-shot migration and a multi-worker app together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_postgres_has_a_volume_and_a_health_check() -> None:
    db = _compose()["services"]["db"]
    assert db["image"].startswith("postgres:")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_migrate_runs_once_after_the_database_is_healthy() -> None:
    services = _compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["incidents", "migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert migrate.get("restart") == "no"


def test_app_starts_after_migration_with_several_workers_on_postgres() -> None:
    compose = _compose()
    app = compose["services"]["app"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    command = app["command"]
    assert command[:2] == ["incidents", "serve"]
    assert int(command[command.index("--workers") + 1]) > 1
    assert "--no-migrate" in command
    for name in ("app", "migrate"):
        url = compose["services"][name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    assert "pgdata" in compose["volumes"]


def test_every_command_in_compose_exists() -> None:
    from app.cli import build_parser

    parser = build_parser()
    for service in _compose()["services"].values():
        command = service.get("command")
        if command and command[0] == "incidents":
            parser.parse_args(command[1:])  # exits on an unknown command or flag
