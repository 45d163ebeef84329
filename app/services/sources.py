"""Sources: where claims were published, reused by every claim that cites them."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import ClaimSource, Source, User
from app.models.vocab import ChangeAction
from app.schemas.forms import SourceInput
from app.services.changes import record_change
from app.services.documents import source_document
from app.services.search import escape_like

SOURCES_PER_PAGE = 100


def version_stamp(source: Source) -> str:
    """When the source last changed, written the same way whatever the database hands back
    (SQLite drops the time zone): editors send it back to prove what they started from."""
    moment = source.updated_at
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


class SourceConflict(Exception):
    """The source was changed by someone else after this editor opened it."""


class DuplicateSource(Exception):
    pass


def list_sources(session: Session, q: str = "") -> list[tuple[Source, int]]:
    """Sources with how many claims cite each, matching q in the outlet, headline or address."""
    uses = func.count(ClaimSource.claim_id)
    query = (
        select(Source, uses)
        .outerjoin(ClaimSource, ClaimSource.source_id == Source.id)
        .group_by(Source.id)
    )
    if q:
        pattern = f"%{escape_like(q.lower())}%"
        query = query.where(
            func.lower(Source.outlet).like(pattern, escape="\\")
            | func.lower(Source.title).like(pattern, escape="\\")
            | func.lower(Source.url).like(pattern, escape="\\")
        )
    rows = session.execute(query.order_by(Source.outlet, Source.id).limit(SOURCES_PER_PAGE)).all()
    return [(source, count) for source, count in rows]


def snapshot_source(source: Source) -> dict[str, object]:
    """A source in the change log: the fields exports and the API give."""
    return source_document(source)


def source_fields(data: SourceInput) -> dict[str, Any]:
    """A source's columns as given in a form, the API or a claim's source row."""
    return {
        "url": data.url,
        "outlet": data.outlet,
        "title": data.title,
        "published_on": data.published_on,
        "language": data.language,
        "reliability": data.reliability,
    }


def change_source(
    session: Session, source: Source, fields: dict[str, Any], *, user: User | None
) -> None:
    """Set the source's fields and record the change with before and after."""
    before = snapshot_source(source)
    for name, value in fields.items():
        setattr(source, name, value)
    # No flush here: from a claim form, a half-built claim is pending in the same session.
    record_change(
        session,
        entity_type="source",
        entity_id=source.id,
        action=ChangeAction.UPDATE,
        before=before,
        after=snapshot_source(source),
        user=user,
    )


def _check_unique(session: Session, url: str, own_id: int | None) -> None:
    other = session.scalar(select(Source.id).where(Source.url == url))
    if other is not None and other != own_id:
        raise DuplicateSource(f"source {other} already has this address")


def create_source(session: Session, data: SourceInput, *, user: User | None) -> Source:
    _check_unique(session, data.url, None)
    source = Source(**source_fields(data))
    session.add(source)
    session.flush()
    record_change(
        session,
        entity_type="source",
        entity_id=source.id,
        action=ChangeAction.CREATE,
        before=None,
        after=snapshot_source(source),
        user=user,
    )
    return source


def update_source(
    session: Session, source_id: int, data: SourceInput, *, last_seen: str, user: User | None
) -> Source:
    source = session.get(Source, source_id)
    if source is None:
        raise LookupError(f"no source {source_id}")
    if version_stamp(source) != last_seen:
        raise SourceConflict(f"source {source_id} changed since it was opened")
    _check_unique(session, data.url, source.id)
    change_source(session, source, source_fields(data), user=user)
    session.flush()  # the new updated_at is what the caller hands back as the version
    return source
