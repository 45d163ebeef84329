"""Finding actors and places by what an editor typed: a slug, a name or an alias."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.models import Actor, ActorName, Place, PlaceAlias
from app.slugs import slugify


def find_actor(session: Session, text: str) -> Actor | None:
    wanted = text.strip().lower()
    if not wanted:
        return None
    return session.scalars(
        select(Actor)
        .outerjoin(ActorName, ActorName.actor_id == Actor.id)
        .where(
            or_(
                Actor.slug == wanted,
                func.lower(Actor.name) == wanted,
                func.lower(ActorName.name) == wanted,
            )
        )
        .order_by(Actor.id)
        .limit(1)
    ).first()


def find_place(session: Session, text: str) -> Place | None:
    """By slug first (it names one place), then by name or alias."""
    wanted = text.strip().lower()
    if not wanted:
        return None
    by_slug = session.scalar(select(Place).where(Place.slug == wanted))
    if by_slug is not None:
        return by_slug
    return session.scalars(
        select(Place)
        .outerjoin(PlaceAlias, PlaceAlias.place_id == Place.id)
        .where(
            or_(
                Place.slug == wanted,
                func.lower(Place.name) == wanted,
                func.lower(PlaceAlias.alias) == wanted,
            )
        )
        .order_by(Place.id)
        .limit(1)
    ).first()


def unique_place_slug(session: Session, name: str) -> str:
    base = slugify(name) or "place"
    taken = set(session.scalars(select(Place.slug).where(Place.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def place_suggestions(session: Session) -> list[tuple[str, str]]:
    """(value, label) for the place autocomplete: every name and alias of the gazetteer."""
    names = [(p.name, p.name) for p in session.scalars(select(Place).order_by(Place.name))]
    aliases = session.execute(
        select(PlaceAlias.alias, Place.name)
        .join(Place, Place.id == PlaceAlias.place_id)
        .order_by(PlaceAlias.alias)
    )
    return names + [(alias, f"{alias}: {name}") for alias, name in aliases]
