"""The facet index: what the incident list filters and counts on, as columns in each worker's
memory.

A list page shows a total, eight facets, a timeline and a table of places for any filter. In
SQL each of those is a scan of the matching rows, per request: 22 statements and about 300 ms
for one page at 100,000 incidents, seconds at a million. Here each is an array operation over
the matching incidents: a mask per filter parameter, then counts per value.

It agrees with the database after every write. Triggers write the id of each incident a write
touches into incident_changes, under the data version the write commits as (see the
incident_changes migration). Before it answers, the index reads the data version; when that
has moved, it reloads the incidents changed since the version it holds. A bulk write, a
truncate or a restore moves data_version.changes_from past what was written down, and the
index is then rebuilt from the tables, as it is when a worker starts.

Free text is matched by SQL's text search; the index keeps the matches of the last few searches
as masks and matches changed incidents again as it catches up. The names shown (small lookups by
id) and the rows of the page itself (fifty incidents by id).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar
from weakref import WeakKeyDictionary

import numpy as np
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.db import Database, create_db_engine
from app.importers import DATASET_LABELS
from app.models.vocab import CONTESTING_STATUSES, ClaimStatus, ReviewState
from app.services.search import ids_with_words

log = logging.getLogger(__name__)

# Row 0 stands for no incident: deleted incidents are given state GONE and pairs whose incident
# changed point at row 0, so no filter ever matches them.
GONE = 0
STATE_CODES = {ReviewState.DRAFT.value: 1, ReviewState.PUBLISHED.value: 2, ReviewState.ARCHIVED: 3}
STATUS_BITS = {status.value: 1 << i for i, status in enumerate(ClaimStatus)}
DATASET_BITS = {dataset: 1 << i for i, dataset in enumerate(DATASET_LABELS)}
# Past this many changed incidents, reading the tables again is quicker than catching up.
REBUILD_ABOVE = 100_000
CHUNK = 500  # ids per IN list
KEPT_SELECTIONS = 8
# The matches of this many text searches are kept, each a mask over the rows (a byte a row).
KEPT_TEXT_MATCHES = 16
# Up to this many (actor, day) slots the timeline's sums are a count; past it, a sort.
DENSE_LIMIT = 4_000_000
# The change log keeps this many versions (transactions) back; the app prunes it on start.
KEEP_VERSIONS = 10_000


# ---- reading the tables --------------------------------------------------------------------


def _day(column: str, dialect: str) -> str:
    """A date column as Python's date.toordinal(), computed by the database."""
    if dialect == "sqlite":
        return f"CAST(julianday({column}) - 1721424.5 AS INTEGER)"
    return f"({column} - DATE '0001-01-01' + 1)"


def _micros(column: str, dialect: str) -> str:
    """A timestamp as microseconds since 1970, exactly (the -updated sort breaks ties on it)."""
    if dialect == "sqlite":
        return (
            f"CAST(strftime('%s', {column}) AS INTEGER) * 1000000"
            f" + CAST(substr({column}, 21, 6) AS INTEGER)"
        )
    return f"CAST(extract(epoch FROM {column}) * 1000000 AS BIGINT)"


def _statements(dialect: str) -> dict[str, str]:
    """What the index reads, each with `{where}` for the incidents to read (all, or some)."""
    return {
        "incidents": (
            "SELECT id, review_state, "  # noqa: S608 (constants and int ids only)
            f"{_day('date_start', dialect)}, {_day('date_end', dialect)}, "
            "coalesce(sector_id, 0), coalesce(district_id, 0), coalesce(place_id, 0), "
            "event_type, coalesce(country, ''), coalesce(max_claimed_killed, -1), "
            f"{_micros('updated_at', dialect)} "
            "FROM incidents WHERE {where} ORDER BY id"
        ),
        "actors": "SELECT DISTINCT incident_id, actor_id FROM incident_actors WHERE {where}",
        "statuses": "SELECT DISTINCT incident_id, status FROM claims WHERE {where}",
        "datasets": (
            "SELECT DISTINCT incident_id, dataset FROM incident_external_ids WHERE {where}"
        ),
        # Each claim's total killed, as the timeline adds them up (services/visuals.py). The
        # WHERE is claims.adds_to_killed written out as text for this bulk read; the tests
        # compare the index's timeline with the one SQL counts through that function.
        "killed": (
            "SELECT claims.incident_id, claims.claimant_actor_id,"
            " coalesce(sum(coalesce(casualty_figures.high, casualty_figures.low)), 0)"
            " FROM claims JOIN casualty_figures ON casualty_figures.claim_id = claims.id"
            " WHERE casualty_figures.outcome = 'killed' AND NOT casualty_figures.part_of_total"
            " AND claims.claimant_actor_id IS NOT NULL AND {where}"
            " GROUP BY claims.id, claims.incident_id, claims.claimant_actor_id"
        ),
        "claimants": CLAIMANTS,
    }


# Each claimant's toll per incident, as the home page adds them up (services/visuals.py,
# glance): per claim its lowest, best (where every figure gives one) and highest total; per
# incident and claimant the lowest low, the best of a lone claim, the highest total.
CLAIMANTS = (
    "SELECT incident_id, actor_id, min(low),"
    " CASE WHEN count(*) = 1 THEN max(best) END, max(total) FROM ("
    "SELECT claims.incident_id AS incident_id, claims.claimant_actor_id AS actor_id,"
    " sum(casualty_figures.low) AS low,"
    " CASE WHEN count(casualty_figures.best) = count(*) THEN sum(casualty_figures.best) END"
    " AS best,"
    " sum(coalesce(casualty_figures.high, casualty_figures.low)) AS total"
    " FROM claims JOIN casualty_figures ON casualty_figures.claim_id = claims.id"
    " WHERE casualty_figures.outcome = 'killed' AND NOT casualty_figures.part_of_total"
    " AND claims.claimant_actor_id IS NOT NULL AND {where}"
    " GROUP BY claims.id, claims.incident_id, claims.claimant_actor_id) AS per_claim"
    " GROUP BY incident_id, actor_id"
)


# The statements read into pairs: which pairs, and each column's place in a row, its type and
# what stands for NULL.
PAIRS: dict[str, tuple[str, dict[str, tuple[int, Any, int]]]] = {
    "actors": ("actor_pairs", {"actor": (1, np.int32, 0)}),
    "killed": ("killed_pairs", {"actor": (1, np.int32, 0), "killed": (2, np.int64, 0)}),
    "claimants": (
        "claimant_pairs",
        {
            "actor": (1, np.int32, 0),
            "low": (2, np.int64, 0),
            "best": (3, np.int64, -1),
            "high": (4, np.int64, 0),
        },
    ),
}


# The column naming the incident in each statement's table.
INCIDENT_COLUMN = {
    "incidents": "id",
    "actors": "incident_id",
    "statuses": "incident_id",
    "datasets": "incident_id",
    "killed": "claims.incident_id",
    "claimants": "claims.incident_id",
}


class _Columns:
    """Equal-length arrays that grow by doubling, so appending an incident is cheap."""

    def __init__(self, dtypes: dict[str, Any], capacity: int = 1024) -> None:
        self.n = 0
        self.arrays = {name: np.zeros(capacity, dtype) for name, dtype in dtypes.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name][: self.n]

    def append(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        """Adds rows; returns their positions."""
        count = len(next(iter(columns.values())))
        needed = self.n + count
        capacity = len(next(iter(self.arrays.values())))
        if needed > capacity:
            grown = max(needed, 2 * capacity)
            for name, array in self.arrays.items():
                bigger = np.zeros(grown, array.dtype)
                bigger[: self.n] = array[: self.n]
                self.arrays[name] = bigger
        for name, values in columns.items():
            self.arrays[name][self.n : needed] = values
        positions = np.arange(self.n, needed)
        self.n = needed
        return positions


class _Pairs(_Columns):
    """Rows that belong to an incident (its actors, its claims' tolls), `pos` naming its row.
    Each incident's pairs sit together, `first` and `count` saying where, so a filter reads the
    pairs of the incidents it matches rather than all of them."""

    def __init__(self, dtypes: dict[str, Any]) -> None:
        super().__init__({"pos": np.int32, **dtypes})
        self.first = np.zeros(1024, np.int64)
        self.count = np.zeros(1024, np.int64)
        self.dropped = 0  # pairs pointing at GONE, until compacted

    def fit(self, rows: int) -> None:
        """Room in `first` and `count` for this many rows of the index's columns."""
        if rows > len(self.first):
            grown = max(rows, 2 * len(self.first))
            self.first = np.concatenate([self.first, np.zeros(grown - len(self.first), np.int64)])
            self.count = np.concatenate([self.count, np.zeros(grown - len(self.count), np.int64)])

    def add(self, columns: dict[str, np.ndarray]) -> None:
        """Pairs of incidents that have none now (new ones, or ones just dropped)."""
        order = np.argsort(columns["pos"], kind="stable")
        start = self.n
        self.append({name: values[order] for name, values in columns.items()})
        rows, firsts, counts = np.unique(self["pos"][start:], return_index=True, return_counts=True)
        if len(rows):
            self.fit(int(rows[-1]) + 1)
            self.first[rows] = start + firsts
            self.count[rows] = counts

    def of(self, rows: np.ndarray) -> np.ndarray:
        """The indices of these rows' pairs (FacetIndex keeps `first` and `count` as long as
        its columns)."""
        counts = self.count[rows]
        ends = np.cumsum(counts)
        total = int(ends[-1]) if len(ends) else 0
        shift = np.repeat(self.first[rows] - (ends - counts), counts)
        indices: np.ndarray = np.arange(total) + shift
        return indices

    def owners(self, rows: np.ndarray) -> np.ndarray:
        """For each of `of(rows)`, the place of its row in `rows`."""
        return np.repeat(np.arange(len(rows)), self.count[rows])

    def drop(self, rows: np.ndarray) -> None:
        indices = self.of(rows)
        self.arrays["pos"][indices] = GONE
        self.count[rows] = 0
        self.dropped += len(indices)
        if self.n > 4096 and self.dropped > self.n // 2:
            keep = self["pos"] != GONE
            self.dropped = 0
            moved_to = np.cumsum(keep) - 1
            live = np.flatnonzero(self.count)
            self.first[live] = moved_to[self.first[live]]
            for array in self.arrays.values():
                kept = array[: self.n][keep]
                array[: len(kept)] = kept
            self.n = int(np.count_nonzero(keep))


@dataclass(frozen=True)
class Criteria:
    """A filter in the index's terms: ids and codes, each None when that parameter is unset.
    Within a parameter the values are alternatives; across parameters they all apply."""

    states: tuple[str, ...]
    day_from: int | None = None
    day_to: int | None = None
    actor_ids: tuple[int, ...] | None = None
    statuses: tuple[str, ...] | None = None
    sector_ids: tuple[int, ...] | None = None
    district_ids: tuple[int, ...] | None = None
    province_district_ids: tuple[int, ...] | None = None
    types: tuple[str, ...] | None = None
    countries: tuple[str, ...] | None = None
    reported_by: tuple[str, ...] | None = None
    text_words: tuple[str, ...] | None = None  # each word in the incident's text


SORTS = ("-date", "date", "-killed", "-updated")


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _kept(
    answer: Callable[Concatenate[Selection, _P], _R],
) -> Callable[Concatenate[Selection, _P], _R]:
    """A selection's answer worked out once: a page and its htmx partial, rendered apart after
    a write, ask the same selection the same questions. Answers are read, never changed."""

    def kept(selection: Selection, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        key = (answer.__name__, args, tuple(kwargs.items()))
        if key not in selection.answers:
            selection.answers[key] = answer(selection, *args, **kwargs)
        return selection.answers[key]  # type: ignore[no-any-return]

    kept.__doc__ = answer.__doc__
    return kept


class Selection:
    """One filter's answers: the matching rows, and for each facet the rows matching every
    other parameter (a facet lists what choosing one of its values would give)."""

    def __init__(self, index: FacetIndex, criteria: Criteria) -> None:
        self.index = index
        self.answers: dict[tuple[Any, ...], Any] = {}
        columns = index.columns
        states = [STATE_CODES[s] for s in criteria.states]
        base = (
            columns["state"] == states[0] if len(states) == 1 else np.isin(columns["state"], states)
        )
        if criteria.day_from is not None:
            base &= columns["end"] >= criteria.day_from
        if criteria.day_to is not None:
            base &= columns["start"] <= criteria.day_to
        if criteria.text_words is not None:
            base &= index.text_rows(criteria.text_words)
        self.rows = np.flatnonzero(base)
        # Each set parameter's test, over self.rows.
        self.tests: dict[str, np.ndarray] = {}
        if criteria.actor_ids is not None:
            pairs = index.actor_pairs.of(self.rows)
            owners = index.actor_pairs.owners(self.rows)
            named = np.isin(index.actor_pairs["actor"][pairs], criteria.actor_ids)
            having = np.zeros(len(self.rows), bool)
            having[owners[named]] = True
            self.tests["actor"] = having
        if criteria.statuses is not None:
            bits = sum(STATUS_BITS[s] for s in criteria.statuses)
            self.tests["status"] = (columns["statuses"][self.rows] & bits) != 0
        for parameter, column, values in (
            ("sector", "sector", criteria.sector_ids),
            ("district", "district", criteria.district_ids),
            ("province", "district", criteria.province_district_ids),
        ):
            if values is not None:
                self.tests[parameter] = np.isin(columns[column][self.rows], values)
        if criteria.types is not None:
            codes = [index.type_codes[t] for t in criteria.types if t in index.type_codes]
            self.tests["type"] = np.isin(columns["type"][self.rows], codes)
        if criteria.countries is not None:
            codes = [index.country_codes[c] for c in criteria.countries if c in index.country_codes]
            self.tests["country"] = np.isin(columns["country"][self.rows], codes)
        if criteria.reported_by is not None:
            datasets = columns["datasets"][self.rows]
            bits = sum(DATASET_BITS[r] for r in criteria.reported_by if r in DATASET_BITS)
            test = (datasets & bits) != 0
            if "editors" in criteria.reported_by:
                test |= datasets == 0
            self.tests["reported_by"] = test
        self.matching = self._rows_without(None)

    def _rows_without(self, parameter: str | None) -> np.ndarray:
        if parameter is not None and parameter not in self.tests:
            # Most facets' own parameter is unset: their rows are the matching ones.
            return self.matching
        keep = np.ones(len(self.rows), bool)
        for name, test in self.tests.items():
            if name != parameter:
                keep &= test
        return self.rows[keep]

    @property
    def total(self) -> int:
        return len(self.matching)

    # -- facets --------------------------------------------------------------------------------

    @_kept
    def counts(self, parameter: str) -> dict[Any, int]:
        """Incidents per value of a facet, among those matching every other parameter: actor,
        sector and district ids; statuses, types, country codes and reporters as written."""
        rows = self._rows_without(parameter)
        columns = self.index.columns
        if parameter == "actor":
            pairs = self.index.actor_pairs.of(rows)
            return _nonzero(np.bincount(self.index.actor_pairs["actor"][pairs]))
        if parameter == "status":
            bits = columns["statuses"][rows]
            return {s: int(np.count_nonzero(bits & b)) for s, b in STATUS_BITS.items()}
        if parameter == "reported_by":
            datasets = columns["datasets"][rows]
            found = {d: int(np.count_nonzero(datasets & b)) for d, b in DATASET_BITS.items()}
            return {**found, "editors": int(np.count_nonzero(datasets == 0))}
        if parameter in ("sector", "district", "province"):
            column = "sector" if parameter == "sector" else "district"
            places = _nonzero(np.bincount(columns[column][rows]))
            places.pop(0, None)  # none
            return places
        if parameter == "type":
            return _decoded(np.bincount(columns["type"][rows]), self.index.type_names)
        if parameter == "country":
            found = _decoded(np.bincount(columns["country"][rows]), self.index.country_names)
            found.pop("", None)
            return found
        raise ValueError(f"no facet {parameter}")

    # -- the page ------------------------------------------------------------------------------

    @_kept
    def page_ids(self, sort: str, offset: int, limit: int) -> list[int]:
        """The ids of one page of matching incidents, in the list's order (services/browse.py:
        ties on the sort key fall back to the date, then the id)."""
        columns = self.index.columns
        rows = self.matching
        wanted = offset + limit
        if sort == "date":
            keys: list[np.ndarray] = [columns["start"][rows], columns["id"][rows]]
        elif sort == "-killed":
            # Highest first, incidents with no figure last.
            keys = [
                -columns["killed"][rows].astype(np.int64),
                -columns["start"][rows].astype(np.int64),
                -columns["id"][rows],
            ]
        elif sort == "-updated":
            keys = [-columns["updated"][rows], -columns["id"][rows]]
        else:
            keys = [-columns["start"][rows].astype(np.int64), -columns["id"][rows]]
        if len(rows) > 2 * wanted:
            # Only rows up to the wanted-th first key can be on the page: sort those alone.
            cut = np.partition(keys[0], wanted - 1)[wanted - 1]
            near = keys[0] <= cut
            rows, keys = rows[near], [k[near] for k in keys]
        order = np.lexsort(keys[::-1])
        return [int(i) for i in columns["id"][rows[order[offset:wanted]]]]

    # -- the timeline and the places table -----------------------------------------------------

    @_kept
    def days(self, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
        """Matching incidents per start day (as ordinals), within first..last: the days, and
        how many started on each."""
        starts = self.index.columns["start"][self.matching]
        starts = starts[(starts >= first) & (starts <= last)]
        if not len(starts):
            return starts, starts
        low = int(starts.min())
        counts = np.bincount(starts - low)
        found = np.flatnonzero(counts)
        return found + low, counts[found]

    @_kept
    def killed_by_claimant_and_day(
        self, first: int, last: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Total killed claimed per claimant actor and start day over the matching incidents,
        within first..last: actor ids, days and totals, one entry per actor and day."""
        columns, pairs = self.index.columns, self.index.killed_pairs
        picked, owners = pairs.of(self.matching), pairs.owners(self.matching)
        days = columns["start"][self.matching][owners].astype(np.int64)
        within = (days >= first) & (days <= last)
        days = days[within]
        actors = pairs["actor"][picked][within].astype(np.int64)
        killed = pairs["killed"][picked][within]
        if not len(days):
            return actors, days, killed
        # Each (actor, day) as one small number, so adding up is a count, not a sort.
        low, span = int(days.min()), int(days.max() - days.min()) + 1
        present = np.flatnonzero(np.bincount(actors))
        if len(present) * span > DENSE_LIMIT:
            keys = actors << 32 | days
            unique, inverse = np.unique(keys, return_inverse=True)
            sums = np.bincount(inverse, weights=killed, minlength=len(unique))
            return unique >> 32, unique & 0xFFFFFFFF, sums.astype(np.int64)
        code = np.zeros(int(present[-1]) + 1, np.int64)
        code[present] = np.arange(len(present))
        keys = code[actors] * span + (days - low)
        size = len(present) * span
        sums = np.bincount(keys, weights=killed, minlength=size)
        found = np.flatnonzero(np.bincount(keys, minlength=size))
        return present[found // span], found % span + low, sums[found].astype(np.int64)

    @_kept
    def overlapping(self, windows: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
        """How many matching incidents overlap each window of days (ordinals, both ends in),
        as a date filter counts them."""
        columns = self.index.columns
        starts, ends = columns["start"][self.matching], columns["end"][self.matching]
        return tuple(
            int(np.count_nonzero((ends >= first) & (starts <= last))) for first, last in windows
        )

    @_kept
    def contested(self) -> int:
        """How many matching incidents have a claim in a contesting status."""
        bits = sum(STATUS_BITS[s] for s in CONTESTING_STATUSES)
        return int(np.count_nonzero(self.index.columns["statuses"][self.matching] & bits))

    @_kept
    def claimed_by_actor(self) -> dict[int, tuple[int, int | None, int]]:
        """Per claimant actor id, over the matching incidents: the sum of its lowest claims,
        of its best ones (None unless every incident has one), and of its highest."""
        pairs = self.index.claimant_pairs
        picked = pairs.of(self.matching)
        actors = pairs["actor"][picked]
        if not len(actors):
            return {}
        best = pairs["best"][picked]
        size = int(actors.max()) + 1
        low = np.bincount(actors, weights=pairs["low"][picked], minlength=size)
        high = np.bincount(actors, weights=pairs["high"][picked], minlength=size)
        with_best = np.bincount(actors, weights=best >= 0, minlength=size)
        best_sum = np.bincount(actors, weights=np.maximum(best, 0), minlength=size)
        claims = np.bincount(actors, minlength=size)
        return {
            int(a): (
                int(low[a]),
                int(best_sum[a]) if with_best[a] == claims[a] else None,
                int(high[a]),
            )
            for a in np.flatnonzero(claims)
        }

    @_kept
    def places(self) -> dict[int, tuple[int, int | None]]:
        """Per place id: matching incidents there, and the highest killed claimed (None: none)."""
        columns = self.index.columns
        places = columns["place"][self.matching]
        killed = columns["killed"][self.matching]
        counts = np.bincount(places)
        # Of the same type as `killed`: ufunc.at is fast only when nothing needs a cast.
        highest = np.full(len(counts), -1, killed.dtype)
        np.maximum.at(highest, places, killed)
        return {
            int(p): (int(counts[p]), None if highest[p] < 0 else int(highest[p]))
            for p in np.flatnonzero(counts)
            if p != 0
        }


def _nonzero(counts: np.ndarray) -> dict[int, int]:
    return {int(v): int(counts[v]) for v in np.flatnonzero(counts)}


def _decoded(counts: np.ndarray, names: list[str]) -> dict[str, int]:
    return {names[v]: int(counts[v]) for v in np.flatnonzero(counts)}


# ---- the index -----------------------------------------------------------------------------


class FacetIndex:
    """One engine's incidents as columns, brought up to date before each answer."""

    def __init__(self, engine: Engine) -> None:
        # Its own connection, used only under the lock: requests waiting for the lock hold the
        # app's pooled connections, and catching up must never wait for one of those.
        self.engine = create_db_engine(
            engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0
        )
        self.dialect = engine.dialect.name
        self.statements = _statements(self.dialect)
        self.version: int | None = None
        self.rebuilds = 0  # times the whole index was read
        self._lock = threading.Lock()  # requests run in a thread pool
        self._connection: Connection | None = None  # open while current() is
        self._clear()

    def _clear(self) -> None:
        self.columns = _Columns(
            {
                "id": np.int64,
                "state": np.int8,
                "start": np.int32,
                "end": np.int32,
                "sector": np.int32,
                "district": np.int32,
                "place": np.int32,
                "type": np.int16,
                "country": np.int8,
                "killed": np.int32,
                "updated": np.int64,
                "statuses": np.int16,
                "datasets": np.int8,
            }
        )
        self.columns.append({"id": np.zeros(1, np.int64)})  # row 0: no incident
        self.actor_pairs = _Pairs({"actor": np.int32})
        self.killed_pairs = _Pairs({"actor": np.int32, "killed": np.int64})
        self.claimant_pairs = _Pairs(
            {"actor": np.int32, "low": np.int64, "best": np.int64, "high": np.int64}
        )
        self.type_names: list[str] = [""]
        self.type_codes: dict[str, int] = {"": 0}
        self.country_names: list[str] = [""]
        self.country_codes: dict[str, int] = {"": 0}
        self._selections: dict[tuple[int | None, Criteria], Selection] = {}
        # Text searches' matching rows, the latest used last; kept current as rows are.
        self._text_matches: dict[tuple[str, ...], np.ndarray] = {}

    @contextmanager
    def current(self) -> Iterator[FacetIndex | None]:
        """The index, caught up with every committed write; None where the database has no
        record of writes (no data_version row), and so nothing to catch up from. A text search
        asked of it meanwhile reads the database as the index does, in the same snapshot."""
        with self._lock:
            try:
                connection = self._connection = self.engine.connect()
            except SQLAlchemyError:
                log.exception("facet index: could not connect")
                self.version = None
                yield None
                return
            try:
                if self.dialect == "postgresql":
                    # The version, the changes and the rows read in one snapshot.
                    connection.execution_options(isolation_level="REPEATABLE READ")
                try:
                    caught_up = self._catch_up(connection)
                except SQLAlchemyError:
                    # An unmigrated or unreachable database: the caller asks SQL, which says why.
                    log.exception("facet index: could not catch up")
                    self.version, caught_up = None, False
                yield self if caught_up else None
            finally:
                self._connection = None
                connection.close()

    def select(self, criteria: Criteria) -> Selection:
        """The filter's answers; the list, the timeline and the places table of one page ask
        for the same filter, so the last few are kept until the next write."""
        key = (self.version, criteria)
        selection = self._selections.get(key)
        if selection is None:
            selection = Selection(self, criteria)
            if len(self._selections) >= KEPT_SELECTIONS:
                self._selections.pop(next(iter(self._selections)))
            self._selections[key] = selection
        return selection

    def rows_of(self, ids: Iterable[int]) -> np.ndarray:
        """A mask over the rows: True at the given incidents'."""
        wanted = np.fromiter(ids, np.int64)
        have = self.columns["id"]
        at = np.minimum(np.searchsorted(have, wanted), len(have) - 1)
        mask = np.zeros(len(have), bool)
        mask[at[have[at] == wanted]] = True
        mask[GONE] = False
        return mask

    def text_rows(self, words: tuple[str, ...]) -> np.ndarray:
        """A mask over the rows: True at the incidents whose text has every word. Read from the
        search index the first time, then kept current with the rows (a broad word matches
        most incidents, and reading all their ids cost a text search most of its time)."""
        mask = self._text_matches.pop(words, None)
        if mask is None:
            assert self._connection is not None, "asked outside current()"
            mask = self.rows_of(self._connection.scalars(ids_with_words(words, self.dialect)))
        self._text_matches[words] = mask  # the latest used last
        while len(self._text_matches) > KEPT_TEXT_MATCHES:
            self._text_matches.pop(next(iter(self._text_matches)))
        return mask

    # -- keeping up ----------------------------------------------------------------------------

    def _catch_up(self, connection: Connection) -> bool:
        row = connection.execute(
            text("SELECT version, changes_from FROM data_version WHERE id = 1")
        ).first()
        if row is None:
            return False
        version, changes_from = int(row[0]), int(row[1])
        if version == self.version:
            return True
        if self.version is None or self.version + 1 < changes_from or version < self.version:
            self._rebuild(connection, version)
            return True
        changed = list(
            connection.scalars(
                text("SELECT DISTINCT incident_id FROM incident_changes WHERE version > :seen"),
                {"seen": self.version},
            )
        )
        self._selections.clear()
        if len(changed) > REBUILD_ABOVE or not self._reload(connection, sorted(changed)):
            self._rebuild(connection, version)
            return True
        self._match_text_again(connection, sorted(changed))
        self.version = version
        return True

    def _match_text_again(self, connection: Connection, changed: list[int]) -> None:
        """The kept text searches, with the changed incidents matched again."""
        changed_rows = self.rows_of(changed)
        for words, kept in self._text_matches.items():
            mask = np.zeros(self.columns.n, bool)
            mask[: len(kept)] = kept
            mask &= ~changed_rows
            for chunk in range(0, len(changed), CHUNK):
                among = changed[chunk : chunk + CHUNK]
                mask |= self.rows_of(
                    connection.scalars(ids_with_words(words, self.dialect, among=among))
                )
            self._text_matches[words] = mask

    def _rebuild(self, connection: Connection, version: int) -> None:
        started = time.perf_counter()
        self.rebuilds += 1
        self._clear()
        self._read(connection, "1 = 1", ())
        self.version = version
        log.info(
            "facet index: %d incidents read in %.2f s",
            self.columns.n - 1,
            time.perf_counter() - started,
        )

    def _reload(self, connection: Connection, ids: list[int]) -> bool:
        """Reads the given incidents again; False when one is new but not the newest (ids only
        ever grow, so that is a rebuilt database) and the whole index must be read."""
        if not ids:
            return True
        have = self.columns["id"]
        positions = np.searchsorted(have, ids)
        known = (positions < len(have)) & (
            have[np.minimum(positions, len(have) - 1)] == np.asarray(ids)
        )
        stale = positions[known]
        # Until read again below, the changed incidents are gone, with their pairs.
        self.columns.arrays["state"][stale] = GONE
        self.actor_pairs.drop(stale)
        self.killed_pairs.drop(stale)
        self.claimant_pairs.drop(stale)
        self.columns.arrays["statuses"][stale] = 0
        self.columns.arrays["datasets"][stale] = 0
        for chunk in range(0, len(ids), CHUNK):
            part = ids[chunk : chunk + CHUNK]
            if not self._read(connection, "{column} IN ({ids})", part):
                return False
        return True

    def _read(self, connection: Connection, where: str, ids: Sequence[int]) -> bool:
        """Reads incidents (all, or the given ids) and what hangs on them into the columns."""
        listed = ",".join(str(int(i)) for i in ids)

        def rows(statement: str) -> Sequence[Any]:
            condition = where.format(column=INCIDENT_COLUMN[statement], ids=listed)
            cursor = connection.connection.cursor()  # the driver's rows: no wrapping per row
            try:
                cursor.execute(self.statements[statement].format(where=condition))
                return cursor.fetchall()
            finally:
                cursor.close()

        incidents = rows("incidents")
        if incidents:
            found = np.array([r[0] for r in incidents], np.int64)
            if not self._place(found, incidents):
                return False
        have = self.columns["id"]

        def positions(incident_ids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
            wanted = np.asarray(incident_ids, np.int64)
            at = np.minimum(np.searchsorted(have, wanted), len(have) - 1)
            hit = have[at] == wanted
            return at, hit

        for statement, (pairs, columns) in PAIRS.items():
            pair_rows = rows(statement)
            if not pair_rows:
                continue
            at, hit = positions([r[0] for r in pair_rows])
            values = {"pos": at[hit]}
            for name, (i, dtype, null) in columns.items():
                column = [null if r[i] is None else r[i] for r in pair_rows]
                values[name] = np.array(column, dtype)[hit]
            getattr(self, pairs).add(values)
        statuses = self.columns.arrays["statuses"]
        status_rows = rows("statuses")
        if status_rows:
            at, hit = positions([r[0] for r in status_rows])
            bits = np.array([STATUS_BITS.get(r[1], 0) for r in status_rows], np.int16)
            np.bitwise_or.at(statuses, at[hit], bits[hit])
        datasets = self.columns.arrays["datasets"]
        dataset_rows = rows("datasets")
        if dataset_rows:
            at, hit = positions([r[0] for r in dataset_rows])
            bits8 = np.array([DATASET_BITS.get(r[1], 0) for r in dataset_rows], np.int8)
            np.bitwise_or.at(datasets, at[hit], bits8[hit])
        return True

    def _place(self, found: np.ndarray, rows: Sequence[Any]) -> bool:
        """Writes incident rows over their old rows, or after the last; False when a new one
        would not come last."""
        have = self.columns["id"]
        at = np.minimum(np.searchsorted(have, found), len(have) - 1)
        known = have[at] == found
        newcomers = found[~known]
        if len(newcomers) and newcomers[0] <= have[-1]:
            return False
        columns = list(zip(*rows, strict=True))
        values = {
            "id": found,
            "state": np.fromiter((STATE_CODES.get(s, GONE) for s in columns[1]), np.int8),
            "start": np.array(columns[2], np.int32),
            "end": np.array(columns[3], np.int32),
            "sector": np.array(columns[4], np.int32),
            "district": np.array(columns[5], np.int32),
            "place": np.array(columns[6], np.int32),
            "type": np.fromiter((self._code(t, "type") for t in columns[7]), np.int16),
            "country": np.fromiter((self._code(c, "country") for c in columns[8]), np.int8),
            "killed": np.array(columns[9], np.int32),
            "updated": np.array(columns[10], np.int64),
        }
        for name, array in values.items():
            self.columns.arrays[name][at[known]] = array[known]
        self.columns.append({name: array[~known] for name, array in values.items()})
        for pairs, _ in PAIRS.values():
            # Every row has a place in each pair table's first and count, with or without pairs.
            getattr(self, pairs).fit(self.columns.n)
        return True

    def _code(self, value: str, kind: str) -> int:
        codes, names = (
            (self.type_codes, self.type_names)
            if kind == "type"
            else (self.country_codes, self.country_names)
        )
        code = codes.get(value)
        if code is None:
            code = codes[value] = len(names)
            names.append(value)
        return code


def prune_changes(database: Database, *, keep: int = KEEP_VERSIONS) -> None:
    """Forgets the changes of all but the last `keep` versions; an index older than that is
    read again from the tables when it next answers."""
    with database.write() as session:
        version = session.scalar(text("SELECT version FROM data_version WHERE id = 1"))
        if version is None:
            return
        first_kept = int(version) - keep + 1
        session.execute(
            text("DELETE FROM incident_changes WHERE version < :first"), {"first": first_kept}
        )
        session.execute(
            text(
                "UPDATE data_version SET changes_from = :first"
                " WHERE id = 1 AND changes_from < :first"
            ),
            {"first": first_kept},
        )


# ---- one index per database ----------------------------------------------------------------

_indexes: WeakKeyDictionary[Engine, FacetIndex] = WeakKeyDictionary()


def enable(engine: Engine) -> FacetIndex:
    """Serve this database's lists from a facet index (the app does, unless told not to)."""
    index = _indexes.get(engine)
    if index is None:
        index = _indexes[engine] = FacetIndex(engine)
    return index


def disable(engine: Engine) -> None:
    index = _indexes.pop(engine, None)
    if index is not None:
        index.engine.dispose()


def index_for(session: Session) -> FacetIndex | None:
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return _indexes.get(engine)
