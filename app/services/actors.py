"""Actors: lookups for autocomplete, and an actor's record of incidents and claims."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Actor, ActorName
from app.services.names import names
from app.services.search import escape_like

SUGGESTION_LIMIT = 30


@dataclass(frozen=True)
class Suggestion:
    value: str  # what goes into the form; the server resolves names and aliases to the actor
    label: str


def suggest_actors(
    session: Session, typed: str = "", limit: int = SUGGESTION_LIMIT
) -> list[Suggestion]:
    """Actors whose name or alias contains what was typed: names first, then aliases."""
    if not typed.strip():
        return [Suggestion(name, name) for name in names(session).actor_names[:limit]]
    pattern = f"%{escape_like(typed.strip().lower())}%"
    found = session.execute(
        select(Actor.name)
        .where(func.lower(Actor.name).like(pattern, escape="\\"))
        .order_by(Actor.name)
        .limit(limit)
    ).scalars()
    suggestions = [Suggestion(name, name) for name in found]
    if len(suggestions) < limit and typed.strip():
        aliases = session.execute(
            select(ActorName.name, Actor.name)
            .join(Actor, Actor.id == ActorName.actor_id)
            .where(
                ActorName.kind == "alias",
                or_(func.lower(ActorName.name).like(pattern, escape="\\")),
            )
            .order_by(ActorName.name)
            .limit(limit - len(suggestions))
        )
        suggestions += [Suggestion(alias, f"{alias}: {name}") for alias, name in aliases]
    return suggestions
