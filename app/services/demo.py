"""The demo data set: the October 2025 border clashes, every party's claim with its sources.

Each demo incident carries an external id in the "demo" dataset, so loading twice adds nothing
and never overwrites what an editor has changed since.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Actor,
    CasualtyFigure,
    Claim,
    ClaimSource,
    ExternalId,
    Incident,
    IncidentActor,
    Place,
    Sector,
    Source,
)
from app.models.vocab import ChangeAction, ReviewState
from app.services.changes import record_change
from app.services.derived import refresh_derived
from app.services.reference import add_actor_names, load_reference_data
from app.services.snapshots import snapshot_incident

DEMO_FILE = Path(__file__).resolve().parent.parent / "data" / "demo" / "oct2025.json"
DEMO_DATASET = "demo"


class DemoDataError(ValueError):
    """The demo file refers to something that does not exist."""


@dataclass
class DemoResult:
    incidents_created: int = 0
    incidents_present: int = 0
    claims_created: int = 0
    sources_created: int = 0


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


LookedUp = TypeVar("LookedUp", Actor, Place, Sector)


class _Lookup(Generic[LookedUp]):
    """Slug -> row, with an error that names what the demo file got wrong."""

    def __init__(self, session: Session, model: type[LookedUp]) -> None:
        self.kind = model.__name__.lower()
        self.rows: dict[str, LookedUp] = {row.slug: row for row in session.scalars(select(model))}

    def __call__(self, slug: str | None, where: str) -> LookedUp | None:
        if slug is None:
            return None
        if slug not in self.rows:
            raise DemoDataError(f"{where}: unknown {self.kind} {slug!r}")
        return self.rows[slug]


def load_demo(session: Session, path: Path = DEMO_FILE) -> DemoResult:
    data = json.loads(path.read_text(encoding="utf-8"))
    load_reference_data(session)
    result = DemoResult()

    for spec in data.get("actors", []):
        if session.scalar(select(Actor).where(Actor.slug == spec["slug"])) is None:
            actor = Actor(
                slug=spec["slug"], name=spec["name"], kind=spec["kind"], country=spec.get("country")
            )
            add_actor_names(
                actor, aliases=spec.get("aliases", []), acled_names=spec.get("acled_names", [])
            )
            session.add(actor)
    session.flush()

    actor_of = _Lookup(session, Actor)
    place_of = _Lookup(session, Place)
    sector_of = _Lookup(session, Sector)
    _name_references(data, actor_of)

    sources: dict[str, Source] = {}
    for spec in data["sources"]:
        source = session.scalar(select(Source).where(Source.url == spec["url"]))
        if source is None:
            source = Source(
                url=spec["url"],
                outlet=spec["outlet"],
                title=spec.get("title") or "",
                published_on=_date(spec.get("published_on")),
                language=spec.get("language") or "en",
                reliability=spec.get("reliability") or "F",
                speaks_for=actor_of(spec.get("speaks_for"), f"source {spec['key']}"),
            )
            session.add(source)
            result.sources_created += 1
        sources[spec["key"]] = source
    session.flush()

    present = set(
        session.scalars(select(ExternalId.external_id).where(ExternalId.dataset == DEMO_DATASET))
    )
    for spec in data["incidents"]:
        if spec["key"] in present:
            result.incidents_present += 1
            continue
        incident = _build_incident(spec, actor=actor_of, place=place_of, sector=sector_of)
        session.add(incident)
        session.flush()
        _add_claims(session, incident, spec, actor=actor_of, sources=sources)
        refresh_derived(session, [incident.id])
        session.refresh(incident)
        record_change(
            session,
            entity_type="incident",
            entity_id=incident.id,
            action=ChangeAction.CREATE,
            before=None,
            after=snapshot_incident(incident),
            origin="demo",
        )
        result.incidents_created += 1
        result.claims_created += len(spec["claims"])
    return result


def _name_references(data: dict[str, Any], actor_of: _Lookup[Actor]) -> None:
    """Editors' notes in the file point at other records by their keys ("see
    2025-10-14-kurram-sector", "(thehawk-ians-12-afghans)"); readers are shown what the key
    stands for: the incident's title, the source's outlet, whose claim it is."""
    names = {source["key"]: source["outlet"] for source in data["sources"]}
    for incident in data["incidents"]:
        names[incident["key"]] = f"“{incident['title']}”"
        for claim in incident["claims"]:
            actor = actor_of(claim.get("claimant"), f"claim {claim['key']}")
            who = actor.name if actor else claim.get("spokesperson_role") or "an unnamed source"
            names[claim["key"]] = f"{who}'s {claim['kind']} claim"
    keys = re.compile(
        r"\b(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")\b"
    )

    def named(text: str | None) -> str | None:
        return keys.sub(lambda found: names[found.group(1)], text) if text else text

    for incident in data["incidents"]:
        incident["notes"] = named(incident.get("notes"))
        for claim in incident["claims"]:
            claim["note"] = named(claim.get("note"))


def _coordinate(given: float | None, from_place: float | None) -> float | None:
    return given if given is not None else from_place


def _build_incident(
    spec: dict[str, Any], *, actor: _Lookup[Actor], place: _Lookup[Place], sector: _Lookup[Sector]
) -> Incident:
    where = f"incident {spec['key']}"
    linked_place: Place | None = place(spec.get("place"), where)
    incident = Incident(
        title=spec["title"],
        summary=spec.get("summary") or "",
        date_start=_date(spec["date_start"]),
        date_end=_date(spec.get("date_end") or spec["date_start"]),
        date_precision=spec.get("date_precision") or "day",
        place=linked_place,
        location=spec.get("location") or "",
        latitude=_coordinate(spec.get("latitude"), linked_place.latitude if linked_place else None),
        longitude=_coordinate(
            spec.get("longitude"), linked_place.longitude if linked_place else None
        ),
        geo_precision=spec.get("geo_precision") or 1,
        sector=sector(spec.get("sector"), where),
        country=spec.get("country"),
        event_type=spec["event_type"],
        sub_event_type=spec.get("sub_event_type"),
        notes=spec.get("notes") or "",
        review_state=ReviewState.PUBLISHED,
        external_ids=[ExternalId(dataset=DEMO_DATASET, external_id=spec["key"])],
    )
    assessed = spec.get("assessed") or {}
    for name in ("killed_low", "killed_best", "killed_high", "wounded_low", "wounded_high"):
        setattr(incident, f"assessed_{name}", assessed.get(name))
    incident.actor_links = [
        IncidentActor(actor=actor(link["actor"], where), role=link["role"], position=position)
        for position, link in enumerate(spec.get("actors", []))
    ]
    return incident


def _add_claims(
    session: Session,
    incident: Incident,
    spec: dict[str, Any],
    *,
    actor: _Lookup[Actor],
    sources: dict[str, Source],
) -> None:
    by_key: dict[str, Claim] = {}
    for claim_spec in spec["claims"]:
        where = f"claim {claim_spec['key']}"
        claim = Claim(
            incident=incident,
            claimant=actor(claim_spec.get("claimant"), where),
            spokesperson=claim_spec.get("spokesperson"),
            spokesperson_role=claim_spec.get("spokesperson_role"),
            claimed_on=_date(claim_spec.get("claimed_on")),
            kind=claim_spec["kind"],
            statement=claim_spec.get("statement") or "",
            statement_language=claim_spec.get("statement_language") or "en",
            translation=claim_spec.get("translation"),
            status=claim_spec["status"],
            credibility=claim_spec.get("credibility"),
            note=claim_spec.get("note") or "",
        )
        claim.figures = [
            CasualtyFigure(
                party=f["party"],
                actor=actor(f.get("actor"), where),
                outcome=f["outcome"],
                low=f["low"],
                high=f.get("high"),
            )
            for f in claim_spec.get("figures", [])
        ]
        try:
            claim.source_links = [
                ClaimSource(source=sources[key], position=position)
                for position, key in enumerate(claim_spec["sources"])
            ]
        except KeyError as missing:
            raise DemoDataError(f"{where}: unknown source {missing}") from None
        session.add(claim)
        by_key[claim_spec["key"]] = claim
    session.flush()
    for claim_spec in spec["claims"]:
        target = claim_spec.get("responds_to")
        if target is None:
            continue
        if target not in by_key:
            raise DemoDataError(f"claim {claim_spec['key']}: responds to unknown claim {target!r}")
        by_key[claim_spec["key"]].responds_to_id = by_key[target].id
