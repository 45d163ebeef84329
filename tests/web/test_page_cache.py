"""Cached pages are exactly what a fresh render gives, after every kind of write."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import Database
from app.importers import READERS
from app.main import create_app
from app.models import Actor, Claim, Incident, Source
from app.services.derived import refresh_derived
from app.services.imports import import_events
from app.services.synth import synthesize
from app.web.caching import cached_page
from app.web.deps import SessionDep
from tests import factories as f
from tests.services.test_browse import build_world
from tests.web.signin import make_user, sign_in

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
LIST = "/incidents?sector=chaman-spin-boldak&from=2025-01-01&to=2025-12-31&actor=afghan-taliban"


@pytest.fixture
def world(database: Database, reference: None) -> int:
    """The browse tests' incidents; returns the id of one in the LIST filter."""
    with database.write() as s:
        build_world(s)
        incident_id = s.scalars(
            select(Incident.id).where(Incident.title == "Clashes at the crossing")
        ).one()
        refresh_derived(s, s.scalars(select(Incident.id)))
    return incident_id


@pytest.fixture
def fresh(settings: Settings, database: Database) -> Iterator[TestClient]:
    """The same app with no page cache: every page rendered from the database."""
    with TestClient(create_app(replace(settings, page_cache=False), database)) as test_client:
        yield test_client


def _pages(incident_id: int) -> list[tuple[str, dict[str, str]]]:
    partial = {"HX-Request": "true"}
    return [
        ("/", {}),
        ("/incidents", {}),
        (LIST, {}),
        (LIST, partial),
        ("/incidents?status=denied", partial),
        (f"/incidents/{incident_id}", {}),
        ("/actors", {}),
        ("/sectors", {}),
        ("/places?q=spin", {}),
    ]


def _write(database: Database, change: Callable[[Session], object]) -> None:
    with database.write() as s:
        change(s)


def _claim(s: Session, incident_id: int) -> Claim:
    return s.scalars(select(Claim).where(Claim.incident_id == incident_id)).first()  # type: ignore[return-value]


def _new_incident(s: Session, incident_id: int) -> None:
    like = s.get(Incident, incident_id)
    assert like is not None
    new = f.make_incident(s, title="New clash", sector=like.sector, date_start=date(2025, 6, 1))
    f.link_actor(s, new, s.scalars(select(Actor).where(Actor.slug == "afghan-taliban")).one())


def _sql(statement: str) -> Callable[[Session, int], object]:
    """A write as plain SQL, as a script or another program would make it."""
    return lambda s, incident_id: s.execute(text(statement), {"i": incident_id})


WRITES: dict[str, Callable[[Session, int], object]] = {
    "new incident": _new_incident,
    "claim status changed": lambda s, i: setattr(_claim(s, i), "status", "retracted"),
    "claim deleted": lambda s, i: s.delete(_claim(s, i)),
    "incident archived": _sql("UPDATE incidents SET review_state = 'archived' WHERE id = :i"),
    "actor renamed": _sql("UPDATE actors SET name = 'Renamed' WHERE slug = 'afghan-taliban'"),
    "source retitled": _sql("UPDATE sources SET title = 'Retitled'"),
    "incident purged": _sql("DELETE FROM incidents WHERE id = :i"),
    "figures changed": _sql("UPDATE casualty_figures SET low = low + 100, high = NULL"),
    "place renamed": _sql("UPDATE places SET name = 'Renamed place' WHERE slug = 'spin-boldak'"),
}


@pytest.mark.parametrize("kind", list(WRITES))
def test_cached_pages_equal_fresh_ones_after_a_write(
    kind: str, client: TestClient, fresh: TestClient, database: Database, world: int
) -> None:
    before = {}
    for url, headers in _pages(world):
        first = client.get(url, headers=headers)
        assert first.status_code == 200
        before[(url, headers.get("HX-Request"))] = first.text
        # The second read comes from the cache, and equals a fresh render.
        assert client.get(url, headers=headers).text == fresh.get(url, headers=headers).text
    assert client.app.state.page_cache.hits >= len(before)  # type: ignore[attr-defined]

    _write(database, lambda s: WRITES[kind](s, world))

    changed = 0
    for url, headers in _pages(world):
        cached, rendered = client.get(url, headers=headers), fresh.get(url, headers=headers)
        assert (cached.status_code, cached.text) == (rendered.status_code, rendered.text), url
        changed += cached.text != before[(url, headers.get("HX-Request"))]
    assert changed, f"{kind} changed no page, so the test shows nothing"


def _write_through_the_driver(database: Database) -> None:
    """A write by another program: the DBAPI connection alone, none of the app's sessions."""
    connection = database.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("UPDATE incidents SET title = 'Renamed elsewhere'")
        cursor.close()
        connection.commit()
    finally:
        connection.close()


def test_writes_from_outside_the_app_and_bulk_loads_are_seen(
    client: TestClient, fresh: TestClient, database: Database, world: int
) -> None:
    pages: list[tuple[str, dict[str, str]]] = [("/incidents", {}), ("/incidents?q=Chaman", {})]
    writes: list[tuple[str, Callable[[], object]]] = [
        (
            "import",
            lambda: _write(
                database,
                lambda s: import_events(s, READERS["acled"](FIXTURES / "acled_current.csv", ",")),
            ),
        ),
        ("synth", lambda: synthesize(database, 30, seed=4)),
        ("another program", lambda: _write_through_the_driver(database)),
    ]
    for label, write in writes:
        before = [client.get(u, headers=h).text for u, h in pages]
        write()
        after = [client.get(u, headers=h).text for u, h in pages]
        assert after == [fresh.get(u, headers=h).text for u, h in pages], label
        assert after != before, label


def test_anonymous_pages_set_no_cookie_and_editors_pages_are_never_shared(
    client: TestClient, database: Database, world: int
) -> None:
    anonymous = client.get(LIST)
    assert "set-cookie" not in anonymous.headers
    assert "no-store" not in anonymous.headers.get("cache-control", "")
    assert "X-CSRF-Token" not in anonymous.text

    make_user(database, "ed@example.org")
    editor = TestClient(client.app)
    sign_in(editor, "ed@example.org")
    page = editor.get(f"/incidents/{world}")
    assert "ed@example.org" in page.text and "X-CSRF-Token" in page.text
    # The editor's page was not stored for readers, nor a reader's page served to the editor.
    assert "ed@example.org" not in client.get(f"/incidents/{world}").text
    assert "ed@example.org" in editor.get(LIST).text


def test_a_page_and_its_partial_are_kept_apart(client: TestClient, world: int) -> None:
    page = client.get(LIST).text
    partial = client.get(LIST, headers={"HX-Request": "true"})
    assert "<html" in page and "<html" not in partial.text
    assert partial.headers["HX-Push-Url"].startswith("/incidents?")
    again = client.get(LIST, headers={"HX-Request": "true"})
    assert (
        again.text == partial.text
        and again.headers["HX-Push-Url"] == partial.headers["HX-Push-Url"]
    )


def test_errors_are_not_cached(client: TestClient, world: int) -> None:
    assert client.get("/incidents?from=never").status_code == 422
    assert client.get("/incidents/999999").status_code == 404
    assert len(client.app.state.page_cache) == 0  # type: ignore[attr-defined]


def test_sources_are_seen_on_the_incident_page(
    client: TestClient, fresh: TestClient, database: Database, world: int
) -> None:
    url = f"/incidents/{world}"
    client.get(url)
    with database.write() as s:
        for source in s.scalars(select(Source)):
            source.outlet = "Outlet renamed"
    assert "Outlet renamed" in client.get(url).text


def test_a_page_that_printed_a_browsers_token_is_not_kept(
    settings: Settings, database: Database
) -> None:
    app = create_app(settings, database)

    def probe(request: Request, session: SessionDep) -> Response:
        def render() -> Response:
            return HTMLResponse(f"<p>{request.state.csrf_token()}</p>")

        return cached_page(request, session, None, render)

    app.add_api_route("/probe", probe)
    with TestClient(app) as first, TestClient(app) as second:
        mine, theirs = first.get("/probe").text, second.get("/probe").text
    assert mine != theirs
    assert len(app.state.page_cache) == 0
