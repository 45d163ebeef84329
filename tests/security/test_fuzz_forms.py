"""Whatever an editor's browser sends, the forms answer with a page, never a server error.

Random values go into every field of the incident, claim and source forms, with the parsers
checked directly as well: they must report problems as messages, not raise.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db import Database
from app.schemas.forms import FormData, parse_claim_form, parse_incident_form, parse_source_fields
from tests.web.signin import csrf_from, make_user, sign_in

INCIDENT_FIELDS = [
    "title", "summary", "date_start", "date_end", "date_precision", "place", "new_place_name",
    "new_place_sector", "location", "sector", "latitude", "longitude", "geo_precision", "country",
    "event_type", "sub_event_type", "actor_1", "role_1", "actor_2", "role_2",
    "assessed_killed_low", "assessed_killed_best", "assessed_killed_high",
    "assessed_wounded_low", "assessed_wounded_high", "assessment_note", "notes", "version",
]  # fmt: skip
CLAIM_FIELDS = [
    "claimant", "spokesperson", "spokesperson_role", "claimed_on", "kind", "statement",
    "statement_language", "translation", "status", "credibility", "responds_to", "note",
    "figure_party_1", "figure_actor_1", "figure_outcome_1", "figure_low_1", "figure_high_1",
    "source_1_url", "source_1_outlet", "source_1_title", "source_1_published_on",
    "source_1_language", "source_1_reliability", "version",
]  # fmt: skip
SOURCE_FIELDS = ["url", "outlet", "title", "published_on", "language", "reliability"]
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80
)
VALUES = st.one_of(
    TEXT,
    st.sampled_from(["", "2025-10-15", "2025-02-30", "-1", "0", "99999999999999999999", "1e9",
                     "battles", "armed-clash", "disputed", "casualties", "PAK", "side_a",
                     "https://news.example/x", "javascript:alert(1)", "Frontier Corps"]),
)  # fmt: skip


def _form(fields: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(fields), VALUES, max_size=len(fields))


@given(_form(INCIDENT_FIELDS), _form(CLAIM_FIELDS), _form(SOURCE_FIELDS))
def test_parsers_report_problems_and_never_raise(
    incident: dict[str, str], claim: dict[str, str], source: dict[str, str]
) -> None:
    for parse, data in (
        (parse_incident_form, incident),
        (parse_claim_form, claim),
        (parse_source_fields, source),
    ):
        form = FormData(dict(data))
        parse(form)
        assert all(isinstance(message, str) and message for message in form.errors.values())


@pytest.fixture
def editor(client: TestClient, database: Database, reference: None) -> TestClient:
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    return client


@pytest.fixture
def incident_id(editor: TestClient) -> int:
    """An incident whose claim form the fuzzing posts to."""
    token = csrf_from(editor.get("/incidents/new").text)
    created = editor.post(
        "/incidents",
        data={"title": "Target", "date_start": "2025-10-15", "event_type": "battles",
              "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 303
    return int(created.headers["location"].split("/")[2])


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(incident=_form(INCIDENT_FIELDS), claim=_form(CLAIM_FIELDS))
def test_the_forms_never_fail(
    editor: TestClient, incident_id: int, incident: dict[str, str], claim: dict[str, str]
) -> None:
    token = csrf_from(editor.get("/incidents/new").text)
    response = editor.post(
        "/incidents", data={**incident, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code in (303, 409, 422), response.text[:300]
    response = editor.post(
        f"/incidents/{incident_id}/claims",
        data={**claim, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code in (303, 409, 422), response.text[:300]
    response = editor.post(
        "/sources", data={**{k.removeprefix("source_1_"): v for k, v in claim.items()},
                          "csrf_token": token}, follow_redirects=False
    )  # fmt: skip
    assert response.status_code in (303, 409, 422), response.text[:300]
