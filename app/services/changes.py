"""Recording changes: one row per write, with before and after snapshots."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.models import Change, User
from app.models.vocab import ChangeAction


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
        before=before,
        after=after,
        user=user,
        origin=origin,
        request_id=request_id,
    )
    session.add(change)
    return change
