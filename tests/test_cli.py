"""The `incidents` command: a user mistake is one clear line and a non-zero exit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.cli import build_parser, main
from app.db import Database
from app.models import Incident, Merge, User


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch, database: Database) -> Database:
    monkeypatch.setenv("DATABASE_URL", database.url)
    return database


def _error_lines(captured: str) -> list[str]:
    return [line for line in captured.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["serve", "--help"],
        ["migrate", "--help"],
        ["demo", "--help"],
        ["user", "--help"],
        ["user", "create", "--help"],
    ],
)
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 0
    assert "usage: incidents" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "mentions"),
    [
        (["serve", "--port", "abc"], "--port"),
        (["serve", "--workers", "0"], "--workers"),
        (["migrate", "--frobnicate"], "--frobnicate"),
        (["launch"], "launch"),
        (["user", "create", "--email", "a@example.org", "--role", "boss"], "boss"),
        (["user", "create", "--role", "editor"], "--email"),
        (["merge", "1", "9" * 30], "9999"),
        (["unmerge", "²"], "²"),
        (["match", "--min-score", "2"], "--min-score"),
    ],
)
def test_bad_arguments_are_one_line(
    argv: list[str], mentions: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and mentions in lines[0] and "Traceback" not in lines[0]


def test_unreachable_database_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://someone:secret@127.0.0.1:1/nowhere")
    assert main(["migrate"]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert "cannot reach the database" in lines[0]
    assert "secret" not in lines[0]  # the password is never printed


def test_invalid_database_url_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "not a url")
    assert main(["migrate"]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "DATABASE_URL" in lines[0]


def test_migrate_then_demo_twice(
    use_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert main(["demo"]) == 0
    with use_database.read() as s:
        first = s.scalar(select(func.count()).select_from(Incident))
    assert main(["demo"]) == 0
    with use_database.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == first
    assert "0 incidents, 0 claims and 0 sources added" in capsys.readouterr().out


def test_user_create_hashes_with_argon2id(
    use_database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    argv = ["user", "create", "--email", "Ed@Example.org", "--role", "editor", "--password-stdin"]
    assert main(argv) == 0
    assert "Created editor ed@example.org" in capsys.readouterr().out
    with use_database.read() as s:
        user = s.scalar(select(User).where(User.email == "ed@example.org"))
    assert user is not None and user.password_hash is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, "correct horse battery staple")


def test_user_create_mistakes(
    use_database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["user", "create", "--email", "ed@example.org", "--role", "admin", "--generate-password"]
    assert main(argv) == 0
    assert "Password (shown once): " in capsys.readouterr().out
    assert main(argv) == 1
    assert _error_lines(capsys.readouterr().err) == [
        "incidents: error: a user with email ed@example.org already exists"
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        main(["user", "create", "--email", "x@example.org", "--role", "editor", "--password-stdin"])
        == 1
    )
    assert "at least 12 characters" in capsys.readouterr().err
    assert (
        main(
            ["user", "create", "--email", "not-an-email", "--role", "editor", "--generate-password"]
        )
        == 1
    )
    assert "not an email address" in capsys.readouterr().err


def test_serve_on_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port), "--no-migrate"]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0]


def test_serve_options_are_parsed() -> None:
    args = build_parser().parse_args(
        ["serve", "--host", "0.0.0.0", "--port", "9000", "--workers", "3"]
    )
    assert (args.host, args.port, args.workers, args.no_migrate) == ("0.0.0.0", 9000, 3, False)


@pytest.mark.parametrize(
    ("url", "mentions"),
    [
        ("sqlite:////proc/nonexistent/dir/x.db", "folder"),
        ("sqlite://", "in-memory"),
        ("sqlite:///{tmp}/not-a-database.db", "not a database"),
    ],
)
def test_database_problems_are_one_line(
    url: str,
    mentions: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "not-a-database.db").write_text("this is a text file, not SQLite\n" * 100)
    monkeypatch.setenv("DATABASE_URL", url.format(tmp=tmp_path))
    assert main(["migrate"]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and mentions in lines[0]


def test_unknown_schema_revision_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    path = tmp_path / "db.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert main(["migrate"]) == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'deadbeef'")
    capsys.readouterr()
    assert main(["migrate"]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "deadbeef" in lines[0]


def test_user_create_on_a_new_database_migrates_it_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    argv = ["user", "create", "--email", "a@example.org", "--role", "admin", "--generate-password"]
    assert main(argv) == 0
    assert "Created admin a@example.org" in capsys.readouterr().out


def test_bad_log_level_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    assert main(["serve", "--no-migrate", "--port", "1"]) == 1
    lines = _error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "LOG_LEVEL" in lines[0]


def test_match_merge_and_unmerge(
    use_database: Database, reference: None, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from tests.services.test_matching import ACLED, UCDP

    assert main(["import", "acled", str(ACLED)]) == 0
    assert main(["import", "ucdp", str(UCDP)]) == 0
    capsys.readouterr()
    assert main(["match", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    best = printed["proposals"][0]
    assert best["reasons"][0] == "same day"
    keep, other = (side["id"] for side in best["incidents"])
    assert {"acled:PAK71301", "ucdp:401001"} == {
        ref for side in best["incidents"] for ref in side["external_ids"]
    }
    assert len(printed["groups"]) < len(printed["proposals"])  # the Kurram day is one group
    assert main(["merge", str(keep), str(other)]) == 0
    assert f"/incidents/{other} now answers 301" in capsys.readouterr().out
    assert main(["merge", str(keep), str(other)]) == 1
    assert f"merged into incident {keep}" in capsys.readouterr().err
    assert main(["unmerge", str(other)]) == 0
    assert main(["unmerge", str(other)]) == 1
    assert "is not merged" in capsys.readouterr().err
    assert main(["match", "--accept-above", "0.9"]) == 0
    with use_database.read() as s:
        assert s.scalars(select(func.count()).select_from(Merge)).one() >= 3
