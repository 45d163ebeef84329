"""The domain invariants the database enforces. Each test fails if its constraint is removed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database
from app.models import CasualtyFigure, Claim, User
from tests import factories as f


def rejected(database: Database, build: Callable[[Session], object]) -> bool:
    """True when the database refuses what `build` writes."""
    try:
        with database.write() as session:
            build(session)
            session.flush()
    except IntegrityError:
        return True
    return False


def test_valid_objects_are_accepted(database: Database) -> None:
    def build(s: Session) -> None:
        claim = f.make_claim(s, figures=[{"low": 15, "high": 20}, {"low": 100, "high": None}])
        f.make_claim(s, incident=claim.incident, responds_to_id=claim.id, kind="denial")

    assert not rejected(database, build)


@pytest.mark.parametrize(
    ("low", "high"),
    [(20, 15), (-1, None), (-5, 3)],
    ids=["high-below-low", "negative", "negative-range"],
)
def test_figure_range_must_be_ordered_and_non_negative(
    database: Database, low: int, high: int | None
) -> None:
    assert rejected(database, lambda s: f.make_claim(s, figures=[{"low": low, "high": high}]))


def test_figure_belongs_to_an_existing_claim(database: Database) -> None:
    def orphan(s: Session) -> None:
        s.add(CasualtyFigure(claim_id=999_999, party="civilians", outcome="killed", low=1, high=1))

    def no_claim(s: Session) -> None:
        s.execute(
            text(
                "INSERT INTO casualty_figures (party, outcome, low)"
                " VALUES ('civilians', 'killed', 1)"
            )
        )

    assert rejected(database, orphan)
    assert rejected(database, no_claim)


def test_claim_belongs_to_an_existing_incident(database: Database) -> None:
    def orphan(s: Session) -> None:
        actor = f.make_actor(s)
        s.add(Claim(incident_id=999_999, claimant=actor, kind="casualties", status="unverified"))

    def no_incident(s: Session) -> None:
        actor = f.make_actor(s)
        s.add(Claim(claimant=actor, kind="casualties", status="unverified"))

    assert rejected(database, orphan)
    assert rejected(database, no_incident)


def test_response_must_be_to_a_claim_of_the_same_incident(database: Database) -> None:
    def across_incidents(s: Session) -> None:
        first = f.make_claim(s)
        f.make_claim(s, responds_to_id=first.id, kind="denial")  # a new incident

    def to_itself(s: Session) -> None:
        claim = f.make_claim(s)
        claim.responds_to_id = claim.id

    assert rejected(database, across_incidents)
    assert rejected(database, to_itself)


def test_claim_needs_a_claimant_or_a_speaker(database: Database) -> None:
    def anonymous(s: Session) -> None:
        incident = f.make_incident(s)
        s.add(Claim(incident=incident, kind="casualties", status="unverified"))

    assert rejected(database, anonymous)
    assert not rejected(
        database, lambda s: f.make_claim(s, spokesperson_role="Hospital staff, Kandahar")
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", "probably-true"), ("kind", "rumour"), ("credibility", 7), ("credibility", 0)],
)
def test_claim_vocabularies(database: Database, field: str, value: Any) -> None:
    assert rejected(database, lambda s: f.make_claim(s, **{field: value}))


@pytest.mark.parametrize(
    "factory",
    [f.make_actor, f.make_place, f.make_sector],
    ids=["actor", "place", "sector"],
)
def test_slugs_are_unique(database: Database, factory: Callable[..., object]) -> None:
    def twice(s: Session) -> None:
        factory(s, slug="same-slug")
        factory(s, slug="same-slug")

    assert rejected(database, twice)


def test_external_ids_are_unique_per_dataset(database: Database) -> None:
    def same_dataset(s: Session) -> None:
        f.add_external_id(s, f.make_incident(s), "acled", "PAK123")
        f.add_external_id(s, f.make_incident(s), "acled", "PAK123")

    def other_dataset(s: Session) -> None:
        f.add_external_id(s, f.make_incident(s), "acled", "PAK123")
        f.add_external_id(s, f.make_incident(s), "ucdp", "PAK123")

    assert rejected(database, same_dataset)
    assert not rejected(database, other_dataset)


@pytest.mark.parametrize(
    "overrides",
    [
        {"date_start": date(2025, 10, 15), "date_end": date(2025, 10, 14)},
        {"geo_precision": 4},
        {"geo_precision": 0},
        {"date_precision": "year"},
        {"event_type": "skirmish", "sub_event_type": None},
        {"event_type": "battles", "sub_event_type": "suicide-bomb"},
        {"review_state": "secret"},
        {"latitude": 95.0, "longitude": 66.0},
        {"latitude": 31.0, "longitude": None},
        {"assessed_killed_low": 10, "assessed_killed_best": 5},
        {"assessed_killed_best": 30, "assessed_killed_high": 20},
        {"assessed_killed_low": -1},
        {"assessed_wounded_low": 10, "assessed_wounded_high": 9},
    ],
    ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()),
)
def test_incident_invariants(database: Database, overrides: dict[str, object]) -> None:
    assert rejected(database, lambda s: f.make_incident(s, **overrides))


def test_incident_actor_role_vocabulary_and_uniqueness(database: Database) -> None:
    def unknown_role(s: Session) -> None:
        f.link_actor(s, f.make_incident(s), f.make_actor(s), role="bystander")

    def same_role_twice(s: Session) -> None:
        incident, actor = f.make_incident(s), f.make_actor(s)
        f.link_actor(s, incident, actor, "side_a")
        f.link_actor(s, incident, actor, "side_a")

    assert rejected(database, unknown_role)
    assert rejected(database, same_role_twice)


def test_sources_are_unique_by_url_and_graded_on_the_admiralty_scale(database: Database) -> None:
    def same_url(s: Session) -> None:
        f.make_source(s, url="https://news.example/a")
        f.make_source(s, url="https://news.example/a")

    assert rejected(database, same_url)
    assert rejected(database, lambda s: f.make_source(s, reliability="G"))


def test_users_have_unique_lowercase_emails_and_known_roles(database: Database) -> None:
    def user(s: Session, email: str, role: str = "editor") -> None:
        s.add(User(email=email, role=role, password_hash="x"))
        s.flush()

    assert rejected(database, lambda s: user(s, "Editor@Example.org"))
    assert rejected(database, lambda s: user(s, "a@example.org", role="reader"))

    def the_same_twice(s: Session) -> None:
        user(s, "a@example.org")
        user(s, "a@example.org")

    assert rejected(database, the_same_twice)


def test_a_stale_version_cannot_overwrite_a_newer_one(database: Database) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    from app.models import Incident

    with database.write() as s:
        incident_id = f.make_incident(s).id
    with pytest.raises(StaleDataError), database.write() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.version == 1
        # Another editor saves first, behind this session's back.
        s.execute(
            text("UPDATE incidents SET title = 'Saved first', version = 2 WHERE id = :id"),
            {"id": incident_id},
        )
        incident.title, incident.version = "Saved second", 2
        s.flush()
    with database.read() as s:
        title = s.scalar(text(f"SELECT title FROM incidents WHERE id = {incident_id}"))
    assert title != "Saved second"


def test_external_id_is_not_empty(database: Database) -> None:
    assert rejected(database, lambda s: f.add_external_id(s, f.make_incident(s), "acled", ""))


@pytest.mark.parametrize(
    "overrides",
    [{"latitude": 91.0}, {"longitude": 181.0}, {"latitude": 31.0, "longitude": None}],
    ids=["latitude", "longitude", "unpaired"],
)
def test_place_coordinates(database: Database, overrides: dict[str, object]) -> None:
    assert rejected(database, lambda s: f.make_place(s, **overrides))


@pytest.mark.parametrize(
    "overrides",
    [
        {"longitude": 200.0, "latitude": 31.0},
        {"assessed_killed_best": -5},
        {"assessed_wounded_high": -1},
        {"version": 0},
    ],
    ids=["longitude", "best-negative", "wounded-high-negative", "version-zero"],
)
def test_more_incident_invariants(database: Database, overrides: dict[str, object]) -> None:
    assert rejected(database, lambda s: f.make_incident(s, **overrides))


def test_actor_vocabularies_and_unique_names(database: Database) -> None:
    from app.models import ActorName

    def name(s: Session, kind: str = "alias", twice: bool = False) -> None:
        actor = f.make_actor(s)
        for _ in range(2 if twice else 1):
            s.add(ActorName(actor=actor, kind=kind, name="TTP"))
            s.flush()

    assert rejected(database, lambda s: f.make_actor(s, kind="militia"))
    assert rejected(database, lambda s: name(s, kind="nickname"))
    assert rejected(database, lambda s: name(s, twice=True))


def test_place_aliases_are_unique_per_place(database: Database) -> None:
    from app.models import PlaceAlias

    def twice(s: Session) -> None:
        place = f.make_place(s)
        s.add_all(
            [
                PlaceAlias(place=place, alias="Spin Buldak"),
                PlaceAlias(place=place, alias="Spin Buldak"),
            ]
        )

    assert rejected(database, twice)


@pytest.mark.parametrize(("field", "value"), [("party", "soldiers"), ("outcome", "injured")])
def test_casualty_vocabularies(database: Database, field: str, value: str) -> None:
    assert rejected(
        database, lambda s: f.make_claim(s, figures=[{"low": 1, "high": 1, field: value}])
    )


def test_claim_source_links_need_both_ends(database: Database) -> None:
    from app.models import ClaimSource

    def dangling(s: Session) -> None:
        claim = f.make_claim(s)
        s.add(ClaimSource(claim_id=claim.id, source_id=999_999))

    assert rejected(database, dangling)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hi", "ftp://x", " https://x"]
)
def test_source_urls_are_web_addresses(database: Database, url: str) -> None:
    assert rejected(database, lambda s: f.make_source(s, url=url))
    assert not rejected(database, lambda s: f.make_source(s, url="HTTPS://Example.org/a"))


def test_change_actions_are_known(database: Database) -> None:
    from app.models import Change

    def unknown(s: Session) -> None:
        s.add(Change(entity_type="incident", entity_id=1, action="vanish", before=None, after=None))

    assert rejected(database, unknown)
