"""incident changes: which incidents each committed write touched, for the facet index

Triggers on the tables the facet index reads (services/facet_index.py) write the id of every
incident a write touches, under the data version that write commits as, so each worker's
index catches up by reloading those incidents alone. `data_version.changes_from` is the first
version whose changes are all written down: a truncate, a bulk write and a restore move it on,
and an index older than it is rebuilt from the tables.

On PostgreSQL the version a transaction commits as is taken (and raised, once) before its first
change is written: writers queue on the data_version row, so every version up to the one a
reader sees has committed, with all its changes. On SQLite there is one writer at a time, and a
change is written under the version before the write plus one: never a version a reader has
already seen, at worst one it reads again.

Revision ID: c18c9d0e1f36
Revises: b07b8c9d0e25
Create Date: 2026-11-26 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c18c9d0e1f36"
down_revision: str | None = "b07b8c9d0e25"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table the index reads, and how a row of it names its incident (`{row}` is the row). A
# later migration that rebuilds one of these tables in SQLite's batch mode must put its
# triggers back.
INCIDENT_OF = {
    "incidents": "{row}.id",
    "claims": "{row}.incident_id",
    "incident_actors": "{row}.incident_id",
    "incident_external_ids": "{row}.incident_id",
    "casualty_figures": "(SELECT claims.incident_id FROM claims WHERE claims.id = {row}.claim_id)",
}
BUMPED = (
    "IF current_setting('app.data_version_bumped', true) IS DISTINCT FROM txid_current()::text"
    " THEN UPDATE data_version SET version = version + 1 WHERE id = 1;"
    " PERFORM set_config('app.data_version_bumped', txid_current()::text, true);"
    " END IF;"
)


def _sqlite_triggers() -> None:
    for table, incident in INCIDENT_OF.items():
        new, old = incident.format(row="NEW"), incident.format(row="OLD")
        write = "INSERT INTO incident_changes (version, incident_id) SELECT version + 1, {} FROM data_version WHERE id = 1 AND {} IS NOT NULL"  # noqa: E501
        bodies = {
            "insert": write.format(new, new) + ";",
            "update": write.format(new, new)
            + "; "
            + write.format(old, old)
            + f" AND {old} IS NOT {new};",
            "delete": write.format(old, old) + ";",
        }
        for event, body in bodies.items():
            op.execute(
                f"CREATE TRIGGER incident_changes_{table}_{event} AFTER {event.upper()} ON {table}"
                f" BEGIN {body} END"
            )


def _postgresql_triggers() -> None:
    op.execute(
        "CREATE OR REPLACE FUNCTION data_version_now() RETURNS bigint LANGUAGE plpgsql AS $$"
        f" BEGIN {BUMPED} RETURN (SELECT version FROM data_version WHERE id = 1); END $$"
    )
    op.execute(
        "CREATE OR REPLACE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM data_version_now(); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE FUNCTION incident_changes_lost() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN UPDATE data_version SET changes_from = data_version_now() + 1 WHERE id = 1;"
        " RETURN NULL; END $$"
    )
    for table, incident in INCIDENT_OF.items():
        for event, rows in (("insert", ("new",)), ("update", ("new", "old")), ("delete", ("old",))):
            picks = " UNION ".join(
                f"SELECT {incident.format(row=f'{r}_rows')} AS id FROM {r}_rows" for r in rows
            )
            op.execute(
                f"CREATE FUNCTION incident_changes_{table}_{event}() RETURNS trigger"
                " LANGUAGE plpgsql AS $$ BEGIN"
                " INSERT INTO incident_changes (version, incident_id)"
                f" SELECT data_version_now(), id FROM ({picks}) AS touched WHERE id IS NOT NULL;"
                " RETURN NULL; END $$"
            )
            referencing = " ".join(f"{r.upper()} TABLE AS {r}_rows" for r in rows)
            op.execute(
                f"CREATE TRIGGER incident_changes_{table}_{event} AFTER {event.upper()} ON {table}"
                f" REFERENCING {referencing} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION incident_changes_{table}_{event}()"
            )
        op.execute(
            f"CREATE TRIGGER incident_changes_{table}_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION incident_changes_lost()"
        )


def upgrade() -> None:
    op.create_table(
        "incident_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_changes")),
    )
    op.create_index("ix_incident_changes_version", "incident_changes", ["version", "incident_id"])
    # A plain ALTER, not batch mode: rebuilding data_version would trip its triggers on SQLite.
    op.add_column(
        "data_version",
        sa.Column("changes_from", sa.BigInteger(), nullable=False, server_default="0"),
    )
    # Nothing was written down before now.
    op.execute("UPDATE data_version SET changes_from = version + 1")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_triggers()
    else:
        _postgresql_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in INCIDENT_OF:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS incident_changes_{table}_{event}")
    else:
        for table in INCIDENT_OF:
            for event in ("insert", "update", "delete", "truncate"):
                op.execute(f"DROP TRIGGER IF EXISTS incident_changes_{table}_{event} ON {table}")
                if event != "truncate":
                    op.execute(f"DROP FUNCTION IF EXISTS incident_changes_{table}_{event}()")
        op.execute("DROP FUNCTION IF EXISTS incident_changes_lost()")
        op.execute(
            "CREATE OR REPLACE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS"
            f" $$ BEGIN {BUMPED} RETURN NULL; END $$"
        )
        op.execute("DROP FUNCTION IF EXISTS data_version_now()")
    op.drop_column("data_version", "changes_from")
    op.drop_index("ix_incident_changes_version", table_name="incident_changes")
    op.drop_table("incident_changes")
