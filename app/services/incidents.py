"""Reading incidents for pages, exports and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session, selectinload

from app.models import CasualtyFigure, Claim, ClaimSource, Incident, IncidentActor, Place
from app.models.vocab import ReviewState
from app.services.claims import contesting_status_condition

PAGE_SIZE = 50


@dataclass(frozen=True)
class ClaimSummary:
    count: int
    contested: bool

    def __str__(self) -> str:
        noun = "claim" if self.count == 1 else "claims"
        return f"{self.count} {noun}, contested" if self.contested else f"{self.count} {noun}"


@dataclass
class IncidentListItem:
    incident: Incident
    claims: ClaimSummary


@dataclass
class IncidentPage:
    items: list[IncidentListItem]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _claim_summaries(session: Session, incident_ids: list[int]) -> dict[int, ClaimSummary]:
    if not incident_ids:
        return {}
    contested = func.max(case((contesting_status_condition(), 1), else_=0)).cast(Integer)
    rows = session.execute(
        select(Claim.incident_id, func.count(Claim.id), contested)
        .where(Claim.incident_id.in_(incident_ids))
        .group_by(Claim.incident_id)
    )
    return {incident_id: ClaimSummary(count, bool(flag)) for incident_id, count, flag in rows}


def list_incidents(session: Session, *, page: int = 1, page_size: int = PAGE_SIZE) -> IncidentPage:
    """Published incidents, newest first."""
    visible = Incident.review_state == ReviewState.PUBLISHED
    total = session.scalar(select(func.count()).select_from(Incident).where(visible)) or 0
    incidents = session.scalars(
        select(Incident)
        .where(visible)
        .order_by(Incident.date_start.desc(), Incident.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
        .options(
            selectinload(Incident.place),
            selectinload(Incident.sector),
            selectinload(Incident.actor_links).selectinload(IncidentActor.actor),
        )
    ).all()
    summaries = _claim_summaries(session, [i.id for i in incidents])
    items = [IncidentListItem(i, summaries.get(i.id, ClaimSummary(0, False))) for i in incidents]
    return IncidentPage(items=items, total=total, page=page, page_size=page_size)


def get_incident(session: Session, incident_id: int) -> Incident | None:
    """A published incident with everything its page shows, in a fixed number of queries."""
    return session.scalar(
        select(Incident)
        .where(Incident.id == incident_id, Incident.review_state == ReviewState.PUBLISHED)
        .options(
            selectinload(Incident.place).selectinload(Place.aliases),
            selectinload(Incident.sector),
            selectinload(Incident.actor_links).selectinload(IncidentActor.actor),
            selectinload(Incident.claims).options(
                selectinload(Claim.claimant),
                selectinload(Claim.figures).selectinload(CasualtyFigure.actor),
                selectinload(Claim.source_links).selectinload(ClaimSource.source),
            ),
        )
    )
