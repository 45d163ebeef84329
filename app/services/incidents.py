"""Reading incidents for pages, exports and the API."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    CasualtyFigure,
    Claim,
    ClaimSource,
    ExternalId,
    Incident,
    IncidentActor,
    Place,
    Source,
)
from app.models.vocab import ReviewState
from app.services.claims import contesting_status_condition


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


def claim_summaries(session: Session, incident_ids: list[int]) -> dict[int, ClaimSummary]:
    """How many claims each incident has, and whether it is contested, in one query."""
    if not incident_ids:
        return {}
    contested = func.max(case((contesting_status_condition(), 1), else_=0)).cast(Integer)
    rows = session.execute(
        select(Claim.incident_id, func.count(Claim.id), contested)
        .where(Claim.incident_id.in_(incident_ids))
        .group_by(Claim.incident_id)
    )
    return {incident_id: ClaimSummary(count, bool(flag)) for incident_id, count, flag in rows}


def visible_to(include_unpublished: bool) -> list[ColumnElement[bool]]:
    """Readers see published incidents only; editors see drafts and archived ones too."""
    return [] if include_unpublished else [Incident.review_state == ReviewState.PUBLISHED]


def places_visible_to(include_unpublished: bool) -> list[ColumnElement[bool]]:
    """Readers see a place only if the reference gazetteer has it or a published incident is
    there: a place typed into a draft is as private as the draft."""
    if include_unpublished:
        return []
    used = (
        select(Incident.id)
        .where(Incident.place_id == Place.id, Incident.review_state == ReviewState.PUBLISHED)
        .exists()
    )
    # Reference rows are the ones loaded with a source for their coordinates.
    return [Place.source_url.is_not(None) | used]


def sources_visible_to(include_unpublished: bool) -> list[ColumnElement[bool]]:
    """Readers see a source only if a claim about a published incident cites it."""
    if include_unpublished:
        return []
    cited = (
        select(ClaimSource.claim_id)
        .join(Claim, Claim.id == ClaimSource.claim_id)
        .join(Incident, Incident.id == Claim.incident_id)
        .where(ClaimSource.source_id == Source.id, Incident.review_state == ReviewState.PUBLISHED)
        .exists()
    )
    return [cited]


def get_incident(
    session: Session, incident_id: int, *, include_unpublished: bool = False
) -> Incident | None:
    """An incident with everything its page shows, in a fixed number of queries. Readers see
    published incidents only; editors see drafts and archived ones too."""
    return session.scalar(
        select(Incident)
        .where(Incident.id == incident_id, *visible_to(include_unpublished))
        .options(
            selectinload(Incident.place).selectinload(Place.aliases),
            selectinload(Incident.sector),
            selectinload(Incident.district),
            selectinload(Incident.external_ids).selectinload(ExternalId.import_run),
            selectinload(Incident.actor_links).selectinload(IncidentActor.actor),
            selectinload(Incident.claims).options(
                selectinload(Claim.claimant),
                selectinload(Claim.figures).selectinload(CasualtyFigure.actor),
                selectinload(Claim.source_links).selectinload(ClaimSource.source),
            ),
        )
    )
