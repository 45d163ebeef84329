"""Accounts: sign-in limits, sessions that end at once, CSRF, cookies, redirects."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import User
from app.services.auth import MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_CLIENT, set_active
from tests.web.signin import PASSWORD, make_user, page_token, sign_in


def _another_client(settings: Settings, database: Database) -> TestClient:
    return TestClient(create_app(settings, database))


def _is_signed_in(client: TestClient) -> bool:
    response = client.get("/incidents/new", follow_redirects=False)
    return response.status_code == 200


def test_sign_in_and_out(client: TestClient, database: Database) -> None:
    make_user(database, "ed@example.org")
    assert not _is_signed_in(client)
    sign_in(client, "ed@example.org")
    assert _is_signed_in(client)
    old_cookie = client.cookies.get("session")
    client.post("/logout", data={"csrf_token": page_token(client, "/incidents")})
    assert not _is_signed_in(client)
    # The old cookie, replayed, opens nothing: the session is gone from the database.
    client.cookies.set("session", old_cookie)
    assert not _is_signed_in(client)


def test_deactivation_ends_sessions_at_once(client: TestClient, database: Database) -> None:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    assert _is_signed_in(client)
    with database.write() as s:
        user = s.scalar(select(User).where(User.email == "ed@example.org"))
        assert user is not None
        set_active(s, user, False)
    assert not _is_signed_in(client)
    # And the password no longer opens a session.
    response = client.post(
        "/login",
        data={"email": "ed@example.org", "password": PASSWORD, "csrf_token": page_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 400


def test_wrong_password_is_a_clear_message(client: TestClient, database: Database) -> None:
    make_user(database, "ed@example.org")
    response = client.post(
        "/login",
        data={"email": "ed@example.org", "password": "wrong", "csrf_token": page_token(client)},
    )
    assert response.status_code == 400
    assert "not right" in response.text
    assert 'value="ed@example.org"' in response.text  # the email is kept; the password is not
    assert "wrong" not in response.text.split('name="password"')[1][:200]


def test_login_is_limited_per_account(client: TestClient, database: Database) -> None:
    make_user(database, "ed@example.org")
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        client.post(
            "/login",
            data={"email": "ed@example.org", "password": "guess", "csrf_token": page_token(client)},
        )
    # Even the right password is refused now, with a message that says why.
    response = client.post(
        "/login",
        data={"email": "ed@example.org", "password": PASSWORD, "csrf_token": page_token(client)},
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins for this account" in response.text


def test_login_is_limited_per_client_address(client: TestClient, database: Database) -> None:
    make_user(database, "ed@example.org")
    for n in range(MAX_FAILURES_PER_CLIENT):
        client.post(
            "/login",
            data={
                "email": f"guess{n}@example.org",
                "password": "x",
                "csrf_token": page_token(client),
            },
        )
    response = client.post(
        "/login",
        data={"email": "ed@example.org", "password": PASSWORD, "csrf_token": page_token(client)},
    )
    assert response.status_code == 429
    assert "from your address" in response.text


@pytest.mark.parametrize("token", [None, "", "forged", "0" * 64])
def test_writes_without_the_right_csrf_token_are_refused(
    client: TestClient, database: Database, token: str | None
) -> None:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    data = {"title": "x", "date_start": "2025-10-15", "event_type": "battles"}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/incidents", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "expired or did not come from this site" in response.text


def test_htmx_sends_the_token_in_a_header(client: TestClient, database: Database) -> None:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    token = page_token(client, "/incidents/new")
    form = {"title": "By htmx", "date_start": "2025-10-15", "event_type": "battles"}
    response = client.post(
        "/incidents", data=form, headers={"HX-Request": "true", "X-CSRF-Token": token}
    )
    assert response.status_code == 204 and response.headers["HX-Location"].startswith("/incidents/")


def test_a_token_from_another_browser_does_not_work(
    client: TestClient, settings: Settings, database: Database
) -> None:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    with _another_client(settings, database) as other:
        foreign = page_token(other)
    response = client.post("/logout", data={"csrf_token": foreign}, follow_redirects=False)
    assert response.status_code == 403


def test_session_cookie_is_renewed_at_sign_in_and_flagged(
    client: TestClient, database: Database
) -> None:
    make_user(database, "ed@example.org")
    client.cookies.set("session", "planted-by-an-attacker")
    token = page_token(client)
    response = client.post(
        "/login",
        data={"email": "ed@example.org", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert "planted-by-an-attacker" not in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in this test


def test_cookies_are_secure_over_https(settings: Settings, database: Database) -> None:
    make_user(database, "ed@example.org")
    with TestClient(create_app(settings, database), base_url="https://testserver") as client:
        token = page_token(client)
        response = client.post(
            "/login",
            data={"email": "ed@example.org", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/incidents/new", "/incidents/new"),
        ("//evil.example/x", "/incidents"),
        ("https://evil.example/", "/incidents"),
        ("/\\evil.example", "/incidents"),
        ("javascript:alert(1)", "/incidents"),
    ],
)
def test_next_never_leaves_the_site(
    client: TestClient, database: Database, next_url: str, lands_on: str
) -> None:
    make_user(database, "ed@example.org")
    token = page_token(client)
    response = client.post(
        "/login",
        data={
            "email": "ed@example.org",
            "password": PASSWORD,
            "csrf_token": token,
            "next": next_url,
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == lands_on


def test_editor_pages_send_readers_to_sign_in(client: TestClient) -> None:
    response = client.get("/incidents/new", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fincidents%2Fnew"
    fragment = client.get("/incidents/new", headers={"HX-Request": "true"}, follow_redirects=False)
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"] == "/login"


def test_oversized_bodies_get_413(client: TestClient) -> None:
    token = page_token(client)
    response = client.post(
        "/login", data={"csrf_token": token, "password": "x" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 413


def test_only_pages_with_a_form_set_the_anonymous_cookie_and_are_private(
    client: TestClient,
) -> None:
    static = client.get("/static/css/app.css")
    health = client.get("/healthz")
    assert "set-cookie" not in static.headers and "set-cookie" not in health.headers
    assert "private" not in static.headers.get("cache-control", "")
    page = client.get("/login")
    assert "csrf_id=" in page.headers["set-cookie"]
    assert page.headers["cache-control"] == "private, no-store"


def test_a_malformed_upload_is_refused_not_a_server_error(client: TestClient) -> None:
    response = client.post(
        "/incidents", content=b"--x\r\n", headers={"Content-Type": "multipart/form-data"}
    )
    assert response.status_code == 403
