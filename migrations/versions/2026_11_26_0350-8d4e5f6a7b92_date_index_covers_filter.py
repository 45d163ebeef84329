"""the date index also holds date_end and review_state, which the date filter checks

Revision ID: 8d4e5f6a7b92
Revises: 7c3f4e5d6a81
Create Date: 2026-11-26 03:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8d4e5f6a7b92"
down_revision: str | None = "7c3f4e5d6a81"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_incidents_date_start", table_name="incidents")
    op.create_index(
        "ix_incidents_date_start", "incidents", ["date_start", "date_end", "review_state"]
    )


def downgrade() -> None:
    op.drop_index("ix_incidents_date_start", table_name="incidents")
    op.create_index("ix_incidents_date_start", "incidents", ["date_start"])
