"""Property-based requests generated from the OpenAPI document: the API never answers with a
server error, whatever the input, signed in with a token or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy import select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.migrations import upgrade
from app.models import User
from app.services.demo import load_demo
from app.services.tokens import create_token
from tests.conftest import ScratchDatabases
from tests.web.signin import make_user

_state: dict[str, object] = {}


def _app() -> object:
    """One app on one database for all generated cases (the fixtures are per test)."""
    if "app" not in _state:
        import tempfile

        scratch = ScratchDatabases(Path(tempfile.mkdtemp()))
        _state["scratch"] = scratch
        url = scratch.new_url()
        upgrade(url)
        database = Database(url)
        with database.write() as s:
            load_demo(s)
        make_user(database, "fuzz@example.org")
        with database.write() as s:
            user = s.scalar(select(User).where(User.email == "fuzz@example.org"))
            assert user is not None
            _state["token"] = create_token(s, user=user, name="fuzz")[1]
        _state["app"] = create_app(Settings(database_url=url), database)
    return _state["app"]


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case[Any]) -> None:
    headers = {"Authorization": f"Bearer {_state['token']}"} if case.method != "GET" else {}
    response = case.call(headers=headers)
    case.validate_response(response, checks=[not_a_server_error])


@pytest.fixture(scope="module", autouse=True)
def _forget() -> Iterator[None]:
    yield
    scratch = _state.get("scratch")
    if isinstance(scratch, ScratchDatabases):
        scratch.drop_all()
    _state.clear()
