"""Citable versions: an incident as a given version left it, read back from the change log, so
a figure cited from version n can be checked at /incidents/{id}/v/{n} for good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Change, Incident
from app.services.editing import incident_from_snapshot
from app.services.snapshots import is_incident_snapshot
from app.services.visibility import READER, Viewer


@dataclass(frozen=True)
class PastVersion:
    incident: Incident  # as it was; never saved
    saved_at: datetime


def incident_at_version(
    session: Session, incident_id: int, version: int, *, viewer: Viewer = READER
) -> PastVersion | None:
    """The incident as the change that made it version `version` left it; None when no such
    change is recorded, when it is not in the form pages read (imports before a first edit),
    or, for a reader, when that version was not published."""
    changes = session.scalars(
        select(Change)
        .where(Change.entity_type == "incident", Change.entity_id == incident_id)
        .order_by(Change.id.desc())
    )
    for change in changes:
        after = change.after
        if not is_incident_snapshot(after) or after["version"] != version:
            continue
        if not viewer.may_see(after["review_state"]):
            return None
        return PastVersion(incident_from_snapshot(session, after), change.created_at)
    return None
