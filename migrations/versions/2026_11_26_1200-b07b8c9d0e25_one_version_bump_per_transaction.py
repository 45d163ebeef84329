"""one data-version bump per transaction on PostgreSQL

The statement triggers raised the version once per statement. A bulk write sent as many
statements (an executemany of 20,000 rows) updated the one data_version row 20,000 times in one
transaction, and each update walks the row versions the earlier ones left: the import slowed to
a crawl, quadratically. The version only has to change when the transaction commits, so the
trigger now raises it once per transaction (a transaction-local setting remembers it did; a
rolled-back savepoint forgets it, with the update it undid).

Revision ID: b07b8c9d0e25
Revises: af6a7b8c9d14
Create Date: 2026-11-26 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b07b8c9d0e25"
down_revision: str | None = "af6a7b8c9d14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP = "UPDATE data_version SET version = version + 1 WHERE id = 1"
ONCE = (
    "CREATE OR REPLACE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    " IF current_setting('app.data_version_bumped', true) IS DISTINCT FROM"
    " txid_current()::text THEN"
    f" {BUMP};"
    " PERFORM set_config('app.data_version_bumped', txid_current()::text, true);"
    " END IF;"
    " RETURN NULL;"
    " END $$"
)
EVERY_STATEMENT = (
    "CREATE OR REPLACE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS"
    f" $$ BEGIN {BUMP}; RETURN NULL; END $$"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(ONCE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(EVERY_STATEMENT)
