"""Every assessed figure non-negative; sources only with web (or urn:) addresses.

Revision ID: c3d4e5f6a7b8
Revises: b7e1c2d3a4f5
Create Date: 2026-11-26 00:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3d4e5f6a7b8"
down_revision: str | None = "b7e1c2d3a4f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ASSESSED = (
    "assessed_killed_low",
    "assessed_killed_best",
    "assessed_killed_high",
    "assessed_wounded_low",
    "assessed_wounded_high",
)
URL_SCHEME = (
    "lower(substr(url, 1, 8)) = 'https://' OR lower(substr(url, 1, 7)) = 'http://'"
    " OR lower(substr(url, 1, 4)) = 'urn:'"
)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(op.f("ck_incidents_assessed_non_negative"), type_="check")
        batch.create_check_constraint(
            "assessed_figures_non_negative",
            " AND ".join(f"({c} IS NULL OR {c} >= 0)" for c in ASSESSED),
        )
    with op.batch_alter_table("sources") as batch:
        batch.create_check_constraint("url_scheme", URL_SCHEME)


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_constraint(op.f("ck_sources_url_scheme"), type_="check")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_constraint(op.f("ck_incidents_assessed_figures_non_negative"), type_="check")
        batch.create_check_constraint(
            "assessed_non_negative", "assessed_killed_low >= 0 AND assessed_wounded_low >= 0"
        )
