"""Dataset names an import could not place, and editors mapping each to the actor it means.

An import gives such a name an actor of its own (a placeholder) so nothing is lost. Mapping it
moves everything the placeholder holds (incident links, claims, figures) to the chosen actor and
records the name in the crosswalk, so later imports map it too; keeping it makes the placeholder
a real actor.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, exists, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from app.i18n import gettext
from app.models import (
    Actor,
    ActorMapping,
    CasualtyFigure,
    Claim,
    IncidentActor,
    UnmappedName,
)
from app.services.crosswalk import actor_key
from app.services.derived import refresh_derived


class MappingError(Exception):
    """Why a name could not be mapped, worded for the editor, in their language."""


def unmapped_names(session: Session) -> list[UnmappedName]:
    return list(
        session.scalars(
            select(UnmappedName)
            .order_by(UnmappedName.events.desc(), UnmappedName.name)
            .options(selectinload(UnmappedName.actor))
        )
    )


def map_name(session: Session, unmapped_id: int, target: Actor) -> int:
    """Map a name to `target`, for the incidents it is on now and for every later import.
    Returns how many incidents changed."""
    unmapped = session.get(UnmappedName, unmapped_id)
    if unmapped is None:
        raise MappingError(gettext("That name has been dealt with already."))
    placeholder = unmapped.actor
    if placeholder.id == target.id:
        raise MappingError(gettext("Choose another actor than the name's own placeholder."))
    incident_ids = list(
        session.scalars(
            select(IncidentActor.incident_id).where(IncidentActor.actor_id == placeholder.id)
        )
    )
    # A link the target already has in the same role stays single.
    same = aliased(IncidentActor)
    session.execute(
        delete(IncidentActor).where(
            IncidentActor.actor_id == placeholder.id,
            exists().where(
                and_(
                    same.incident_id == IncidentActor.incident_id,
                    same.actor_id == target.id,
                    same.role == IncidentActor.role,
                )
            ),
        )
    )
    session.execute(
        update(IncidentActor)
        .where(IncidentActor.actor_id == placeholder.id)
        .values(actor_id=target.id)
    )
    session.execute(
        update(Claim)
        .where(Claim.claimant_actor_id == placeholder.id)
        .values(claimant_actor_id=target.id)
    )
    session.execute(
        update(CasualtyFigure)
        .where(CasualtyFigure.actor_id == placeholder.id)
        .values(actor_id=target.id)
    )
    session.add(
        ActorMapping(
            dataset=unmapped.dataset,
            name=unmapped.name,
            name_key=actor_key(unmapped.name),
            actor=target,
            origin="editor",
        )
    )
    session.delete(unmapped)
    session.flush()
    session.delete(placeholder)
    refresh_derived(session, incident_ids)
    return len(set(incident_ids))


def keep_name(session: Session, unmapped_id: int) -> None:
    """The name is an actor of its own: its placeholder stays, and is no longer listed."""
    unmapped = session.get(UnmappedName, unmapped_id)
    if unmapped is None:
        raise MappingError(gettext("That name has been dealt with already."))
    session.add(
        ActorMapping(
            dataset=unmapped.dataset,
            name=unmapped.name,
            name_key=actor_key(unmapped.name),
            actor_id=unmapped.actor_id,
            origin="editor",
        )
    )
    session.delete(unmapped)
