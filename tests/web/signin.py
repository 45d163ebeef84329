"""Signing test clients in and reading CSRF tokens, as a browser would."""

from __future__ import annotations

from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from app.db import Database
from app.services.users import create_user

PASSWORD = "a long enough password"


def csrf_from(html: str) -> str:
    node = HTMLParser(html).css_first("input[name=csrf_token]")
    assert node is not None, "no csrf_token field on the page"
    return node.attributes["value"] or ""


def page_token(client: TestClient, path: str = "/login") -> str:
    return csrf_from(client.get(path).text)


def make_user(database: Database, email: str, role: str = "editor") -> None:
    with database.write() as session:
        create_user(session, email=email, role=role, password=PASSWORD)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = page_token(client)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
