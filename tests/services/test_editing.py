"""Editorial writes: versions and conflicts, review, history and restore, on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.db import Database
from app.models import Change, Claim, Incident
from app.models.vocab import ReviewState
from app.schemas.forms import (
    ClaimInput,
    IncidentInput,
    form_data,
    parse_claim_form,
    parse_incident_form,
)
from app.services.editing import (
    EditConflict,
    EditRejected,
    PublishRefused,
    create_incident,
    delete_claim,
    incident_history,
    load_for_edit,
    restore_incident,
    save_claim,
    set_review_state,
    update_incident,
)

INCIDENT = {
    "title": "Clash at the crossing",
    "summary": "Exchange of fire.",
    "date_start": "2025-10-15",
    "date_precision": "day",
    "place": "Spin Buldak",  # an alias
    "geo_precision": "2",
    "country": "AFG",
    "event_type": "battles",
    "sub_event_type": "armed-clash",
    "actor_1": "Pakistan Army",
    "role_1": "side_a",
    "actor_2": "Taliban",
    "role_2": "side_b",
}

ARMY_CLAIM = {
    "claimant": "pakistan-army",
    "spokesperson_role": "ISPR",
    "claimed_on": "2025-10-15",
    "kind": "casualties",
    "statement": "15-20 Afghan Taliban have been killed.",
    "status": "disputed",
    "figure_party_1": "combatants",
    "figure_actor_1": "afghan-taliban",
    "figure_outcome_1": "killed",
    "figure_low_1": "15",
    "figure_high_1": "20",
    "source_1_url": "https://www.dawn.com/news/1949071",
    "source_1_outlet": "Dawn",
    "source_1_reliability": "C",
}


def incident_input(**changes: str) -> IncidentInput:
    form = form_data(list({**INCIDENT, **changes}.items()))
    data = parse_incident_form(form)
    assert form.ok, form.errors
    return data


def claim_input(**changes: str) -> ClaimInput:
    form = form_data(list({**ARMY_CLAIM, **changes}.items()))
    data = parse_claim_form(form)
    assert form.ok, form.errors
    return data


@pytest.fixture
def incident_id(database: Database, reference: None) -> int:
    with database.write() as s:
        return create_incident(s, incident_input(), user=None).id


def version_of(database: Database, incident_id: int) -> int:
    with database.read() as s:
        return s.get_one(Incident, incident_id).version


def test_create_resolves_place_aliases_and_derives_the_sector(
    database: Database, incident_id: int
) -> None:
    with database.read() as s:
        incident = load_for_edit(s, incident_id)
        assert incident.place is not None and incident.place.slug == "spin-boldak"
        assert incident.sector is not None and incident.sector.slug == "chaman-spin-boldak"
        assert [(a.actor.slug, a.role) for a in incident.actor_links] == [
            ("pakistan-army", "side_a"),
            ("afghan-taliban", "side_b"),
        ]
        assert incident.review_state == "draft" and incident.version == 1


def test_unknown_names_are_rejected_by_field(database: Database, reference: None) -> None:
    with pytest.raises(EditRejected) as rejected, database.write() as s:
        create_incident(s, incident_input(place="Atlantis", actor_1="Nobody"), user=None)
    assert set(rejected.value.errors) == {"place", "actor_1"}
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0


def test_two_editors_from_the_same_version_one_wins_the_other_conflicts(
    database: Database, incident_id: int
) -> None:
    with database.write() as s:
        update_incident(
            s, incident_id, incident_input(title="First save"), expected_version=1, user=None
        )
    with pytest.raises(EditConflict), database.write() as s:
        update_incident(
            s, incident_id, incident_input(title="Second save"), expected_version=1, user=None
        )
    with database.read() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.title == "First save" and incident.version == 2


def test_a_claim_change_is_a_change_to_the_incident(database: Database, incident_id: int) -> None:
    with database.write() as s:
        save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None)
    assert version_of(database, incident_id) == 2
    with pytest.raises(EditConflict), database.write() as s:
        save_claim(
            s, incident_id, None, claim_input(statement="stale"), expected_version=1, user=None
        )


def test_publishing_needs_a_claim_with_a_source(database: Database, incident_id: int) -> None:
    with pytest.raises(PublishRefused), database.write() as s:
        set_review_state(s, incident_id, ReviewState.PUBLISHED, expected_version=1, user=None)
    with database.write() as s:
        save_claim(
            s, incident_id, None, claim_input(source_1_url=""), expected_version=1, user=None
        )
    with pytest.raises(PublishRefused), database.write() as s:
        set_review_state(s, incident_id, ReviewState.PUBLISHED, expected_version=2, user=None)
    with database.write() as s:
        save_claim(s, incident_id, None, claim_input(), expected_version=2, user=None)
        set_review_state(s, incident_id, ReviewState.PUBLISHED, expected_version=3, user=None)
    with database.read() as s:
        assert s.get_one(Incident, incident_id).review_state == "published"


def test_a_response_points_at_a_claim_of_the_same_incident(
    database: Database, incident_id: int
) -> None:
    with database.write() as s:
        first = save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None).id
    with database.write() as s:
        second = save_claim(
            s,
            incident_id,
            None,
            claim_input(
                claimant="afghan-taliban", kind="denial", status="disputed", responds_to=str(first)
            ),
            expected_version=2,
            user=None,
        )
        assert second.responds_to_id == first
    with pytest.raises(EditRejected), database.write() as s:
        save_claim(
            s, incident_id, None, claim_input(responds_to="999999"), expected_version=3, user=None
        )


def test_sources_are_reused_by_url(database: Database, incident_id: int) -> None:
    with database.write() as s:
        a = save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None)
        b = save_claim(
            s, incident_id, None, claim_input(source_1_outlet=""), expected_version=2, user=None
        )
        assert a.sources[0].id == b.sources[0].id


def test_history_records_every_change_and_restore_brings_a_version_back(
    database: Database, incident_id: int
) -> None:
    with database.write() as s:
        save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None)
    with database.write() as s:
        update_incident(
            s, incident_id, incident_input(title="Renamed"), expected_version=2, user=None
        )
    with database.write() as s:
        claim_id = s.scalars(select(Claim.id).where(Claim.incident_id == incident_id)).one()
        delete_claim(s, incident_id, claim_id, expected_version=3, user=None)
    with database.read() as s:
        history = incident_history(s, incident_id)
        assert [c.action for c in history] == ["update", "update", "update", "create"]
        with_claim = history[1]  # after the rename, before the claim was removed
        assert with_claim.after is not None
        assert with_claim.after["title"] == "Renamed" and len(with_claim.after["claims"]) == 1
        removal = history[0]
        assert removal.before is not None and removal.after is not None
        assert removal.before["claims"] and not removal.after["claims"]
    with database.write() as s:
        restore_incident(s, incident_id, with_claim.id, expected_version=4, user=None)
    with database.read() as s:
        incident = load_for_edit(s, incident_id)
        assert incident.title == "Renamed" and incident.version == 5
        assert len(incident.claims) == 1
        claim = incident.claims[0]
        assert [(f.low, f.high) for f in claim.figures] == [(15, 20)]
        assert [src.url for src in claim.sources] == ["https://www.dawn.com/news/1949071"]
        assert incident_history(s, incident_id)[0].action == "restore"
        assert s.scalar(select(func.count()).select_from(Change)) == 5


def test_deleting_archives(database: Database, incident_id: int) -> None:
    with database.write() as s:
        set_review_state(s, incident_id, ReviewState.ARCHIVED, expected_version=1, user=None)
    with database.read() as s:
        assert s.get_one(Incident, incident_id).review_state == "archived"
        assert incident_history(s, incident_id)[0].action == "delete"


def test_form_errors_sit_beside_their_fields() -> None:
    form = form_data(
        list(
            {
                **INCIDENT,
                "title": "",
                "date_start": "15/10/2025",
                "event_type": "battles",
                "sub_event_type": "grenade",
                "assessed_killed_low": "9",
                "assessed_killed_high": "3",
            }.items()
        )
    )
    parse_incident_form(form)
    assert set(form.errors) == {"title", "date_start", "sub_event_type", "assessed_killed_low"}
    assert form.get("date_start") == "15/10/2025"  # every typed value is kept
    form = form_data(
        list(
            {
                **ARMY_CLAIM,
                "figure_low_1": "20",
                "figure_high_1": "15",
                "source_1_url": "javascript:alert(1)",
            }.items()
        )
    )
    parse_claim_form(form)
    assert set(form.errors) == {"figure_high_1", "source_1_url"}
    _ = date.today()


def test_without_a_place_the_sector_is_the_editors_choice(
    database: Database, reference: None
) -> None:
    with database.write() as s:
        incident = create_incident(
            s, incident_input(place="", sector="kurram-paktia-khost"), user=None
        )
        assert incident.sector is not None and incident.sector.slug == "kurram-paktia-khost"
        # With a place, the place's sector wins.
        again = update_incident(
            s,
            incident.id,
            incident_input(sector="kurram-paktia-khost"),
            expected_version=1,
            user=None,
        )
        assert again.sector is not None and again.sector.slug == "chaman-spin-boldak"
    with pytest.raises(EditRejected), database.write() as s:
        create_incident(s, incident_input(place="", sector="atlantis"), user=None)


def test_a_purged_incidents_id_is_never_given_again(database: Database, incident_id: int) -> None:
    from app.services.editing import purge_incident

    with database.write() as s:
        set_review_state(s, incident_id, ReviewState.ARCHIVED, expected_version=1, user=None)
    with database.write() as s:
        purge_incident(s, incident_id, user=None)
    with database.write() as s:
        again = create_incident(s, incident_input(), user=None)
        assert again.id > incident_id
        assert [c.action for c in incident_history(s, again.id)] == ["create"]


def test_one_new_source_twice_in_a_form_is_one_source(database: Database, incident_id: int) -> None:
    data = claim_input(
        source_2_url=ARMY_CLAIM["source_1_url"], source_2_outlet="Dawn", source_2_reliability="C"
    )
    with database.write() as s:
        claim = save_claim(s, incident_id, None, data, expected_version=1, user=None)
        assert len(claim.sources) == 1


def test_source_details_changed_in_a_claim_form_are_saved(
    database: Database, incident_id: int
) -> None:
    with database.write() as s:
        save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None)
    with database.write() as s:
        claim = save_claim(
            s,
            incident_id,
            None,
            claim_input(source_1_outlet="Dawn (Karachi)", source_1_reliability="B"),
            expected_version=2,
            user=None,
        )
        assert (claim.sources[0].outlet, claim.sources[0].reliability) == ("Dawn (Karachi)", "B")
        assert (
            s.scalar(select(func.count()).select_from(Change).where(Change.entity_type == "source"))
            == 1
        )


def test_problems_are_reported_beside_their_own_row(database: Database, reference: None) -> None:
    with pytest.raises(EditRejected) as rejected, database.write() as s:
        create_incident(
            s, incident_input(actor_1="", role_1="", actor_3="Nobody", role_3="target"), user=None
        )
    assert set(rejected.value.errors) == {"actor_3"}


def test_a_published_incident_keeps_a_sourced_claim(database: Database, incident_id: int) -> None:
    with database.write() as s:
        claim_id = save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None).id
        set_review_state(s, incident_id, ReviewState.PUBLISHED, expected_version=2, user=None)
    with pytest.raises(PublishRefused), database.write() as s:
        delete_claim(s, incident_id, claim_id, expected_version=3, user=None)
    with database.read() as s:
        assert len(load_for_edit(s, incident_id).claims) == 1


def test_only_archived_incidents_are_purged(database: Database, incident_id: int) -> None:
    from app.services.editing import purge_incident

    with pytest.raises(PublishRefused), database.write() as s:
        purge_incident(s, incident_id, user=None)


def test_a_new_place_may_not_shadow_one_in_the_gazetteer(
    database: Database, reference: None
) -> None:
    with pytest.raises(EditRejected) as rejected, database.write() as s:
        create_incident(
            s,
            incident_input(
                place="",
                new_place_name="Kabul",
                new_place_country="AFG",
                new_place_latitude="30.1",
                new_place_longitude="70.2",
            ),
            user=None,
        )
    assert "already in the gazetteer" in rejected.value.errors["new_place_name"]


def test_restore_finds_a_source_whose_address_was_corrected(
    database: Database, incident_id: int
) -> None:
    from app.models import Source

    with database.write() as s:
        save_claim(s, incident_id, None, claim_input(), expected_version=1, user=None)
    with database.write() as s:
        with_claim = incident_history(s, incident_id)[0].id
        claim_id = s.scalars(select(Claim.id).where(Claim.incident_id == incident_id)).one()
        delete_claim(s, incident_id, claim_id, expected_version=2, user=None)
        source = s.scalar(select(Source))
        assert source is not None
        source.url = "https://www.dawn.com/news/1949071/corrected"
    with database.write() as s:
        restore_incident(s, incident_id, with_claim, expected_version=3, user=None)
    with database.read() as s:
        claim = load_for_edit(s, incident_id).claims[0]
        assert [src.url for src in claim.sources] == ["https://www.dawn.com/news/1949071/corrected"]
