"""The change log's one writer: one row per write, with before and after snapshots.

Every origin (edits, restores, merges, the demo, every import) records an incident through this
module, in the one shape `snapshot_incident` gives, so history, diff, citable versions and
restore read every incident's log the same way, whatever made it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from app.models import Change, Incident, User
from app.models.vocab import ChangeAction
from app.services.snapshots import is_incident_snapshot, snapshot_incident


def _checked(entity_type: str, snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    """An incident's snapshot in the one shape pages read, or a loud error at the writer (a
    raw import row logged here once made every later read of it fail)."""
    if entity_type == "incident" and snapshot is not None and not is_incident_snapshot(snapshot):
        raise ValueError("an incident's change must be logged as snapshot_incident() gives it")
    return snapshot


def record_change(
    session: Session,
    *,
    entity_type: str,
    entity_id: int,
    action: ChangeAction,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user: User | None = None,
    origin: str = "",
    request_id: str | None = None,
) -> Change:
    change = Change(
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        before=_checked(entity_type, before),
        after=_checked(entity_type, after),
        # The id, not the object: a user loaded elsewhere, attached to this session, would be
        # expired with it when a later check rolls the write back, and the page that then
        # says what was refused could no longer read who is signed in.
        user_id=user.id if user else None,
        origin=origin,
        request_id=request_id,
    )
    session.add(change)
    return change


def record_incident_versions(
    session: Session,
    written: Iterable[tuple[Incident, ChangeAction]],
    *,
    origin: str,
    user: User | None = None,
) -> int:
    """The bulk form, for imports: each incident as it now stands (loaded with SNAPSHOT_LOADS,
    or built as loaded), in one multi-row INSERT. An import records no `before`: the version
    it replaced is the previous entry of the same log. Returns how many entries were written."""
    rows = [
        {
            "entity_type": "incident",
            "entity_id": incident.id,
            "action": action.value,
            "before": None,
            "after": snapshot_incident(incident),
            "user_id": user.id if user else None,
            "origin": origin[:100],
        }
        for incident, action in written
    ]
    if rows:
        # Through the table: the ORM's bulk path would add a statement per group of rows.
        session.execute(insert(cast(Table, Change.__table__)), rows)
    return len(rows)
