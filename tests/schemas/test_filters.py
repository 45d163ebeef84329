from __future__ import annotations

from datetime import date

import pytest

from app.schemas.filters import MAX_VALUES_PER_PARAMETER, IncidentFilter, parse_incident_filter


def parse(query: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    return parse_incident_filter(query)


def test_a_full_query_round_trips_to_the_same_canonical_url() -> None:
    query = [
        ("from", "2025-10-01"),
        ("to", "2025-10-31"),
        ("actor", "ttp"),
        ("actor", "afghan-taliban"),
        ("status", "disputed"),
        ("sector", "chaman-spin-boldak"),
        ("type", "battles"),
        ("country", "afg"),
        ("q", "  mortar   fire "),
        ("sort", "-killed"),
        ("page", "2"),
    ]
    parsed = parse(query)
    assert parsed.errors == []
    f = parsed.filter
    assert f.date_from == date(2025, 10, 1) and f.date_to == date(2025, 10, 31)
    assert f.actors == ("ttp", "afghan-taliban") and f.countries == ("AFG",)
    assert f.q == "mortar fire"
    url = f.url()
    assert url == (
        "/incidents?from=2025-10-01&to=2025-10-31&actor=ttp&actor=afghan-taliban"
        "&status=disputed&sector=chaman-spin-boldak&type=battles&country=AFG"
        "&q=mortar+fire&sort=-killed&page=2"
    )
    from urllib.parse import parse_qsl, urlsplit

    assert parse(parse_qsl(urlsplit(url).query)).filter == f


def test_defaults_and_empty_values_leave_a_bare_url() -> None:
    parsed = parse([("from", ""), ("q", ""), ("sort", "-date"), ("page", "1"), ("utm_source", "x")])
    assert parsed.errors == [] and parsed.filter == IncidentFilter()
    assert parsed.filter.url() == "/incidents"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ([("from", "notadate")], "from"),
        ([("to", "2025-13-45")], "to"),
        ([("from", "2025-10-20"), ("to", "2025-10-01")], "to"),
        ([("status", "probably")], "status"),
        ([("type", "skirmish")], "type"),
        ([("country", "Pakistan")], "country"),
        ([("sector", "<script>")], "sector"),
        ([("page", "-1")], "page"),
        ([("page", "0")], "page"),
        ([("page", "abc")], "page"),
        ([("page", "99999999999999999999")], "page"),
        ([("sort", "random")], "sort"),
        ([("q", "x" * 10_000)], "q"),
        ([("page", "1"), ("page", "2")], "page"),
        ([("actor", f"actor-{n}") for n in range(1000)], "actor"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_parameters_are_named(query: list[tuple[str, str]], parameter: str) -> None:
    parsed = parse(query)
    assert [p.parameter for p in parsed.errors] == [parameter]
    assert parsed.error_for(parameter)


def test_the_same_value_repeated_a_thousand_times_is_one_value() -> None:
    parsed = parse([("status", "disputed")] * 1000 + [("page", "3")] * 1000)
    assert parsed.errors == []
    assert parsed.filter.statuses == ("disputed",) and parsed.filter.page == 3


def test_bad_values_are_dropped_and_good_ones_kept() -> None:
    parsed = parse(
        [("status", "disputed"), ("status", "bogus"), ("from", "nope"), ("type", "riots")]
    )
    assert parsed.filter.statuses == ("disputed",)
    assert parsed.filter.types == ("riots",)
    assert parsed.filter.date_from is None
    assert {p.parameter for p in parsed.errors} == {"status", "from"}


def test_too_many_distinct_values() -> None:
    parsed = parse([("sector", f"s{n}") for n in range(MAX_VALUES_PER_PARAMETER + 1)])
    assert parsed.error_for("sector") and parsed.filter.sectors == ()


def test_toggling_and_removal_links() -> None:
    f = IncidentFilter(actors=("ttp",), statuses=("denied",), q="posts", page=3)
    assert f.toggled("actor", "ttp").actors == ()
    assert f.toggled("actor", "iskp").actors == ("ttp", "iskp")
    assert f.toggled("actor", "iskp").page == 1
    links = dict(((p, v), url) for p, v, url in f.removal_links())
    assert links[("q", "posts")] == "/incidents?actor=ttp&status=denied"
    assert links[("actor", "ttp")] == "/incidents?status=denied&q=posts"
    assert f.is_filtered and not IncidentFilter(sort="date", page=4).is_filtered
