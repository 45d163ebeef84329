"""Full-text search over incidents: FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Both match every word the reader typed (AND), case-insensitively; neither stems, so names and
transliterations match as written ("Spin Buldak" finds Spin Boldak through its aliases).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    TextualSelect,
    bindparam,
    column,
    func,
    literal_column,
    select,
    text,
)

from app.models import Incident, IncidentSearch
from app.models.search import POSTGRES_TSV_COLUMN, SQLITE_FTS_TABLE, TEXT_SEARCH_CONFIG

WORD = re.compile(r"\w+", re.UNICODE)


def escape_like(text: str) -> str:
    """Make % and _ literal in a LIKE pattern (used with escape="\\")."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_words(q: str) -> list[str]:
    return WORD.findall(q)


def fts5_query(words: list[str]) -> str:
    """Each word quoted, so no reader input is read as FTS5 syntax."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def matching_ids(q: str, dialect: str) -> Select[Any] | TextualSelect | None:
    """The ids of the incidents whose text has every word, from the search index alone; None
    when the text has no searchable words."""
    words = search_words(q)
    return ids_with_words(words, dialect) if words else None


def ids_with_words(
    words: Sequence[str], dialect: str, *, among: Sequence[int] | None = None
) -> Select[Any] | TextualSelect:
    """The ids of the incidents whose text has every one of these words (at least one), from
    the search index alone; only those `among` the given ids, when given."""
    if dialect == "sqlite":
        # The table name is a constant; the reader's words are a bound parameter.
        sql = f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH :fts_query"  # noqa: S608
        values: list[BindParameter[Any]] = [bindparam("fts_query", fts5_query(list(words)))]
        if among is not None:
            sql += " AND rowid IN :among"
            values.append(bindparam("among", list(among), expanding=True))
        return text(sql).bindparams(*values).columns(column("rowid", Integer))
    config: ColumnElement[Any] = literal_column(f"'{TEXT_SEARCH_CONFIG}'")
    document: ColumnElement[Any] = literal_column(
        f"{IncidentSearch.__tablename__}.{POSTGRES_TSV_COLUMN}"
    )
    query = func.plainto_tsquery(config, " ".join(words))
    found = select(IncidentSearch.incident_id).where(document.op("@@")(query))
    return found if among is None else found.where(IncidentSearch.incident_id.in_(among))


def text_match_condition(q: str, dialect: str) -> ColumnElement[bool] | None:
    """A condition on Incident.id; None when the text has no searchable words."""
    matching = matching_ids(q, dialect)
    return None if matching is None else Incident.id.in_(matching)
