"""`incidents user list|deactivate|activate|set-role|set-password`: each mistake is one line."""

from __future__ import annotations

import io

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app.cli import main
from app.db import Database
from app.models import User, UserSession
from app.services.auth import SignedIn, sign_in
from app.services.users import create_user

PASSWORD = "correct horse battery staple"


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch, database: Database) -> Database:
    monkeypatch.setenv("DATABASE_URL", database.url)
    return database


def _add_user(database: Database, email: str, role: str) -> None:
    with database.write() as session:
        create_user(session, email=email, role=role, password=PASSWORD)


def _signed_in(database: Database, email: str) -> str:
    with database.write() as session:
        result = sign_in(session, email=email, password=PASSWORD, client="cli-test")
    assert isinstance(result, SignedIn)
    return result.token


def _user(database: Database, email: str) -> User:
    with database.read() as session:
        user = session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _sessions(database: Database, email: str) -> int:
    with database.read() as session:
        count = session.scalar(
            select(func.count())
            .select_from(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.email == email)
        )
    return count or 0


def _one_error(capsys: pytest.CaptureFixture[str]) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("incidents: error: ") and "Traceback" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("action", ["list", "deactivate", "activate", "set-role", "set-password"])
def test_help(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["user", action, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: incidents user {action}" in capsys.readouterr().out


def test_user_help_lists_the_actions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["user", "--help"])
    out = capsys.readouterr().out
    for action in ("create", "list", "deactivate", "activate", "set-role", "set-password"):
        assert action in out


@pytest.mark.parametrize(
    "argv",
    [
        ["user", "deactivate"],
        ["user", "activate"],
        ["user", "set-role", "--email", "a@example.org"],
        ["user", "set-password", "--password-stdin", "--generate-password", "--email", "a@b.org"],
    ],
)
def test_missing_arguments_are_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "error:" in lines[0]


def test_list(use_database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["user", "list"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "No users yet" in captured.err
    _add_user(use_database, "zed@example.org", "editor")
    _add_user(use_database, "admin@example.org", "admin")
    assert main(["user", "deactivate", "--email", "zed@example.org"]) == 0
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines] == [
        ["admin@example.org", "admin", "active"],
        ["zed@example.org", "editor", "inactive"],
    ]


def test_deactivate_ends_sessions_then_activate(
    use_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_user(use_database, "admin@example.org", "admin")
    _add_user(use_database, "ed@example.org", "editor")
    _signed_in(use_database, "ed@example.org")
    assert _sessions(use_database, "ed@example.org") == 1

    assert main(["user", "deactivate", "--email", "ED@example.org"]) == 0
    assert "Deactivated ed@example.org" in capsys.readouterr().out
    assert not _user(use_database, "ed@example.org").is_active
    assert _sessions(use_database, "ed@example.org") == 0

    assert main(["user", "activate", "--email", "ed@example.org"]) == 0
    assert "Activated ed@example.org" in capsys.readouterr().out
    assert _user(use_database, "ed@example.org").is_active
    _signed_in(use_database, "ed@example.org")


@pytest.mark.parametrize("action", ["deactivate", "activate"])
def test_unknown_email(
    action: str, use_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", action, "--email", "nobody@example.org"]) == 1
    assert _one_error(capsys) == "incidents: error: there is no user with email nobody@example.org"


def test_the_last_admin_cannot_be_deactivated(
    use_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_user(use_database, "admin@example.org", "admin")
    assert main(["user", "deactivate", "--email", "admin@example.org"]) == 1
    assert "last active admin" in _one_error(capsys)
    assert _user(use_database, "admin@example.org").is_active
    # With a second admin it can.
    _add_user(use_database, "second@example.org", "admin")
    assert main(["user", "deactivate", "--email", "admin@example.org"]) == 0


def test_set_role(use_database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _add_user(use_database, "admin@example.org", "admin")
    _add_user(use_database, "ed@example.org", "editor")
    assert main(["user", "set-role", "--email", "ed@example.org", "--role", "admin"]) == 0
    assert "ed@example.org is now admin" in capsys.readouterr().out
    assert _user(use_database, "ed@example.org").role == "admin"
    assert main(["user", "set-role", "--email", "admin@example.org", "--role", "editor"]) == 0
    assert _user(use_database, "admin@example.org").role == "editor"


def test_set_role_mistakes(use_database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _add_user(use_database, "admin@example.org", "admin")
    assert main(["user", "set-role", "--email", "admin@example.org", "--role", "boss"]) == 1
    assert "unknown role 'boss'" in _one_error(capsys)
    assert main(["user", "set-role", "--email", "admin@example.org", "--role", "editor"]) == 1
    assert "last active admin" in _one_error(capsys)
    assert _user(use_database, "admin@example.org").role == "admin"
    assert main(["user", "set-role", "--email", "nobody@example.org", "--role", "admin"]) == 1
    assert "no user with email nobody@example.org" in _one_error(capsys)


def test_set_password_from_stdin(
    use_database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_user(use_database, "ed@example.org", "editor")
    _signed_in(use_database, "ed@example.org")
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new passphrase\n"))
    argv = ["user", "set-password", "--email", "ed@example.org", "--password-stdin"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Changed the password of ed@example.org" in out
    assert "a brand new passphrase" not in out
    user = _user(use_database, "ed@example.org")
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, "a brand new passphrase")
    assert _sessions(use_database, "ed@example.org") == 0


def test_set_password_generated(use_database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    _add_user(use_database, "ed@example.org", "editor")
    argv = ["user", "set-password", "--email", "ed@example.org", "--generate-password"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Password (shown once): " in out
    password = out.split("Password (shown once): ")[1].strip()
    user = _user(use_database, "ed@example.org")
    assert user.password_hash is not None
    assert PasswordHasher().verify(user.password_hash, password)


def test_set_password_mistakes(
    use_database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_user(use_database, "ed@example.org", "editor")
    before = _user(use_database, "ed@example.org").password_hash
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    argv = ["user", "set-password", "--email", "ed@example.org", "--password-stdin"]
    assert main(argv) == 1
    assert "at least 12 characters" in _one_error(capsys)
    assert _user(use_database, "ed@example.org").password_hash == before
    argv = ["user", "set-password", "--email", "nobody@example.org", "--generate-password"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == "incidents: error: there is no user with email nobody@example.org\n"
    assert "Password (shown once)" not in captured.out
