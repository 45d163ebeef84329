"""Which actor a dataset's name for a party means, on the event's date.

ACLED versions its names ("Military Forces of Pakistan (2018-)", "(2014-2021)"); UCDP keeps one
name through regime changes ("Government of Afghanistan" is the Islamic Republic until 14 August
2021 and the Taliban after). The crosswalk (reference rows and editors' mappings) is asked first,
with the version taken off the name and the event's date deciding; then the actors' own names,
aliases and ACLED names; a name neither knows is the caller's to list for editors.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Actor, ActorMapping

# ACLED's version of a name: "(2018-)", "(2014-2021)", "(1999-2008)".
VERSION = re.compile(r"\(\s*\d{4}\s*-\s*(\d{4})?\s*\)")
ANY_DATASET = "*"
# UCDP's one-sided violence names its victims "Civilians", whichever country they are in.
CIVILIANS_BY_COUNTRY = {"PAK": "civilians-pakistan", "AFG": "civilians-afghanistan"}


@functools.lru_cache(maxsize=8192)
def actor_key(name: str) -> str:
    """A dataset name as compared: no version, no accents, case or punctuation differences.
    "Military Forces of Pakistan (2018-)" and "military forces of pakistan" are the same key;
    "Civilians (Pakistan)" keeps its country."""
    text = VERSION.sub(" ", name)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"\w+", text))


@dataclass(frozen=True)
class Rule:
    valid_from: date | None
    valid_to: date | None
    actor: Actor

    def holds_on(self, day: date) -> bool:
        return (self.valid_from is None or day >= self.valid_from) and (
            self.valid_to is None or day <= self.valid_to
        )


class Crosswalk:
    def __init__(self, mappings: Iterable[ActorMapping], actors: Iterable[Actor]) -> None:
        self.rules: dict[tuple[str, str], list[Rule]] = {}
        for mapping in mappings:
            rule = Rule(mapping.valid_from, mapping.valid_to, mapping.actor)
            self.rules.setdefault((mapping.dataset, mapping.name_key), []).append(rule)
        self.names: dict[str, Actor] = {}
        self.by_slug: dict[str, Actor] = {}
        for actor in actors:
            self.remember(actor)

    @classmethod
    def load(cls, session: Session) -> Crosswalk:
        mappings = session.scalars(select(ActorMapping).options(selectinload(ActorMapping.actor)))
        actors = session.scalars(select(Actor).options(selectinload(Actor.names)))
        return cls(list(mappings), list(actors))

    def remember(self, actor: Actor, *names: str) -> None:
        self.by_slug[actor.slug] = actor
        for name in (actor.slug, actor.name, *(n.name for n in actor.names), *names):
            self.names.setdefault(actor_key(name), actor)

    def resolve(self, dataset: str, name: str, on: date, country: str | None) -> Actor | None:
        key = actor_key(name)
        for source in (dataset, ANY_DATASET):
            for rule in self.rules.get((source, key), []):
                if rule.holds_on(on):
                    return rule.actor
        if key == "civilians" and country in CIVILIANS_BY_COUNTRY:
            return self.by_slug.get(CIVILIANS_BY_COUNTRY[country])
        return self.names.get(key)
