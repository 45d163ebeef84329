"""Editors' forms over HTTP: create, validate, conflict, claims inline, review, history, restore."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from app.config import Settings
from app.db import Database
from app.main import create_app
from app.models import Incident
from tests.dom import attr, first
from tests.web.signin import csrf_from, make_user, sign_in

INCIDENT = {
    "title": "Clash at the crossing",
    "summary": "Exchange of fire near the gate.",
    "date_start": "2025-10-15",
    "date_precision": "day",
    "place": "Chamman",
    "geo_precision": "1",
    "country": "PAK",
    "event_type": "battles",
    "sub_event_type": "armed-clash",
    "actor_1": "Frontier Corps",
    "role_1": "side_a",
    "actor_2": "Taliban",
    "role_2": "side_b",
}
CLAIM = {
    "claimant": "Frontier Corps",
    "spokesperson_role": "ISPR",
    "claimed_on": "2025-10-15",
    "kind": "casualties",
    "statement": "Twenty attackers were killed.",
    "status": "disputed",
    "figure_party_1": "combatants",
    "figure_actor_1": "Taliban",
    "figure_outcome_1": "killed",
    "figure_low_1": "20",
    "figure_high_1": "20",
    "source_1_url": "https://news.example/report",
    "source_1_outlet": "News Example",
    "source_1_reliability": "C",
}


@pytest.fixture
def editor(client: TestClient, database: Database, reference: None) -> TestClient:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    return client


def post_form(
    client: TestClient, path: str, form_page: str, data: dict[str, str]
) -> httpx.Response:
    page = client.get(form_page)
    token = csrf_from(page.text)
    version = HTMLParser(page.text).css_first("input[name=version]")
    fields = {"csrf_token": token, **data}
    if version is not None and "version" not in data:
        fields["version"] = version.attributes["value"] or ""
    return client.post(path, data=fields, follow_redirects=False)


def create(editor: TestClient, **changes: str) -> int:
    response = post_form(editor, "/incidents", "/incidents/new", {**INCIDENT, **changes})
    assert response.status_code == 303, response.text[:500]
    match = re.match(r"/incidents/(\d+)/", response.headers["location"])
    assert match
    return int(match.group(1))


def test_create_makes_a_draft_only_editors_see(
    editor: TestClient, settings: Settings, database: Database
) -> None:
    incident_id = create(editor)
    page = editor.get(f"/incidents/{incident_id}")
    assert page.status_code == 200
    tree = HTMLParser(page.text)
    assert first(tree, ".editor-bar .state").text() == "draft"
    assert "Chaman" in first(tree, ".facts").text()  # the alias found the place
    with TestClient(create_app(settings, database)) as reader:
        assert reader.get(f"/incidents/{incident_id}").status_code == 404
        assert "Clash at the crossing" not in reader.get("/incidents").text


def test_invalid_form_is_422_with_messages_beside_fields_and_values_kept(
    editor: TestClient,
) -> None:
    response = post_form(
        editor,
        "/incidents",
        "/incidents/new",
        {**INCIDENT, "title": "", "date_start": "yesterday", "place": "Atlantis <b>x</b>"},
    )
    assert response.status_code == 422
    tree = HTMLParser(response.text)
    assert tree.css_first("#title-error") is not None
    assert tree.css_first("#date_start-error") is not None
    assert first(tree, "#date_start").attributes["value"] == "yesterday"
    assert first(tree, "#summary").text() == INCIDENT["summary"]
    # The unknown place is reported by the service after the form itself was fine.
    fixed = post_form(
        editor, "/incidents", "/incidents/new", {**INCIDENT, "place": "Atlantis <b>x</b>"}
    )
    assert fixed.status_code == 422
    assert "No place is called" in first(HTMLParser(fixed.text), "#place-error").text()
    assert first(HTMLParser(fixed.text), "#place").attributes["value"] == "Atlantis <b>x</b>"


def test_two_editors_save_from_the_same_version(
    editor: TestClient, settings: Settings, database: Database
) -> None:
    incident_id = create(editor)
    make_user(database, "other@example.org")
    with TestClient(create_app(settings, database)) as other:
        sign_in(other, "other@example.org")
        # Both open the edit form at version 1.
        mine = editor.get(f"/incidents/{incident_id}/edit")
        theirs = other.get(f"/incidents/{incident_id}/edit")
        first_save = other.post(
            f"/incidents/{incident_id}",
            data={
                **INCIDENT,
                "title": "Their title",
                "version": "1",
                "csrf_token": csrf_from(theirs.text),
            },
            follow_redirects=False,
        )
        assert first_save.status_code == 303
    second = editor.post(
        f"/incidents/{incident_id}",
        data={
            **INCIDENT,
            "title": "My title",
            "notes": "my careful notes",
            "version": "1",
            "csrf_token": csrf_from(mine.text),
        },
    )
    assert second.status_code == 409
    tree = HTMLParser(second.text)
    # Nothing lost: my values are in the form, and what they saved is shown.
    assert first(tree, "#title").attributes["value"] == "My title"
    assert first(tree, "#notes").text() == "my careful notes"
    assert "Their title" in first(tree, ".conflict").text()
    assert first(tree, "input[name=version]").attributes["value"] == "2"
    with database.read() as s:
        assert s.get_one(Incident, incident_id).title == "Their title"
    # Saving again from the conflict page is a deliberate choice, and it works.
    again = editor.post(
        f"/incidents/{incident_id}",
        data={
            **INCIDENT,
            "title": "My title",
            "version": "2",
            "csrf_token": csrf_from(second.text),
        },
        follow_redirects=False,
    )
    assert again.status_code == 303


def test_claims_are_added_inline_and_publishing_needs_a_sourced_claim(editor: TestClient) -> None:
    incident_id = create(editor)
    bar = HTMLParser(editor.get(f"/incidents/{incident_id}").text)
    publish_version = attr(first(bar, "form[action$='/publish'] input[name=version]"), "value")
    token = csrf_from(editor.get(f"/incidents/{incident_id}").text)
    refused = editor.post(
        f"/incidents/{incident_id}/publish", data={"csrf_token": token, "version": publish_version}
    )
    assert refused.status_code == 422 and "at least one claim with a source" in refused.text

    form = editor.get(f"/incidents/{incident_id}/claims/new", headers={"HX-Request": "true"})
    assert "<html" not in form.text and HTMLParser(form.text).css_first("#claim-editor form")
    response = editor.post(
        f"/incidents/{incident_id}/claims",
        data={**CLAIM, "csrf_token": csrf_from(form.text), "version": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert re.match(rf"/incidents/{incident_id}/.+#claim-\d+", response.headers["HX-Location"])

    bad = editor.post(
        f"/incidents/{incident_id}/claims",
        data={**CLAIM, "figure_high_1": "5", "csrf_token": csrf_from(form.text), "version": "2"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "<html" not in bad.text
    assert HTMLParser(bad.text).css_first("#figure_high_1-error") is not None

    page = editor.get(f"/incidents/{incident_id}")
    version = attr(
        first(HTMLParser(page.text), "form[action$='/publish'] input[name=version]"), "value"
    )
    published = editor.post(
        f"/incidents/{incident_id}/publish",
        data={"csrf_token": csrf_from(page.text), "version": version},
        follow_redirects=False,
    )
    assert published.status_code == 303


def test_history_shows_differences_and_restores(editor: TestClient, database: Database) -> None:
    incident_id = create(editor)
    form = editor.get(f"/incidents/{incident_id}/edit")
    renamed = editor.post(
        f"/incidents/{incident_id}",
        data={**INCIDENT, "title": "Renamed", "version": "1", "csrf_token": csrf_from(form.text)},
        follow_redirects=False,
    )
    assert renamed.status_code == 303, renamed.text[:1000]
    history = editor.get(f"/incidents/{incident_id}/history")
    tree = HTMLParser(history.text)
    rows = {
        first(r, "th").text(): (r.css("td")[0].text(), r.css("td")[1].text())
        for r in first(tree, ".history-entry").css("table.diff tbody tr")
    }
    assert rows["Title"] == ("Clash at the crossing", "Renamed")
    restore = tree.css_first("form[action*='/restore']")
    assert restore is not None
    response = editor.post(
        restore.attributes["action"],
        data={"csrf_token": csrf_from(history.text), "version": "2"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with database.read() as s:
        incident = s.get(Incident, incident_id)
        assert (
            incident is not None
            and incident.title == "Clash at the crossing"
            and incident.version == 3
        )
    actions = [
        h.text()
        for h in HTMLParser(editor.get(f"/incidents/{incident_id}/history").text).css(
            ".history-entry h2"
        )
    ]
    assert actions[0].startswith("Restore")


def test_archive_and_admin_purge(
    editor: TestClient, settings: Settings, database: Database
) -> None:
    incident_id = create(editor)
    page = editor.get(f"/incidents/{incident_id}")
    archived = editor.post(
        f"/incidents/{incident_id}/archive",
        data={"csrf_token": csrf_from(page.text), "version": "1"},
        follow_redirects=False,
    )
    assert archived.status_code == 303
    denied = editor.post(
        f"/incidents/{incident_id}/purge", data={"csrf_token": csrf_from(page.text)}
    )
    assert denied.status_code == 403
    make_user(database, "admin@example.org", role="admin")
    with TestClient(create_app(settings, database)) as admin:
        sign_in(admin, "admin@example.org")
        page = admin.get(f"/incidents/{incident_id}")
        assert HTMLParser(page.text).css_first("form[action$='/purge']") is not None
        purged = admin.post(
            f"/incidents/{incident_id}/purge",
            data={"csrf_token": csrf_from(page.text)},
            follow_redirects=False,
        )
        assert purged.status_code == 303
    with database.read() as s:
        assert s.scalar(select(Incident).where(Incident.id == incident_id)) is None


def test_sources_are_listed_and_edited(editor: TestClient) -> None:
    created = post_form(
        editor,
        "/sources",
        "/sources/new",
        {"url": "https://news.example/x", "outlet": "Example", "reliability": "B"},
    )
    assert created.status_code == 303
    listing = HTMLParser(editor.get("/sources").text)
    edit = attr(first(listing, "a[href$='/edit']"), "href")
    form = editor.get(edit)
    fields = {
        n.attributes["name"]: n.attributes.get("value") or ""
        for n in HTMLParser(form.text).css("form input")
    }
    stale = {**fields, "outlet": "Renamed"}
    assert (
        editor.post(edit.removesuffix("/edit"), data=stale, follow_redirects=False).status_code
        == 303
    )
    # The same form posted again is now stale: a conflict, not a silent overwrite.
    again = editor.post(edit.removesuffix("/edit"), data={**fields, "outlet": "Third"})
    assert again.status_code == 409
    duplicate = post_form(
        editor, "/sources", "/sources/new", {"url": "https://news.example/x", "outlet": "Dup"}
    )
    assert duplicate.status_code == 422


def test_a_claim_is_removed_inline_and_stays_in_the_history(
    editor: TestClient, database: Database
) -> None:
    incident_id = create(editor)
    form = editor.get(f"/incidents/{incident_id}/claims/new")
    added = editor.post(
        f"/incidents/{incident_id}/claims",
        data={**CLAIM, "csrf_token": csrf_from(form.text), "version": "1"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = editor.get(f"/incidents/{incident_id}")
    delete_form = first(HTMLParser(page.text), "form[action*='/delete']")
    action = attr(delete_form, "action")
    assert delete_form.attributes["hx-post"] == action
    removed = editor.post(
        action,
        data={"csrf_token": csrf_from(page.text), "version": "2"},
        headers={"HX-Request": "true"},
    )
    assert removed.status_code == 204 and removed.headers["HX-Location"].startswith(
        f"/incidents/{incident_id}/"
    )
    page = HTMLParser(editor.get(f"/incidents/{incident_id}").text)
    assert page.css("article.claim") == []
    history = HTMLParser(editor.get(f"/incidents/{incident_id}/history").text)
    assert "removed" in first(history, ".history-entry table.diff").text()


def test_a_conflict_on_a_claim_deleted_meanwhile_keeps_it_as_a_new_claim(
    editor: TestClient,
) -> None:
    incident_id = create(editor)
    form = editor.get(f"/incidents/{incident_id}/claims/new")
    editor.post(
        f"/incidents/{incident_id}/claims",
        data={**CLAIM, "csrf_token": csrf_from(form.text), "version": "1"},
    )
    page = editor.get(f"/incidents/{incident_id}")
    edit_link = attr(first(HTMLParser(page.text), "a[href$='/edit'][href*='/claims/']"), "href")
    opened = editor.get(edit_link)  # at version 2
    delete = attr(first(HTMLParser(page.text), "form[action*='/delete']"), "action")
    assert (
        editor.post(
            delete,
            data={"csrf_token": csrf_from(page.text), "version": "2"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    saved = editor.post(
        edit_link.removesuffix("/edit"),
        data={
            **CLAIM,
            "statement": "My revised wording",
            "csrf_token": csrf_from(opened.text),
            "version": "2",
        },
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 409 and "<html" not in saved.text
    tree = HTMLParser(saved.text)
    assert (
        first(tree, "#claim-editor form").attributes["action"] == f"/incidents/{incident_id}/claims"
    )
    assert first(tree, "#statement").text() == "My revised wording"
    assert first(tree, "#source_1_url").attributes["value"] == CLAIM["source_1_url"]


def test_the_type_follows_from_a_sub_type_chosen_alone(
    editor: TestClient, database: Database
) -> None:
    incident_id = create(editor, event_type="", sub_event_type="shelling-artillery-missile-attack")
    with database.read() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.event_type == "explosions-remote-violence"
    wrong = post_form(
        editor, "/incidents", "/incidents/new", {**INCIDENT, "sub_event_type": "peaceful-protest"}
    )
    assert wrong.status_code == 422
    problem = first(HTMLParser(wrong.text), "#sub_event_type-error").text()
    assert "Not a sub-type of Battles" in problem and "Armed clash" in problem


def test_the_country_side_follows_from_the_place(editor: TestClient, database: Database) -> None:
    incident_id = create(editor, country="", place="Spin Buldak")
    with database.read() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.country == "AFG"
    chosen = create(editor, country="PAK", place="Spin Buldak")  # the editor's choice stands
    with database.read() as s:
        assert s.get_one(Incident, chosen).country == "PAK"


def test_more_actor_rows_without_a_script_save_nothing(
    editor: TestClient, database: Database
) -> None:
    with database.read() as s:
        before = len(s.scalars(select(Incident.id)).all())
    page = post_form(
        editor, "/incidents", "/incidents/new", {**INCIDENT, "more_actor_rows": "1", "title": ""}
    )
    assert page.status_code == 200
    tree = HTMLParser(page.text)
    assert len(tree.css(".actor-row")) == 2 + 2 + 3, "the two filled, two blank, three added"
    assert first(tree, "#actor_1").attributes["value"] == "Frontier Corps"
    assert not tree.css(".field-error"), "nothing is checked until it is saved"
    with database.read() as s:
        assert len(s.scalars(select(Incident.id)).all()) == before


def test_a_refused_publication_says_what_is_missing_and_links_to_it(editor: TestClient) -> None:
    incident_id = create(editor)
    refused = post_form(
        editor, f"/incidents/{incident_id}/publish", f"/incidents/{incident_id}", {}
    )
    assert refused.status_code == 422
    tree = HTMLParser(refused.text)
    assert first(tree, "h1").text() == "Not published"
    assert "at least one claim with a source" in first(tree, ".lead").text()
    fix = attr(first(tree, "a.button"), "href")
    assert fix == f"/incidents/{incident_id}/claims/new"
    assert editor.get(fix).status_code == 200


def test_a_new_places_sector_is_chosen_from_the_list(editor: TestClient) -> None:
    tree = HTMLParser(editor.get("/incidents/new").text)
    options = [o.attributes["value"] for o in tree.css("select#new_place_sector option")]
    assert "" in options and "chaman-spin-boldak" in options
