"""Whatever an editor's browser sends, the forms answer with a page, never a server error.

The fields fuzzed are the ones the forms render, read from the pages themselves, so a field
added, renamed or dropped in a template is fuzzed as it now is; and every field a form renders
must be one its parser reads (a field nobody reads loses what the editor typed in it). Each
post starts from the form as the page fills it in, with some fields changed to random values
and some left out. A refused post must say what is wrong beside a field the page has, keep
what was typed and save nothing at all; an accepted one must have saved what was typed. Posts
refused only after names are looked up (where work is already under way) are also made on
purpose, as random values seldom reach that far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode
from sqlalchemy import select

from app.db import Database
from app.models import Base, Source
from app.schemas.forms import FormData, parse_claim_form, parse_incident_form, parse_source_fields
from tests.web.signin import make_user, sign_in

TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=80)
VALUES = st.one_of(
    TEXT,
    st.sampled_from(["", "2025-10-15", "2025-02-30", "-1", "0", "99999999999999999999", "1e9",
                     "battles", "armed-clash", "disputed", "casualties", "PAK", "side_a",
                     "https://news.example/x", "javascript:alert(1)", "Frontier Corps"]),
)  # fmt: skip

# Posted by the test itself: a wrong token is refused before any form is read (tested apart).
NOT_FUZZED = {"csrf_token"}
# Fields the routes read themselves rather than the parsers: the incident's version (a stale
# one is a conflict) and the button that asks for more actor rows without a script.
READ_BY_ROUTES = {"version", "more_actor_rows"}
# Sign-in bookkeeping, which any request may touch; everything else must stay as it was.
NOT_COMPARED = {"user_sessions", "login_attempts"}
# Texts the forms store as typed (stripped): the edit form must show them again.
INCIDENT_TEXTS = ("title", "summary", "location", "assessment_note", "notes")
CLAIM_TEXTS = ("spokesperson", "spokesperson_role", "statement", "translation", "note")


@dataclass
class Form:
    """A form as its page renders it: where it posts, and each field with its filled-in value."""

    action: str
    values: dict[str, str]  # what a browser would send untouched (selects: the chosen option)
    buttons: set[str] = field(default_factory=set)  # named buttons, sent only when pressed
    text_boxes: set[str] = field(default_factory=set)  # what an editor types into
    # A select's options, or the suggestions of a box with a list: values the page offers.
    offered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def names(self) -> set[str]:
        return (set(self.values) | self.buttons) - NOT_FUZZED


def _value(control: LexborNode) -> str:
    if control.tag == "textarea":
        return control.text()
    if control.tag == "select":
        options = control.css("option")
        chosen = [o for o in options if "selected" in o.attributes] or options[:1]
        return (chosen[0].attributes.get("value") or "") if chosen else ""
    return control.attributes.get("value") or ""


def rendered_form(client: TestClient, page: str, action: str) -> Form:
    response = client.get(page)
    assert response.status_code == 200, page
    forms = HTMLParser(response.text).css(f'form[action="{action}"]')
    assert len(forms) == 1, f"{page} has no form posting to {action}"
    form = Form(action, {})
    for control in forms[0].css("input[name], select[name], textarea[name], button[name]"):
        name = control.attributes["name"] or ""
        if control.tag == "button":
            form.buttons.add(name)
            continue
        form.values[name] = _value(control)
        if control.tag != "select" and control.attributes.get("type") != "hidden":
            form.text_boxes.add(name)
        suggestions = control.attributes.get("list")
        options = control.css("option") if control.tag == "select" else []
        if suggestions:
            options = forms[0].css(f'datalist[id="{suggestions}"] option')
        if options:
            form.offered[name] = [o.attributes.get("value") or "" for o in options]
    return form


def _changes(data: st.DataObject, form: Form) -> dict[str, str]:
    """Some of the form's fields with new values: random ones, or others the page offers (so
    that more posts get past the parser to the checks that look names up)."""
    names = data.draw(st.sets(st.sampled_from(sorted(form.names)), max_size=8), label="changed")
    return {
        name: data.draw(
            st.one_of(VALUES, _one_of_offered(form.offered[name]))
            if form.offered.get(name)
            else VALUES,
            label=name,
        )
        for name in sorted(names)
    }


def _one_of_offered(offered: list[str]) -> st.SearchStrategy[str]:
    """One of the options a page offers, drawn the same way however many there are: the
    options grow as examples save (each saved claim can be responded to), and Hypothesis
    refuses a strategy whose shape changes between the runs it replays."""
    return st.integers(0, 999).map(lambda i: offered[i % len(offered)])


@dataclass
class ReadFields(FormData):
    """Form data that notes each field asked for."""

    read: set[str] = field(default_factory=set)

    def get(self, name: str) -> str:
        self.read.add(name)
        return super().get(name)


@pytest.fixture
def editor(client: TestClient, database: Database, reference: None) -> TestClient:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    return client


@pytest.fixture
def incident_id(editor: TestClient) -> int:
    """An incident to edit and to add claims to, created through its form."""
    form = rendered_form(editor, "/incidents/new", "/incidents")
    filled = {**form.values, "title": "Target", "date_start": "2025-10-15", "event_type": "battles"}
    created = editor.post("/incidents", data=filled, follow_redirects=False)
    assert created.status_code == 303, created.text[:300]
    return int(created.headers["location"].split("/")[2])


# Each form: its page and where it posts, the values that make a valid post (the rest as the
# page fills them in; every text typed, so an accepted post shows whether each was kept), and
# how its parser reads it.
Parse = Callable[[FormData], object]


def _forms(incident_id: int) -> dict[str, tuple[str, str, dict[str, str], Parse]]:
    return {
        "new incident": (
            "/incidents/new",
            "/incidents",
            {
                **{name: f"Typed {name}" for name in INCIDENT_TEXTS},
                "date_start": "2025-10-15",
                "event_type": "battles",
            },
            parse_incident_form,
        ),
        "incident": (
            f"/incidents/{incident_id}/edit",
            f"/incidents/{incident_id}",
            {},
            parse_incident_form,
        ),
        "claim": (
            f"/incidents/{incident_id}/claims/new",
            f"/incidents/{incident_id}/claims",
            {
                **{name: f"Typed {name}" for name in CLAIM_TEXTS},
                "kind": "casualties",
                # On record after the first claim: later claims may change it as they save.
                "source_1_url": "https://news.example/claimed",
                "source_1_outlet": "Claim Times",
            },
            parse_claim_form,
        ),
        "source": (
            "/sources/new",
            "/sources",
            {"url": "https://news.example/fuzzed", "outlet": "Fuzz Times"},
            parse_source_fields,
        ),
    }


def test_every_field_a_form_renders_is_read(editor: TestClient, incident_id: int) -> None:
    """A field the page renders but nothing reads would drop what the editor typed; one read
    but never rendered could not be filled in. Every field is filled, so no branch skips one."""
    for name, (page, action, valid, parse) in _forms(incident_id).items():
        form = rendered_form(editor, page, action)
        data = ReadFields({n: "1" for n in form.names})
        parse(data)
        assert form.names - READ_BY_ROUTES == data.read - READ_BY_ROUTES, name
        # The valid values are valid: the fuzzing below starts from a post that is accepted.
        post = editor.post(action, data={**form.values, **valid}, follow_redirects=False)
        assert post.status_code == 303, (name, post.text[:300])


def _contents(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the forms could write to."""
    with database.read() as s:
        return {
            table.name: [
                tuple(row)
                for row in s.execute(select(table).order_by(*table.primary_key.columns)).all()
            ]
            for table in Base.metadata.sorted_tables
            if table.name not in NOT_COMPARED
        }


def _norm(value: str) -> str:
    # As an HTML page carries it back: line ends read as "\n"; a textarea's first newline
    # is not part of its value.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _assert_refused_clearly(form: Form, sent: dict[str, str], page: str) -> None:
    """The page says what is wrong, each problem linked to a field it has, with every typed
    value back in its box."""
    tree = HTMLParser(page)
    problems = tree.css(".problems")
    assert problems, "refused without saying why"
    links = tree.css(".problems li a")
    conflict = tree.css_first(".problems.conflict") is not None
    assert links or conflict, "no problem listed"
    for link in links:
        assert link.text().strip(), "an empty message"
        target = (link.attributes.get("href") or "").removeprefix("#")
        assert tree.css_first(f'[id="{target}"]') is not None, f"{target}: no such field"
    for name in form.text_boxes & set(sent):
        boxes = tree.css(f'[name="{name}"]')
        assert boxes, f"{name}: gone from the page"
        shown = _value(boxes[0])
        expected = _norm(sent[name])
        if boxes[0].tag == "textarea":
            expected = expected.removeprefix("\n")
        assert _norm(shown) == expected, f"{name}: typed value not kept"


def _assert_saved(
    editor: TestClient, sent: dict[str, str], texts: tuple[str, ...], url: str
) -> None:
    """The edit form of what was saved shows the texts as typed (less outer spaces)."""
    shown = rendered_form(editor, url, url.removesuffix("/edit")).values
    for name in texts:
        assert _norm(shown[name]).strip() == _norm(sent.get(name, "")).strip(), name


@pytest.mark.parametrize("which", ["new incident", "incident", "claim", "source"])
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_forms_never_fail_and_refuse_cleanly(
    editor: TestClient, database: Database, incident_id: int, data: st.DataObject, which: str
) -> None:
    page, action, valid, _ = _forms(incident_id)[which]
    if which == "claim":
        # The source on record, which a claim may change as it saves, or a new one: a refused
        # claim must leave either as it was.
        new_source = st.integers(1, 10**9).map("https://news.example/{}".format)
        url = data.draw(st.one_of(st.just(valid["source_1_url"]), new_source), label="source")
        valid = {**valid, "source_1_url": url}
    form = rendered_form(editor, page, action)
    changed = _changes(data, form)
    dropped = data.draw(st.sets(st.sampled_from(sorted(form.names))), label="left out")
    # The page's own csrf_token goes with it: it is never among the names changed or dropped.
    sent = {**form.values, **valid, **changed}
    sent = {n: v for n, v in sent.items() if n not in dropped or n in changed}
    before = _contents(database)
    response = editor.post(action, data=sent, follow_redirects=False)
    assert response.status_code in (200, 303, 409, 422), response.text[:300]
    if response.status_code == 200:
        # More actor rows asked for: the same form again, saving nothing.
        assert "more_actor_rows" in sent
        assert _contents(database) == before, "asking for more rows wrote something"
        return
    if response.status_code != 303:
        assert _contents(database) == before, "a refused form wrote something"
        _assert_refused_clearly(form, sent, response.text)
        return
    after = _contents(database)
    location = response.headers["location"]
    if which in ("new incident", "incident"):
        saved = int(location.split("/")[2])
        if which == "incident":
            assert saved == incident_id
        else:
            assert len(after["incidents"]) == len(before["incidents"]) + 1
        _assert_saved(editor, sent, INCIDENT_TEXTS, f"/incidents/{saved}/edit")
    elif which == "claim":
        assert len(after["claims"]) == len(before["claims"]) + 1
        claim = location.rsplit("#claim-", 1)[1]
        _assert_saved(editor, sent, CLAIM_TEXTS, f"/incidents/{incident_id}/claims/{claim}/edit")
    else:
        assert len(after["sources"]) == len(before["sources"]) + 1
        with database.read() as s:
            source = s.scalars(select(Source).where(Source.url == sent["url"].strip())).one()
            assert (source.outlet, source.title) == (
                sent.get("outlet", "").strip(),
                sent.get("title", "").strip(),
            )


# Posts the parser accepts and the lookups then refuse, after work that must not last: a new
# place, a new source, a source on record changed from the claim form, a stale version.
REFUSED_LATE = {
    "new incident with a new place and an unknown actor": (
        "new incident",
        {"new_place_name": "Newtown", "new_place_country": "PAK", "actor_1": "Nobody Known",
         "role_1": "side_a"},
    ),
    "claim with a new source and an unknown claimant": (
        "claim",
        {"claimant": "Nobody Known", "source_1_url": "https://news.example/new-source"},
    ),
    "claim changing a source on record, with an unknown claimant": (
        "claim",
        {"claimant": "Nobody Known", "source_1_title": "A changed headline"},
    ),
    "claim from a stale version": ("claim", {"version": "1"}),
    "incident from a stale version": ("incident", {"version": "1", "title": "Changed"}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(REFUSED_LATE))
def test_a_form_refused_late_saves_nothing(
    editor: TestClient, database: Database, incident_id: int, case: str
) -> None:
    which, changed = REFUSED_LATE[case]
    page, action, valid, _ = _forms(incident_id)[which]
    # The claim form's source is on record, and the incident past version 1, before the post.
    first = rendered_form(editor, *_forms(incident_id)["claim"][:2])
    claim_valid = _forms(incident_id)["claim"][2]
    saved = editor.post(first.action, data={**first.values, **claim_valid}, follow_redirects=False)
    assert saved.status_code == 303
    form = rendered_form(editor, page, action)
    sent = {**form.values, **valid, **changed}
    before = _contents(database)
    response = editor.post(action, data=sent, follow_redirects=False)
    assert response.status_code in (409, 422), response.text[:300]
    assert _contents(database) == before, "a refused form wrote something"
    _assert_refused_clearly(form, sent, response.text)


@pytest.fixture
def field_names(editor: TestClient, incident_id: int) -> dict[str, list[str]]:
    return {
        name: sorted(rendered_form(editor, page, action).names)
        for name, (page, action, _, _) in _forms(incident_id).items()
    }


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_parsers_report_problems_and_never_raise(
    field_names: dict[str, list[str]], incident_id: int, data: st.DataObject
) -> None:
    for name, (_, _, _, parse) in _forms(incident_id).items():
        values = data.draw(st.dictionaries(st.sampled_from(field_names[name]), VALUES), label=name)
        form = FormData(values)
        parse(form)
        assert all(isinstance(message, str) and message for message in form.errors.values())
