"""Whatever arrives in the query string, the list page answers 200 or 422, never 500."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.schemas.filters import MULTI_VALUED, SINGLE_VALUED, parse_incident_filter

PARAMETERS = [*MULTI_VALUED, *SINGLE_VALUED, "utm_source"]
# Text without NUL (that is refused before any route runs, tested elsewhere) or lone surrogates.
VALUES = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=300),
    st.sampled_from(["2025-10-15", "disputed", "ttp", "battles", "PAK", "-killed", "2", "-1", "0"]),
)
QUERIES = st.lists(st.tuples(st.sampled_from(PARAMETERS), VALUES), max_size=12)


@given(QUERIES)
def test_parsing_never_raises_and_round_trips(query: list[tuple[str, str]]) -> None:
    parsed = parse_incident_filter(query)
    again = parse_incident_filter(parse_incident_filter_items(parsed.filter.url()))
    assert again.errors == [] and again.filter == parsed.filter


def parse_incident_filter_items(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl, urlsplit

    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERIES, fragment=st.booleans())
def test_the_list_page_never_fails(
    client: TestClient, query: list[tuple[str, str]], fragment: bool
) -> None:
    headers = {"HX-Request": "true"} if fragment else {}
    response = client.get(f"/incidents?{urlencode(query)}", headers=headers)
    assert response.status_code in (200, 422), response.text[:500]
