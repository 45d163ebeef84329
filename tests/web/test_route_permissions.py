"""Every route of the app against every role. A new route must be classified here, and a new
write route that forgets its permission check fails."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import Change, UnmappedName, User
from app.services.merging import merge_incidents
from tests import factories as f
from tests.web.signin import make_user, page_token, sign_in

PUBLIC, EDITOR, ADMIN = "public", "editor", "admin"
# API writes take a token, never a browser session: 401 for every cookie-signed-in role.
TOKEN = "token"

ACCESS = {
    ("GET", "/"): PUBLIC,
    ("GET", "/incidents"): PUBLIC,
    ("GET", "/incidents/{incident_id}"): PUBLIC,
    ("GET", "/incidents/{incident_id}/{slug}"): PUBLIC,
    ("GET", "/actors/suggest"): PUBLIC,
    ("GET", "/actors/{slug}"): PUBLIC,
    ("GET", "/sectors/{slug}"): PUBLIC,
    ("GET", "/places/{slug}"): PUBLIC,
    ("GET", "/incidents/{incident_id}/v/{version}"): PUBLIC,
    ("GET", "/actors"): PUBLIC,
    ("GET", "/actors.json"): PUBLIC,
    ("GET", "/sectors"): PUBLIC,
    ("GET", "/sectors.json"): PUBLIC,
    ("GET", "/places"): PUBLIC,
    ("GET", "/places.json"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/incidents/map.geojson"): PUBLIC,
    ("GET", "/incidents/coverage"): PUBLIC,
    ("GET", "/incidents/timeline.json"): PUBLIC,
    ("GET", "/places.geojson"): PUBLIC,
    ("GET", "/incidents.{suffix}"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/incidents/new"): EDITOR,
    ("POST", "/incidents"): EDITOR,
    ("GET", "/incidents/{incident_id}/edit"): EDITOR,
    ("POST", "/incidents/{incident_id}"): EDITOR,
    ("POST", "/incidents/{incident_id}/publish"): EDITOR,
    ("POST", "/incidents/{incident_id}/archive"): EDITOR,
    ("POST", "/incidents/{incident_id}/draft"): EDITOR,
    ("GET", "/incidents/{incident_id}/claims/new"): EDITOR,
    ("GET", "/incidents/{incident_id}/claims/{claim_id}/edit"): EDITOR,
    ("POST", "/incidents/{incident_id}/claims"): EDITOR,
    ("POST", "/incidents/{incident_id}/claims/{claim_id}"): EDITOR,
    ("POST", "/incidents/{incident_id}/claims/{claim_id}/delete"): EDITOR,
    ("GET", "/incidents/{incident_id}/history"): EDITOR,
    ("POST", "/incidents/{incident_id}/history/{change_id}/restore"): EDITOR,
    ("GET", "/sources"): EDITOR,
    ("GET", "/review/actors"): EDITOR,
    ("GET", "/review/matches"): EDITOR,
    ("POST", "/review/matches/merge"): EDITOR,
    ("POST", "/review/matches/decide"): EDITOR,
    ("POST", "/review/matches/accept-above"): EDITOR,
    ("POST", "/incidents/{incident_id}/merge"): EDITOR,
    ("POST", "/merges/{merge_id}/undo"): EDITOR,
    ("POST", "/review/actors/{unmapped_id}"): EDITOR,
    ("GET", "/sources/new"): EDITOR,
    ("POST", "/sources"): EDITOR,
    ("GET", "/sources/{source_id}/edit"): EDITOR,
    ("POST", "/sources/{source_id}"): EDITOR,
    ("POST", "/incidents/{incident_id}/purge"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    ("POST", "/admin/users"): ADMIN,
    ("POST", "/admin/users/{user_id}/role"): ADMIN,
    ("POST", "/admin/users/{user_id}/active"): ADMIN,
    ("POST", "/admin/users/{user_id}/password"): ADMIN,
    ("GET", "/admin/import"): ADMIN,
    ("GET", "/api/v1/incidents"): PUBLIC,
    ("GET", "/api/v1/incidents/{incident_id}"): PUBLIC,
    ("GET", "/api/v1/actors"): PUBLIC,
    ("GET", "/api/v1/actors/{slug}"): PUBLIC,
    ("GET", "/api/v1/sectors"): PUBLIC,
    ("GET", "/api/v1/places"): PUBLIC,
    ("GET", "/api/v1/sources"): PUBLIC,
    ("POST", "/api/v1/incidents"): TOKEN,
    ("PUT", "/api/v1/incidents/{incident_id}"): TOKEN,
    ("POST", "/api/v1/incidents/{incident_id}/claims"): TOKEN,
    ("PUT", "/api/v1/incidents/{incident_id}/claims/{claim_id}"): TOKEN,
    ("DELETE", "/api/v1/incidents/{incident_id}/claims/{claim_id}"): TOKEN,
    ("POST", "/api/v1/sources"): TOKEN,
    ("PUT", "/api/v1/sources/{source_id}"): TOKEN,
    ("POST", "/admin/import"): ADMIN,
}
# Writes anyone may make: signing in and out.
PUBLIC_WRITES = {("POST", "/login"), ("POST", "/logout")}


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    def walk(routes: Sequence[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)
            elif isinstance(route, APIRoute):
                yield route

    for route in walk(app.routes):
        for method in sorted((route.methods or set()) - {"HEAD"}):
            yield method, route.path


def test_every_route_is_classified(settings: Settings, database: Database) -> None:
    routes = set(app_routes(create_app(settings, database)))
    assert routes - ACCESS.keys() == set(), "classify the new route(s) in ACCESS"
    assert ACCESS.keys() - routes == set(), "ACCESS lists routes that no longer exist"


def test_every_write_route_needs_an_account(settings: Settings, database: Database) -> None:
    writes = [r for r in app_routes(create_app(settings, database)) if r[0] != "GET"]
    assert writes and all(ACCESS[r] != PUBLIC or r in PUBLIC_WRITES for r in writes)


@pytest.fixture
def ids(database: Database, reference: None) -> dict[str, str]:
    make_user(database, "editor@example.org", "editor")
    make_user(database, "admin@example.org", "admin")
    with database.write() as s:
        source = f.make_source(s)
        claim = f.make_claim(s, sources=[source])
        s.add(
            Change(
                entity_type="incident",
                entity_id=claim.incident_id,
                action="create",
                before=None,
                after={"version": 1},
            )
        )
        s.flush()
        change_id = s.scalar(select(Change.id))
        placeholder = f.make_actor(s, name="Some Militia (Pakistan)")
        s.add(UnmappedName(dataset="acled", name=placeholder.name, actor=placeholder))
        s.flush()
        unmapped_id = s.scalar(select(UnmappedName.id))
        editor_id = s.scalar(select(User.id).where(User.email == "editor@example.org"))
        merge = merge_incidents(s, claim.incident_id, f.make_incident(s).id)
        return {
            "incident_id": str(claim.incident_id),
            "claim_id": str(claim.id),
            "change_id": str(change_id),
            "source_id": str(source.id),
            "unmapped_id": str(unmapped_id),
            "user_id": str(editor_id),
            "merge_id": str(merge.id),
            "slug": "ttp",
            "suffix": "csv",
            "version": "1",
        }


ROLES = ["anonymous", "editor", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_route_access_by_role(
    settings: Settings, database: Database, ids: dict[str, str], role: str
) -> None:
    app = create_app(settings, database)
    failures = []
    for method, path in sorted(app_routes(app)):
        with TestClient(app) as client:
            if role != "anonymous":
                sign_in(client, f"{role}@example.org")
            url = path.format(**ids)
            if path == "/incidents/{incident_id}/{slug}":
                url = path.format(**{**ids, "slug": "a-slug"})
            if method == "GET":
                response = client.get(url, follow_redirects=False)
            elif ACCESS[(method, path)] == TOKEN:
                response = client.request(method, url, json={}, follow_redirects=False)
                if response.status_code != 401:
                    failures.append(
                        (method, path, response.status_code, "took a cookie for a token")
                    )
                continue
            else:
                token = page_token(client, "/login")
                response = client.post(
                    url, data={"csrf_token": token, "version": "1"}, follow_redirects=False
                )
            needed = ACCESS[(method, path)]
            to_login = response.status_code == 303 and response.headers["location"].startswith(
                "/login"
            )
            forbidden = response.status_code == 403
            allowed = {
                PUBLIC: True,
                EDITOR: role in ("editor", "admin"),
                ADMIN: role == "admin",
            }[needed]
            if response.status_code >= 500:
                failures.append((method, path, response.status_code, "server error"))
            elif allowed and (to_login or forbidden):
                failures.append((method, path, response.status_code, "refused a permitted role"))
            elif not allowed and role == "anonymous" and not to_login:
                failures.append((method, path, response.status_code, "let an anonymous reader in"))
            elif not allowed and role != "anonymous" and not forbidden:
                failures.append((method, path, response.status_code, "let a lower role in"))
    assert failures == []


@pytest.mark.parametrize("token_kind", ["none", "another browser's", "garbled"])
def test_every_cookie_write_refuses_a_missing_or_foreign_csrf_token(
    settings: Settings, database: Database, ids: dict[str, str], token_kind: str
) -> None:
    """Even a signed-in admin's browser cannot be made to write by another site."""
    app = create_app(settings, database)
    with TestClient(app) as admin, TestClient(app) as stranger:
        sign_in(admin, "admin@example.org")
        foreign = page_token(stranger, "/login")
        writes = [r for r in app_routes(app) if r[0] != "GET" and ACCESS[r] != TOKEN]
        assert len(writes) > 10
        for method, path in writes:
            url = path.format(**ids)
            data = {"version": "1"}
            if token_kind == "another browser's":
                data["csrf_token"] = foreign
            elif token_kind == "garbled":
                data["csrf_token"] = "x" * 43
            response = admin.request(method, url, data=data, follow_redirects=False)
            assert response.status_code == 403, (method, path, response.status_code)
