"""The record of one actor, sector or place: its incidents and how the claims fared."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from app.models import Actor, Claim, Incident, Place, Sector
from app.models.vocab import ClaimStatus, ReviewState
from app.schemas.filters import IncidentFilter
from app.services.browse import filter_conditions, list_items
from app.services.incidents import IncidentListItem
from app.services.visibility import READER, Viewer

RECORD_PAGE_SIZE = 50
CLAIMS_SHOWN = 100


@dataclass
class Record:
    items: list[IncidentListItem]
    total: int
    # Claims counted per status: those the actor made, or those about incidents in the sector/place.
    status_counts: dict[str, int]
    # The filtered list with every incident, when the URL contract can express it.
    browse_url: str | None
    # The map feed of those incidents, on the same condition.
    map_url: str | None


def _status_counts(session: Session, *conditions: ColumnElement[bool]) -> dict[str, int]:
    rows = dict(
        session.execute(
            select(Claim.status, func.count(Claim.id))
            .join(Incident, Incident.id == Claim.incident_id)
            .where(Incident.review_state == ReviewState.PUBLISHED, *conditions)
            .group_by(Claim.status)
        ).all()
    )
    return {status.value: rows.get(status.value, 0) for status in ClaimStatus}


def _record(
    session: Session,
    conditions: list[ColumnElement[bool]],
    claim_conditions: list[ColumnElement[bool]],
    browse_url: str | None,
    map_url: str | None,
) -> Record:
    total = session.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0
    items = list_items(session, conditions, page_size=RECORD_PAGE_SIZE)
    return Record(items, total, _status_counts(session, *claim_conditions), browse_url, map_url)


def _filter_record(
    session: Session, wanted: IncidentFilter, claim_conditions: list[ColumnElement[bool]]
) -> Record:
    conditions = filter_conditions(wanted, session.get_bind().dialect.name)
    return _record(
        session, conditions, claim_conditions, wanted.url(), wanted.url("/incidents/map.geojson")
    )


def get_actor(session: Session, slug: str) -> Actor | None:
    return session.scalar(
        select(Actor)
        .where(Actor.slug == slug)
        .options(
            selectinload(Actor.names),
            selectinload(Actor.member_of),
            selectinload(Actor.members),
        )
    )


def actor_record(session: Session, actor: Actor) -> Record:
    return _filter_record(
        session, IncidentFilter(actors=(actor.slug,)), [Claim.claimant_actor_id == actor.id]
    )


def claims_by_actor(session: Session, actor: Actor, limit: int = CLAIMS_SHOWN) -> list[Claim]:
    """The actor's claims about published incidents, newest first."""
    return list(
        session.scalars(
            select(Claim)
            .join(Incident, Incident.id == Claim.incident_id)
            .where(
                Claim.claimant_actor_id == actor.id, Incident.review_state == ReviewState.PUBLISHED
            )
            .order_by(Claim.claimed_on.desc().nulls_last(), Claim.id.desc())
            .limit(limit)
            .options(selectinload(Claim.incident), selectinload(Claim.figures))
        )
    )


def get_sector(session: Session, slug: str) -> Sector | None:
    return session.scalar(select(Sector).where(Sector.slug == slug))


def sector_record(session: Session, sector: Sector) -> Record:
    return _filter_record(
        session, IncidentFilter(sectors=(sector.slug,)), [Incident.sector_id == sector.id]
    )


def places_in_sector(session: Session, sector: Sector, *, viewer: Viewer = READER) -> list[Place]:
    return list(
        session.scalars(
            select(Place).where(Place.sector_id == sector.id, *viewer.places()).order_by(Place.name)
        )
    )


def get_place(session: Session, slug: str, *, viewer: Viewer = READER) -> Place | None:
    return session.scalar(
        select(Place)
        .where(Place.slug == slug, *viewer.places())
        .options(selectinload(Place.aliases), selectinload(Place.sector))
    )


def place_record(session: Session, place: Place) -> Record:
    conditions = [Incident.review_state == ReviewState.PUBLISHED, Incident.place_id == place.id]
    return _record(session, conditions, [Incident.place_id == place.id], None, None)
