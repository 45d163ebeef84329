"""search changes: a change to an incident's search document is a change to the incident

The facet index keeps the matches of recent text searches and matches changed incidents again
as it catches up (services/facet_index.py). A search document also changes without its incident
(an actor or a place renamed): its incident is written down in incident_changes too, as the
incident_changes migration does for the other tables the index reads.

Revision ID: d29dae1f2a47
Revises: c18c9d0e1f36
Create Date: 2026-11-27 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d29dae1f2a47"
down_revision: str | None = "c18c9d0e1f36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "incident_search"
SQLITE_WRITE = (
    "INSERT INTO incident_changes (version, incident_id)"
    " SELECT version + 1, {row}.incident_id FROM data_version WHERE id = 1"
)
SQLITE_BODIES = {
    "insert": SQLITE_WRITE.format(row="NEW") + ";",
    "update": SQLITE_WRITE.format(row="NEW")
    + "; "
    + SQLITE_WRITE.format(row="OLD")
    + " AND OLD.incident_id IS NOT NEW.incident_id;",
    "delete": SQLITE_WRITE.format(row="OLD") + ";",
}
POSTGRES_ROWS = {"insert": ("new",), "update": ("new", "old"), "delete": ("old",)}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event, body in SQLITE_BODIES.items():
            op.execute(
                f"CREATE TRIGGER incident_changes_{TABLE}_{event} AFTER {event.upper()} ON {TABLE}"
                f" BEGIN {body} END"
            )
        return
    for event, rows in POSTGRES_ROWS.items():
        picks = " UNION ".join(f"SELECT incident_id AS id FROM {r}_rows" for r in rows)
        op.execute(
            f"CREATE FUNCTION incident_changes_{TABLE}_{event}() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            " INSERT INTO incident_changes (version, incident_id)"
            f" SELECT data_version_now(), id FROM ({picks}) AS touched WHERE id IS NOT NULL;"
            " RETURN NULL; END $$"
        )
        referencing = " ".join(f"{r.upper()} TABLE AS {r}_rows" for r in rows)
        op.execute(
            f"CREATE TRIGGER incident_changes_{TABLE}_{event} AFTER {event.upper()} ON {TABLE}"
            f" REFERENCING {referencing} FOR EACH STATEMENT"
            f" EXECUTE FUNCTION incident_changes_{TABLE}_{event}()"
        )
    op.execute(
        f"CREATE TRIGGER incident_changes_{TABLE}_truncate AFTER TRUNCATE ON {TABLE}"
        " FOR EACH STATEMENT EXECUTE FUNCTION incident_changes_lost()"
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for event in ("insert", "update", "delete", "truncate"):
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS incident_changes_{TABLE}_{event}")
            continue
        op.execute(f"DROP TRIGGER IF EXISTS incident_changes_{TABLE}_{event} ON {TABLE}")
        if event != "truncate":
            op.execute(f"DROP FUNCTION IF EXISTS incident_changes_{TABLE}_{event}()")
