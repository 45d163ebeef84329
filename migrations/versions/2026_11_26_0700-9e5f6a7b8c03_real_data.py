"""real data: districts, figures with a best estimate and parts, actor groups and crosswalk,
import runs

Revision ID: 9e5f6a7b8c03
Revises: 8d4e5f6a7b92
Create Date: 2026-11-26 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e5f6a7b8c03"
down_revision: str | None = "8d4e5f6a7b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"
NEW_CONTENT_TABLES = ("districts", "district_aliases", "import_runs")
# Tables rebuilt by batch mode on SQLite, which drops their triggers: put back afterwards.
REBUILT = ("actors", "casualty_figures", "incidents", "places", "incident_external_ids")
PARTIES_BEFORE = "'civilians', 'combatants', 'unknown'"
PARTIES_AFTER = "'all', 'civilians', 'combatants', 'unknown'"
KINDS_BEFORE = "'civilians', 'other', 'rebel-group', 'state-forces'"
KINDS_AFTER = "'civilians', 'dataset', 'other', 'rebel-group', 'state-forces'"


def _triggers(tables: Sequence[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER IF NOT EXISTS data_version_{table}_{event.lower()}"
                    f" AFTER {event} ON {table} BEGIN {BUMP}; END"
                )
        return
    for table in tables:
        op.execute(f"DROP TRIGGER IF EXISTS data_version_{table} ON {table}")
        op.execute(
            f"CREATE TRIGGER data_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()"
        )


def upgrade() -> None:
    op.create_table(
        "districts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=3), nullable=False),
        sa.Column("province", sa.String(length=200), nullable=False),
        sa.Column("province_slug", sa.String(length=200), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=True),
        sa.Column("on_border", sa.Boolean(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["sector_id"], ["sectors.id"], name=op.f("fk_districts_sector_id_sectors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_districts")),
        sa.UniqueConstraint("slug", name=op.f("uq_districts_slug")),
    )
    op.create_index(op.f("ix_districts_province_slug"), "districts", ["province_slug"])
    op.create_table(
        "district_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"],
            name=op.f("fk_district_aliases_district_id_districts"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_aliases")),
        sa.UniqueConstraint("district_id", "alias", name=op.f("uq_district_aliases_district_id_alias")),
    )
    op.create_index(
        op.f("ix_district_aliases_district_id"), "district_aliases", ["district_id"]
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_import_runs_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_table(
        "actor_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_key", sa.String(length=300), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_actor_mappings_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_mappings")),
    )
    op.create_index("ix_actor_mappings_key", "actor_mappings", ["dataset", "name_key"])
    op.create_table(
        "unmapped_actor_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dataset", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["actors.id"], name=op.f("fk_unmapped_actor_names_actor_id_actors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmapped_actor_names")),
        sa.UniqueConstraint("actor_id", name=op.f("uq_unmapped_actor_names_actor_id")),
    )
    with op.batch_alter_table("actors") as batch:
        batch.add_column(sa.Column("member_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_actors_member_of_id_actors"), "actors", ["member_of_id"], ["id"],
            ondelete="SET NULL",
        )
        batch.drop_constraint(op.f("ck_actors_kind_known"), type_="check")
        batch.create_check_constraint("kind_known", f"kind IN ({KINDS_AFTER})")
    with op.batch_alter_table("casualty_figures") as batch:
        batch.add_column(sa.Column("best", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("part_of_total", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.drop_constraint(op.f("ck_casualty_figures_party_known"), type_="check")
        batch.create_check_constraint("party_known", f"party IN ({PARTIES_AFTER})")
        batch.create_check_constraint(
            "best_within_range", "best IS NULL OR (best >= low AND (high IS NULL OR best <= high))"
        )
    # (incidents keeps AUTOINCREMENT through the rebuild: ids are never given twice)
    with op.batch_alter_table("incidents", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_incidents_district_id_districts"), "districts", ["district_id"], ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(op.f("ix_incidents_district_id"), ["district_id"])
    with op.batch_alter_table("places") as batch:
        batch.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_places_district_id_districts"), "districts", ["district_id"], ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("incident_external_ids") as batch:
        batch.add_column(sa.Column("import_run_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("source_row", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_incident_external_ids_import_run_id_import_runs"), "import_runs",
            ["import_run_id"], ["id"], ondelete="SET NULL",
        )
    _triggers((*REBUILT, *NEW_CONTENT_TABLES))


def downgrade() -> None:
    with op.batch_alter_table("incident_external_ids") as batch:
        batch.drop_constraint(
            op.f("fk_incident_external_ids_import_run_id_import_runs"), type_="foreignkey"
        )
        batch.drop_column("source_row")
        batch.drop_column("import_run_id")
    with op.batch_alter_table("places") as batch:
        batch.drop_constraint(op.f("fk_places_district_id_districts"), type_="foreignkey")
        batch.drop_column("district_id")
    with op.batch_alter_table("incidents", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_index(op.f("ix_incidents_district_id"))
        batch.drop_constraint(op.f("fk_incidents_district_id_districts"), type_="foreignkey")
        batch.drop_column("district_id")
    op.execute("DELETE FROM casualty_figures WHERE part_of_total OR party = 'all'")
    with op.batch_alter_table("casualty_figures") as batch:
        batch.drop_constraint(op.f("ck_casualty_figures_best_within_range"), type_="check")
        batch.drop_constraint(op.f("ck_casualty_figures_party_known"), type_="check")
        batch.create_check_constraint("party_known", f"party IN ({PARTIES_BEFORE})")
        batch.drop_column("part_of_total")
        batch.drop_column("best")
    op.execute("UPDATE actors SET kind = 'other' WHERE kind = 'dataset'")
    with op.batch_alter_table("actors") as batch:
        batch.drop_constraint(op.f("ck_actors_kind_known"), type_="check")
        batch.create_check_constraint("kind_known", f"kind IN ({KINDS_BEFORE})")
        batch.drop_constraint(op.f("fk_actors_member_of_id_actors"), type_="foreignkey")
        batch.drop_column("member_of_id")
    op.drop_table("unmapped_actor_names")
    op.drop_index("ix_actor_mappings_key", table_name="actor_mappings")
    op.drop_table("actor_mappings")
    if op.get_bind().dialect.name == "sqlite":
        for table in NEW_CONTENT_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS data_version_{table}_{event}")
    op.drop_table("import_runs")
    op.drop_index(op.f("ix_district_aliases_district_id"), table_name="district_aliases")
    op.drop_table("district_aliases")
    op.drop_index(op.f("ix_districts_province_slug"), table_name="districts")
    op.drop_table("districts")
    _triggers(REBUILT)
