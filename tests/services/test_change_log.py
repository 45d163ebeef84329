"""The change log keeps one shape for every origin: history, citable versions and restore work
for an incident whatever made it (an edit, the demo, an ACLED, UCDP or native import, a merge)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import func, insert, select

from app.db import Database
from app.importers.native import read_native
from app.models import Change, ExternalId, Incident
from app.models.vocab import ChangeAction
from app.services.changes import record_change
from app.services.demo import load_demo
from app.services.editing import incident_history, load_for_edit, update_incident
from app.services.history import history_views
from app.services.imports import import_file, import_native
from app.services.merging import merge_incidents
from app.services.snapshots import is_incident_snapshot
from tests.dom import first
from tests.services.test_editing import incident_input
from tests.web.signin import csrf_from, make_user, sign_in

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"


def _native_copy_of_the_demo(client: TestClient, database: Database, tmp_path: Path) -> None:
    """The demo exported as this app's CSV, wiped, and imported back: native-import incidents."""
    with database.write() as s:
        load_demo(s)
    (tmp_path / "incidents.csv").write_text(client.get("/incidents.csv").text)
    (tmp_path / "claims.csv").write_text(client.get("/incidents.csv?rows=claims").text)
    with database.write() as s:
        for incident in s.scalars(select(Incident)):
            s.delete(incident)
    with database.write() as s:
        items = read_native(tmp_path / "incidents.csv", tmp_path / "claims.csv")
        assert import_native(s, items).created == 10


def _native_incident_id(database: Database) -> int:
    with database.read() as s:
        found = s.scalar(
            select(Incident.id)
            .join(ExternalId)
            .where(ExternalId.dataset == "demo")
            .order_by(Incident.id)
            .limit(1)
        )
    assert found is not None
    return found


def test_every_origin_logs_an_incident_in_the_one_shape(
    client: TestClient, database: Database, tmp_path: Path
) -> None:
    _native_copy_of_the_demo(client, database, tmp_path)
    for dataset, path in (
        ("acled", REAL / "acled_frontier.csv"),
        ("ucdp", REAL / "ucdp_ged_pak.csv"),
    ):
        report = import_file(database, dataset=dataset, path=path, file_name=path.name)
        assert report.created > 0
    native = _native_incident_id(database)
    with database.write() as s:
        update_incident(s, native, incident_input(title="Renamed"), expected_version=1, user=None)
    with database.write() as s:
        keep, other = s.scalars(select(Incident.id).order_by(Incident.id.desc()).limit(2))
        merge_incidents(s, keep, other, user=None)

    with database.read() as s:
        origins = set(s.scalars(select(Change.origin).where(Change.entity_type == "incident")))
        logged = s.execute(
            select(Change.before, Change.after).where(Change.entity_type == "incident")
        ).all()
        incidents = s.scalars(select(func.count()).select_from(Incident)).one()
    assert {"import native", "import acled", "import ucdp"} <= {o.split(";")[0] for o in origins}
    assert any(o.startswith("merge") for o in origins)
    assert len(logged) > incidents  # one per incident made, and the edit and the merge
    for before, after in logged:
        for value in (before, after):
            assert value is None or is_incident_snapshot(value), value


def test_a_native_imported_incident_has_history_versions_and_restore(
    client: TestClient, database: Database, tmp_path: Path
) -> None:
    _native_copy_of_the_demo(client, database, tmp_path)
    native = _native_incident_id(database)
    with database.read() as s:
        first_title = load_for_edit(s, native).title
    with database.write() as s:
        update_incident(s, native, incident_input(title="Renamed"), expected_version=1, user=None)

    version_1 = client.get(f"/incidents/{native}/v/1")
    assert version_1.status_code == 200
    assert first(HTMLParser(version_1.text), "h1").text(strip=True) == first_title

    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    history = client.get(f"/incidents/{native}/history")
    assert history.status_code == 200 and "import native" in history.text
    form = HTMLParser(history.text).css_first("form[action*='/restore']")
    assert form is not None and "Restore version 1" in form.text()
    restored = client.post(
        form.attributes["action"] or "",
        data={"csrf_token": csrf_from(history.text), "version": "2"},
        follow_redirects=False,
    )
    assert restored.status_code == 303, restored.text[:500]
    with database.read() as s:
        incident = load_for_edit(s, native)
        assert (incident.title, incident.version) == (first_title, 3)
        assert len(incident.claims) > 0


def test_the_writer_refuses_any_other_shape(database: Database, tmp_path: Path) -> None:
    with database.write() as s, pytest.raises(ValueError, match="snapshot_incident"):
        record_change(
            s,
            entity_type="incident",
            entity_id=1,
            action=ChangeAction.CREATE,
            before=None,
            after={"id": "1", "title": "a raw CSV row", "latitude": "31.0"},
        )


def test_a_row_logged_in_an_older_shape_is_shown_but_not_offered_for_restore(
    client: TestClient, database: Database, tmp_path: Path
) -> None:
    """Databases written before every origin logged the snapshot still hold an import's raw CSV
    row as an incident's first change: history still opens, that version is simply not there."""
    _native_copy_of_the_demo(client, database, tmp_path)
    native = _native_incident_id(database)
    with database.write() as s:
        s.execute(  # past the writer, as the older code wrote it
            insert(Change).values(
                entity_type="incident",
                entity_id=native,
                action=ChangeAction.CREATE,
                after={"id": "7", "title": "raw", "latitude": "31.0", "actors": []},
                origin="import native",
            )
        )
        legacy = s.scalar(select(func.max(Change.id)))
    make_user(database, "ed@example.org")
    sign_in(client, "ed@example.org")
    history = client.get(f"/incidents/{native}/history")
    assert history.status_code == 200
    restore_buttons = HTMLParser(history.text).css(f"form[action$='/history/{legacy}/restore']")
    assert restore_buttons == []
    refused = client.post(
        f"/incidents/{native}/history/{legacy}/restore",
        data={"csrf_token": csrf_from(history.text), "version": "1"},
        follow_redirects=False,
    )
    assert refused.status_code == 404 and "no such version" in refused.text
    with database.read() as s:
        assert load_for_edit(s, native).version == 1  # nothing was written


def test_an_import_that_updates_an_incident_shows_only_what_the_file_changed(
    database: Database, tmp_path: Path
) -> None:
    """A re-import logs the new version without a `before`; the history compares it with the
    incident's previous version, so only the changed values appear as changed."""
    original = REAL / "acled_frontier.csv"
    import_file(database, dataset="acled", path=original, file_name=original.name)
    changed = tmp_path / "acled_frontier_v2.csv"
    changed.write_text(
        original.read_text(encoding="utf-8").replace(",Idak,32.9839,", ",Idak village,32.9839,"),
        encoding="utf-8",
    )
    report = import_file(database, dataset="acled", path=changed, file_name=changed.name)
    assert report.updated == 1

    with database.read() as s:
        incident_id = s.scalar(
            select(ExternalId.incident_id).where(ExternalId.external_id == "PAK71234")
        )
        assert incident_id is not None
        views = history_views(incident_history(s, incident_id))
    update, created = views
    assert update.change.action == ChangeAction.UPDATE and update.change.before is None
    shown = {d.label: (d.before, d.after) for d in update.differences}
    # The title is made from the place; the dataset's claim is written anew on every import.
    assert shown.pop("Title") == ("Armed clash in Idak", "Armed clash in Idak village")
    assert shown.pop("Location as reported") == ("Idak", "Idak village")
    assert {label.split()[-1] for label in shown} == {"removed", "added"}
    # The first version is still everything new.
    assert {d.before for d in created.differences} == {"—"}
    assert "Title" in {d.label for d in created.differences}
