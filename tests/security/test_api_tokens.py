"""An API token acts as its user and no one else, and stops when the user or token does."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import Change, User
from app.services.tokens import create_token
from app.services.users import create_user
from tests.web.signin import PASSWORD

INCIDENT = {"title": "Shelling", "date_start": "2025-10-15", "event_type": "battles"}


def _token(database: Database, email: str) -> str:
    with database.write() as s:
        user = create_user(s, email=email, role="editor", password=PASSWORD)
        _, secret = create_token(s, user=user, name=email)
    return secret


def test_changes_are_recorded_as_the_tokens_user(
    client: TestClient, database: Database, reference: None
) -> None:
    first, second = _token(database, "a@example.org"), _token(database, "b@example.org")
    for secret in (first, second):
        created = client.post(
            "/api/v1/incidents", json=INCIDENT, headers={"Authorization": f"Bearer {secret}"}
        )
        assert created.status_code == 201
    with database.read() as s:
        authors = list(
            s.scalars(
                select(User.email).join(Change, Change.user_id == User.id).order_by(Change.id)
            )
        )
    assert authors == ["a@example.org", "b@example.org"]


def test_a_deactivated_users_token_stops_at_once(
    client: TestClient, database: Database, reference: None
) -> None:
    secret = _token(database, "a@example.org")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.post("/api/v1/incidents", json=INCIDENT, headers=headers).status_code == 201
    with database.write() as s:
        user = s.scalars(select(User).where(User.email == "a@example.org")).one()
        user.is_active = False
    assert client.post("/api/v1/incidents", json=INCIDENT, headers=headers).status_code == 401


def test_a_token_is_not_a_session_and_a_session_is_not_a_token(
    client: TestClient, database: Database, reference: None
) -> None:
    secret = _token(database, "a@example.org")
    # As a cookie, a token signs no one in; as a bearer, a made-up or altered token does nothing.
    client.cookies.set("session", secret)
    assert client.get("/incidents/new", follow_redirects=False).status_code == 303
    client.cookies.clear()
    for bad in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "Bearer", "", secret.upper()):
        response = client.post(
            "/api/v1/incidents", json=INCIDENT, headers={"Authorization": f"Bearer {bad}"}
        )
        assert response.status_code == 401, bad
