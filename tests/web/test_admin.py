"""The users page: only admins, CSRF on every form, and the rules that keep an admin in charge."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import func, select

from app.db import Database
from app.models import User, UserSession
from app.services import users
from app.services.auth import user_for_token
from app.web.csrf import SESSION_COOKIE
from tests.dom import first
from tests.web.signin import page_token

PASSWORD = "correct horse battery staple"


def _add_user(database: Database, email: str, role: str) -> int:
    with database.write() as session:
        return users.create_user(session, email=email, role=role, password=PASSWORD).id


def _sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    data = {"email": email, "password": password, "csrf_token": page_token(client)}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text


def _post(
    client: TestClient, path: str, data: dict[str, str], headers: dict[str, str] | None = None
) -> httpx.Response:
    """A form post with this browser's token (signed in, any page's; else the sign-in form's)."""
    token = page_token(client, "/incidents/new" if _signed_in(client) else "/login")
    return client.post(
        path, data={**data, "csrf_token": token}, headers=headers, follow_redirects=False
    )


def _signed_in(client: TestClient) -> bool:
    return client.get("/incidents/new", follow_redirects=False).status_code == 200


def _user(database: Database, user_id: int) -> User:
    with database.read() as session:
        user = session.get(User, user_id)
    assert user is not None
    return user


def _sessions(database: Database, user_id: int) -> int:
    with database.read() as session:
        count = session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user_id)
        )
    return count or 0


def _page(response: httpx.Response) -> LexborHTMLParser:
    return LexborHTMLParser(response.text)


def _field_error(response: httpx.Response, control_id: str) -> str:
    node = _page(response).css_first(f"#{control_id}-error")
    assert node is not None, f"no message beside #{control_id}"
    return node.text(strip=True)


@pytest.fixture
def admin_id(database: Database) -> int:
    return _add_user(database, "admin@example.org", "admin")


@pytest.fixture
def as_admin(client: TestClient, admin_id: int) -> TestClient:
    _sign_in(client, "admin@example.org")
    return client


@pytest.fixture
def other_client(client: TestClient) -> Iterator[TestClient]:
    """A second browser, with its own cookies, on the same app."""
    yield TestClient(client.app)


# --- who may see the page -------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/admin/users", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_anonymous_post_is_sent_to_sign_in(client: TestClient, database: Database) -> None:
    data = {"email": "x@example.org", "role": "admin", "password": PASSWORD}
    response = _post(client, "/admin/users", data)
    assert response.status_code == 303
    # Back, after signing in, to a page, never to the post's own address.
    assert response.headers["location"] == "/login?next=%2Fincidents"
    referred = _post(
        client, "/admin/users", data, headers={"Referer": "http://testserver/admin/users?x=1"}
    )
    assert referred.headers["location"] == "/login?next=%2Fadmin%2Fusers%3Fx%3D1"
    elsewhere = _post(client, "/admin/users", data, headers={"Referer": "https://evil.example/"})
    assert elsewhere.headers["location"] == "/login?next=%2Fincidents"
    with database.read() as session:
        assert users.find_user_by_email(session, "x@example.org") is None


def test_editor_is_refused(client: TestClient, database: Database) -> None:
    _add_user(database, "ed@example.org", "editor")
    _sign_in(client, "ed@example.org")
    assert client.get("/admin/users").status_code == 403
    data = {"email": "x@example.org", "role": "admin", "password": PASSWORD}
    assert _post(client, "/admin/users", data).status_code == 403
    with database.read() as session:
        assert users.find_user_by_email(session, "x@example.org") is None


def test_admin_sees_every_user(as_admin: TestClient, admin_id: int, database: Database) -> None:
    _add_user(database, "ed@example.org", "editor")
    response = as_admin.get("/admin/users")
    assert response.status_code == 200
    page = _page(response)
    rows = page.css("table tbody tr")
    assert [" ".join(first(row, "th").text().split()) for row in rows] == [
        "admin@example.org (you)",
        "ed@example.org",
    ]
    assert page.css_first("div.table-scroll > table") is not None
    forms = page.css("form[method=post]")
    assert forms
    for form in forms:
        assert form.css_first("input[type=hidden][name=csrf_token]") is not None
    for password in page.css("input[type=password]"):
        assert password.attributes["autocomplete"] == "new-password"
    # Every visible control has a label.
    for control in page.css("main select, main input:not([type=hidden])"):
        assert page.css_first(f'label[for="{control.attributes["id"]}"]') is not None
    # No way to deactivate or demote yourself is offered.
    assert page.css_first(f"#role-{admin_id}") is None
    assert page.css_first(f"#active-{admin_id}") is None


def test_done_message_is_fixed_text_only(as_admin: TestClient) -> None:
    shown = _page(as_admin.get("/admin/users?done=created")).css_first("[role=status]")
    assert shown is not None and shown.text(strip=True) == "The user was created."
    response = as_admin.get("/admin/users", params={"done": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert "alert(1)" not in response.text
    assert _page(response).css_first("[role=status]") is None


# --- creating users -------------------------------------------------------------------------


def test_create_user(as_admin: TestClient, client: TestClient, database: Database) -> None:
    data = {"email": "New@Example.org", "role": "editor", "password": PASSWORD}
    response = _post(as_admin, "/admin/users", data)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=created"
    with database.read() as session:
        created = users.find_user_by_email(session, "new@example.org")
    assert created is not None and created.role == "editor" and created.is_active
    assert "new@example.org" in as_admin.get(response.headers["location"]).text


def test_duplicate_email_keeps_the_form(as_admin: TestClient, database: Database) -> None:
    _add_user(database, "ed@example.org", "editor")
    data = {"email": "ED@example.org", "role": "admin", "password": "a secret never shown"}
    response = _post(as_admin, "/admin/users", data)
    assert response.status_code == 422
    assert "already exists" in _field_error(response, "new-email")
    page = _page(response)
    email = page.css_first("#new-email")
    assert email is not None and email.attributes["value"] == "ED@example.org"
    assert email.attributes.get("aria-invalid") == "true"
    selected = page.css_first("#new-role option[selected]")
    assert selected is not None and selected.attributes["value"] == "admin"
    password = page.css_first("#new-password")
    assert password is not None and "value" not in password.attributes
    assert "a secret never shown" not in response.text
    with database.read() as session:
        assert len(users.list_users(session)) == 2


@pytest.mark.parametrize(
    ("data", "control", "says"),
    [
        ({"email": "x@example.org", "role": "editor", "password": "short"}, "new-password", "12"),
        ({"email": "not-an-email", "role": "editor", "password": PASSWORD}, "new-email", "email"),
        ({"email": "x@example.org", "role": "boss", "password": PASSWORD}, "new-role", "role"),
    ],
)
def test_create_user_mistakes(
    as_admin: TestClient, database: Database, data: dict[str, str], control: str, says: str
) -> None:
    response = _post(as_admin, "/admin/users", data)
    assert response.status_code == 422
    assert says in _field_error(response, control)
    with database.read() as session:
        assert len(users.list_users(session)) == 1


# --- roles ----------------------------------------------------------------------------------


def test_change_role(as_admin: TestClient, database: Database) -> None:
    editor = _add_user(database, "ed@example.org", "editor")
    response = _post(as_admin, f"/admin/users/{editor}/role", {"role": "admin"})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=role"
    assert _user(database, editor).role == "admin"
    assert _post(as_admin, f"/admin/users/{editor}/role", {"role": "editor"}).status_code == 303
    assert _user(database, editor).role == "editor"


def test_unknown_role_is_shown_beside_the_row(as_admin: TestClient, database: Database) -> None:
    editor = _add_user(database, "ed@example.org", "editor")
    response = _post(as_admin, f"/admin/users/{editor}/role", {"role": "boss"})
    assert response.status_code == 422
    assert "Unknown role" in _field_error(response, f"role-{editor}")
    assert _user(database, editor).role == "editor"


def test_cannot_demote_yourself(as_admin: TestClient, admin_id: int, database: Database) -> None:
    _add_user(database, "other-admin@example.org", "admin")
    response = _post(as_admin, f"/admin/users/{admin_id}/role", {"role": "editor"})
    assert response.status_code == 422
    assert "your own admin role" in _field_error(response, f"role-{admin_id}")
    assert _user(database, admin_id).role == "admin"


# --- deactivation ---------------------------------------------------------------------------


def test_deactivation_ends_the_targets_sessions_at_once(
    as_admin: TestClient, other_client: TestClient, database: Database
) -> None:
    target = _add_user(database, "second-admin@example.org", "admin")
    _sign_in(other_client, "second-admin@example.org")
    assert other_client.get("/admin/users").status_code == 200
    token = other_client.cookies.get(SESSION_COOKIE)

    response = _post(as_admin, f"/admin/users/{target}/active", {"active": "0"})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=deactivated"

    assert not _user(database, target).is_active
    assert _sessions(database, target) == 0
    with database.read() as session:
        assert user_for_token(session, token) is None
    # Already signed in, the target's very next request is anonymous.
    after = other_client.get("/admin/users", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")
    app = other_client.app
    assert isinstance(app, FastAPI)
    if any(getattr(route, "path", None) == "/incidents/new" for route in app.routes):
        after = other_client.get("/incidents/new", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"].startswith("/login")
    # And cannot sign in again.
    data = {"email": "second-admin@example.org", "password": PASSWORD}
    refused = other_client.post("/login", data={**data, "csrf_token": page_token(other_client)})
    assert refused.status_code == 400


def test_reactivation(as_admin: TestClient, other_client: TestClient, database: Database) -> None:
    editor = _add_user(database, "ed@example.org", "editor")
    assert _post(as_admin, f"/admin/users/{editor}/active", {"active": "0"}).status_code == 303
    response = _post(as_admin, f"/admin/users/{editor}/active", {"active": "1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=reactivated"
    assert _user(database, editor).is_active
    _sign_in(other_client, "ed@example.org")


def test_cannot_deactivate_yourself(
    as_admin: TestClient, admin_id: int, database: Database
) -> None:
    _add_user(database, "other-admin@example.org", "admin")
    response = _post(as_admin, f"/admin/users/{admin_id}/active", {"active": "0"})
    assert response.status_code == 422
    assert "your own account" in _field_error(response, f"active-{admin_id}")
    assert _user(database, admin_id).is_active
    assert as_admin.get("/admin/users").status_code == 200


def test_active_must_be_one_or_zero(as_admin: TestClient, database: Database) -> None:
    editor = _add_user(database, "ed@example.org", "editor")
    response = _post(as_admin, f"/admin/users/{editor}/active", {"active": "x"})
    assert response.status_code == 422
    assert _field_error(response, f"active-{editor}")
    assert _user(database, editor).is_active


def test_the_last_active_admin_stays(database: Database, admin_id: int) -> None:
    """Through the pages the acting admin is always an active admin, so the last one is always
    yourself; the service refuses it for any caller (the command line has no acting admin)."""
    other = _add_user(database, "other-admin@example.org", "admin")
    with database.write() as session:
        users.deactivate(session, session.get_one(User, other), acting_admin=None)
    with pytest.raises(users.UserError, match="last active admin"), database.write() as session:
        users.deactivate(session, session.get_one(User, admin_id), acting_admin=None)
    with pytest.raises(users.UserError, match="last active admin"), database.write() as session:
        users.set_role(session, session.get_one(User, admin_id), "editor")
    assert _user(database, admin_id).is_active and _user(database, admin_id).role == "admin"
    # An inactive admin does not count, and may be demoted.
    with database.write() as session:
        users.set_role(session, session.get_one(User, other), "editor")
    assert _user(database, other).role == "editor"


def test_admin_can_remove_another_admin_but_not_the_last(
    as_admin: TestClient, admin_id: int, database: Database
) -> None:
    other = _add_user(database, "other-admin@example.org", "admin")
    assert _post(as_admin, f"/admin/users/{other}/role", {"role": "editor"}).status_code == 303
    # Now the signed-in admin is the last one: neither demotion nor deactivation of them goes.
    assert _post(as_admin, f"/admin/users/{admin_id}/role", {"role": "editor"}).status_code == 422
    assert _post(as_admin, f"/admin/users/{admin_id}/active", {"active": "0"}).status_code == 422
    assert _user(database, admin_id).role == "admin"


# --- passwords ------------------------------------------------------------------------------


def test_set_password_signs_the_user_out(
    as_admin: TestClient, other_client: TestClient, database: Database
) -> None:
    editor = _add_user(database, "ed@example.org", "editor")
    _sign_in(other_client, "ed@example.org")
    token = other_client.cookies.get(SESSION_COOKIE)
    new = "a brand new passphrase"
    response = _post(as_admin, f"/admin/users/{editor}/password", {"password": new})
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?done=password"
    with database.read() as session:
        assert user_for_token(session, token) is None
    fresh = TestClient(as_admin.app)
    _sign_in(fresh, "ed@example.org", new)


def test_short_password_is_refused(as_admin: TestClient, database: Database) -> None:
    editor = _add_user(database, "ed@example.org", "editor")
    response = _post(as_admin, f"/admin/users/{editor}/password", {"password": "short"})
    assert response.status_code == 422
    assert "at least 12 characters" in _field_error(response, f"password-{editor}")
    details = _page(response).css_first(f"details:has(#password-{editor})")
    assert details is not None and "open" in details.attributes


# --- addresses and CSRF ---------------------------------------------------------------------


@pytest.mark.parametrize("user_id", ["999", "abc", "0", "-1", "1e3", "99999999999", "²"])
@pytest.mark.parametrize("action", ["role", "active", "password"])
def test_unknown_user_is_404(as_admin: TestClient, user_id: str, action: str) -> None:
    data = {"role": "editor", "active": "0", "password": PASSWORD}
    response = _post(as_admin, f"/admin/users/{user_id}/{action}", data)
    assert response.status_code == 404


def test_post_without_csrf_token_is_refused(as_admin: TestClient, database: Database) -> None:
    editor = _add_user(database, "ed@example.org", "editor")
    attempts = [
        ("/admin/users", {"email": "x@example.org", "role": "admin", "password": PASSWORD}),
        (f"/admin/users/{editor}/role", {"role": "admin"}),
        (f"/admin/users/{editor}/active", {"active": "0"}),
        (f"/admin/users/{editor}/password", {"password": PASSWORD + "!"}),
    ]
    for path, data in attempts:
        assert as_admin.post(path, data=data, follow_redirects=False).status_code == 403
        wrong = as_admin.post(path, data={**data, "csrf_token": "0" * 64})
        assert wrong.status_code == 403
    after = _user(database, editor)
    assert after.role == "editor" and after.is_active
    with database.read() as session:
        assert users.find_user_by_email(session, "x@example.org") is None
