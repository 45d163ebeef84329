"""SQLite: incidents, claims and sources never reuse the id of a deleted row.

PostgreSQL sequences never reuse ids; SQLite reuses the highest one unless the table is declared
AUTOINCREMENT, which only a rebuild can add.

Revision ID: d4e5f6a7b8c9
Revises: aab7edfc2c5c
Create Date: 2026-11-26 00:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d4e5f6a7b8c9"
down_revision: str | None = "aab7edfc2c5c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("incidents", "claims", "sources")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
