"""indexes the incident list and its facets use at scale

Revision ID: 6b2e3d4c5f70
Revises: 5a1d2c3b4e6f
Create Date: 2026-11-26 02:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6b2e3d4c5f70"
down_revision: str | None = "5a1d2c3b4e6f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_incidents_sector_id_date_start", "incidents", ["sector_id", "date_start"]
    )
    # Each new index starts with the old one's column, so it serves every query the old did.
    op.create_index(
        "ix_incident_actors_actor_id_incident_id", "incident_actors", ["actor_id", "incident_id"]
    )
    op.drop_index("ix_incident_actors_actor_id", table_name="incident_actors")
    op.create_index("ix_claims_incident_id_status", "claims", ["incident_id", "status"])
    op.create_index("ix_claims_status_incident_id", "claims", ["status", "incident_id"])
    op.drop_index("ix_claims_incident_id", table_name="claims")


def downgrade() -> None:
    op.create_index("ix_claims_incident_id", "claims", ["incident_id"])
    op.drop_index("ix_claims_status_incident_id", table_name="claims")
    op.drop_index("ix_claims_incident_id_status", table_name="claims")
    op.create_index("ix_incident_actors_actor_id", "incident_actors", ["actor_id"])
    op.drop_index("ix_incident_actors_actor_id_incident_id", table_name="incident_actors")
    op.drop_index("ix_incidents_sector_id_date_start", table_name="incidents")
