"""Synthetic incidents for measuring the app at scale (`incidents synth`).

The data looks like real reporting where it matters to queries: a few actors and sectors take
most incidents, five years of dates, one to four claims per incident from the parties involved,
replies that dispute or deny, figures, sources, and text of realistic length. The same seed gives
the same data. Rows go in with bulk Core inserts, batch by batch, with the derived values (search
text, lowest and highest claimed killed) computed by the same rules as every other write.
"""

from __future__ import annotations

import multiprocessing
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.dialects import sqlite

from app.db import Database, one_version_bump, reserve_ids
from app.models import (
    Actor,
    ActorName,
    Base,
    Place,
    PlaceAlias,
    Sector,
    Source,
)
from app.models.vocab import EVENT_TYPES, ClaimKind, ClaimStatus, ReviewState
from app.services.claims import killed_in
from app.services.derived import search_document
from app.services.reference import load_reference_data

BATCH = 5_000
MAX_CLAIMS = 4  # per incident
FIRST_DAY = date(2021, 1, 1)
DAYS = 5 * 365
SYNTH_SOURCES = 2_000
# Local armed groups and lashkars, so the actor facet has a long tail as in real data.
EXTRA_ACTORS = 24

# Share of incidents per sector slug: a few frontier sectors dominate reporting.
SECTOR_WEIGHTS = {
    "waziristan-paktika-khost": 28,
    "khyber-nangarhar": 18,
    "kurram-paktia-khost": 14,
    "chaman-spin-boldak": 12,
    "mohmand-bajaur-kunar": 11,
    "zhob-paktika": 7,
    "chitral-nuristan-badakhshan": 5,
    "interior": 5,
}
EVENT_WEIGHTS = {
    "battles": 38,
    "explosions-remote-violence": 30,
    "violence-against-civilians": 12,
    "strategic-developments": 12,
    "protests": 6,
    "riots": 2,
}
STATUS_WEIGHTS = {
    ClaimStatus.UNVERIFIED: 50,
    ClaimStatus.CORROBORATED: 15,
    ClaimStatus.DISPUTED: 18,
    ClaimStatus.DENIED: 14,
    ClaimStatus.RETRACTED: 3,
}
OUTLETS = (
    "Dawn", "ISPR", "Tolo News", "Pajhwok", "Express Tribune", "Geo News", "Ariana News",
    "Khaama Press", "The News", "BBC Pashto", "Radio Azadi", "Al Jazeera", "Reuters", "AFP",
)  # fmt: skip
WORDS = (
    "border", "post", "firing", "mortar", "shelling", "forces", "fighters", "civilians",
    "village", "checkpoint", "clash", "overnight", "officials", "said", "local", "residents",
    "reported", "district", "crossing", "killed", "wounded", "artillery", "drone", "strike",
    "positions", "retaliated", "ceasefire", "talks", "elders", "market", "closed", "trade",
    "refugees", "fled", "houses", "damaged", "security", "sources", "claimed", "denied",
    "statement", "spokesman", "attack", "convoy", "patrol", "militants", "hideout", "operation",
)  # fmt: skip
SECTOR_SLUGS = list(SECTOR_WEIGHTS)
SECTOR_CUMULATIVE = list(accumulate(SECTOR_WEIGHTS.values()))
EVENT_SLUGS = list(EVENT_WEIGHTS)
EVENT_CUMULATIVE = list(accumulate(EVENT_WEIGHTS.values()))
STATUSES = list(STATUS_WEIGHTS)
STATUS_CUMULATIVE = list(accumulate(STATUS_WEIGHTS.values()))
ROLES = ("side_a", "side_b", "associated")
OUTCOMES = ("killed", "killed", "wounded")
LOSS_PARTIES = ("civilians", "combatants", "unknown")


@dataclass
class _Figure:
    outcome: str
    low: int
    high: int | None
    part_of_total: bool = False


@dataclass
class SynthReport:
    incidents: int = 0
    claims: int = 0
    figures: int = 0


@dataclass
class _World:
    """What incidents are drawn from: reference rows already in the database."""

    actors: list[tuple[int, str, list[str]]]  # id, name, aliases
    actor_cumulative: list[float]
    sectors: dict[str, tuple[int, str]]  # slug -> id, name
    places: dict[int, list[tuple[int, str, float, float, list[str]]]]  # sector id -> places
    sources: list[int]
    sentences: list[str]


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _prepare(connection: Connection, rng: random.Random) -> _World:
    """Reference data, a long tail of local actors and a pool of sources, added once."""
    actor_table, name_table, source_table = _table(Actor), _table(ActorName), _table(Source)
    existing = set(connection.scalars(select(actor_table.c.slug)))
    extra = [
        {"slug": f"local-lashkar-{n}", "name": f"Local lashkar {n}", "kind": "rebel-group"}
        for n in range(1, EXTRA_ACTORS + 1)
        if f"local-lashkar-{n}" not in existing
    ]
    if extra:
        connection.execute(insert(actor_table), [dict(e, country=None, note="") for e in extra])
    aliases: dict[int, list[str]] = {}
    for actor_id, name in connection.execute(
        select(name_table.c.actor_id, name_table.c.name)
        .where(name_table.c.kind == "alias")
        .order_by(name_table.c.id)
    ):
        aliases.setdefault(actor_id, []).append(name)
    actors = [
        (actor_id, name, aliases.get(actor_id, []))
        for actor_id, name in connection.execute(
            select(actor_table.c.id, actor_table.c.name).order_by(actor_table.c.id)
        )
    ]
    # Zipf-like: the first actors (the states and the TTP in the reference data) dominate.
    actor_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(actors))]

    sectors = {
        slug: (sector_id, name)
        for sector_id, slug, name in connection.execute(
            select(_table(Sector).c.id, _table(Sector).c.slug, _table(Sector).c.name)
        )
    }
    place_aliases: dict[int, list[str]] = {}
    for place_id, alias in connection.execute(
        select(_table(PlaceAlias).c.place_id, _table(PlaceAlias).c.alias).order_by(
            _table(PlaceAlias).c.id
        )
    ):
        place_aliases.setdefault(place_id, []).append(alias)
    places: dict[int, list[tuple[int, str, float, float, list[str]]]] = {}
    place_table = _table(Place)
    for place_id, name, sector_id, lat, lon in connection.execute(
        select(
            place_table.c.id,
            place_table.c.name,
            place_table.c.sector_id,
            place_table.c.latitude,
            place_table.c.longitude,
        ).where(place_table.c.latitude.is_not(None), place_table.c.sector_id.is_not(None))
    ):
        places.setdefault(sector_id, []).append(
            (place_id, name, lat, lon, place_aliases.get(place_id, []))
        )

    have = connection.scalar(
        select(func.count()).where(source_table.c.url.like("https://example.org/synth/%"))
    )
    if not have:
        epoch = datetime(2021, 1, 1, tzinfo=UTC)
        connection.execute(
            insert(source_table),
            [
                {
                    "url": f"https://example.org/synth/{n}",
                    "outlet": rng.choice(OUTLETS),
                    "title": _sentence(rng, 6, 12),
                    "published_on": FIRST_DAY + timedelta(days=rng.randrange(DAYS)),
                    "language": "en",
                    "reliability": rng.choice("ABCDEF"),
                    "created_at": epoch,
                    "updated_at": epoch,
                }
                for n in range(SYNTH_SOURCES)
            ],
        )
    sources = list(
        connection.scalars(
            select(source_table.c.id)
            .where(source_table.c.url.like("https://example.org/synth/%"))
            .order_by(source_table.c.id)
        )
    )
    return _World(
        actors, list(accumulate(actor_weights)), sectors, places, sources, _sentences(rng)
    )


def _sentence(rng: random.Random, shortest: int, longest: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(shortest, longest))
    return " ".join(words).capitalize() + "."


def _sentences(rng: random.Random) -> list[str]:
    """A pool of sentences texts are drawn from: drawing words one by one for a million
    incidents would take most of the run."""
    return [_sentence(rng, 8, 18) for _ in range(4_000)]


COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "id", "title", "summary", "date_start", "date_end", "date_precision", "place_id",
        "location", "latitude", "longitude", "geo_precision", "sector_id", "country",
        "event_type", "sub_event_type", "assessment_note", "notes", "review_state",
        "max_claimed_killed", "min_claimed_killed", "version", "created_at", "updated_at",
    ),
    "incident_actors": ("incident_id", "actor_id", "role", "position"),
    "claims": (
        "id", "incident_id", "claimant_actor_id", "claimed_on", "kind", "statement",
        "statement_language", "status", "credibility", "responds_to_id", "note", "created_at",
        "updated_at",
    ),
    "casualty_figures": ("claim_id", "party", "outcome", "low", "high"),
    "claim_sources": ("claim_id", "source_id", "position"),
    "incident_search": ("incident_id", "body"),
}  # fmt: skip


class _Batch:
    """Rows for every table (tuples in COLUMNS order), filled one incident at a time."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS}


def _incident(
    rng: random.Random, world: _World, batch: _Batch, incident_id: int, claim_id: int
) -> int:
    """Add one incident and its rows to the batch; return the next free claim id."""
    rows = batch.rows
    sector_slug = rng.choices(SECTOR_SLUGS, cum_weights=SECTOR_CUMULATIVE)[0]
    sector_id, sector_name = world.sectors[sector_slug]
    place_id, place_name, lat, lon, place_aliases = rng.choice(world.places[sector_id])
    event_type = rng.choices(EVENT_SLUGS, cum_weights=EVENT_CUMULATIVE)[0]
    type_label, subs = EVENT_TYPES[event_type]
    sub_type = rng.choice(list(subs))
    start = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    end = start + timedelta(days=rng.choice((0, 0, 0, 0, 1, 2)))
    stamp = datetime(start.year, start.month, start.day, 12, tzinfo=UTC)
    roll = rng.random()
    state = (
        ReviewState.PUBLISHED
        if roll < 0.97
        else ReviewState.DRAFT
        if roll < 0.99
        else ReviewState.ARCHIVED
    )
    involved: list[tuple[int, str, list[str]]] = []
    wanted = rng.choice((1, 2, 2, 2, 3))
    while len(involved) < wanted:
        actor = rng.choices(world.actors, cum_weights=world.actor_cumulative)[0]
        if actor not in involved:
            involved.append(actor)
    for position, (actor, role) in enumerate(zip(involved, ROLES, strict=False)):
        rows["incident_actors"].append((incident_id, actor[0], role, position))

    title = f"{type_label}: {subs[sub_type].lower()} near {place_name}"
    summary = " ".join(rng.choices(world.sentences, k=rng.randint(2, 5)))
    killed: list[int] = []
    statements: list[tuple[date, int, str]] = []
    first_claim = claim_id
    for n in range(rng.randint(1, MAX_CLAIMS)):
        replying = n > 0 and rng.random() < 0.6
        status = rng.choices(STATUSES, cum_weights=STATUS_CUMULATIVE)[0]
        if replying and status == ClaimStatus.UNVERIFIED:
            status = ClaimStatus.DISPUTED
        statement = " ".join(rng.choices(world.sentences, k=rng.randint(1, 3)))
        claimed_on = end + timedelta(days=rng.choice((0, 0, 1, 2)))
        statements.append((claimed_on, claim_id, statement))
        rows["claims"].append(
            (
                claim_id,
                incident_id,
                involved[n % len(involved)][0],
                claimed_on,
                ClaimKind.DENIAL if replying and rng.random() < 0.3 else ClaimKind.CASUALTIES,
                statement,
                "en",
                status,
                rng.choice((None, 2, 3, 4, 5)),
                first_claim if replying else None,
                "",
                stamp,
                stamp,
            )
        )
        figures = []
        for _ in range(rng.choice((0, 1, 1, 2))):
            low = int(rng.paretovariate(1.4)) - 1
            figure = _Figure(
                rng.choice(OUTCOMES), low, rng.choice((None, None, low + rng.randint(0, 10)))
            )
            figures.append(figure)
            rows["casualty_figures"].append(
                (claim_id, rng.choice(LOSS_PARTIES), figure.outcome, figure.low, figure.high)
            )
        claimed = killed_in(figures)
        if claimed is not None:
            killed.append(claimed)
        rows["claim_sources"].append((claim_id, rng.choice(world.sources), 0))
        claim_id += 1

    rows["incidents"].append(
        (
            incident_id,
            title,
            summary,
            start,
            end,
            "day",
            place_id,
            place_name,
            round(lat + rng.uniform(-0.05, 0.05), 5),
            round(lon + rng.uniform(-0.05, 0.05), 5),
            rng.choice((1, 1, 2, 3)),
            sector_id,
            rng.choice(("PAK", "PAK", "AFG")),
            event_type,
            sub_type,
            "",
            "",
            state,
            max(killed, default=None),
            min(killed, default=None),
            1,
            stamp,
            stamp,
        )
    )
    # The same parts, in the same order, as derived.search_text reads from a saved incident.
    document = search_document(
        [
            title,
            summary,
            place_name,
            place_name,
            *place_aliases,
            sector_name,
            *(part for actor in involved for part in (actor[1], *actor[2])),
            # In the incident page's order of claims: by date, then as entered.
            *(statement for _, _, statement in sorted(statements)),
        ]
    )
    rows["incident_search"].append((incident_id, document))
    return claim_id


def _as_stored_in_sqlite(batch: _Batch) -> None:
    """SQLite keeps dates and timestamps as text; the column types say in which format."""
    dialect = sqlite.dialect()
    for table, rows in batch.rows.items():
        types = [Base.metadata.tables[table].c[column].type for column in COLUMNS[table]]
        converters = [kind.dialect_impl(dialect).bind_processor(dialect) for kind in types]
        if any(converters):
            batch.rows[table] = [
                tuple(
                    convert(value) if convert is not None and value is not None else value
                    for convert, value in zip(converters, row, strict=True)
                )
                for row in rows
            ]


def _write(connection: Connection, batch: _Batch) -> None:
    """Straight to the driver: SQLAlchemy's per-row parameter handling would double the time."""
    dialect = connection.dialect
    raw = connection.connection.driver_connection
    assert raw is not None
    for table, rows in batch.rows.items():
        columns = COLUMNS[table]
        if not rows:
            continue
        if dialect.name == "postgresql":
            with raw.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            continue
        raw.execute("PRAGMA cache_size = -262144")
        placeholders = ", ".join("?" for _ in columns)
        raw.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )


class SynthFailed(RuntimeError):
    """Drawing the data failed; the message is the drawing process's error."""


def _draw(
    out: multiprocessing.Queue[_Batch | str | None],
    world: _World,
    rng_state: Any,
    count: int,
    incident_id: int,
    claim_id: int,
    dialect: str,
) -> None:
    """Draw `count` incidents in batches ready for the driver, then None."""
    rng = random.Random()
    rng.setstate(rng_state)
    try:
        drawn = 0
        while drawn < count:
            batch = _Batch()
            for _ in range(min(BATCH, count - drawn)):
                claim_id = _incident(rng, world, batch, incident_id, claim_id)
                incident_id += 1
            drawn += len(batch.rows["incidents"])
            if dialect == "sqlite":
                _as_stored_in_sqlite(batch)
            out.put(batch)
        out.put(None)
    except Exception as error:  # the writer raises it with this message
        out.put(f"{type(error).__name__}: {error}")


def synthesize(
    database: Database,
    count: int,
    seed: int,
    *,
    progress: Callable[[int], None] | None = None,
) -> SynthReport:
    """Add `count` synthetic incidents; each batch commits, so a long run shows its progress."""
    rng = random.Random(seed)
    report = SynthReport()
    with database.write() as session:
        load_reference_data(session)
    with database.write() as session:
        connection = session.connection()
        world = _prepare(connection, rng)
        incident_id = reserve_ids(connection, "incidents", count)
        claim_id = reserve_ids(connection, "claims", count * MAX_CLAIMS)
    dialect = database.engine.dialect.name
    # Another process draws the batches while this one writes them, so the two use both cores
    # (a thread would fight the writer for the GIL). It alone uses the random sequence, so the
    # data stays the same for a seed.
    context = multiprocessing.get_context("spawn")
    batches: multiprocessing.Queue[_Batch | str | None] = context.Queue(maxsize=3)
    drawer = context.Process(
        target=_draw,
        args=(batches, world, rng.getstate(), count, incident_id, claim_id, dialect),
        name="synth-draw",
        daemon=True,
    )
    drawer.start()
    try:
        while (batch := batches.get()) is not None:
            if isinstance(batch, str):
                raise SynthFailed(batch)
            # The app's own write transaction: the write lock first, as every writer takes it.
            with database.write() as session, one_version_bump(session.connection()):
                _write(session.connection(), batch)
            report.incidents += len(batch.rows["incidents"])
            report.claims += len(batch.rows["claims"])
            report.figures += len(batch.rows["casualty_figures"])
            if progress is not None:
                progress(report.incidents)
    finally:
        drawer.kill()
        drawer.join()
    return report
