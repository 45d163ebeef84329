from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import event, select

from app.db import Database
from app.models import Incident
from app.services.demo import load_demo
from tests import factories as f
from tests.dom import attr, first


@contextmanager
def count_queries(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", record)


def _texts(html: str, selector: str) -> list[str]:
    return [node.text(strip=True) for node in HTMLParser(html).css(selector)]


def test_list_shows_demo_incidents_newest_first(client: TestClient, database: Database) -> None:
    with database.write() as s:
        load_demo(s)
    response = client.get("/incidents")
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    dates = [attr(n, "datetime") for n in tree.css("table.incidents tbody time")]
    assert dates and dates == sorted(dates, reverse=True)
    rows = tree.css("table.incidents tbody tr")
    spin = next(r for r in rows if "Spin Boldak" in r.text())
    assert "Chaman–Spin Boldak" in spin.text()
    assert "Pakistan Army" in spin.text() and "Afghan Taliban authorities" in spin.text()
    assert "claims, contested" in first(spin, "td:last-child").text()
    assert "exact date" in spin.text()


def test_incident_page_sets_claims_side_by_side(client: TestClient, database: Database) -> None:
    with database.write() as s:
        load_demo(s)
    with database.read() as s:
        incident_id = s.scalar(select(Incident.id).where(Incident.title.contains("Spin Boldak")))
    response = client.get(f"/incidents/{incident_id}")
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    parties = _texts(response.text, ".claimant > h3")
    assert parties[:2] == ["Pakistan Army", "Afghan Taliban authorities"] or {
        "Pakistan Army",
        "Afghan Taliban authorities",
    } <= set(parties)
    assert len(tree.css("article.claim")) >= 4
    statuses = set(_texts(response.text, ".claim .status"))
    assert {"disputed", "denied"} <= statuses
    assert tree.css(".source-list li a[href^='https://']")
    assert tree.css_first(".responds a") is not None
    # The assessment stands apart from the claims.
    assert "Editors' assessment" in first(tree, "section.assessment h2").text()
    matrix_head = _texts(response.text, "table.matrix thead th")
    assert matrix_head[:2] == ["Whose losses", "Spread"]
    canonical = attr(first(tree, "link[rel=canonical]"), "href")
    assert canonical.endswith(f"/incidents/{incident_id}/clashes-at-spin-boldak-and-chaman")


def test_slug_after_the_id_is_decoration(client: TestClient, database: Database) -> None:
    with database.write() as s:
        incident = f.make_incident(s, title="A clash")
        incident_id = incident.id
    assert client.get(f"/incidents/{incident_id}/anything-at-all").status_code == 200


def test_unknown_and_draft_incidents_are_a_real_404_page(
    client: TestClient, database: Database
) -> None:
    with database.write() as s:
        draft_id = f.make_incident(s, review_state="draft").id
    odd_ids = ["999999", "abc", "-1", "0", "%C2%B2", "%D9%A1", "2147483648", "9" * 25]
    paths = [f"/incidents/{i}" for i in odd_ids] + [f"/incidents/{draft_id}", "/nowhere"]
    for path in paths:
        response = client.get(path, headers={"accept": "text/html"})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert first(HTMLParser(response.text), "h1").text() == "Not found"
    assert "draft" not in client.get("/incidents").text.lower().split("published")[0]


def test_drafts_are_not_listed(client: TestClient, database: Database) -> None:
    with database.write() as s:
        f.make_incident(s, title="Published one")
        f.make_incident(s, title="Secret draft", review_state="draft")
    titles = _texts(client.get("/incidents").text, "table.incidents tbody td a")
    assert "Published one" in titles and "Secret draft" not in titles


def test_pages_link_to_each_other(client: TestClient, database: Database) -> None:
    with database.write() as s:
        for day in range(1, 29):
            f.make_incident(s, date_start=__import__("datetime").date(2025, 2, day))
        for day in range(1, 29):
            f.make_incident(s, date_start=__import__("datetime").date(2025, 3, day))
    page_1 = HTMLParser(client.get("/incidents").text)
    assert len(page_1.css("table.incidents tbody tr")) == 50
    next_link = attr(first(page_1, "a[rel=next]"), "href")
    second = HTMLParser(client.get(next_link).text)
    assert len(second.css("table.incidents tbody tr")) == 6


def test_healthz_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("path", ["/incidents", "/incidents/1", "/api/v1/incidents"])
def test_pages_say_the_database_is_unavailable(path: str) -> None:
    from app.config import Settings
    from app.main import create_app

    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with TestClient(create_app(Settings(database_url=url))) as client:
        response = client.get(path)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "cannot be reached" in response.text


def test_healthz_reports_an_unreachable_database() -> None:
    from app.config import Settings
    from app.main import create_app

    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    with TestClient(create_app(Settings(database_url=url))) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
    # The driver's message names the host, port and user: none of it reaches the public.
    for secret in ("127.0.0.1", "nobody", "5432", ":1", "connection"):
        assert secret not in response.text


def _populate(database: Database, incidents: int, claims_each: int) -> int:
    with database.write() as s:
        actors = [f.make_actor(s) for _ in range(3)]
        source = f.make_source(s)
        last = None
        for _ in range(incidents):
            last = f.make_incident(s)
            for actor in actors:
                f.link_actor(s, last, actor)
            for n in range(claims_each):
                f.make_claim(
                    s,
                    incident=last,
                    claimant=actors[n % 3],
                    figures=[{"actor": actors[(n + 1) % 3], "low": n, "high": n + 2}],
                    sources=[source],
                )
        assert last is not None
        return last.id


LIST_URLS = ["/incidents", "/incidents?status=unverified&sort=-killed", "/incidents?q=clashes"]


def _queries_per_page(client: TestClient, database: Database, incident_id: int) -> list[int]:
    counts = []
    for url in [*LIST_URLS, f"/incidents/{incident_id}"]:
        with count_queries(database) as statements:
            assert client.get(url).status_code == 200, url
        counts.append(len(statements))
    return counts


def test_query_count_does_not_grow_with_rows(client: TestClient, database: Database) -> None:
    client.get("/incidents")  # the first page of a worker also reads the site's signing key
    few = _queries_per_page(client, database, _populate(database, incidents=1, claims_each=1))
    many = _queries_per_page(client, database, _populate(database, incidents=60, claims_each=6))
    assert few == many
    # The list page: the rows, the total, a query per facet (eight: status, actor, sector,
    # province, district, type, country, reported by), the map and timeline tables.
    assert max(many) <= 18


def test_each_source_is_listed_once_and_claims_point_at_it(
    client: TestClient, database: Database
) -> None:
    with database.write() as s:
        load_demo(s)
    with database.read() as s:
        incident = s.scalars(select(Incident).where(Incident.title.contains("Spin Boldak"))).one()
        cited = {src.id: src.url for claim in incident.claims for src in claim.sources}
        per_claim = {claim.id: [src.url for src in claim.sources] for claim in incident.claims}
    tree = HTMLParser(client.get(f"/incidents/{incident.id}").text)
    listed = tree.css(".source-list > li")
    urls = [first(li, "a").attributes["href"] for li in listed if li.css_first("a")]
    assert len(listed) == len(cited) and len(urls) == len(set(urls)), "each source once"
    assert len(cited) < sum(len(u) for u in per_claim.values()), "the demo shares sources"
    numbered = {li.attributes["id"]: li for li in listed}
    for claim_id, claim_urls in per_claim.items():
        article = first(tree, f"#claim-{claim_id}")
        pointers = [attr(a, "href").lstrip("#") for a in article.css(".claim-sources a")]
        links = [numbered[p].css_first("a") for p in pointers]
        pointed = [a.attributes["href"] if a else None for a in links]
        assert pointed == [u if u.startswith("http") else None for u in claim_urls], claim_id
    # The grades are explained on the page, not only in tooltips.
    key = first(tree, ".grade-key").text()
    grades = {first(li, ".grade").text() for li in listed}
    assert all(f"{g} " in key for g in grades)
    # A phone cannot hover: no title-only explanations of grades.
    assert not tree.css("abbr.grade[title]")
    # The figures table scrolls inside a region the keyboard can reach.
    region = first(tree, "table.matrix").parent
    assert region is not None
    assert region.attributes.get("tabindex") == "0" and region.attributes.get("role") == "region"
