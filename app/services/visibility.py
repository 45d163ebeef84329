"""What a reader may see: the one rule, used by pages, maps, exports, feeds and the API.

Anyone signed in (a page session or an API token) is an editor, and editors see everything:
drafts, archived incidents, and the places and sources only those name. Everyone else sees
what is published, the reference gazetteer, and the sources published claims cite."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from app.models import Claim, ClaimSource, Incident, Place, Source, User
from app.models.vocab import ReviewState


@dataclass(frozen=True)
class Viewer:
    sees_unpublished: bool

    @staticmethod
    def of(user: User | None) -> Viewer:
        return EDITOR if user is not None else READER

    def may_see(self, review_state: str) -> bool:
        return self.sees_unpublished or review_state == ReviewState.PUBLISHED

    def incidents(self) -> list[ColumnElement[bool]]:
        """Conditions on Incident for the incidents this viewer sees."""
        return [] if self.sees_unpublished else [Incident.review_state == ReviewState.PUBLISHED]

    def places(self) -> list[ColumnElement[bool]]:
        """A place typed into a draft is as private as the draft: readers see a place only if
        the reference gazetteer has it or a published incident is there."""
        if self.sees_unpublished:
            return []
        used = (
            select(Incident.id)
            .where(Incident.place_id == Place.id, Incident.review_state == ReviewState.PUBLISHED)
            .exists()
        )
        # Reference rows are the ones loaded with a source for their coordinates.
        return [Place.source_url.is_not(None) | used]

    def sources(self) -> list[ColumnElement[bool]]:
        """Readers see a source only if a claim about a published incident cites it."""
        if self.sees_unpublished:
            return []
        cited = (
            select(ClaimSource.claim_id)
            .join(Claim, Claim.id == ClaimSource.claim_id)
            .join(Incident, Incident.id == Claim.incident_id)
            .where(
                ClaimSource.source_id == Source.id,
                Incident.review_state == ReviewState.PUBLISHED,
            )
            .exists()
        )
        return [cited]


READER = Viewer(sees_unpublished=False)
EDITOR = Viewer(sees_unpublished=True)
