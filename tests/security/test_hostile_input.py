"""Hostile input in every field the app takes comes back as inert text everywhere it is shown.

Each payload goes in through the editors' forms (incident, claim, source), the API, an ACLED
import and every filter parameter; then every page, partial, export and feed that shows it is
read back. HTML must contain no script, event handler or javascript: link the app did not write
itself; JSON, GeoJSON and Atom must parse and carry the payload as data; CSV cells that a
spreadsheet would run are neutralised. Nothing may answer with a server error.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser
from sqlalchemy import select

from app.db import Database
from app.importers import READERS
from app.models import Incident, Source
from app.services.imports import import_events
from app.services.tokens import create_token
from app.services.users import create_user
from tests.web.signin import PASSWORD, csrf_from, sign_in

PAYLOADS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">click</a>',
    '" onmouseover="alert(1)" x="',
    "{{7*7}}{% if 1 %}ssti{% endif %}",
    '=HYPERLINK("https://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "'; DROP TABLE incidents; --",
    "\u202eevil\u202c <b>bold</b> \U0001f4a3",
    "<iframe src=https://evil.example></iframe>",
    '<style>body{display:none}</style><base href="https://evil.example/">',
]
FIRST = PAYLOADS[0]
FILTER_PARAMETERS = ["q", "actor", "sector", "status", "type", "country", "from", "to", "sort",
                     "page", "state"]  # fmt: skip
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "style", "svg", "img"}


def assert_inert_html(html: str, where: str) -> None:
    """No markup the app did not write: scripts only from /static/, no handlers, no js: links."""
    tree = LexborHTMLParser(html)
    for node in tree.css("*"):
        tag = node.tag or ""
        attributes = node.attributes
        if tag == "script":
            assert (attributes.get("src") or "").startswith("/static/"), f"{where}: inline script"
        assert tag not in FORBIDDEN_TAGS, f"{where}: <{tag}> from input"
        for name, value in attributes.items():
            assert not name.lower().startswith("on"), f"{where}: {name}= on <{tag}>"
            if name in {"href", "src", "action", "formaction"} and value:
                assert not value.strip().lower().startswith("javascript:"), f"{where}: {name}"
    # A template engine never evaluated what was typed.
    assert "ssti" not in tree.text() or "{% if 1 %}" in tree.text(), f"{where}: template ran"


@pytest.fixture
def editor(client: TestClient, database: Database, reference: None) -> TestClient:
    with database.write() as s:
        create_user(s, email="ed@example.org", role="editor", password=PASSWORD)
    sign_in(client, "ed@example.org")
    return client


def _post(client: TestClient, form_page: str, path: str, data: dict[str, str]) -> int:
    page = client.get(form_page)
    assert page.status_code == 200, form_page
    version = LexborHTMLParser(page.text).css_first("input[name=version]")
    fields = {"csrf_token": csrf_from(page.text), **data}
    if version is not None:
        fields.setdefault("version", version.attributes.get("value") or "")
    response = client.post(path, data=fields, follow_redirects=False)
    assert response.status_code < 500, (path, response.status_code)
    if response.status_code == 422:
        assert_inert_html(response.text, f"422 from {path}")
    return response.status_code


def _enter_everything(editor: TestClient, payload: str) -> int:
    """An incident and a claim with the payload in every free-text field; returns its id."""
    status = _post(
        editor,
        "/incidents/new",
        "/incidents",
        {
            "title": payload,
            "summary": payload,
            "location": payload,
            "notes": payload,
            "assessment_note": payload,
            "date_start": "2025-10-15",
            "date_precision": "day",
            "place": "Chaman",
            "geo_precision": "1",
            "country": "PAK",
            "event_type": "battles",
            "sub_event_type": "armed-clash",
            "actor_1": "Frontier Corps",
            "role_1": "side_a",
        },
    )
    assert status == 303
    with editor.app.state.database.read() as s:  # type: ignore[attr-defined]
        incident_id = s.scalars(select(Incident.id).order_by(Incident.id.desc())).first()
    assert incident_id is not None
    claim_status = _post(
        editor,
        f"/incidents/{incident_id}/claims/new",
        f"/incidents/{incident_id}/claims",
        {
            "claimant": "Frontier Corps",
            "spokesperson": payload,
            "spokesperson_role": payload,
            "claimed_on": "2025-10-15",
            "kind": "casualties",
            "statement": payload,
            "translation": payload,
            "note": payload,
            "status": "disputed",
            "figure_party_1": "combatants",
            "figure_outcome_1": "killed",
            "figure_low_1": "3",
            "source_1_url": f"https://news.example/{abs(hash(payload))}",
            "source_1_outlet": payload,
            "source_1_title": payload,
        },
    )
    assert claim_status == 303
    # A hostile web address is refused, with the message shown safely.
    assert (
        _post(
            editor,
            f"/incidents/{incident_id}/claims/new",
            f"/incidents/{incident_id}/claims",
            {"claimant": "Frontier Corps", "kind": "casualties", "statement": "x",
             "source_1_url": payload, "source_1_outlet": payload},
        )
        == 422
    )  # fmt: skip
    assert (
        _post(editor, f"/incidents/{incident_id}", f"/incidents/{incident_id}/publish", {}) == 303
    )
    return incident_id


def _pages(incident_id: int, payload: str) -> Iterator[tuple[str, dict[str, str]]]:
    yield f"/incidents/{incident_id}", {}
    yield "/incidents", {}
    yield "/incidents", {"HX-Request": "true"}
    yield "/", {}
    yield "/actors/frontier-corps", {}
    yield "/places/chaman", {}
    yield "/sectors/chaman-spin-boldak", {}
    for parameter in FILTER_PARAMETERS:
        query = "?" + urlencode({parameter: payload})
        yield "/incidents" + query, {}
        yield "/incidents" + query, {"HX-Request": "true"}


EDITOR_PAGES = [
    "/incidents/{id}/history",
    "/incidents/{id}/edit",
    "/sources",
    "/sources/{source}/edit",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_form_input_is_inert_everywhere_it_is_shown(
    editor: TestClient, client: TestClient, database: Database, payload: str
) -> None:
    incident_id = _enter_everything(editor, payload)
    with database.read() as s:
        source_id = s.scalars(select(Source.id).where(Source.outlet == payload.strip())).one()
    reader = TestClient(client.app)
    shown = 0
    for who, browser in (("reader", reader), ("editor", editor)):
        for path, headers in _pages(incident_id, payload):
            response = browser.get(path, headers=headers)
            assert response.status_code < 500, (who, path)
            assert_inert_html(response.text, f"{who} {path}")
            shown += payload.strip() in LexborHTMLParser(response.text).text()
    assert shown, "the payload was never shown as text, so the test shows nothing"
    for path in EDITOR_PAGES:
        url = path.format(id=incident_id, source=source_id)
        response = editor.get(url)
        assert response.status_code == 200, url
        assert_inert_html(response.text, url)
    _check_exports(reader, incident_id, payload)


def _check_exports(reader: TestClient, incident_id: int, payload: str) -> None:
    text = payload.strip()
    data = reader.get("/incidents.json").json()
    incident = next(i for i in data["incidents"] if i["id"] == incident_id)
    assert incident["title"] == text and incident["claims"][0]["statement"] == text
    features = reader.get("/incidents.geojson").json()["features"]
    assert any(f["properties"]["title"] == text for f in features)
    assert reader.get(f"/api/v1/incidents/{incident_id}").json()["summary"] == text
    feed = ET.fromstring(reader.get("/incidents.atom").content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert text in titles
    for path, column in (("/incidents.csv", "title"), ("/incidents.csv?rows=claims", "statement")):
        rows = list(csv.DictReader(io.StringIO(reader.get(path).text)))
        cell = next(r[column] for r in rows if text in r[column])
        if text[0] in "=+-@":
            assert cell == "'" + text, "a formula reached the spreadsheet"
        else:
            assert cell == text


@pytest.mark.parametrize("payload", PAYLOADS[:6])
def test_api_fields_are_stored_as_text_and_shown_inert(
    client: TestClient, database: Database, reference: None, payload: str
) -> None:
    with database.write() as s:
        user = create_user(s, email="api@example.org", role="editor", password=PASSWORD)
        _, token = create_token(s, user=user, name="test")
    body = {
        "title": payload,
        "summary": payload,
        "location": payload,
        "date_start": "2025-10-15",
        "event_type": "battles",
        "notes": payload,
    }
    created = client.post(
        "/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code in (201, 422), created.text
    if created.status_code == 422:
        return
    incident_id = created.json()["id"]
    claim = client.post(
        f"/api/v1/incidents/{incident_id}/claims",
        json={"spokesperson": payload, "kind": "denial", "statement": payload,
              "version": created.json()["version"]},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert claim.status_code < 500
    sign_in(client, "api@example.org")  # the API makes drafts, which editors see
    page = client.get(f"/incidents/{incident_id}")
    assert page.status_code == 200
    assert_inert_html(page.text, "incident page after the API")
    assert payload.strip() in LexborHTMLParser(page.text).text()


def test_import_columns_are_inert(
    client: TestClient, database: Database, reference: None, tmp_path: Path
) -> None:
    source = Path(__file__).resolve().parent.parent / "fixtures" / "acled_current.csv"
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    text_columns = ["actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "admin1", "admin2",
                    "admin3", "location", "source", "notes", "tags"]  # fmt: skip
    for n, row in enumerate(rows):
        for column in text_columns:
            row[column] = PAYLOADS[(n + text_columns.index(column)) % len(PAYLOADS)]
    hostile = tmp_path / "hostile.csv"
    with hostile.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with database.write() as s:
        report = import_events(s, READERS["acled"](hostile, ","))
    assert report.created or report.errors
    with database.read() as s:
        ids = list(s.scalars(select(Incident.id)))
    for path in ["/incidents", "/incidents.atom", *(f"/incidents/{i}" for i in ids)]:
        response = client.get(path)
        assert response.status_code < 500, path
        if path != "/incidents.atom":
            assert_inert_html(response.text, path)
    json.loads(client.get("/incidents.json").text)
    ET.fromstring(client.get("/incidents.atom").content)


def test_the_checker_would_catch_raw_markup() -> None:
    for html in (
        "<p><script>alert(1)</script></p>",
        '<p><img src=x onerror="alert(1)"></p>',
        '<a href=" JavaScript:alert(1)">x</a>',
        "<div onmouseover='x'>y</div>",
    ):
        with pytest.raises(AssertionError):
            assert_inert_html(html, "sample")
