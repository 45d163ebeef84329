"""matches and merges: proposals between datasets' records, merges that can be undone, and the
claim each dataset record carries

Revision ID: af6a7b8c9d14
Revises: 9e5f6a7b8c03
Create Date: 2026-11-26 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "af6a7b8c9d14"
down_revision: str | None = "9e5f6a7b8c03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"
# incident_external_ids is rebuilt by batch mode on SQLite, which drops its triggers; merges
# is new content (a merged-away link's answer depends on it).
TRIGGERED = ("incident_external_ids", "merges")


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
        "match_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("low_id < high_id", name=op.f("ck_match_proposals_pair_ordered")),
        sa.CheckConstraint(
            "state IN ('accepted', 'later', 'open', 'rejected')",
            name=op.f("ck_match_proposals_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_match_proposals_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_proposals")),
        sa.UniqueConstraint("low_id", "high_id", name=op.f("uq_match_proposals_low_id_high_id")),
    )
    op.create_index(op.f("ix_match_proposals_high_id"), "match_proposals", ["high_id"])
    op.create_index(
        "ix_match_proposals_state_score", "match_proposals", ["state", "score"]
    )
    op.create_table(
        "merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("merged_row", sa.JSON(), nullable=False),
        sa.Column("merged_links", sa.JSON(), nullable=False),
        sa.Column("survivor_row", sa.JSON(), nullable=False),
        sa.Column("survivor_links", sa.JSON(), nullable=False),
        sa.Column("claim_ids", sa.JSON(), nullable=False),
        sa.Column("external_id_ids", sa.JSON(), nullable=False),
        sa.Column("survivor_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_merges_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merges")),
    )
    op.create_index("ix_merges_merged_id", "merges", ["merged_id", "undone_at"])
    op.create_index(op.f("ix_merges_survivor_id"), "merges", ["survivor_id"])
    with op.batch_alter_table("incident_external_ids") as batch:
        batch.add_column(sa.Column("claim_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_incident_external_ids_claim_id_claims"), "claims", ["claim_id"], ["id"],
            ondelete="SET NULL",
        )
    # Until now an incident held one dataset record: its claim is the one by the dataset.
    op.execute(
        "UPDATE incident_external_ids SET claim_id = (SELECT min(claims.id) FROM claims"
        " JOIN actors ON actors.id = claims.claimant_actor_id"
        " WHERE claims.incident_id = incident_external_ids.incident_id"
        " AND actors.slug = incident_external_ids.dataset)"
    )
    _triggers(TRIGGERED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS data_version_merges ON merges")
    with op.batch_alter_table("incident_external_ids") as batch:
        batch.drop_constraint(
            op.f("fk_incident_external_ids_claim_id_claims"), type_="foreignkey"
        )
        batch.drop_column("claim_id")
    op.drop_index(op.f("ix_merges_survivor_id"), table_name="merges")
    op.drop_index("ix_merges_merged_id", table_name="merges")
    op.drop_table("merges")
    op.drop_index("ix_match_proposals_state_score", table_name="match_proposals")
    op.drop_index(op.f("ix_match_proposals_high_id"), table_name="match_proposals")
    op.drop_table("match_proposals")
    _triggers(("incident_external_ids",))
