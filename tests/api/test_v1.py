"""The JSON API: reading, token-authenticated writes, problem details, tokens that end."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import User
from app.services.demo import load_demo
from app.services.tokens import create_token, revoke_token
from tests.web.signin import make_user

INCIDENT = {
    "title": "Shelling near Arandu",
    "date_start": "2025-11-02",
    "place": "Arundu",
    "event_type": "explosions-remote-violence",
    "sub_event_type": "shelling-artillery-missile-attack",
    "actors": [{"actor": "Pakistan Army", "role": "side_a"}, {"actor": "TTP", "role": "side_b"}],
}
CLAIM = {
    "claimant": "pakistan-army",
    "kind": "casualties",
    "statement": "Twelve attackers were killed.",
    "status": "disputed",
    "figures": [
        {"party": "combatants", "actor": "ttp", "outcome": "killed", "low": 12, "high": 12}
    ],
    "sources": [{"url": "https://news.example/a", "outlet": "Example Wire", "reliability": "C"}],
}


@pytest.fixture
def token(database: Database, reference: None) -> str:
    make_user(database, "api@example.org")
    with database.write() as s:
        user = s.scalar(select(User).where(User.email == "api@example.org"))
        assert user is not None
        return create_token(s, user=user, name="tests")[1]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_reading_is_open_and_paginated(client: TestClient, database: Database) -> None:
    with database.write() as s:
        load_demo(s)
    first = client.get("/api/v1/incidents?per_page=4").json()
    assert first["total"] == 10 and len(first["items"]) == 4 and first["next"]
    second = client.get(first["next"]).json()
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    disputed = client.get("/api/v1/incidents?status=disputed&actor=ttp").json()
    assert disputed["total"] == 1
    one = client.get(f"/api/v1/incidents/{first['items'][0]['id']}").json()
    assert one["claims"] and one["claims"][0]["sources"]
    assert client.get("/api/v1/actors/ttp").json()["aliases"]
    assert client.get("/api/v1/sectors").json()["items"][0]["slug"] == "chaman-spin-boldak"
    assert client.get("/api/v1/places?per_page=100").json()["total"] == 40


def test_errors_are_problem_details(client: TestClient) -> None:
    for path, status in (
        ("/api/v1/incidents/999999", 404),
        ("/api/v1/incidents?from=nope", 422),
        ("/api/v1/incidents?per_page=1000", 422),
        ("/api/v1/actors/nobody", 404),
        ("/api/v1/nowhere", 404),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("application/problem+json"), path
        assert response.json()["status"] == status


def test_writes_need_a_token(client: TestClient, reference: None) -> None:
    response = client.post("/api/v1/incidents", json=INCIDENT)
    assert response.status_code == 401 and response.json()["title"] == "Token required"
    wrong = client.post("/api/v1/incidents", json=INCIDENT, headers=auth("bit_forged"))
    assert wrong.status_code == 401


def test_create_incident_and_claims_with_versions(client: TestClient, token: str) -> None:
    created = client.post("/api/v1/incidents", json=INCIDENT, headers=auth(token))
    assert created.status_code == 201, created.text
    incident = created.json()
    assert incident["place"] == "arandu" and incident["review_state"] == "draft"
    assert client.get(f"/api/v1/incidents/{incident['id']}").status_code == 404  # a draft
    path = f"/api/v1/incidents/{incident['id']}"
    with_claim = client.post(f"{path}/claims", json={**CLAIM, "version": 1}, headers=auth(token))
    assert with_claim.status_code == 201, with_claim.text
    assert with_claim.json()["version"] == 2
    stale = client.post(f"{path}/claims", json={**CLAIM, "version": 1}, headers=auth(token))
    assert stale.status_code == 409 and stale.headers["content-type"].startswith(
        "application/problem+json"
    )
    renamed = client.put(
        path, json={**INCIDENT, "title": "Renamed", "version": 2}, headers=auth(token)
    )
    assert renamed.status_code == 200 and renamed.json()["title"] == "Renamed"
    claim_id = renamed.json()["claims"][0]["claim_id"]
    gone = client.delete(f"{path}/claims/{claim_id}?version=3", headers=auth(token))
    assert gone.status_code == 204


def test_invalid_input_names_the_fields(client: TestClient, token: str) -> None:
    response = client.post(
        "/api/v1/incidents",
        json={
            **INCIDENT,
            "title": "",
            "event_type": "battles",
            "sub_event_type": "grenade",
            "place": "Atlantis",
        },
        headers=auth(token),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"title", "sub_event_type"} <= fields
    schema_error = client.post("/api/v1/incidents", json={"title": 5}, headers=auth(token))
    assert schema_error.status_code == 422
    assert schema_error.headers["content-type"].startswith("application/problem+json")


def test_a_revoked_token_stops_at_once(client: TestClient, database: Database, token: str) -> None:
    assert (
        client.post(
            "/api/v1/sources",
            json={"url": "https://x.example/1", "outlet": "X"},
            headers=auth(token),
        ).status_code
        == 201
    )
    with database.write() as s:
        revoke_token(s, 1)
    response = client.post(
        "/api/v1/sources", json={"url": "https://x.example/2", "outlet": "X"}, headers=auth(token)
    )
    assert response.status_code == 401


def test_openapi_document_lists_every_api_route(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert {
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}/claims",
        "/api/v1/sources",
    } <= set(document["paths"])


def test_sources_are_updated_from_the_version_read(client: TestClient, token: str) -> None:
    created = client.post(
        "/api/v1/sources", json={"url": "https://x.example/s", "outlet": "X"}, headers=auth(token)
    ).json()
    body = {
        "url": created["url"],
        "outlet": "X (corrected)",
        "reliability": "B",
        "updated_at": created["updated_at"],
    }
    updated = client.put(f"/api/v1/sources/{created['id']}", json=body, headers=auth(token))
    assert updated.status_code == 200 and updated.json()["outlet"] == "X (corrected)"
    stale = client.put(f"/api/v1/sources/{created['id']}", json=body, headers=auth(token))
    assert stale.status_code == 409
    assert client.put("/api/v1/sources/999999", json=body, headers=auth(token)).status_code == 404


@pytest.mark.parametrize("index", ["facet index", "sql"])
@pytest.mark.parametrize("sort", ["-date", "date", "-killed", "-updated"])
def test_the_api_lists_what_the_page_lists_in_the_pages_order(
    settings: Settings, database: Database, index: str, sort: str
) -> None:
    """The API's list is the browse service's: every sort, filter and page as /incidents."""
    with database.write() as s:
        load_demo(s)
    chosen = replace(settings, page_cache=False, facet_index=index == "facet index")
    with TestClient(create_app(chosen)) as client:
        for query in (f"sort={sort}", f"sort={sort}&country=PAK", f"sort={sort}&page=2"):
            page = HTMLParser(client.get(f"/incidents?{query}").text)
            listed = [
                int((a.attributes["href"] or "").split("/")[2])
                for a in page.css("table.incidents td[data-label=Incident] > a")
            ]
            api = client.get(f"/api/v1/incidents?{query}&per_page=50").json()
            assert [i["id"] for i in api["items"]] == listed, query
        assert listed == []  # the last query's page 2: ten incidents fit on page 1
        everything = client.get(f"/api/v1/incidents?sort={sort}&per_page=100").json()["items"]
        assert len(everything) == 10
        if sort == "-killed":
            killed = [i["max_claimed_killed"] or -1 for i in everything]
            assert killed == sorted(killed, reverse=True)


def test_an_ignored_filter_value_is_named_and_a_bad_sort_refused(client: TestClient) -> None:
    notices = client.get("/api/v1/incidents?actor=nobody-at-all").json()["notices"]
    assert [n["parameter"] for n in notices] == ["actor"]
    refused = client.get("/api/v1/incidents?sort=sideways")
    assert refused.status_code == 422
    assert [e["parameter"] for e in refused.json()["errors"]] == ["sort"]


def test_an_incident_has_the_same_fields_as_in_the_json_export(
    client: TestClient, database: Database
) -> None:
    """The response models name every field the export writes: none is dropped on the way."""
    with database.write() as s:
        load_demo(s)
    exported = {d["id"]: d for d in client.get("/incidents.json").json()["incidents"]}
    listed = client.get("/api/v1/incidents?per_page=100").json()["items"]
    assert len(listed) == len(exported) == 10
    for row in listed:
        whole = client.get(f"/api/v1/incidents/{row['id']}").json()
        assert whole == exported[row["id"]]
        assert row.keys() == whole.keys() and row["claims"] == len(whole["claims"])
