"""The list page over HTTP: bad parameters, htmx fragments, headers; the incident page's sharing
metadata; the actor, sector and place pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import func, select

from app.db import Database
from app.models import Actor, Claim, Incident
from app.services.demo import load_demo
from tests.dom import attr, first


@pytest.fixture
def demo(database: Database) -> None:
    with database.write() as s:
        load_demo(s)


def _spin_boldak_id(database: Database) -> int:
    with database.read() as s:
        found = s.scalar(select(Incident.id).where(Incident.title.contains("Spin Boldak")))
    assert found is not None
    return found


BAD_QUERIES = {
    "from=notadate": "from",
    "status=unknown": "status",
    "page=-1": "page",
    "sort=sideways": "sort",
    "type=%3Cscript%3E": "type",
    "q=" + "x" * 10_240: "q",
    "&".join(f"actor=a{n}" for n in range(1000)): "actor",
    "from=2025-10-20&to=2025-10-01": "to",
}


@pytest.mark.parametrize("query", list(BAD_QUERIES), ids=list(BAD_QUERIES.values()))
def test_bad_parameters_say_which_one_is_wrong(client: TestClient, demo: None, query: str) -> None:
    response = client.get(f"/incidents?{query}")
    assert response.status_code == 422
    tree = HTMLParser(response.text)
    problems = [n.text() for n in tree.css(".problems li code")]
    assert BAD_QUERIES[query] in problems
    assert tree.css_first("form#filters") is not None  # the reader can correct it
    assert not tree.css("table.incidents")


def test_the_same_parameter_a_thousand_times_is_fine(client: TestClient, demo: None) -> None:
    response = client.get("/incidents?" + "&".join(["status=denied"] * 1000))
    assert response.status_code == 200
    assert first(HTMLParser(response.text), ".result-count").text().startswith("1 incident ")


def test_unknown_values_are_ignored_with_a_visible_notice(client: TestClient, demo: None) -> None:
    response = client.get("/incidents?actor=nobody-at-all&sector=atlantis")
    assert response.status_code == 200
    notices = first(HTMLParser(response.text), ".notices").text()
    assert "nobody-at-all" in notices and "atlantis" in notices


def test_hostile_text_is_escaped_everywhere(client: TestClient, demo: None) -> None:
    payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    for url in (
        f"/incidents?q={quote(payload)}",
        f"/incidents?actor={quote(payload)}",
        f"/incidents?from={quote(payload)}",
        f"/actors/suggest?actor={quote(payload)}",
    ):
        response = client.get(url)
        assert response.status_code in (200, 422), url
        tree = HTMLParser(response.text)
        assert all(script.attributes.get("src") for script in tree.css("script")), url
        assert not tree.css("img"), url
        handlers = [a for n in tree.css("*") for a in n.attributes if a.lower().startswith("on")]
        assert handlers == [], url


def test_htmx_gets_the_fragment_and_the_canonical_url(client: TestClient, demo: None) -> None:
    url = "/incidents?q=&from=&status=disputed&actor=TTP"
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    root = HTMLParser(response.text).css_first("#browse")
    assert root is not None and root.css_first("form#filters") is not None
    assert response.headers["HX-Push-Url"] == "/incidents?actor=ttp&status=disputed"


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_requests_get_the_whole_page(
    client: TestClient, demo: None, header: str
) -> None:
    response = client.get(
        "/incidents?status=denied", headers={"HX-Request": "true", header: "true"}
    )
    assert "<html" in response.text and "HX-Push-Url" not in response.headers


def test_a_bad_htmx_request_gets_the_fragment_with_422(client: TestClient, demo: None) -> None:
    response = client.get("/incidents?from=nope", headers={"HX-Request": "true"})
    assert response.status_code == 422 and "<html" not in response.text
    assert "HX-Push-Url" not in response.headers


def test_filters_work_without_javascript(client: TestClient, demo: None) -> None:
    tree = HTMLParser(client.get("/incidents?status=denied").text)
    form = first(tree, "form#filters")
    assert form.attributes["method"] == "get" and form.attributes["action"] == "/incidents"
    names = {n.attributes.get("name") for n in form.css("input, select")}
    assert {"q", "from", "to", "actor", "status", "sector", "type", "country", "sort"} <= names
    assert form.css_first("button[type=submit]") is not None
    checked = [n.attributes["value"] for n in form.css("input[name=status][checked]")]
    assert checked == ["denied"]
    # Every label points at a control.
    ids = {n.attributes.get("id") for n in form.css("input, select")}
    assert all(label.attributes["for"] in ids for label in form.css("label"))
    # Removing a filter is a plain link.
    chip = first(tree, ".chips a")
    assert chip.attributes["href"] == "/incidents"


@pytest.mark.parametrize(
    "path",
    [
        "/incidents",
        "/incidents/{id}",
        "/incidents/0",
        "/healthz",
        "/static/css/app.css",
        "/actors/ttp",
        "/incidents?page=-1",
    ],
)
def test_every_response_varies_on_htmx_and_carries_security_headers(
    client: TestClient, demo: None, database: Database, path: str
) -> None:
    response = client.get(path.format(id=_spin_boldak_id(database)))
    assert "hx-request" in response.headers["vary"].lower()
    csp = response.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]


def test_no_page_has_an_inline_script(client: TestClient, demo: None, database: Database) -> None:
    for path in ("/incidents", f"/incidents/{_spin_boldak_id(database)}", "/actors/ttp"):
        tree = HTMLParser(client.get(path).text)
        assert all(s.attributes.get("src") for s in tree.css("script"))
        assert not [
            n for n in tree.css("*") if any(a.startswith(("on", "hx-on")) for a in n.attributes)
        ]


def test_incident_page_is_ready_to_share(
    client: TestClient, demo: None, database: Database
) -> None:
    incident_id = _spin_boldak_id(database)
    tree = HTMLParser(client.get(f"/incidents/{incident_id}").text)

    def meta(key: str) -> str:
        node = tree.css_first(f'meta[property="{key}"]') or tree.css_first(f'meta[name="{key}"]')
        assert node is not None, key
        return node.attributes["content"] or ""

    canonical = attr(first(tree, "link[rel=canonical]"), "href")
    assert meta("og:url") == canonical
    assert meta("og:title") == "Clashes at Spin Boldak and Chaman"
    description = meta("og:description")
    assert "Killed: Afghan Taliban authorities 2 to 20" in description
    assert "Wounded:" in description and "by claimant" in description
    assert meta("twitter:card") == "summary" and meta("twitter:description") == description
    button = first(tree, "button.copy-link")
    assert button.attributes["data-copy"] == canonical
    citation = first(tree, ".citation").text()
    # A citation gives the version it cites: the incident may change after.
    assert f"Incident {incident_id}, version 1" in citation
    assert canonical.replace("/clashes-at-spin-boldak-and-chaman", "/v/1") in citation


def test_incident_page_sequence_shows_what_answers_what(
    client: TestClient, demo: None, database: Database
) -> None:
    tree = HTMLParser(client.get(f"/incidents/{_spin_boldak_id(database)}").text)
    items = tree.css("ol.sequence > li")
    with database.read() as s:
        count = s.scalar(
            select(func.count())
            .select_from(Claim)
            .join(Incident)
            .where(Incident.title.contains("Spin Boldak"))
        )
    assert len(items) == count
    dates = [attr(t, "datetime") for t in tree.css("ol.sequence > li > a > time")]
    assert dates == sorted(dates)
    answers = [li for li in items if li.css_first(".responds")]
    assert answers and all(
        attr(first(a, ".responds a"), "href").startswith("#claim-") for a in answers
    )


def test_matrix_spread_and_assessment_apart(
    client: TestClient, demo: None, database: Database
) -> None:
    tree = HTMLParser(client.get(f"/incidents/{_spin_boldak_id(database)}").text)
    rows = {
        first(r, "th").text(strip=True): first(r, "td.spread").text()
        for r in tree.css("table.matrix tbody tr")
    }
    assert rows["Civilians (Afghanistan)killed"] == "2 to 15"
    assert rows["Civilians (Afghanistan)wounded"] == "80 to 100+"
    assert tree.css_first("section.assessment") is not None


def test_actor_page_counts_how_its_claims_fared(
    client: TestClient, demo: None, database: Database
) -> None:
    response = client.get("/actors/pakistan-army")
    assert response.status_code == 200
    tree = HTMLParser(response.text)
    shown = {
        first(li, ".status").text(): int(first(li, "strong").text()) for li in tree.css(".fared li")
    }
    with database.read() as s:
        army = s.scalar(select(Actor.id).where(Actor.slug == "pakistan-army"))
        expected = dict(
            s.execute(
                select(Claim.status, func.count())
                .where(Claim.claimant_actor_id == army)
                .group_by(Claim.status)
            ).all()
        )
    assert {k: v for k, v in shown.items() if v} == expected
    assert len(tree.css(".claim-list li")) == sum(expected.values())
    assert tree.css_first('a[href="/incidents?actor=pakistan-army"]') is not None


@pytest.mark.parametrize(
    ("path", "title"),
    [("/sectors/chaman-spin-boldak", "Chaman–Spin Boldak"), ("/places/spin-boldak", "Spin Boldak")],
)
def test_sector_and_place_pages(client: TestClient, demo: None, path: str, title: str) -> None:
    tree = HTMLParser(client.get(path).text)
    assert first(tree, "h1").text() == title
    links = [a.text() for a in tree.css("table.incidents td a")]
    assert "Clashes at Spin Boldak and Chaman" in links
    assert sum(int(n.text()) for n in tree.css(".fared strong")) >= 24


@pytest.mark.parametrize("path", ["/actors/nobody", "/sectors/nowhere", "/places/x%C2%B2"])
def test_unknown_records_are_404(client: TestClient, demo: None, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/places/%00", "/incidents?q=a%00b", "/incidents?actor=%00", "/actors/suggest?actor=%00"],
)
def test_nul_bytes_are_a_clear_400(client: TestClient, demo: None, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400 and "NUL" in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_actor_autocomplete_matches_names_and_aliases(client: TestClient, demo: None) -> None:
    options = HTMLParser(client.get("/actors/suggest?actor=fitna").text).css("option")
    assert [(o.attributes["value"], o.text()) for o in options] == [
        ("Fitna al-Khawarij", "Fitna al-Khawarij: Tehreek-e-Taliban Pakistan")
    ]
    options = HTMLParser(client.get("/actors/suggest?actor=%25").text).css("option")
    assert options == []  # % is a character here, not a wildcard


def test_filter_chips_name_what_the_link_holds_as_slugs_and_codes(
    client: TestClient, demo: None
) -> None:
    url = (
        "/incidents?actor=pakistan-army&sector=chaman-spin-boldak&country=AFG&type=battles&q=border"
    )
    tree = HTMLParser(client.get(url).text)
    chips = [a.text(strip=True).removesuffix("×").strip() for a in tree.css(".chips a")]
    assert sorted(chips) == [
        "Actor: Pakistan Army",
        "Country side: Afghanistan",
        "Event type: Battles",
        "Sector: Chaman–Spin Boldak",
        "Text: border",
    ]
    labels = {a.attributes["aria-label"] for a in tree.css(".chips a")}
    assert "Remove filter Actor: Pakistan Army" in labels


def test_a_page_past_the_last_says_so_in_good_english(client: TestClient, demo: None) -> None:
    tree = HTMLParser(client.get("/incidents?page=50").text)
    notices = " ".join(li.text() for li in tree.css(".notices li"))
    assert "there is only 1 page;" in notices


def test_the_map_key_is_shown_only_with_the_map(client: TestClient, demo: None) -> None:
    """The map is drawn by script: without it the key to its colours explains nothing."""
    for path in ("/", "/incidents"):
        tree = HTMLParser(client.get(path).text)
        caption = first(tree, "#map-note")
        keys = caption.css(".key")
        assert keys, path
        assert all(
            any("js-only" in (parent.attributes.get("class") or "") for parent in _ancestors(k))
            for k in keys
        ), path


def _ancestors(node: Any) -> list[Any]:
    found = []
    while node.parent is not None:
        node = node.parent
        found.append(node)
    return found
