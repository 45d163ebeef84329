"""The match queue, merging from the incident page, 301s for merged-away links, the
reported_by filter and the coverage view, over HTTP."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import httpx
import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from app.db import Database
from app.models import Incident, MatchProposal, Merge
from app.models.vocab import ProposalState
from app.services.merging import merge_incidents
from tests.dom import first
from tests.services.test_merging import load_demo_and_both
from tests.web.signin import csrf_from, make_user, sign_in


@pytest.fixture
def loaded(database: Database, reference: None) -> dict[str, int]:
    return load_demo_and_both(database)


@pytest.fixture
def editor(client: TestClient, database: Database, loaded: dict[str, int]) -> TestClient:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    return client


def post(
    client: TestClient, page: str, path: str, data: Mapping[str, str | Sequence[str]]
) -> httpx.Response:
    token = csrf_from(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_the_queue_is_for_editors_only(client: TestClient, loaded: dict[str, int]) -> None:
    response = client.get("/review/matches", follow_redirects=False)
    assert response.status_code in (303, 401, 403)


def test_the_queue_shows_groups_side_by_side_with_reasons(
    editor: TestClient, loaded: dict[str, int]
) -> None:
    page = HTMLParser(editor.get("/review/matches").text)
    groups = page.css("section.match-group")
    assert len(groups) == 6  # eight pairs: the Kurram day is one group of four records
    kurram = next(g for g in groups if len(g.css("table.match-records thead th")) == 5)
    kept = kurram.css_first("input[name=keep][checked]")
    assert kept is not None and kept.attributes["value"] == str(loaded["401002"])
    ticked = {n.attributes["value"] for n in kurram.css("input[name=other][checked]")}
    assert ticked == {str(loaded[i]) for i in ("PAK140001", "PAK140002", "PAK140003")}
    assert kurram.css_first("svg.match-sketch") is not None
    text = groups[0].text()
    assert "same day" in text and "tolls" in text


def test_filters_narrow_the_queue(editor: TestClient, loaded: dict[str, int]) -> None:
    def count(query: str) -> int:
        return len(HTMLParser(editor.get(f"/review/matches?{query}").text).css(".match-group"))

    assert count("min_score=0.9") < count("")
    assert count("sector=kurram-paktia-khost") == 1
    assert count("dataset=editors") == 0
    response = editor.get("/review/matches?min_score=lots&dataset=<b>")
    assert response.status_code == 200
    assert "is not a number" in response.text and "<b>" not in response.text


def test_merging_a_group_from_the_queue_and_the_301s_after(
    editor: TestClient, database: Database, loaded: dict[str, int]
) -> None:
    keep = loaded["401002"]
    others = [loaded[i] for i in ("PAK140001", "PAK140002", "PAK140003")]
    form = {"keep": str(keep), "other": [str(i) for i in others]}
    form["back"] = "/review/matches?min_score=0.1"
    shown = post(editor, "/review/matches", "/review/matches/merge", form)
    # First what would be done, and nothing done yet.
    assert shown.status_code == 200
    listed = HTMLParser(shown.text).css(".merge-list li")
    assert len(listed) == 3 and "km apart" in listed[0].text()
    assert editor.get(f"/incidents/{others[0]}", follow_redirects=False).status_code == 200
    response = post(editor, "/review/matches", "/review/matches/merge", {**form, "confirm": "1"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/review/matches?min_score=0.1&done=Merged")
    for gone in others:
        moved = editor.get(f"/incidents/{gone}/old-slug?x=1", follow_redirects=False)
        assert moved.status_code == 301
        assert "no-store" in moved.headers["cache-control"]  # an unmerge may end it
        assert moved.headers["location"] == f"/incidents/{keep}/old-slug?x=1"
        api = editor.get(f"/api/v1/incidents/{gone}", follow_redirects=False)
        assert (api.status_code, api.headers["location"]) == (301, f"/api/v1/incidents/{keep}")
    page = HTMLParser(editor.get(f"/incidents/{keep}").text)
    assert "ACLED (3 events), UCDP" in first(page, ".reported-by").text()
    assert len(page.css(".merge-list li")) == 3


def test_a_reader_is_redirected_too_and_the_merge_undoes_from_the_page(
    client: TestClient, database: Database, loaded: dict[str, int]
) -> None:
    keep, other = loaded["PAK71301"], loaded["401001"]
    with database.write() as session:
        merge_incidents(session, keep, other)
    assert client.get(f"/incidents/{other}", follow_redirects=False).status_code == 301
    assert client.get(f"/incidents/{other}").url.path == f"/incidents/{keep}"
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    with database.read() as session:
        merge = session.scalar(select(Merge))
    assert merge is not None
    response = post(client, f"/incidents/{keep}", f"/merges/{merge.id}/undo", {})
    assert response.status_code == 303
    assert client.get(f"/incidents/{other}", follow_redirects=False).status_code == 200


def test_merging_from_the_incident_page_says_what_went_wrong(
    editor: TestClient, loaded: dict[str, int]
) -> None:
    keep = loaded["PAK71301"]
    response = post(editor, f"/incidents/{keep}", f"/incidents/{keep}/merge", {"other": "#99999"})
    page = editor.get(response.headers["location"])
    assert "no incident 99999" in first(HTMLParser(page.text), ".merge-form").text()
    other = str(loaded["401001"])
    shown = post(editor, f"/incidents/{keep}", f"/incidents/{keep}/merge", {"other": other})
    assert shown.status_code == 200 and "1.5 km apart" in shown.text
    odd = {"other": other, "version": "²", "confirm": "1"}
    response = post(editor, f"/incidents/{keep}", f"/incidents/{keep}/merge", odd)
    assert response.status_code == 303
    assert editor.get(f"/incidents/{other}", follow_redirects=False).status_code == 301


def test_reject_is_remembered_through_the_queue(
    editor: TestClient, database: Database, loaded: dict[str, int]
) -> None:
    with database.read() as session:
        proposal = session.scalar(select(MatchProposal).order_by(MatchProposal.score.desc()))
    assert proposal is not None
    response = post(
        editor,
        "/review/matches",
        "/review/matches/decide",
        {"decision": "reject", "proposal": str(proposal.id)},
    )
    assert response.status_code == 303
    with database.read() as session:
        assert session.get_one(MatchProposal, proposal.id).state == ProposalState.REJECTED
    ids = re.findall(r'name="proposal" value="(\d+)"', editor.get("/review/matches").text)
    assert str(proposal.id) not in ids


def test_accept_all_above_a_score(
    editor: TestClient, database: Database, loaded: dict[str, int]
) -> None:
    form = {"score": "0.9", "back": "/review/matches?sector=chaman-spin-boldak"}
    shown = post(editor, "/review/matches", "/review/matches/accept-above", form)
    # Only the groups the queue shows with its filters, and first as a list to confirm.
    assert shown.status_code == 200
    assert len(HTMLParser(shown.text).css(".match-group")) == 1
    confirmed = {**form, "confirm": "1"}
    response = post(editor, "/review/matches", "/review/matches/accept-above", confirmed)
    assert response.status_code == 303
    with database.read() as session:
        merged = [m.merged_id for m in session.scalars(select(Merge))]
    assert merged in ([loaded["401006"]], [loaded["PAK140040"]])
    everything = {"score": "0.9", "confirm": "1"}
    post(editor, "/review/matches", "/review/matches/accept-above", everything)
    with database.read() as session:
        merged = [m.merged_id for m in session.scalars(select(Merge))]
        high = session.scalars(select(MatchProposal).where(MatchProposal.score >= 0.9)).all()
    assert len(merged) == len(high)
    for score in ("2", "0", "-0", "0.3"):
        bad = post(editor, "/review/matches", "/review/matches/accept-above", {"score": score})
        assert bad.status_code == 422, score
    assert "one at a time" in bad.text


def test_reported_by_filter_facet_and_coverage(
    client: TestClient, database: Database, loaded: dict[str, int]
) -> None:
    with database.write() as session:
        merge_incidents(session, loaded["PAK71301"], loaded["401001"])
        counts = {
            "all": session.query(Incident).filter(Incident.review_state == "published").count()
        }
    page = HTMLParser(client.get("/incidents").text)
    facet = {
        first(li, "input").attributes["value"]: int(first(li, ".count").text())
        for li in page.css("#facet-reported_by li")
    }
    assert facet == {"acled": 12, "ucdp": 9, "editors": counts["all"] - 20}
    listed = HTMLParser(client.get("/incidents?reported_by=ucdp&reported_by=editors").text)
    total = int(first(listed, ".result-count").text().split()[0])
    assert total == counts["all"] - 11
    assert client.get("/incidents?reported_by=nobody").status_code == 422
    coverage = HTMLParser(client.get("/incidents/coverage").text)
    cells = {
        first(row, "th").text(): int(row.css("td")[0].text())
        for row in coverage.css("table.coverage tbody tr")
    }
    assert cells == {
        "Only ACLED": 11,
        "Only UCDP": 8,
        "Both ACLED and UCDP": 1,
        "Neither: editors' own": counts["all"] - 20,
    }
    kurram = HTMLParser(client.get("/incidents/coverage?district=kurram").text)
    assert "Only ACLED" in kurram.text()


def test_choosing_another_survivor_without_script_swaps_it_with_the_proposed_one(
    editor: TestClient, database: Database, loaded: dict[str, int]
) -> None:
    acled, ucdp = loaded["PAK71301"], loaded["401001"]
    # The queue proposed keeping ACLED's record with UCDP's ticked; the editor chose UCDP's.
    form = {"keep": str(ucdp), "default_keep": str(acled), "other": str(ucdp), "confirm": "1"}
    response = post(editor, "/review/matches", "/review/matches/merge", form)
    assert response.status_code == 303
    with database.read() as session:
        merge = session.scalar(select(Merge))
    assert merge is not None and (merge.survivor_id, merge.merged_id) == (ucdp, acled)


def test_a_failed_merge_keeps_the_queue_usable(editor: TestClient, loaded: dict[str, int]) -> None:
    form = {"keep": "1", "back": "/review/matches?sector=kurram-paktia-khost"}
    response = post(editor, "/review/matches", "/review/matches/merge", form)
    assert response.status_code == 422
    page = HTMLParser(response.text)
    assert first(page, "form.match-filters").attributes["action"] == "/review/matches"
    assert len(page.css(".match-group")) == 1  # the filter the editor had is kept
