"""Citable versions: /incidents/{id}/v/{n} shows version n as it was, the citation points at
it, and restoring a version brings its claims back under their old numbers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from app.db import Database
from app.models import Claim
from app.models.vocab import ReviewState
from app.services.editing import (
    delete_claim,
    incident_history,
    restore_incident,
    save_claim,
    set_review_state,
    update_incident,
)
from tests.dom import attr, first
from tests.services.test_editing import claim_input, incident_input
from tests.services.test_editing import incident_id as incident_id


@dataclass
class Story:
    """An incident told in versions: 1 created (a draft), 2 the army's claim, 3 the Taliban's
    denial, 4 published, 5 retitled, 6 the denial withdrawn."""

    incident_id: int
    army_claim: int
    denial: int


@pytest.fixture
def story(database: Database, incident_id: int) -> Story:
    with database.write() as s:
        army = save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None).id
    with database.write() as s:
        denial_form = claim_input(
            claimant="afghan-taliban", kind="denial", status="disputed", responds_to=str(army),
            statement="No fighters were killed; the dead were civilians.",
        )  # fmt: skip
        denial = save_claim(s, incident_id, None, denial_form, expected_version=2, user=None).id
    with database.write() as s:
        set_review_state(s, incident_id, ReviewState.PUBLISHED, expected_version=3, user=None)
    with database.write() as s:
        update_incident(
            s, incident_id, incident_input(title="Clash renamed"), expected_version=4, user=None
        )
    with database.write() as s:
        delete_claim(s, incident_id, denial, expected_version=5, user=None)
    return Story(incident_id, army, denial)


def _page(client: TestClient, path: str) -> HTMLParser:
    response = client.get(path)
    assert response.status_code == 200, path
    return HTMLParser(response.text)


def _claim_anchors(tree: HTMLParser) -> set[str]:
    ids = (attr(n, "id") for n in tree.css("[id^=claim-]"))
    return {i for i in ids if i[6:].isdigit()}


def test_a_past_version_reads_as_it_was(client: TestClient, story: Story) -> None:
    base = f"/incidents/{story.incident_id}"
    then = _page(client, f"{base}/v/4")
    assert first(then, "h1").text() != "Clash renamed"
    assert f"claim-{story.denial}" in _claim_anchors(then), "the withdrawn denial, as it was"
    assert "No fighters were killed" in first(then, "body").text()
    banner = first(then, ".version-banner")
    assert "Version 4 of this incident" in banner.text()
    assert first(banner, "a").attributes["href"] == base
    assert "current version (6)" in banner.text()
    canonical = attr(first(then, "link[rel=canonical]"), "href")
    assert canonical.endswith(f"{base}/v/4")
    assert then.css_first(".editor-bar") is None

    now = _page(client, base)
    assert first(now, "h1").text() == "Clash renamed"
    assert f"claim-{story.denial}" not in _claim_anchors(now)
    citation = first(now, ".citation").text()
    assert f"{base}/v/6" in citation and "version 6" in citation
    latest = _page(client, f"{base}/v/6")
    assert "This is the current version" in first(latest, ".version-banner").text()


def test_versions_a_reader_may_not_see_are_not_there(client: TestClient, story: Story) -> None:
    base = f"/incidents/{story.incident_id}"
    # Versions 1 to 3 were drafts: never public.
    for path in (f"{base}/v/3", f"{base}/v/7", f"{base}/v/0", f"{base}/v/x", "/incidents/999/v/1"):
        assert client.get(path).status_code == 404, path


def test_restore_brings_claims_back_under_their_numbers(
    client: TestClient, database: Database, story: Story
) -> None:
    with database.read() as s:
        published = next(
            c for c in incident_history(s, story.incident_id) if c.after and c.after["version"] == 4
        )
    with database.write() as s:
        restore_incident(s, story.incident_id, published.id, expected_version=6, user=None)
    with database.read() as s:
        claims = {
            c.id: c for c in s.scalars(select(Claim).where(Claim.incident_id == story.incident_id))
        }
    assert set(claims) == {story.army_claim, story.denial}
    assert claims[story.denial].responds_to_id == story.army_claim
    page = _page(client, f"/incidents/{story.incident_id}")
    assert {f"claim-{story.army_claim}", f"claim-{story.denial}"} <= _claim_anchors(page)
    claims_in_api = client.get(f"/api/v1/incidents/{story.incident_id}").json()["claims"]
    assert {c["claim_id"] for c in claims_in_api} == {story.army_claim, story.denial}
